"""The Table store: one table per entity, PartitionKey `FS` / `SCM` for each system's records.

A row holds the record in its own system's schema plus the sync metadata (columns `Sync*`). A row of
the lead side may also hold an intent (the journal entry of the write that completes its operation on
the other side) or be a tombstone (a delete in progress); docs/sync-protocol.md explains both.
Every Azure error leaves here as one of two things: `WriteConflict` (someone else wrote first:
re-read and decide again) or `TransientError` (storage failed: the caller may retry).
"""

from __future__ import annotations

import base64
import datetime as dt
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import (
    AzureError,
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
)
from azure.data.tables import TableClient, TableTransactionError, UpdateMode

from shared import jsonio
from shared.errors import BadRequestError, TransientError
from shared.keys import FIRST_RECORD_KEY, Key, company_range, decode_row_key, guard_row_key, normalise
from shared.spec import Side

PARTITION: dict[Side, str] = {"fs": "FS", "scm": "SCM"}
_KEY_COLUMNS = ("PartitionKey", "RowKey")


class WriteConflict(Exception):
    """A conditional write lost to a concurrent writer (ETag mismatch, row created or deleted meanwhile)."""


@dataclass(frozen=True)
class SyncMeta:
    """What every stored row says about the sync write that produced it."""

    source_time: dt.datetime  # the source system's modification time this row reflects
    origin: Side  # the side whose change produced this version
    created_by: Side  # the side in which the record was first created
    content_hash: str  # hash of the mapped (two-way) content, equal on both sides of a synced pair
    operation_id: str

    def columns(self) -> dict[str, Any]:
        return {
            "SyncSourceTime": self.source_time,
            "SyncOrigin": self.origin,
            "SyncCreatedBy": self.created_by,
            "SyncHash": self.content_hash,
            "SyncOperationId": self.operation_id,
        }

    @classmethod
    def from_columns(cls, row: Mapping[str, Any]) -> SyncMeta:
        return cls(
            source_time=_plain_utc(row["SyncSourceTime"]),
            origin=row["SyncOrigin"],
            created_by=row["SyncCreatedBy"],
            content_hash=row["SyncHash"],
            operation_id=row["SyncOperationId"],
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "source_time": self.source_time,
            "origin": self.origin,
            "created_by": self.created_by,
            "content_hash": self.content_hash,
            "operation_id": self.operation_id,
        }


@dataclass(frozen=True)
class Intent:
    """The journal entry a lead row carries: what the other side must become to complete its operation.

    `follower_etag` is the other side's ETag when the operation read it (None: it did not exist), so
    that completing the intent can never overwrite a newer write. `record` None means delete it.
    """

    follower_etag: str | None
    record: dict[str, Any] | None

    def columns(self) -> dict[str, Any]:
        columns: dict[str, Any] = {"SyncPending": True, "SyncPendingEtag": self.follower_etag or ""}
        if self.record is not None:
            text = jsonio.dumps(self.record).decode()
            for index in range(0, max(len(text), 1), _CHUNK):  # a string column holds 32K characters
                columns[f"SyncPendingRecord{index // _CHUNK}"] = text[index : index + _CHUNK]
        return columns

    @classmethod
    def from_columns(cls, row: Mapping[str, Any]) -> Intent | None:
        if not row.get("SyncPending"):
            return None
        chunks = sorted((int(name[17:]), value) for name, value in row.items() if name.startswith("SyncPendingRecord"))
        record = jsonio.loads_object("".join(value for _, value in chunks).encode()) if chunks else None
        return cls(follower_etag=row.get("SyncPendingEtag") or None, record=record)


_CHUNK = 30_000


@dataclass(frozen=True)
class Row:
    """One stored record of one side: its fields, its sync metadata and the ETag to write it back with."""

    record: dict[str, Any]
    meta: SyncMeta
    etag: str
    intent: Intent | None = None  # lead rows only: the other side's write this row's operation promised
    deleted: bool = False  # a tombstone: the record is being deleted on both sides
    written_at: dt.datetime | None = None  # when storage last wrote the row (its Timestamp)

    @classmethod
    def from_entity(cls, entity: Any) -> Row:
        record = {k: v for k, v in entity.items() if k not in _KEY_COLUMNS and not k.startswith("Sync")}
        timestamp = entity.metadata.get("timestamp")
        return cls(
            record=record,
            meta=SyncMeta.from_columns(entity),
            etag=entity.metadata["etag"],
            intent=Intent.from_columns(entity),
            deleted=bool(entity.get("SyncDeleted")),
            written_at=_plain_utc(timestamp) if timestamp else None,
        )

    def as_dict(self) -> dict[str, Any]:
        return {"record": self.record, "sync": self.meta.as_dict()}


@dataclass(frozen=True)
class Guard:
    """A company's guard row for one entity, as read: writes that other records' rules depend on
    (references, one default per company) commit together with a conditional update of it, so two
    such writes in one company never both decide on the same state."""

    company: str
    etag: str | None  # None: the row does not exist yet


@contextmanager
def _storage(action: str) -> Iterator[None]:
    try:
        yield
    except (ResourceExistsError, ResourceModifiedError) as exc:
        raise WriteConflict(action) from exc
    except TableTransactionError as exc:
        if exc.status_code in (404, 409, 412):  # a row in the batch changed since it was read
            raise WriteConflict(action) from exc
        raise TransientError(f"storage failed while trying to {action}; retry the change") from exc
    except AzureError as exc:
        raise TransientError(f"storage failed while trying to {action}; retry the change") from exc


class EntityStore:
    """Rows of one entity table. Thread-safe; creates its table on first use."""

    def __init__(self, client: TableClient) -> None:
        self._client = client
        self.table = client.table_name
        self._ready = False
        self._lock = threading.Lock()

    def _table(self) -> TableClient:
        if not self._ready:
            with self._lock, _storage(f"create table {self.table}"):
                with suppress(ResourceExistsError):
                    self._client.create_table()
                self._ready = True
        return self._client

    def read(self, side: Side, key: Key) -> Row | None:
        with _storage(f"read {self.table} {key}"):
            try:
                return Row.from_entity(self._table().get_entity(PARTITION[side], key.row_key))
            except ResourceNotFoundError:
                return None

    def write(
        self,
        side: Side,
        key: Key,
        record: Mapping[str, Any],
        meta: SyncMeta,
        etag: str | None,
        intent: Intent | None = None,
        deleted: bool = False,
        guard: Guard | None = None,
    ) -> Row:
        """Create the row (etag None) or replace it only if it is unchanged since it was read; with a
        guard, in one transaction with the company's guard row, only if that is unchanged too."""
        entity = {
            "PartitionKey": PARTITION[side],
            "RowKey": key.row_key,
            **_columns(record),
            **meta.columns(),
            **(intent.columns() if intent else {}),
            **({"SyncDeleted": True} if deleted else {}),
        }
        with _storage(f"write {self.table} {key}"):
            try:
                if guard is not None:
                    guarded = {"PartitionKey": PARTITION[side], "RowKey": guard_row_key(guard.company)}
                    guarded["SyncOperationId"] = meta.operation_id
                    results = self._table().submit_transaction([_put(entity, etag), _put(guarded, guard.etag)])
                    result = results[0]
                elif etag is None:
                    result = self._table().create_entity(entity)
                else:
                    result = self._table().update_entity(
                        entity, mode=UpdateMode.REPLACE, etag=etag, match_condition=MatchConditions.IfNotModified
                    )
            except ResourceNotFoundError as exc:  # deleted since we read it
                raise WriteConflict(f"write {key}") from exc
        return Row(record=_columns(record), meta=meta, etag=result["etag"], intent=intent, deleted=deleted)

    def read_guard(self, side: Side, company: str) -> Guard:
        with _storage(f"read the guard of {self.table} {normalise(company)}"):
            try:
                entity = self._table().get_entity(PARTITION[side], guard_row_key(company), select=["RowKey"])
            except ResourceNotFoundError:
                return Guard(company, None)
        return Guard(company, entity.metadata["etag"])

    def delete(self, side: Side, key: Key, etag: str) -> None:
        """Delete the row only if it is unchanged since it was read; a row already gone is a lost race."""
        with _storage(f"delete {self.table} {key}"):
            try:
                self._table().delete_entity(
                    PARTITION[side], key.row_key, etag=etag, match_condition=MatchConditions.IfNotModified
                )
            except ResourceNotFoundError as exc:
                raise WriteConflict(f"delete {key}") from exc

    def pending(self, side: Side) -> Iterator[tuple[Key, Row]]:
        """The side's rows that carry an intent (a journal entry that may still need completing)."""
        with _storage(f"scan {self.table} for intents"):
            query = "PartitionKey eq @pk and SyncPending eq true"
            for entity in self._table().query_entities(query, parameters={"pk": PARTITION[side]}):
                yield _key_of(entity), Row.from_entity(entity)

    def page(
        self, side: Side, company: str | None, limit: int, token: str | None
    ) -> tuple[list[tuple[Key, Row]], str | None]:
        """One page of a side's rows in key order, optionally of one company, and the next page's token."""
        query, params = _side_filter(side, company)
        with _storage(f"list {self.table}"):
            pages: Any = (
                self._table()
                .query_entities(query, parameters=params, results_per_page=limit)
                .by_page(continuation_token=decode_token(token))
            )
            rows = [(_key_of(entity), Row.from_entity(entity)) for entity in next(pages, [])]
            live = [(key, row) for key, row in rows if not row.deleted]  # a tombstone is no record
            return live, encode_token(pages.continuation_token)

    def find(self, side: Side, company: str, equals: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Records of one company whose columns equal the given values (column names come from specs)."""
        query, params = _side_filter(side, company)
        for index, (column, value) in enumerate(equals.items()):
            query += f" and {column} eq @v{index}"
            params[f"v{index}"] = value
        with _storage(f"query {self.table}"):
            found = self._table().query_entities(query, parameters=params)
            return [row.record for row in map(Row.from_entity, found) if not row.deleted]

    def get(self, side: Side, company: str, ident: str) -> dict[str, Any] | None:
        row = self.read(side, Key(company, ident))
        return row.record if row and not row.deleted else None

    def scan(self, side: Side, company: str | None, after: str | None = None) -> Iterator[tuple[Key, Row]]:
        """Every row of a side (of one company; after a RowKey), in key order, fetched page by page."""
        query, params = _side_filter(side, company)
        if after is not None:
            query += " and RowKey gt @after"
            params["after"] = after
        with _storage(f"scan {self.table}"):
            for entity in self._table().query_entities(query, parameters=params, results_per_page=1000):
                if not entity.get("SyncDeleted"):  # a tombstone is no record
                    yield _key_of(entity), Row.from_entity(entity)

    def referring(self, side: Side, company: str, fields: tuple[str, ...], ident: str) -> list[str]:
        wanted = normalise(ident)
        return [
            key.id
            for key, row in self.scan(side, company)
            if any(isinstance(v := row.record.get(name), str) and normalise(v) == wanted for name in fields)
            and normalise(key.id) != wanted
        ]


def _put(entity: dict[str, Any], etag: str | None) -> tuple[Any, ...]:
    """A transaction operation: create the row, or replace it if its ETag is still `etag`."""
    if etag is None:
        return ("create", entity)
    return (
        "update",
        entity,
        {"mode": UpdateMode.REPLACE, "etag": etag, "match_condition": MatchConditions.IfNotModified},
    )


def _plain_utc(value: dt.datetime) -> dt.datetime:
    """The SDK's TablesEntityDatetime as a plain datetime, so that it prints like every other time."""
    utc = value.astimezone(dt.UTC)
    return dt.datetime(*utc.timetuple()[:6], utc.microsecond, tzinfo=dt.UTC)


def _columns(record: Mapping[str, Any]) -> dict[str, Any]:
    """Table columns for a record: JSON-ready values, empty ones left out (Table Storage has no null)."""
    return {name: value for name, value in record.items() if value is not None}


def _key_of(entity: Mapping[str, Any]) -> Key:
    return decode_row_key(entity["RowKey"])


def _side_filter(side: Side, company: str | None) -> tuple[str, dict[str, Any]]:
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
