"""The app's log lines: their structured fields, and the one place that sets level and format.

Every log line about a record carries `log_fields` (entity, key, side, operation id, and for the line that
says how a change ended, its outcome and duration) as `extra=`. `SYNC_LOG_FORMAT=json` writes each line as
one JSON object holding them, so that a query can filter on them; `text` (the default) writes time, level,
logger and message. `configure` runs once, where the app starts (functions/runtime.py), so the local host
and the Functions host in Azure follow the same two settings.

Key text comes from callers: `Key.__str__` and `keys.printable` escape control characters, so no
caller can forge a log line through a line break in an id.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from shared import jsonio
from shared.errors import ConfigurationError
from shared.keys import Key

SETTINGS = ("SYNC_LOG_LEVEL", "SYNC_LOG_FORMAT")  # read here, from the environment: see read_config
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# The `extra=` names a JSON line carries, in this order: what a query filters or sums on.
FIELDS = (
    "entity",
    "key",
    "side",
    "operation_id",
    "outcome",
    "duration_ms",
    "status",
    "code",
    "error_source",
    "job",
    "kind",
    "phase",
    "rows_done",
    "rows_total",
    "rows_per_s",
)

# The storage SDK logs every HTTP call at INFO: below WARNING it would drown the app's own lines (and bill
# Application Insights for them) unless DEBUG is asked for.
QUIET_LOGGERS = ("azure", "urllib3")


def log_fields(
    entity: str,
    key: Key | None = None,
    side: str | None = None,
    operation_id: str | None = None,
    **more: Any,
) -> dict[str, Any]:
    """The `extra=` of a log call about one record (values already safe to log); `more` adds other FIELDS
    such as outcome and duration_ms."""
    fields: dict[str, Any] = {"entity": entity}
    if key is not None:
        fields["key"] = str(key)
    if side is not None:
        fields["side"] = side
    if operation_id is not None:
        fields["operation_id"] = operation_id
    fields.update({name: value for name, value in more.items() if value is not None})
    return fields


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, and the FIELDS the call gave."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update({name: _plain(getattr(record, name)) for name in FIELDS if hasattr(record, name)})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return jsonio.dumps(line).decode()


def _plain(value: Any) -> Any:
    """A field as JSON holds it: a value of another type (a Key, a date) as its text, so that no caller's
    `extra=` can break the line."""
    return value if value is None or isinstance(value, (str, int, float, bool)) else str(value)


def read_config(environ: Mapping[str, str]) -> tuple[int, str]:
    """SYNC_LOG_LEVEL and SYNC_LOG_FORMAT, or a ConfigurationError naming each bad one (and what it may be)."""
    level = environ.get("SYNC_LOG_LEVEL", "").strip().upper() or "INFO"
    form = environ.get("SYNC_LOG_FORMAT", "").strip().lower() or "text"
    problems = []
    if level not in LEVELS:
        problems.append({"setting": "SYNC_LOG_LEVEL", "problem": f"must be one of {', '.join(LEVELS)}"})
    if form not in FORMATS:
        problems.append({"setting": "SYNC_LOG_FORMAT", "problem": f"must be one of {', '.join(FORMATS)}"})
    if problems:
        named = "; ".join(f"{p['setting']} {p['problem']}" for p in problems)
        raise ConfigurationError(f"the app's log settings are invalid: {named}", details=problems)
    return logging.getLevelNamesMapping()[level], form


def configure(environ: Mapping[str, str]) -> None:
    """Set the root logger's level and the format of every handler on it: the local host's stream, or the
    Functions worker's handler in Azure (which sends the formatted line to the host, and so to Application
    Insights, as the trace's message). A process without a handler keeps Python's last resort (warnings on
    stderr): the app adds no output of its own."""
    level, form = read_config(environ)
    formatter = JsonFormatter() if form == "json" else logging.Formatter(TEXT_FORMAT)
    root = logging.getLogger()
    for handler in root.handlers:
        handler.setFormatter(formatter)
    root.setLevel(level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(level if level == logging.DEBUG else max(level, logging.WARNING))
