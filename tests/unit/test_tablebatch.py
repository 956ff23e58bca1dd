"""shared/tablebatch.py: the private parts of the SDK it reaches into are where it expects them, its entities are
the SDK's own (differentially, against the SDK's serializer), and no transaction in shared/ bypasses it."""

from __future__ import annotations

import datetime as dt
import enum
import re
import uuid
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from azure.data.tables import EdmType, EntityProperty, TableClient
from azure.data.tables._deserialize import TablesEntityDatetime
from azure.data.tables._serialize import _add_entity_properties
from hypothesis import given
from hypothesis import strategies as st

from shared import tablebatch, tableentity

ROOT = Path(__file__).resolve().parents[2]
CONNECTION = (
    "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;"
    "TableEndpoint=http://127.0.0.1:1/devstoreaccount1;"
)


def version(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in metadata.version(name).split(".")[:2])


def test_the_installed_sdk_is_the_tested_one() -> None:
    """requirements.txt pins these; an SDK outside them may have moved what the codec reaches into."""
    assert version("azure-data-tables") == (12, 7), metadata.version("azure-data-tables")
    assert version("azure-core") == (1, 41), metadata.version("azure-core")


def test_the_private_path_is_where_the_codec_reaches() -> None:
    """TableClient._client.send_request (the signed, retried pipeline) and the SDK's error decoding: if either
    moves, this fails first, and the codec's own message names the installed version."""
    client = TableClient.from_connection_string(CONNECTION, "Anything")
    assert callable(tablebatch.pipeline(client).send_request)
    assert callable(tablebatch._decode_error) and callable(tablebatch._validate_tablename_error)


def test_a_moved_private_path_is_said_with_the_installed_version() -> None:
    client = TableClient.from_connection_string(CONNECTION, "Anything")
    del client._client
    with pytest.raises(tablebatch.SdkMovedError, match=r"azure-data-tables 12\.7\.\d+ has no TableClient\._client"):
        tablebatch.submit(client, [("upsert", {"PartitionKey": "a", "RowKey": "b"})])


def test_no_transaction_in_shared_bypasses_the_codec() -> None:
    """Every transaction of the app goes through shared/tablebatch.py (one codec, at a third of the SDK's CPU)."""
    calls = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "shared").rglob("*.py"))
        if path.name != "tablebatch.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"submit_transaction\(", line)
    ]
    assert not calls, f"use shared.tablebatch.submit(client, operations) instead: {calls}"


class Colour(enum.Enum):
    RED = "red"


class Size(str, enum.Enum):  # noqa: UP042  # str() of a str-mixin enum names the member, of a StrEnum gives its value
    BIG = "big"


class Tone(enum.StrEnum):
    LOW = "low"


EXAMPLES: list[dict[str, Any]] = [
    {"PartitionKey": "FS", "RowKey": "é'€ 𝄞", "Name": "Ünïcode ☃", "Empty": "", "Missing": None},
    {"Int": 7, "Negative": -(2**31), "Max": 2**31 - 1, "Bool": True, "False": False, "Float": 1.5, "Zero": 0.0},
    {"NaN": float("nan"), "Inf": float("inf"), "MinusInf": float("-inf"), "Big": 1e300},
    {"Guid": uuid.UUID("12345678-1234-5678-1234-567812345678"), "Bytes": b"\x00\xffabc", "Enum": Colour.RED},
    {"StrMixin": Size.BIG, "StrEnum": Tone.LOW},
    {"Aware": dt.datetime(2024, 2, 29, 23, 59, 59, 123456, tzinfo=dt.timezone(dt.timedelta(hours=5)))},
    {"Utc": dt.datetime(2020, 1, 1, tzinfo=dt.UTC), "Naive": dt.datetime(2020, 1, 1, 12, 0)},
    {"ReadBack": TablesEntityDatetime(2020, 1, 1, tzinfo=dt.UTC)},
    {
        "I64": EntityProperty(2**40, EdmType.INT64),
        "I64Text": EntityProperty("123", EdmType.INT64),
        "I32": EntityProperty(5, EdmType.INT32),
        "S": EntityProperty("x", EdmType.STRING),
        "B": EntityProperty(True, EdmType.BOOLEAN),
        "D": EntityProperty(2.5, EdmType.DOUBLE),
        "DNaN": EntityProperty(float("nan"), EdmType.DOUBLE),
        "G": EntityProperty("12345678-1234-5678-1234-567812345678", EdmType.GUID),
        "Bin": EntityProperty(b"ab", EdmType.BINARY),
        "BinText": EntityProperty("ab", EdmType.BINARY),
        "Dt": EntityProperty(dt.datetime(2021, 5, 6, tzinfo=dt.UTC), EdmType.DATETIME),
        "DtText": EntityProperty("2021-05-06T00:00:00Z", EdmType.DATETIME),
        "None": EntityProperty(None, EdmType.STRING),
        "Tuple": ("7", "Edm.Int64"),
    },
]


def same(ours: dict[str, Any], sdks: dict[str, Any]) -> None:
    """Equal, NaN equal to NaN (a float NaN never is)."""
    assert ours.keys() == sdks.keys()
    for name, value in sdks.items():
        if isinstance(value, float) and value != value:
            assert ours[name] != ours[name]
        else:
            assert ours[name] == value and type(ours[name]) is type(value), name


@pytest.mark.parametrize("entity", EXAMPLES, ids=lambda entity: ",".join(entity)[:40])
def test_entities_are_serialised_as_the_sdk_does(entity: dict[str, Any]) -> None:
    same(tableentity.entity_json(entity), _add_entity_properties(entity))


@pytest.mark.parametrize(
    "value",
    [2**31, -(2**31) - 1, EntityProperty(2**63, EdmType.INT64), object(), [1], 1 + 2j, "x".encode, bytearray(b"a")],
    ids=lambda value: type(value).__name__,  # repr names an address: xdist's workers would collect other ids
)
def test_what_the_sdk_refuses_is_refused_alike(value: Any) -> None:
    with pytest.raises(TypeError) as sdk:
        _add_entity_properties({"Value": value})
    with pytest.raises(TypeError) as ours:
        tableentity.entity_json({"Value": value})
    assert str(ours.value) == str(sdk.value)


VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**31), 2**31 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(),
    st.binary(max_size=20),
    st.uuids(),
    st.datetimes(timezones=st.just(dt.UTC)),
    st.builds(EntityProperty, st.integers(-(2**63), 2**63 - 1), st.just(EdmType.INT64)),
)


@given(st.dictionaries(st.text(min_size=1, max_size=10), VALUES, max_size=8))
def test_any_entity_is_serialised_as_the_sdk_does(entity: dict[str, Any]) -> None:
    same(tableentity.entity_json(entity), _add_entity_properties(entity))


def test_operations_the_sdk_refuses_before_sending_are_refused_alike() -> None:
    client = TableClient.from_connection_string(CONNECTION, "Anything")
    cases: list[tuple[type[Exception], list[Any]]] = [
        (ValueError, [("insert", {"PartitionKey": "a", "RowKey": "b"})]),
        (ValueError, [("upsert", {"PartitionKey": "a"})]),
        (
            ValueError,
            [("upsert", {"PartitionKey": "a", "RowKey": "b"}), ("upsert", {"PartitionKey": "c", "RowKey": "d"})],
        ),
        (ValueError, [("update", {"PartitionKey": "a", "RowKey": "b"}, {"etag": "x"})]),
        (ValueError, [("upsert", {"PartitionKey": "a", "RowKey": "b"}, {"mode": "sideways"})]),
        (TypeError, [("upsert", {"PartitionKey": 1, "RowKey": "b"})]),
        (TypeError, [5]),
    ]
    for error, operations in cases:
        with pytest.raises(error):
            client.submit_transaction(operations)
        with pytest.raises(error):
            tablebatch.submit(client, operations)
