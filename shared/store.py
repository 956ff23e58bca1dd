"""The Table store: one table per entity, PartitionKey `FS` / `SCM` for each system's records.

A row holds the record in its own system's schema plus the sync metadata (columns `Sync*`; see
rows.py). The lead partition also holds one guard row per company (docs/sync-protocol.md).
Every Azure error leaves here as one of two things: `WriteConflictError` (someone else wrote first:
re-read and decide again) or `TransientError` (storage failed: the caller may retry). A table dropped
while the app runs is created again and the call retried once; it is never taken for a missing row.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from contextvars import ContextVar, copy_context
from dataclasses import dataclass
from itertools import islice
from typing import Any, NamedTuple, TypeVar

from azure.core import MatchConditions
from azure.core.exceptions import (
    AzureError,
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
)
from azure.data.tables import TableClient, TableTransactionError, UpdateMode

from shared import geo, jsonio
from shared.errors import BadRequestError, TransientError
from shared.keys import (
    FIRST_RECORD_KEY,
    Key,
    company_range,
    decode_row_key,
    guard_row_key,
    normalise,
    pending_range,
    pending_row_key,
)
from shared.rows import Guard, Intent, Row, RowConflictError, SyncMeta, WriteConflictError, written_at
from shared.spec import Side

log = logging.getLogger(__name__)

PARTITION: dict[Side, str] = {"fs": "FS", "scm": "SCM"}
T = TypeVar("T")


# Reads issued beside the calling thread's own (EntityStore.read_pair). Each runs in a copy of the
# caller's context, which also names the calling thread (`calling_thread`).
_READERS = ThreadPoolExecutor(max_workers=32, thread_name_prefix="store-read")
_CALLER: ContextVar[str] = ContextVar("calling_thread")


def in_parallel(call: Callable[..., T], *args: Any) -> Future[T]:
    """Run `call(*args)` on a pool thread, in a copy of this thread's context."""
    context = copy_context()
    context.run(_CALLER.set, calling_thread())
    return _READERS.submit(context.run, call, *args)


def calling_thread() -> str:
    """The name of the thread a storage call is made for: this one, or the one that handed it to the pool."""
    return _CALLER.get(threading.current_thread().name)


class _TableMissingError(Exception):
    """The table itself is gone (dropped while the app runs): create it again, then retry once."""


def _table_missing(exc: Exception) -> bool:
    return getattr(exc, "error_code", None) == "TableNotFound" or "TableNotFound" in str(exc)


@contextmanager
def _storage(action: str) -> Iterator[None]:
    try:
        yield
    except (ResourceExistsError, ResourceModifiedError) as exc:
        raise WriteConflictError(action) from exc
    except TableTransactionError as exc:
        if _table_missing(exc):
            raise _TableMissingError(action) from exc
        if exc.status_code in (404, 409, 412):  # a row in the batch changed since it was read
            raise WriteConflictError(action) from exc
        raise _failed(action) from exc
    except ResourceNotFoundError as exc:
        if _table_missing(exc):
            raise _TableMissingError(action) from exc
        raise WriteConflictError(action) from exc  # the row was deleted since it was read
    except AzureError as exc:
        raise _failed(action) from exc


def _failed(action: str) -> TransientError:
    return TransientError(f"storage failed while trying to {action}; nothing more was done, retry the change")


def _row_absent(exc: ResourceNotFoundError) -> None:
    """A 404 that means "no such row" (return None); a missing table is re-raised for _storage."""
    if _table_missing(exc):
        raise exc


class EntityStore:
    """Rows of one entity table. Thread-safe; creates its table on first use, and again if it is dropped."""

    def __init__(self, client: TableClient, locate: geo.Locate | None = None) -> None:
        self._client = client
        self._locate = locate  # where a record stands, for its index row (shared/geo.py); None: no positions
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

    def _call(self, action: str, call: Callable[[TableClient], T]) -> T:
        """Run one storage call; if the table is missing, create it again and run the call once more."""
        for retry in (False, True):
            try:
                with _storage(action):
                    return call(self._table())
            except _TableMissingError:
                if retry:
                    break
                log.warning("table %s is missing: creating it again", self.table, extra={"table": self.table})
                self._ready = False
        raise TransientError(
            f"storage failed while trying to {action}: table {self.table} is missing and could not be created "
            "again; retry the change"
        )

    def _query(self, action: str, query: str, params: dict[str, Any], **options: Any) -> Iterator[Any]:
        """Entities matching a filter, page by page; a missing table holds none (it is created again)."""
        try:
            with _storage(action):
                yield from self._table().query_entities(query, parameters=params, **options)
        except _TableMissingError:
            log.warning("table %s is missing: creating it again", self.table, extra={"table": self.table})
            self._ready = False
            self._call(f"create table {self.table}", lambda client: None)

    def read(self, side: Side, key: Key) -> Row | None:
        def get(client: TableClient) -> Row | None:
            try:
                return Row.from_entity(client.get_entity(PARTITION[side], key.row_key))
            except ResourceNotFoundError as exc:
                _row_absent(exc)
                return None

        return self._call(f"read {self.table} {key}", get)

    def read_many(self, side: Side, keys: Sequence[Key]) -> dict[str, Row | None]:
        """Rows of a side by key, read at once (on the pool), by RowKey."""
        futures = [(key.row_key, in_parallel(self.read, side, key)) for key in keys]
        return {row_key: future.result() for row_key, future in futures}

    def located(self, side: Side, spans: Sequence[tuple[str, str]] | None) -> list[tuple[str, geo.Point]]:
        """(record RowKey, position) of the side's position index rows in the RowKey ranges (shared/geo.py;
        None: the whole index), the ranges read at once."""

        def read(span: tuple[str, str]) -> list[tuple[str, geo.Point]]:
            query = "PartitionKey eq @pk and RowKey ge @lo and RowKey lt @hi"
            params = {"pk": PARTITION[side], "lo": span[0], "hi": span[1]}
            found = self._query(
                f"read {self.table} positions", query, params, select=["RowKey", "Lat", "Lon"], results_per_page=1000
            )
            return [(geo.record_key(entity["RowKey"]), (entity["Lat"], entity["Lon"])) for entity in found]

        first, *rest = spans or [geo.everything()]
        others = [in_parallel(read, span) for span in rest]
        return read(first) + [entry for future in others for entry in future.result()]

    def read_pair(self, key: Key) -> dict[Side, Row | None]:
        """Both sides' rows of a key, read at once: the two reads are independent, so a change waits
        on one round trip for both (the second runs on a pool thread)."""
        other = in_parallel(self.read, "scm", key)
        try:
            fs = self.read("fs", key)
        finally:
            scm = other.result()  # waited for even when the first read failed: nothing is left running
        return {"fs": fs, "scm": scm}

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
        indexed: bool = False,
        located: str | None = None,
    ) -> Row:
        """Create the row (etag None) or replace it only if it is unchanged since it was read.

        Other rows of the partition go in the same transaction (one request, all or nothing): the
        index row of an intent (written with an intent when the row as read had no `indexed` one;
        removed when it had and the new row has none); the index row of the record's position, moved
        or removed with it (`located`: the position the row as read names); and with a guard, the
        company's guard row, only if that is unchanged too."""
        position = self.position(side, record, deleted)
        entity = _entity(side, key, record, meta, intent, deleted, position)
        others = _index_change(side, key, meta, intent, indexed) + _geo_change(side, key, located, position)
        if guard is not None:
            others.append(_guard_put(side, guard, meta.operation_id))

        def put(client: TableClient) -> Any:
            if others:
                return client.submit_transaction([_put(entity, etag), *others])[0]
            if etag is None:
                return client.create_entity(entity)
            return client.update_entity(
                entity, mode=UpdateMode.REPLACE, etag=etag, match_condition=MatchConditions.IfNotModified
            )

        result = self._call(f"write {self.table} {key}", put)
        return Row(
            record=_columns(record), meta=meta, etag=result["etag"], intent=intent, deleted=deleted, geo=position
        )

    def position(self, side: Side, record: Mapping[str, Any], deleted: bool) -> str | None:
        """Where the record stands, as its row names it (shared/geo.py), or None."""
        point = None if self._locate is None or deleted else self._locate(side, record)
        return None if point is None else geo.stamp(point)

    def write_many(self, side: Side, writes: Sequence[Write], guards: Sequence[Guard] = ()) -> list[str]:
        """Several rows of one side in one transaction (atomic, at most MAX_BATCH operations with their
        intents' and positions' index rows and the guards), each created or replaced only if unchanged
        since read; their new ETags, in order, then the guards'."""
        positions = [self.position(side, write.record, False) for write in writes]
        entities = [
            _put(_entity(side, w.key, w.record, w.meta, w.intent, False, position), w.etag)
            for w, position in zip(writes, positions, strict=True)
        ]
        indexes = [op for w in writes for op in _index_change(side, w.key, w.meta, w.intent, False)]
        moves = zip(writes, positions, strict=True)
        indexes += [op for w, position in moves for op in _geo_change(side, w.key, w.located, position)]
        guarded = [_guard_put(side, guard) for guard in guards]
        if not entities:
            return []
        if len(entities) + len(indexes) + len(guarded) > MAX_BATCH:
            raise ValueError(f"a transaction holds at most {MAX_BATCH} operations")
        results = self._call(
            f"write {len(entities)} rows of {self.table}",
            lambda client: client.submit_transaction(entities + indexes + guarded),
        )
        rows, guards_written = results[: len(entities)], results[len(entities) + len(indexes) :]
        return [result["etag"] for result in (*rows, *guards_written)]

    def clear_intents(self, side: Side, rows: Sequence[tuple[Key, Row]]) -> list[str]:
        """Drop several rows' intents (their operations are done) and their index rows, in one transaction:
        each row only if unchanged since it was read or written. A row that changed meanwhile fails the
        whole transaction with RowConflictError, which says which row, so that the others can be sent
        again. The rows' new ETags, in order."""
        operations: list[tuple[Any, ...]] = []
        owners: list[int] = []  # the row each operation belongs to
        starts: list[int] = []  # each row's own operation
        for position, (key, row) in enumerate(rows):
            entity = _entity(side, key, row.record, row.meta, None, row.deleted, row.geo)
            changes = [_put(entity, row.etag), *_index_change(side, key, row.meta, None, row.indexed)]
            starts.append(len(operations))
            operations += changes
            owners += [position] * len(changes)
        if not operations:
            return []
        if len(operations) > MAX_BATCH:
            raise ValueError(f"a transaction holds at most {MAX_BATCH} operations")
        action = f"confirm {len(rows)} operations of {self.table}"

        def submit(client: TableClient) -> Any:
            try:
                return client.submit_transaction(operations)
            except TableTransactionError as exc:
                lost = exc.status_code in (404, 409, 412) and not _table_missing(exc)
                if lost and 0 <= exc.index < len(owners):
                    raise RowConflictError(action, owners[exc.index]) from exc
                raise

        results = self._call(action, submit)
        return [results[start]["etag"] for start in starts]

    def rows_between(self, side: Side, low: str, high: str) -> dict[str, Row]:
        """Every row of a side with a RowKey in [low, high], tombstones included, by RowKey."""
        query = "PartitionKey eq @pk and RowKey ge @lo and RowKey le @hi"
        params = {"pk": PARTITION[side], "lo": low, "hi": high}
        found = self._query(f"read {self.table} rows", query, params, results_per_page=1000)
        return {entity["RowKey"]: Row.from_entity(entity) for entity in found if entity["RowKey"] >= FIRST_RECORD_KEY}

    def read_guard(self, side: Side, company: str) -> Guard:
        def get(client: TableClient) -> Guard:
            try:
                entity = client.get_entity(PARTITION[side], guard_row_key(company), select=["RowKey"])
            except ResourceNotFoundError as exc:
                _row_absent(exc)
                return Guard(company, None)
            return Guard(company, entity.metadata["etag"])

        return self._call(f"read the guard of {self.table} {normalise(company)}", get)

    def delete(self, side: Side, key: Key, etag: str) -> None:
        """Delete the row only if it is unchanged since it was read; a row already gone is a lost race."""
        self._call(
            f"delete {self.table} {key}",
            lambda client: client.delete_entity(
                PARTITION[side], key.row_key, etag=etag, match_condition=MatchConditions.IfNotModified
            ),
        )

    def pending(self, side: Side) -> Iterator[Pending]:
        """The side's operations in flight, by their index rows: a range read, whatever the table holds."""
        low, high = pending_range()
        query = "PartitionKey eq @pk and RowKey ge @lo and RowKey lt @hi"
        params = {"pk": PARTITION[side], "lo": low, "hi": high}
        for entity in self._query(f"read {self.table} operations in flight", query, params):
            row_key = entity["RowKey"][len(low) :]
            yield Pending(decode_row_key(row_key), written_at(entity), entity.metadata["etag"])

    def unindexed(self, side: Side) -> Iterator[tuple[Key, Row]]:
        """The side's rows carrying an intent without an index row (written before index rows existed):
        found by scanning the whole partition, so only a full recovery pass asks."""
        query = "PartitionKey eq @pk and SyncPending eq true"  # a missing column matches no comparison
        for entity in self._query(f"scan {self.table} for intents", query, {"pk": PARTITION[side]}):
            if not entity.get("SyncPendingIndexed"):
                yield _key_of(entity), Row.from_entity(entity)

    def drop_index(self, side: Side, pending: Pending) -> None:
        """Delete an index row that names no intent (only if unchanged since read)."""
        row_key = pending_row_key(pending.key.row_key)
        self._call(
            f"delete an index row of {self.table}",
            lambda client: client.delete_entity(
                PARTITION[side], row_key, etag=pending.etag, match_condition=MatchConditions.IfNotModified
            ),
        )

    def tombstones(self, side: Side, written_before: dt.datetime) -> Iterator[tuple[Key, Row]]:
        """The side's tombstones last written before a time (the ones whose retention is over)."""
        query = "PartitionKey eq @pk and SyncDeleted eq true and Timestamp lt @before"
        params = {"pk": PARTITION[side], "before": written_before}
        for entity in self._query(f"scan {self.table} for tombstones", query, params):
            yield _key_of(entity), Row.from_entity(entity)

    def page(
        self, side: Side, company: str | None, limit: int, token: str | None
    ) -> tuple[list[tuple[Key, Row]], str | None]:
        """One page of a side's rows in key order, optionally of one company, and the next page's token."""
        query, params = _side_filter(side, company)
        continuation = decode_token(token)

        def first_page(client: TableClient) -> tuple[list[tuple[Key, Row]], str | None]:
            pages: Any = client.query_entities(query, parameters=params, results_per_page=limit).by_page(
                continuation_token=continuation
            )
            return list(_live(next(pages, []))), encode_token(pages.continuation_token)

        return self._call(f"list {self.table}", first_page)

    def find(self, side: Side, company: str, equals: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Records of one company whose columns equal the given values (column names come from specs)."""
        query, params = _side_filter(side, company)
        for index, (column, value) in enumerate(equals.items()):
            query += f" and {column} eq @v{index}"
            params[f"v{index}"] = value
        return [row.record for _, row in _live(self._query(f"query {self.table}", query, params))]

    def get(self, side: Side, company: str, ident: str) -> dict[str, Any] | None:
        row = self.read(side, Key(company, ident))
        return row.record if row and not row.deleted else None

    def scan(self, side: Side, company: str | None, after: str | None = None) -> Iterator[tuple[Key, Row]]:
        """Every row of a side (of one company; after a RowKey), in key order, fetched page by page."""
        query, params = _side_filter(side, company)
        if after is not None:
            query += " and RowKey gt @after"
            params["after"] = after
        yield from _live(self._query(f"scan {self.table}", query, params, results_per_page=1000))

    def unlocated(self, side: Side) -> Iterator[tuple[Key, Row]]:
        """The side's records whose position has no index row as it is (written by a version from before
        position index rows, or changed in storage outside the sync): found by scanning the partition."""
        if self._locate is None:
            return
        for key, row in self.scan(side, None):
            if row.geo != self.position(side, row.record, False):
                yield key, row

    def relocate(self, side: Side, key: Key, row: Row) -> None:
        """Write the row again as it is (if unchanged since read), with its position's index row."""
        self.write(side, key, row.record, row.meta, row.etag, intent=row.intent, indexed=row.indexed, located=row.geo)

    def columns(
        self, side: Side, company: str | None, names: Sequence[str], after: str | None = None
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        """(RowKey, the named columns) of every record of a side (of one company; after a RowKey), in key
        order, page by page: only those columns are read. Tombstones are left out."""
        query, params = _side_filter(side, company)
        if after is not None:
            query += " and RowKey gt @after"
            params["after"] = after
        select = ["RowKey", "SyncDeleted", *names]
        for entity in self._query(f"scan {self.table}", query, params, select=select, results_per_page=1000):
            if not entity.get("SyncDeleted"):
                yield entity["RowKey"], {name: entity[name] for name in names if entity.get(name) is not None}

    def keys(self, side: Side, company: str | None, after: str | None, limit: int) -> list[str]:
        """Up to `limit` RowKeys of a side's records (of one company; after a RowKey), in key order: only
        the keys and the tombstone flag are read, not the records."""
        query, params = _side_filter(side, company)
        if after is not None:
            query += " and RowKey gt @after"
            params["after"] = after
        found = self._query(f"list {self.table} keys", query, params, select=["RowKey", "SyncDeleted"])
        return [entity["RowKey"] for entity in islice((e for e in found if not e.get("SyncDeleted")), limit)]

    def referring(self, side: Side, company: str, fields: tuple[str, ...], ident: str) -> list[str]:
        wanted = normalise(ident)
        return [
            key.id
            for key, row in self.scan(side, company)
            if any(isinstance(v := row.record.get(name), str) and normalise(v) == wanted for name in fields)
            and normalise(key.id) != wanted
        ]


def _live(entities: Iterable[Any]) -> Iterator[tuple[Key, Row]]:
    """The records among queried rows: a tombstone (a delete in progress) is no record."""
    for entity in entities:
        row = Row.from_entity(entity)
        if not row.deleted:
            yield _key_of(entity), row


MAX_BATCH = 100  # operations in one Table Storage transaction


class Write(NamedTuple):
    """One row to write in a transaction of several."""

    key: Key
    record: Mapping[str, Any]
    meta: SyncMeta
    etag: str | None  # as read; None: create
    intent: Intent | None
    located: str | None = None  # the position the row as read names (Row.geo)


def _entity(
    side: Side,
    key: Key,
    record: Mapping[str, Any],
    meta: SyncMeta,
    intent: Intent | None,
    deleted: bool = False,
    position: str | None = None,
) -> dict[str, Any]:
    """The stored row: the record's columns, the sync metadata, the intent, the tombstone flag, the
    position its index row is at."""
    return {
        "PartitionKey": PARTITION[side],
        "RowKey": key.row_key,
        **_columns(record),
        **meta.columns(),
        **(intent.columns() if intent else {}),
        **({"SyncDeleted": True} if deleted else {}),
        **({"SyncGeo": position} if position else {}),
    }


@dataclass(frozen=True)
class Pending:
    """An operation in flight, as its index row says: the record's key, when the index row was written
    (with the record's first intent since its last confirmed one)."""

    key: Key
    written_at: dt.datetime | None
    etag: str


def _index_change(side: Side, key: Key, meta: SyncMeta, intent: Intent | None, indexed: bool) -> list[tuple[Any, ...]]:
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


def _geo_change(side: Side, key: Key, located: str | None, position: str | None) -> list[tuple[Any, ...]]:
    """The transaction operations that keep a record's position's index row with it (shared/geo.py): the
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


def _guard_put(side: Side, guard: Guard, operation_id: str | None = None) -> tuple[Any, ...]:
    """A transaction operation rewriting a company's guard row, if unchanged since read (with the id of
    the operation that committed under it, when one does)."""
    entity = {"PartitionKey": PARTITION[side], "RowKey": guard_row_key(guard.company)}
    if operation_id is not None:
        entity["SyncOperationId"] = operation_id
    return _put(entity, guard.etag)


def _put(entity: dict[str, Any], etag: str | None) -> tuple[Any, ...]:
    """A transaction operation: create the row, or replace it if its ETag is still `etag`."""
    if etag is None:
        return ("create", entity)
    return (
        "update",
        entity,
        {"mode": UpdateMode.REPLACE, "etag": etag, "match_condition": MatchConditions.IfNotModified},
    )


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
