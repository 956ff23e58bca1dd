"""Entities as a Table Storage request body carries them, exactly as azure-data-tables 12.7 serialises them
(azure/data/tables/_serialize.py: _add_entity_properties): each value with its `@odata.type` where the SDK gives
one. shared/tablebatch.py writes transactions with it; tests/unit/test_tablebatch.py checks it against the SDK's
own serializer, value type by value type and on generated entities."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from collections.abc import Callable, Mapping
from contextlib import suppress
from enum import Enum
from math import isnan
from typing import Any

from azure.data.tables import EdmType

INT32 = 2**31
INT64 = 2**63


def _utc(value: dt.datetime) -> str:
    service_value = getattr(value, "tables_service_value", None)
    if service_value:  # a datetime read back from storage: its own text, as the SDK sends it
        return str(service_value)
    with suppress(ValueError):  # as the SDK: a datetime that cannot say its UTC time is sent as it is
        value = value.astimezone(dt.UTC)
    try:
        return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    except ValueError:
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _int32(value: Any) -> int:
    number = int(value)
    if number >= INT32 or number < -INT32:
        raise TypeError(f"{value} is too large to be cast to type {EdmType.INT32}.")
    return number


def _int64(value: Any) -> str:
    number = int(value)
    if number >= INT64 or number < -INT64:
        raise TypeError(f"{value} is too large to be cast to type {EdmType.INT64}.")
    return str(value)


def _double(value: Any) -> Any:
    if isinstance(value, str):
        return value
    if isnan(value):
        return "NaN"
    if value == float("inf"):
        return "Infinity"
    if value == float("-inf"):
        return "-Infinity"
    return value


def _binary(value: Any) -> str:
    return base64.b64encode(value.encode("utf-8") if isinstance(value, str) else value).decode("utf-8")


def _datetime(value: Any) -> str:
    return value if isinstance(value, str) else _utc(value)


# value → (annotation or None, value as sent), by the value's exact type, as the SDK looks it up
_BY_TYPE: dict[type, Callable[[Any], tuple[str | None, Any]]] = {
    str: lambda v: ("Edm.String", v),
    int: lambda v: (None, _int32(v)),
    bool: lambda v: (None, v),
    float: lambda v: ("Edm.Double", _double(v)),
    uuid.UUID: lambda v: ("Edm.Guid", str(v)),
    bytes: lambda v: ("Edm.Binary", _binary(v)),
}
# an EntityProperty's value by its declared EDM type: always annotated
_BY_EDM: dict[EdmType, Callable[[Any], Any]] = {
    EdmType.BINARY: _binary,
    EdmType.BOOLEAN: lambda v: v,
    EdmType.DATETIME: _datetime,
    EdmType.DOUBLE: _double,
    EdmType.GUID: str,
    EdmType.INT32: _int32,
    EdmType.INT64: _int64,
    EdmType.STRING: str,
}


def entity_json(entity: Mapping[str, Any]) -> dict[str, Any]:
    """The entity's properties as the request body carries them, each with its `@odata.type` where the SDK
    gives one (every string, a datetime, Int64, double, guid, binary, and every EntityProperty)."""
    out: dict[str, Any] = {}
    for name, value in entity.items():
        if value is None:
            continue
        kind = type(value)
        edm: str | None
        if kind is str:
            out[name], out[f"{name}@odata.type"] = value, "Edm.String"
            continue
        if isinstance(value, Enum):
            edm, value = "Edm.String", str(value)
        elif isinstance(value, dt.datetime):
            edm, value = "Edm.DateTime", _utc(value)
        elif isinstance(value, tuple):  # EntityProperty(value, edm_type)
            if value[0] is None:
                continue
            declared = EdmType(value[1])
            edm, value = declared.value, _BY_EDM[declared](value[0])
        else:
            convert = _BY_TYPE.get(kind)
            if convert is None:
                raise TypeError(f"Type not supported when sending data to the service: {kind}.")
            edm, value = convert(value)
        out[name] = value
        if edm:
            out[f"{name}@odata.type"] = edm
    return out
