"""shared/tablebatch.py against Azurite, each case sent twice from the same rows — once through the SDK's
`submit_transaction`, once through the codec, each into a table of its own — and the two outcomes compared:
the same answer (the metadata, or the same exception with the same index, status and code) and the same rows
stored afterwards."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from azure.core import MatchConditions
from azure.core.exceptions import HttpResponseError
from azure.data.tables import (
    EdmType,
    EntityProperty,
    RequestTooLargeError,
    TableClient,
    TableServiceClient,
    TableTransactionError,
    UpdateMode,
)

from devtools.azurite import Azurite
from shared import tablebatch

PARTITION = "Zürich ☃"
SEED = [
    {"PartitionKey": PARTITION, "RowKey": "kept", "Name": "as seeded", "Days": 30},
    {"PartitionKey": PARTITION, "RowKey": "merged", "Name": "before", "Other": "stays"},
    {"PartitionKey": PARTITION, "RowKey": "replaced", "Name": "before", "Other": "goes"},
    {"PartitionKey": PARTITION, "RowKey": "gone", "Name": "deleted"},
]
Operations = Callable[[dict[str, str]], list[Any]]  # from the seeded rows' ETags, by RowKey


def row(key: str, **columns: Any) -> dict[str, Any]:
    return {"PartitionKey": PARTITION, "RowKey": key, **columns}


@pytest.fixture(scope="module")
def service(azurite: Azurite) -> TableServiceClient:
    return TableServiceClient.from_connection_string(azurite.connection_string)


@pytest.fixture
def pair(service: TableServiceClient) -> Iterator[tuple[TableClient, TableClient]]:
    """Two tables seeded alike: the SDK's and the codec's."""
    clients = []
    for _ in range(2):
        client = service.create_table(f"t{uuid.uuid4().hex}")
        for entity in SEED:
            client.create_entity(entity)
        clients.append(client)
    yield clients[0], clients[1]
    for client in clients:
        service.delete_table(client.table_name)


def etags(client: TableClient) -> dict[str, str]:
    return {entity["RowKey"]: entity.metadata["etag"] for entity in client.list_entities()}


def stored(client: TableClient) -> dict[str, dict[str, Any]]:
    return {entity["RowKey"]: {**entity} for entity in client.list_entities()}


def outcome(call: Callable[[], list[dict[str, Any]]]) -> tuple[Any, ...]:
    try:
        return ("ok", [sorted(metadata) for metadata in call()])
    except TableTransactionError as exc:
        return (type(exc), exc.status_code, exc.error_code, exc.index, exc.message.split("\n")[0])
    except HttpResponseError as exc:
        return (type(exc), exc.status_code, exc.error_code)


def both(pair: tuple[TableClient, TableClient], operations: Operations) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The outcome and the rows after it, asserted equal between the SDK and the codec; the codec's returned."""
    sdk, codec = pair
    expected = outcome(lambda: list(sdk.submit_transaction(operations(etags(sdk)))))
    got = outcome(lambda: tablebatch.submit(codec, operations(etags(codec))))
    assert got == expected
    assert stored(codec) == stored(sdk)
    return got, stored(codec)


def test_a_mix_of_every_operation_commits_with_each_ones_etag(pair: tuple[TableClient, TableClient]) -> None:
    def operations(tags: dict[str, str]) -> list[Any]:
        condition = {"etag": tags["kept"], "match_condition": MatchConditions.IfNotModified}
        return [
            ("create", row("new", Name="créé", When=dt.datetime(2024, 2, 29, 12, tzinfo=dt.UTC), Small=7)),
            ("upsert", row("merged", Name="merged")),
            ("upsert", row("replaced", Name="replaced"), {"mode": UpdateMode.REPLACE}),
            ("update", row("kept", Days=60), {**condition, "mode": UpdateMode.MERGE}),
            ("delete", row("gone"), {"etag": tags["gone"], "match_condition": MatchConditions.IfNotModified}),
            ("upsert", row("typed", Long=EntityProperty(2**40, EdmType.INT64), Ratio=0.25, Yes=True)),
        ]

    result, rows = both(pair, operations)
    assert result == ("ok", [["etag"]] * 4 + [[], ["etag"]])  # a delete answers no ETag
    assert rows["merged"]["Other"] == "stays" and "Other" not in rows["replaced"]
    assert rows["kept"]["Days"] == 60 and rows["kept"]["Name"] == "as seeded"
    assert "gone" not in rows and rows["new"]["Name"] == "créé" and rows["typed"]["Long"].value == 2**40


def test_a_failed_operation_names_its_index_status_and_code_and_nothing_is_written(
    pair: tuple[TableClient, TableClient],
) -> None:
    result, rows = both(
        pair, lambda tags: [("upsert", row("a", N=1)), ("upsert", row("b", N=2)), ("create", row("kept"))]
    )
    assert result[:4] == (TableTransactionError, 409, "EntityAlreadyExists", 2)
    assert set(rows) == {entity["RowKey"] for entity in SEED}


def test_a_stale_etag_fails_with_412(pair: tuple[TableClient, TableClient]) -> None:
    stale = "W/\"datetime'2000-01-01T00%3A00%3A00.0000000Z'\""
    condition = {"etag": stale, "match_condition": MatchConditions.IfNotModified}
    result, rows = both(pair, lambda tags: [("upsert", row("a")), ("update", row("kept", Days=1), condition)])
    assert result[:4] == (TableTransactionError, 412, "UpdateConditionNotSatisfied", 1)
    assert rows["kept"]["Days"] == 30 and "a" not in rows
    result, _ = both(pair, lambda tags: [("delete", row("gone"), condition)])
    assert result[:4] == (TableTransactionError, 412, "UpdateConditionNotSatisfied", 0)


def test_creating_a_row_that_exists_fails_with_409(pair: tuple[TableClient, TableClient]) -> None:
    result, _ = both(pair, lambda tags: [("create", row("kept"))])
    assert result[:4] == (TableTransactionError, 409, "EntityAlreadyExists", 0)


def test_deleting_a_row_that_is_gone_fails_with_404(pair: tuple[TableClient, TableClient]) -> None:
    result, _ = both(pair, lambda tags: [("upsert", row("a")), ("delete", row("never"))])
    assert result[:4] == (TableTransactionError, 404, "ResourceNotFound", 1)


def test_non_ascii_keys_and_values_round_trip(pair: tuple[TableClient, TableClient]) -> None:
    keys = ["Ærø'x 𝄞", "ü %&+=;,", "日本語", "quote''s"]
    result, rows = both(pair, lambda tags: [("upsert", row(key, Text=f"{key} ✓ é")) for key in keys])
    assert result == ("ok", [["etag"]] * len(keys))
    assert {key: rows[key]["Text"] for key in keys} == {key: f"{key} ✓ é" for key in keys}
    result, rows = both(pair, lambda tags: [("delete", row(key)) for key in keys])
    assert result == ("ok", [[]] * len(keys)) and not set(keys) & set(rows)


def big(count: int, chars: int) -> Operations:
    """ASCII only: the SDK writes "é" as six bytes of JSON escape, the codec as its two of UTF-8, so a body of
    non-ASCII text is smaller through the codec and the two would meet the limit at different sizes."""
    return lambda tags: [("upsert", row(f"big{n:03}", A="a" * chars, B="b" * chars)) for n in range(count)]


def test_a_body_near_the_4_mb_limit_commits(pair: tuple[TableClient, TableClient]) -> None:
    """100 rows of two 20,000-character strings: 4.0 MB of body, under the 4 MiB a transaction may carry."""
    result, rows = both(pair, big(100, 20_000))
    assert result == ("ok", [["etag"]] * 100)
    assert len(rows["big099"]["A"]) == 20_000


def test_a_body_over_the_limit_is_refused_as_too_large(pair: tuple[TableClient, TableClient]) -> None:
    result, rows = both(pair, big(100, 21_500))
    assert result[:3] == (RequestTooLargeError, 413, "RequestBodyTooLarge")
    assert not any(key.startswith("big") for key in rows)


def test_a_missing_table_fails_as_the_sdk_says_it(service: TableServiceClient) -> None:
    sdk, codec = (service.get_table_client(f"missing{uuid.uuid4().hex[:8]}") for _ in range(2))
    operations = [("upsert", row("a"))]
    expected = outcome(lambda: list(sdk.submit_transaction(operations)))
    assert outcome(lambda: tablebatch.submit(codec, operations)) == expected
    assert expected[:4] == (TableTransactionError, 404, "TableNotFound", 0)


def test_a_wrong_account_key_fails_as_the_sdk_says_it(azurite: Azurite, pair: tuple[TableClient, TableClient]) -> None:
    """The codec's request is signed by the client's own pipeline: with the right key every case above goes
    through, with a wrong one storage refuses it as it refuses the SDK's."""
    wrong = azurite.connection_string.replace("AccountKey=", "AccountKey=X", 1)
    sdk, codec = (TableClient.from_connection_string(wrong, client.table_name) for client in pair)
    operations = [("upsert", row("a"))]
    expected = outcome(lambda: list(sdk.submit_transaction(operations)))
    assert outcome(lambda: tablebatch.submit(codec, operations)) == expected
    assert expected[:2] == (HttpResponseError, 403)
