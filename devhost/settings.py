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

from .errors import HostConfigError

_EXPRESSION = re.compile(r"%([^%]+)%")
DEFAULT_CONNECTION = "AzureWebJobsStorage"


def load_local_settings(path: Path, environ: MutableMapping[str, str] | None = None) -> list[str]:
    """Copy `Values` of a local.settings.json into the environment; returns the names it set."""
    environ = os.environ if environ is None else environ
    if not path.exists():
        return []
    try:
        values = json.loads(path.read_text(encoding="utf-8")).get("Values", {})
    except (OSError, ValueError, AttributeError) as exc:
        raise HostConfigError(f"{path}: cannot read its Values ({exc})") from exc
    added = [name for name in values if name not in environ]
    for name in added:
        environ[name] = _as_text(values[name])
    return added


def _as_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


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
    """The storage connection string a trigger names: the setting itself or `AzureWebJobs<name>`."""
    environ = os.environ if environ is None else environ
    name = connection or DEFAULT_CONNECTION
    for candidate in (name, f"AzureWebJobs{name}"):
        value = environ.get(candidate, "").strip()
        if value:
            return value
    raise HostConfigError(
        f"connection {name!r} is not set: put a storage connection string in that app setting "
        "(local.settings.json Values or the environment)"
    )
