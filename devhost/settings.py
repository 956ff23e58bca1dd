"""App settings, as the Functions host sees them: environment variables.

`local.settings.json` Values are copied into the environment at start-up, but a variable already
set wins (Core Tools does the same), so a shell or a test can override any of them.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, MutableMapping
from pathlib import Path

from .connections import checked_connection
from .failures import HostConfigError

_EXPRESSION = re.compile(r"%([^%]+)%")
DEFAULT_CONNECTION = "AzureWebJobsStorage"


def load_local_settings(path: Path, environ: MutableMapping[str, str] | None = None) -> list[str]:
    """Copy `Values` of a local.settings.json into the environment; returns the names it set.

    Every value is checked before any is set, so a bad file changes nothing and the error names the
    setting and what is wrong with it (never its value: it may be a secret).
    """
    environ = os.environ if environ is None else environ
    if not path.exists():
        return []
    values = {name: _as_text(path, name, value) for name, value in _values(path).items()}
    added = [name for name in values if name not in environ]
    for name in added:
        environ[name] = values[name]
    return added


def _values(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise HostConfigError(f"{path}: cannot read it ({exc.strerror or type(exc).__name__})") from exc
    except ValueError as exc:
        raise HostConfigError(f"{path}: not valid JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise HostConfigError(f'{path}: expected a JSON object with a "Values" object, found {_kind(data)}')
    values = data.get("Values", {})
    if not isinstance(values, dict):
        raise HostConfigError(
            f'{path}: "Values" must be an object of app settings ("NAME": "value"), found {_kind(values)}'
        )
    return values


def _as_text(path: Path, name: str, value: object) -> str:
    """A setting as the environment holds it: text; numbers and true/false spelled as JSON does."""
    quoted = json.dumps(name)  # one line, whatever the name holds
    if not name or "=" in name or "\0" in name:
        raise HostConfigError(f"{path}: setting {quoted} in Values cannot be an environment variable name")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float) and "\0" not in str(value):
        return str(value)
    why = "contains a NUL character" if isinstance(value, str) else f"is {_kind(value)}"
    raise HostConfigError(f"{path}: setting {quoted} in Values {why}; an app setting is text, a number or true/false")


def _kind(value: object) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "a list", str: "text", bool: "true/false"}.get(type(value), "a number")


def resolve(text: str, environ: Mapping[str, str] | None = None) -> str:
    """Replace `%Name%` binding expressions by app settings, like the host does for queue names."""
    environ = os.environ if environ is None else environ

    def setting(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in environ:
            raise HostConfigError(f"{text!r} refers to app setting {name!r}, which is not set")
        return environ[name]

    return _EXPRESSION.sub(setting, text)


def connection_string(connection: str | None, environ: Mapping[str, str] | None = None) -> str:
    """The storage connection string a trigger names: the setting itself or `AzureWebJobs<name>`,
    checked so that a malformed one stops the host with one sentence instead of an SDK traceback."""
    environ = os.environ if environ is None else environ
    name = connection or DEFAULT_CONNECTION
    for candidate in (name, f"AzureWebJobs{name}"):
        value = environ.get(candidate, "").strip()
        if value:
            return checked_connection(candidate, value)
    raise HostConfigError(
        f"connection {name!r} is not set: put a storage connection string in that app setting "
        "(local.settings.json Values or the environment)"
    )
