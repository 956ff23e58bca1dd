"""The map tables of docs/maps.md, generated from the entity specs, so that they cannot drift from the code.

Each table stands in docs/maps.md between `<!-- map:{slug} -->` and `<!-- /map:{slug} -->`;
tests/unit/test_readme_maps.py checks that it is exactly what `table(spec)` renders.

    .venv/bin/python -m tests.maps_doc            # print every table
    .venv/bin/python -m tests.maps_doc --write    # replace them in docs/maps.md (a new entity's gets a section)

The business events table of docs/connecting.md (`<!-- business-events -->`) is written from the specs the same way.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import typing
from pathlib import Path
from typing import Any

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from shared.converters import IDENTITY
from shared.edge.callers.fno import BUSINESS_EVENTS
from shared.entities import ENTITIES
from shared.entities.common import INT32_MAX, Length
from shared.entities.spec import Direction, EntitySpec, FieldPair, Foreign, Side

DOCS = Path(__file__).resolve().parents[1] / "docs"
DOC = DOCS / "maps.md"
EVENTS_DOC = DOCS / "connecting.md"
KINDS = ("upsert", "delete")
_SPECIAL = {INT32_MAX: "2³¹−1", -INT32_MAX - 1: "−2³¹"}


def table(spec: EntitySpec) -> str:
    """The map of one entity as a Markdown table: key, fields in the spec's order, then the time."""
    fs, scm = spec.fs, spec.scm
    lines = [
        f"| FS `{fs.entity_name}` | | SCM `{scm.entity_name}` | types and rules |",
        "|---|---|---|---|",
        f"| `{fs.company_field}` | key | `{scm.company_field}` | a configured company; "
        f"{describe(fs.model, fs.company_field, required=False)} |",
        *(_row(spec, pair) for pair in spec.fields),
        f"| `{fs.modified_field}` | time | `{scm.modified_field}` | the version; last writer wins |",
    ]
    return "\n".join(lines)


def _row(spec: EntitySpec, pair: FieldPair) -> str:
    fs_cell = f"`{pair.fs}`" + (f" → `{pair.lookup}`" if pair.lookup else "") if pair.fs else "—"
    scm_cell = f"`{pair.scm}`" if pair.scm else "—"
    key = pair.fs == spec.fs.id_field and pair.direction is Direction.BOTH
    rules = [
        "key" if key else "",
        "" if pair.converter.table else _types(spec, pair, required=not key),  # a value map says it all
        "" if pair.converter is IDENTITY else pair.converter.doc,
        pair.note,
        *(_foreign(spec, ref) for ref in spec.foreign if (ref.fs, ref.scm) == (pair.fs, pair.scm)),
    ]
    return f"| {fs_cell} | {_direction(pair)} | {scm_cell} | {'; '.join(part for part in rules if part)} |"


def _foreign(spec: EntitySpec, ref: Foreign) -> str:
    named = ENTITIES[ref.entity].title.lower()
    return (
        f"a {named} of the same company that each side holds (rule `{ref.rule}`); "
        f"a {named} that a {spec.title.lower()} names is not deleted"
    )


def _direction(pair: FieldPair) -> str:
    if pair.direction is Direction.BOTH:
        return "=" if pair.converter is IDENTITY else "><"
    return {Direction.TO_FS: ">", Direction.FS_ONLY: "FS only", Direction.SCM_ONLY: "SCM only"}[pair.direction]


def _types(spec: EntitySpec, pair: FieldPair, required: bool) -> str:
    sides: list[Side] = [side for side in ("fs", "scm") if pair.name(side)]
    if pair.direction is Direction.TO_FS:
        sides = ["fs"]
    described = {side: describe(spec.side(side).model, pair.name(side) or "", required) for side in sides}
    if len(set(described.values())) == 1:
        return next(iter(described.values()))
    return ", ".join(f"{side.upper()} {text}" for side, text in described.items())


def describe(model: type[BaseModel], name: str, required: bool = True) -> str:
    """A field's type and bounds in a few words: `text ≤ 60`, `whole number 0 … 31`, `text 1–10, **required**`.
    An optional text has no least length: blank is no value."""
    info = model.model_fields[name]
    found = _metadata(info.annotation, list(info.metadata))
    kinds = [item for item in found if isinstance(item, type) or typing.get_origin(item) is typing.Literal]
    words = _kind(kinds)
    length = next((item for item in found if isinstance(item, Length)), None)
    low = next((item.ge for item in found if isinstance(item, annotated_types.Ge)), None)
    high = next((item.le for item in found if isinstance(item, annotated_types.Le)), None)
    if length is not None:
        words += f" {length.min}–{length.max:,}" if length.min and info.is_required() else f" ≤ {length.max:,}"
    if low is not None and high is not None:
        words += f" {_number(low)} … {_number(high)}" if low != -high else f" ±{_number(high)}"
    return words + (", **required**" if required and info.is_required() else "")


def _kind(kinds: list[Any]) -> str:
    for kind, word in ((str, "text"), (bool, "bool"), (int, "whole number"), (float, "number")):
        if kind in kinds:
            return word
    if dt.datetime in kinds:
        return "time"
    if dt.date in kinds:
        return "date"
    literal = next(item for item in kinds if typing.get_origin(item) is typing.Literal)
    return "option" if isinstance(typing.get_args(literal)[0], int) else "enum name (any letter case)"


def _number(value: Any) -> str:
    return _SPECIAL.get(value, f"{value:,}".replace("-", "−"))


def _metadata(annotation: Any, found: list[Any]) -> list[Any]:
    """The types and constraint objects of an annotation, through Annotated, unions and FieldInfo."""
    for item in list(found):
        if isinstance(item, FieldInfo):
            found += item.metadata
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        base, *meta = typing.get_args(annotation)
        return _metadata(base, found + meta)
    if origin is typing.Literal:
        return [*found, annotation]
    if origin is None:
        return found if annotation is type(None) else [*found, annotation]
    for arg in typing.get_args(annotation):
        found = _metadata(arg, found)
    return found


def block(slug: str) -> tuple[str, str]:
    return f"<!-- map:{slug} -->\n", f"\n<!-- /map:{slug} -->"


def in_doc(text: str, slug: str) -> str | None:
    """The table a document holds for an entity, or None when it has no markers for it."""
    start, end = block(slug)
    match = re.search(re.escape(start) + "(.*?)" + re.escape(end), text, re.DOTALL)
    return match.group(1) if match else None


EVENTS = ("<!-- business-events -->\n", "\n<!-- /business-events -->")


def events_table() -> str:
    """The business events each SCM route takes (shared/edge/callers/fno.py), as docs/connecting.md lists them."""
    lines = ["| Route | Upsert | Delete |", "|---|---|---|"]
    for slug, events in BUSINESS_EVENTS.items():
        upsert, delete = (next(event for event, action in events.items() if action == kind) for kind in KINDS)
        lines.append(f"| `POST /api/scm/{slug}` | `{upsert}` | `{delete}` |")
    return "\n".join(lines)


def written(text: str) -> str:
    """docs/maps.md with every map table as the code says; an entity without a table gets a section of its own
    after the last map section."""
    for slug, spec in ENTITIES.items():
        start, end = block(slug)
        if (old := in_doc(text, slug)) is not None:
            text = text.replace(start + old + end, start + table(spec) + end)
            continue
        last = text.rindex("<!-- /map:")
        after = text.find("\n## ", last)
        section = f"\n## {spec.title} map\n\n{start}{table(spec)}{end}\n"
        text = text + section if after < 0 else text[: after + 1] + section.lstrip("\n") + "\n" + text[after + 1 :]
    return text


def written_events(text: str) -> str:
    """docs/connecting.md with the business events table as the code says."""
    start, end = EVENTS
    held = re.search(re.escape(start) + "(.*?)" + re.escape(end), text, re.DOTALL)
    if held is not None:
        text = text.replace(start + held.group(1) + end, start + events_table() + end)
    return text


def main(argv: list[str]) -> None:
    if "--write" not in argv:
        for slug, spec in ENTITIES.items():
            print("".join((block(slug)[0], table(spec), block(slug)[1])), end="\n\n")
        print("".join((EVENTS[0], events_table(), EVENTS[1])))
        return
    DOC.write_text(written(DOC.read_text(encoding="utf-8")), encoding="utf-8")
    EVENTS_DOC.write_text(written_events(EVENTS_DOC.read_text(encoding="utf-8")), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
