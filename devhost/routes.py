"""Functions route templates ("items/{id:int}/{tail?}", "{*path}") as werkzeug rules.

Werkzeug already ranks literal segments above parameters above catch-alls and lets a request
fall through to another rule when its method does not match, which is what ASP.NET routing does.
What it lacks is optional segments: each trailing optional segment becomes one more rule.
Catch-all templates are told apart (`has_catch_all`) so that the router can try them last.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from werkzeug.routing import BaseConverter

_TOKEN = re.compile(r"\{([^{}]+)\}")


class _Text(BaseConverter):
    """A constrained segment kept as text: the host passes route parameters as strings."""

    def to_python(self, value: str) -> str:
        return value


class IntSegment(_Text):
    regex = r"-?\d+"
    weight = 50


class AlphaSegment(_Text):
    regex = r"[A-Za-z]+"
    weight = 60


class BoolSegment(_Text):
    regex = r"(?i:true|false)"
    weight = 60


class GuidSegment(_Text):
    regex = r"\{?[0-9A-Fa-f]{8}-?(?:[0-9A-Fa-f]{4}-?){3}[0-9A-Fa-f]{12}\}?"
    weight = 60


CONVERTERS: dict[str, type[BaseConverter]] = {
    "f_int": IntSegment,
    "f_alpha": AlphaSegment,
    "f_bool": BoolSegment,
    "f_guid": GuidSegment,
}
_CONSTRAINTS = {"int": "f_int", "long": "f_int", "alpha": "f_alpha", "bool": "f_bool", "guid": "f_guid"}


@dataclass(frozen=True)
class Parameter:
    name: str
    converter: str = "default"
    optional: bool = False
    catch_all: bool = False
    default: str | None = None

    @classmethod
    def parse(cls, token: str) -> Parameter:
        """`name`, `name?`, `name=value`, `*name`, `**name`, `name:int`, `name:int:min(1)`..."""
        catch_all = token.startswith("*")
        token = token.lstrip("*")
        optional = token.endswith("?")
        token = token.rstrip("?")
        token, _, default = token.partition("=")
        name, *constraints = token.split(":")
        converter = next((_CONSTRAINTS[c] for c in constraints if c in _CONSTRAINTS), "default")
        return cls(
            name=name.strip(),
            converter="path" if catch_all else converter,
            optional=optional or catch_all or bool(default),
            catch_all=catch_all,
            default=default or None,
        )

    def rule_text(self) -> str:
        return f"<{self.converter}:{self.name}>"


@dataclass(frozen=True)
class Variant:
    """One werkzeug rule for a template, with the defaults of the optional parts it leaves out."""

    rule: str
    defaults: dict[str, str] = field(default_factory=dict)


def has_catch_all(template: str) -> bool:
    """True for a template with a `{*name}` parameter, which matches any path below its prefix."""
    return any(Parameter.parse(token).catch_all for token in _TOKEN.findall(template))


def variants(route_prefix: str, template: str) -> list[Variant]:
    segments = [s for s in template.strip("/").split("/") if s]
    required, optional = _split_trailing_optional(segments)
    base = [p for p in (route_prefix.strip("/"),) if p] + [_segment_rule(s) for s in required]
    found = []
    for used in range(len(optional) + 1):
        parts = base + [p.rule_text() for p in optional[:used]]
        defaults = {p.name: p.default for p in optional[used:] if p.default is not None}
        found.append(Variant("/" + "/".join(parts), defaults))
    return found


def _split_trailing_optional(segments: list[str]) -> tuple[list[str], list[Parameter]]:
    # ASP.NET allows optional parameters only at the end; one earlier on is treated as required.
    optional: list[Parameter] = []
    while segments and (param := _whole_segment_parameter(segments[-1])) and param.optional:
        optional.insert(0, param)
        segments = segments[:-1]
    return segments, optional


def _whole_segment_parameter(segment: str) -> Parameter | None:
    match = _TOKEN.fullmatch(segment)
    return Parameter.parse(match.group(1)) if match else None


def _segment_rule(segment: str) -> str:
    return _TOKEN.sub(lambda m: Parameter.parse(m.group(1)).rule_text(), segment)
