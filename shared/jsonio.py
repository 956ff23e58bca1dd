"""The one JSON door: every JSON byte in or out of the project goes through here (orjson)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import orjson

from shared.errors import BadRequestError

_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS
_CANONICAL = _OPTIONS | orjson.OPT_SORT_KEYS


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(value: Any) -> bytes:
    return orjson.dumps(value, default=_default, option=_OPTIONS)


def dumps_canonical(value: Any) -> bytes:
    """Sorted keys, fixed options: equal content gives equal bytes (for hashing)."""
    return orjson.dumps(value, default=_default, option=_CANONICAL)


def loads(data: bytes | str) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise BadRequestError("body is not valid JSON", details=[{"reason": str(exc)}]) from exc


def loads_object(data: bytes | str) -> dict[str, Any]:
    value = loads(data)
    if not isinstance(value, dict):
        raise BadRequestError(f"body must be a JSON object, not {type(value).__name__}")
    return value
