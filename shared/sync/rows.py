"""What a stored row says: the record, the sync metadata, and for a lead row its intent or tombstone.

docs/sync-protocol.md explains intents, tombstones and guards. `WriteConflictError` is what every
lost conditional write becomes: someone else wrote first, so read again and decide again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from shared import jsonio
from shared.entities.common import MODIFIED_FIELD, SOURCE_TIME
from shared.entities.spec import Side
from shared.storage import WriteConflictError

KEY_COLUMNS = ("PartitionKey", "RowKey")


class RowConflictError(WriteConflictError):
    """A transaction of several rows' writes lost on one of them: `position` says which (its place among
    the rows written, not among the transaction's operations)."""

    def __init__(self, action: str, position: int) -> None:
        super().__init__(action)
        self.position = position


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
    that completing the intent can never overwrite a newer write. `record` None means delete it (leave
    a tombstone). `over_tombstone`: what the follower held was a tombstone, which the purge may remove
    meanwhile without that being anyone's newer write. `indexed`: an index row (keys.pending_row_key)
    was written with the row, in the same transaction, and goes with the intent (shared/store): recovery
    finds intents by their index rows, never by scanning. Rows written before index rows existed say
    False; a full recovery pass finds those.
    """

    follower_etag: str | None
    record: dict[str, Any] | None
    over_tombstone: bool = False
    indexed: bool = True

    def columns(self) -> dict[str, Any]:
        columns: dict[str, Any] = {"SyncPending": True, "SyncPendingEtag": self.follower_etag or ""}
        if self.over_tombstone:
            columns["SyncPendingOverTombstone"] = True
        if self.indexed:
            columns["SyncPendingIndexed"] = True
        if self.record is not None:
            text = jsonio.dumps(self.record).decode()
            for index in range(0, max(len(text), 1), _CHUNK):  # a string column holds 32K characters
                columns[f"{_RECORD_PART}{index // _CHUNK}"] = text[index : index + _CHUNK]
        return columns

    @classmethod
    def from_columns(cls, row: Mapping[str, Any]) -> Intent | None:
        if not row.get("SyncPending"):
            return None
        start = len(_RECORD_PART)
        chunks = sorted((int(name[start:]), value) for name, value in row.items() if name.startswith(_RECORD_PART))
        record = jsonio.loads_object("".join(value for _, value in chunks).encode()) if chunks else None
        return cls(
            follower_etag=row.get("SyncPendingEtag") or None,
            record=record,
            over_tombstone=bool(row.get("SyncPendingOverTombstone")),
            indexed=bool(row.get("SyncPendingIndexed")),
        )


_CHUNK = 30_000
_RECORD_PART = "SyncPendingRecord"  # SyncPendingRecord0, SyncPendingRecord1, …


@dataclass(frozen=True)
class Row:
    """One stored record of one side: its fields, its sync metadata and the ETag to write it back with."""

    record: dict[str, Any]
    meta: SyncMeta
    etag: str
    intent: Intent | None = None  # lead rows only: the other side's write this row's operation promised
    deleted: bool = False  # a tombstone: the record was deleted at meta.source_time (kept for a while)
    written_at: dt.datetime | None = None  # when storage last wrote the row (its Timestamp)
    geo: str | None = None  # the position its index row stands at (`SyncGeo`, shared/sync/geo.py), if it has one
    search: str | None = (
        None  # its search fields as its words' index rows hold them (`SyncSearch`, shared/sync/search.py)
    )

    @classmethod
    def from_entity(cls, entity: Any) -> Row:
        record = {k: v for k, v in entity.items() if k not in KEY_COLUMNS and not k.startswith("Sync")}
        return cls(
            record=record,
            meta=SyncMeta.from_columns(entity) if "SyncSourceTime" in entity else _held(entity),
            etag=entity.metadata["etag"],
            intent=Intent.from_columns(entity),
            deleted=bool(entity.get("SyncDeleted")),
            written_at=written_at(entity),
            geo=entity.get("SyncGeo") or None,
            search=entity.get("SyncSearch") or None,
        )

    @property
    def synced(self) -> bool:
        """Whether the sync wrote this row (a row the system held before the sync has no sync metadata)."""
        return bool(self.meta.operation_id)

    def as_dict(self) -> dict[str, Any]:
        return {"record": self.record, "sync": self.meta.as_dict()}

    @property
    def indexed(self) -> bool:
        """Whether an index row goes with this row's intent (it must go when the intent does)."""
        return self.intent is not None and self.intent.indexed

    @property
    def live(self) -> Row | None:
        """The row as a record: None for a tombstone (a deleted record is no record)."""
        return None if self.deleted else self


@dataclass(frozen=True)
class Guard:
    """A company's guard row for one entity, as read: writes that other records' rules depend on
    (references, one default per company) commit together with a conditional update of it, so two
    such writes in one company never both decide on the same state."""

    company: str
    etag: str | None  # None: the row does not exist yet


SIDE_OF_PARTITION: dict[str, Side] = {"FS": "fs", "SCM": "scm"}
# The version of a row with no time of its own: older than any timed change (and Table Storage's earliest
# date, so that the row can be written back with it).
OLDEST = dt.datetime(1601, 1, 1, tzinfo=dt.UTC)


def _held(entity: Any) -> SyncMeta:
    """Metadata for a row its system wrote itself, outside the sync (a record held before the sync, an
    imported one, or one rewritten behind the sync's back): created by that side, synced by no operation
    yet, and dated by the record's own modification time. When storage wrote the row says nothing of when
    the record changed (an import or a copy rewrites old records), so it is never taken for a version."""
    side = SIDE_OF_PARTITION.get(entity.get("PartitionKey", ""), "fs")
    at = own_time(entity.get(MODIFIED_FIELD[side]))
    return SyncMeta(source_time=at, origin=side, created_by=side, content_hash="", operation_id="")


def own_time(value: Any) -> dt.datetime:
    """A record's own modification time as its system stored it (ISO text, `/Date(ms)/` or a typed date
    and time), as a plain UTC datetime; OLDEST when it has none, or none that reads as a time."""
    if value is None:
        return OLDEST
    try:
        return _plain_utc(SOURCE_TIME.validate_python(value))
    except ValidationError:
        return OLDEST


def written_at(entity: Any) -> dt.datetime | None:
    """When storage last wrote a queried entity (its Timestamp), as a plain UTC datetime."""
    timestamp = entity.metadata.get("timestamp")
    return _plain_utc(timestamp) if timestamp else None


def _plain_utc(value: dt.datetime) -> dt.datetime:
    """The SDK's TablesEntityDatetime as a plain datetime, so that it prints like every other time."""
    utc = value.astimezone(dt.UTC)
    return dt.datetime(*utc.timetuple()[:6], utc.microsecond, tzinfo=dt.UTC)
