"""What a transaction is made of: rows as stored, the operations that write them, keys and page tokens."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from azure.core import MatchConditions
from azure.data.tables import UpdateMode

from shared import jsonio
from shared.entities.spec import Side
from shared.errors import BadRequestError
from shared.keys import (
    FIRST_RECORD_KEY,
    Key,
    company_range,
    decode_row_key,
    guard_row_key,
    normalise,
    pending_row_key,
)
from shared.sync import geo, search
from shared.sync.rows import Guard, Intent, Row, SyncMeta

PARTITION: dict[Side, str] = {"fs": "FS", "scm": "SCM"}


def live(entities: Iterable[Any]) -> Iterator[tuple[Key, Row]]:
    """The records among queried rows: a tombstone (a delete in progress) is no record."""
    for entity in entities:
        row = Row.from_entity(entity)
        if not row.deleted:
            yield key_of(entity), row


MAX_BATCH = 100  # operations in one Table Storage transaction


class Write(NamedTuple):
    """One row to write in a transaction of several."""

    key: Key
    record: Mapping[str, Any]
    meta: SyncMeta
    etag: str | None  # as read; None: create
    intent: Intent | None
    located: str | None = None  # the position the row as read names (Row.geo)
    searched: str | None = None  # the search fields the row as read names as indexed (Row.search)
    deleted: bool = False  # a tombstone
    indexed: bool = False  # the row as read has an intent with an index row (Row.indexed)


def row_entity(
    side: Side,
    key: Key,
    record: Mapping[str, Any],
    meta: SyncMeta,
    intent: Intent | None,
    deleted: bool = False,
    position: str | None = None,
    searched: str | None = None,
) -> dict[str, Any]:
    """The stored row: the record's columns, the sync metadata, the intent, the tombstone flag, the
    position its index row is at, the search fields its words' index rows carry."""
    return {
        "PartitionKey": PARTITION[side],
        "RowKey": key.row_key,
        **columns_of(record),
        **meta.columns(),
        **(intent.columns() if intent else {}),
        **({"SyncDeleted": True} if deleted else {}),
        **({"SyncGeo": position} if position else {}),
        **({"SyncSearch": searched} if searched else {}),
    }


@dataclass(frozen=True)
class Pending:
    """An operation in flight, as its index row says: the record's key, when the index row was written
    (with the record's first intent since its last confirmed one)."""

    key: Key
    written_at: dt.datetime | None
    etag: str


def index_change(side: Side, key: Key, meta: SyncMeta, intent: Intent | None, indexed: bool) -> list[tuple[Any, ...]]:
    """The transaction operation that keeps a row's index row with its intent: created with the first
    intent (a later intent on a row that still has one keeps it: no operation, no transaction), and
    deleted when the intent goes."""
    row_key = pending_row_key(key.row_key)
    if intent is not None and intent.indexed:
        if indexed:
            return []
        index = {"PartitionKey": PARTITION[side], "RowKey": row_key, "SyncOperationId": meta.operation_id}
        return [("upsert", index, {"mode": UpdateMode.REPLACE})]
    if indexed:
        return [("delete", {"PartitionKey": PARTITION[side], "RowKey": row_key})]
    return []


def geo_change(side: Side, key: Key, located: str | None, position: str | None) -> list[tuple[Any, ...]]:
    """The transaction operations that keep a record's position's index row with it (shared/sync/geo.py): the
    old one removed when the record moved away, was deleted or lost its position; the new one written
    when it has a position that differs from the old (exactly)."""
    if located == position:
        return []
    old, new = geo.unstamp(located), geo.unstamp(position)
    operations: list[tuple[Any, ...]] = []
    if old is not None and (new is None or geo.index_key(new, key.row_key) != geo.index_key(old, key.row_key)):
        operations.append(("delete", {"PartitionKey": PARTITION[side], "RowKey": geo.index_key(old, key.row_key)}))
    if new is not None:
        operations.append(("upsert", geo.index_row(PARTITION[side], key.row_key, new), {"mode": UpdateMode.REPLACE}))
    return operations


def search_change(side: Side, key: Key, searched: str | None, stamped: str | None) -> list[tuple[Any, ...]]:
    """The transaction operations that keep a record's words' index rows with it (shared/sync/search.py):
    when its search fields changed, the rows of words it no longer has removed, and every row of its
    words written anew (each carries the fields)."""
    if searched == stamped:
        return []
    new = search.index_keys(key.row_key, search.unstamp(stamped))
    gone = set(search.index_keys(key.row_key, search.unstamp(searched))) - set(new)
    operations: list[tuple[Any, ...]] = [
        ("delete", {"PartitionKey": PARTITION[side], "RowKey": row_key}) for row_key in sorted(gone)
    ]
    if stamped is not None:
        rows = (search.index_row(PARTITION[side], row_key, stamped) for row_key in new)
        operations += [("upsert", row, {"mode": UpdateMode.REPLACE}) for row in rows]
    return operations


def guard_put(side: Side, guard: Guard, operation_id: str | None = None) -> tuple[Any, ...]:
    """A transaction operation rewriting a company's guard row, if unchanged since read (with the id of
    the operation that committed under it, when one does)."""
    entity = {"PartitionKey": PARTITION[side], "RowKey": guard_row_key(guard.company)}
    if operation_id is not None:
        entity["SyncOperationId"] = operation_id
    return put(entity, guard.etag)


def put(entity: dict[str, Any], etag: str | None) -> tuple[Any, ...]:
    """A transaction operation: create the row, or replace it if its ETag is still `etag`."""
    if etag is None:
        return ("create", entity)
    return (
        "update",
        entity,
        {"mode": UpdateMode.REPLACE, "etag": etag, "match_condition": MatchConditions.IfNotModified},
    )


def columns_of(record: Mapping[str, Any]) -> dict[str, Any]:
    """Table columns for a record: JSON-ready values, empty ones left out (Table Storage has no null)."""
    return {name: value for name, value in record.items() if value is not None}


def key_of(entity: Mapping[str, Any]) -> Key:
    return decode_row_key(entity["RowKey"])


def side_filter(side: Side, company: str | None) -> tuple[str, dict[str, Any]]:
    if company is None:  # every record, and no guard row
        return "PartitionKey eq @pk and RowKey ge @first", {"pk": PARTITION[side], "first": FIRST_RECORD_KEY}
    low, high = company_range(normalise(company))
    return "PartitionKey eq @pk and RowKey ge @lo and RowKey lt @hi", {
        "pk": PARTITION[side],
        "lo": low,
        "hi": high,
    }


def encode_token(token: Any) -> str | None:
    if not token:
        return None
    return base64.urlsafe_b64encode(jsonio.dumps(token)).decode("ascii")


def decode_token(token: str | None) -> Any:
    if not token:
        return None
    try:
        value = jsonio.loads(base64.urlsafe_b64decode(token.encode("ascii")))
    except (ValueError, BadRequestError):
        value = None
    if not isinstance(value, dict) or not set(value) <= {"PartitionKey", "RowKey"}:
        raise BadRequestError("continuation token is not one this API gave out")
    return value
