"""Structured log fields: every log line about a record carries them, so that Application Insights
can filter on entity, key, side and operation (they become customDimensions).

Key text comes from callers: `Key.__str__` and `keys.printable` escape control characters, so no
caller can forge a log line through a line break in an id.
"""

from __future__ import annotations

from typing import Any

from shared.keys import Key


def log_fields(
    entity: str, key: Key | None = None, side: str | None = None, operation_id: str | None = None
) -> dict[str, Any]:
    """The `extra=` of a log call about one record (values already safe to log)."""
    fields: dict[str, Any] = {"entity": entity}
    if key is not None:
        fields["key"] = str(key)
    if side is not None:
        fields["side"] = side
    if operation_id is not None:
        fields["operation_id"] = operation_id
    return fields
