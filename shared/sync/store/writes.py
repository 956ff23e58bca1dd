"""Writing rows: one row with what goes with it in its transaction, several rows at once, intents cleared."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from azure.core import MatchConditions
from azure.data.tables import TableClient, TableTransactionError, UpdateMode

from shared import tablebatch
from shared.entities.spec import Side
from shared.keys import Key, guard_row_key, normalise
from shared.storage import table_missing
from shared.sync import geo
from shared.sync.rows import Guard, Intent, Row, RowConflictError, SyncMeta
from shared.sync.store.access import TableAccess
from shared.sync.store.entities import (
    MAX_BATCH,
    PARTITION,
    Write,
    columns_of,
    geo_change,
    guard_put,
    index_change,
    put,
    row_entity,
    search_change,
)


class Writes(TableAccess):
    """Conditional writes of one entity table's rows, each with the index rows that go with it."""

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
        searched: str | None = None,
    ) -> Row:
        """Create the row (etag None) or replace it only if it is unchanged since it was read.

        Other rows of the partition go in the same transaction (one request, all or nothing): the
        index row of an intent (written with an intent when the row as read had no `indexed` one;
        removed when it had and the new row has none); the index row of the record's position, moved
        or removed with it (`located`: the position the row as read names); and with a guard, the
        company's guard row, only if that is unchanged too; and the index rows of the record's words,
        rewritten when its search fields changed (`searched`: the fields the row as read names)."""
        position = self.position(side, record, deleted)
        stamped = self.searchable(side, record, deleted)
        entity = row_entity(side, key, record, meta, intent, deleted, position, stamped)
        others = index_change(side, key, meta, intent, indexed) + geo_change(side, key, located, position)
        others += search_change(side, key, searched, stamped)
        if guard is not None:
            others.append(guard_put(side, guard, meta.operation_id))

        def send(client: TableClient) -> Any:
            if others:
                return tablebatch.submit(client, [put(entity, etag), *others])[0]
            if etag is None:
                return client.create_entity(entity)
            return client.update_entity(
                entity, mode=UpdateMode.REPLACE, etag=etag, match_condition=MatchConditions.IfNotModified
            )

        result = self._call(f"write {self.table} {key}", send)
        written = columns_of(record)
        return Row(written, meta, result["etag"], intent, deleted, geo=position, search=stamped)

    def touch_guard(self, side: Side, guard: Guard, operation_id: str) -> Guard:
        """Rewrite a company's guard row alone, only if unchanged since read (WriteConflictError if not): the
        writes that read it before commit no more, and decide again (shared/sync/neighbours.py)."""
        entity = {
            "PartitionKey": PARTITION[side],
            "RowKey": guard_row_key(guard.company),
            "SyncOperationId": operation_id,
        }

        def send(client: TableClient) -> Any:
            if guard.etag is None:
                return client.create_entity(entity)
            return client.update_entity(
                entity, mode=UpdateMode.REPLACE, etag=guard.etag, match_condition=MatchConditions.IfNotModified
            )

        result = self._call(f"write the guard of {self.table} {normalise(guard.company)}", send)
        return Guard(guard.company, result["etag"])

    def position(self, side: Side, record: Mapping[str, Any], deleted: bool) -> str | None:
        """Where the record stands, as its row names it (shared/sync/geo.py), or None."""
        point = None if self._locate is None or deleted else self._locate(side, record)
        return None if point is None else geo.stamp(point)

    def searchable(self, side: Side, record: Mapping[str, Any], deleted: bool) -> str | None:
        """The record's search fields as its row names them (shared/sync/search.py), or None."""
        return None if self._stamp is None or deleted else self._stamp(side, record)

    def cost(self, side: Side, write: Write) -> int:
        """How many operations `write` takes in a transaction of write_many: its row and its index rows."""
        position = self.position(side, write.record, write.deleted)
        stamped = self.searchable(side, write.record, write.deleted)
        return (
            1
            + len(index_change(side, write.key, write.meta, write.intent, write.indexed))
            + len(geo_change(side, write.key, write.located, position))
            + len(search_change(side, write.key, write.searched, stamped))
        )

    def write_many(
        self, side: Side, writes: Sequence[Write], guards: Sequence[Guard] = ()
    ) -> tuple[list[Row], list[str]]:
        """Several rows of one side in one transaction (atomic, at most MAX_BATCH operations with their
        intents', positions' and words' index rows and the guards: `cost` says a row's share), each
        created or replaced only if unchanged since read; the rows as written, in order, and the guards'
        new ETags."""
        positions = [self.position(side, write.record, write.deleted) for write in writes]
        stamps = [self.searchable(side, write.record, write.deleted) for write in writes]
        entities = [
            put(row_entity(side, w.key, w.record, w.meta, w.intent, w.deleted, position, stamped), w.etag)
            for w, position, stamped in zip(writes, positions, stamps, strict=True)
        ]
        indexes = [op for w in writes for op in index_change(side, w.key, w.meta, w.intent, w.indexed)]
        moves = zip(writes, positions, strict=True)
        indexes += [op for w, position in moves for op in geo_change(side, w.key, w.located, position)]
        worded = zip(writes, stamps, strict=True)
        indexes += [op for w, stamped in worded for op in search_change(side, w.key, w.searched, stamped)]
        guarded = [guard_put(side, guard) for guard in guards]
        if not entities:
            return [], []
        if len(entities) + len(indexes) + len(guarded) > MAX_BATCH:
            raise ValueError(f"a transaction holds at most {MAX_BATCH} operations")
        results = self._call(
            f"write {len(entities)} rows of {self.table}",
            lambda client: tablebatch.submit(client, entities + indexes + guarded),
        )
        written = [
            Row(columns_of(w.record), w.meta, result["etag"], w.intent, w.deleted, geo=position, search=stamped)
            for w, position, stamped, result in zip(writes, positions, stamps, results, strict=False)
        ]
        return written, [result["etag"] for result in results[len(entities) + len(indexes) :]]

    def clear_intents(self, side: Side, rows: Sequence[tuple[Key, Row]]) -> list[str]:
        """Drop several rows' intents (their operations are done) and their index rows, in one transaction:
        each row only if unchanged since it was read or written. A row that changed meanwhile fails the
        whole transaction with RowConflictError, which says which row, so that the others can be sent
        again. The rows' new ETags, in order."""
        operations: list[tuple[Any, ...]] = []
        owners: list[int] = []  # the row each operation belongs to
        starts: list[int] = []  # each row's own operation
        for position, (key, row) in enumerate(rows):
            entity = row_entity(side, key, row.record, row.meta, None, row.deleted, row.geo, row.search)
            changes = [put(entity, row.etag), *index_change(side, key, row.meta, None, row.indexed)]
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
                return tablebatch.submit(client, operations)
            except TableTransactionError as exc:
                lost = exc.status_code in (404, 409, 412) and not table_missing(exc)
                if lost and 0 <= exc.index < len(owners):
                    raise RowConflictError(action, owners[exc.index]) from exc
                raise

        results = self._call(action, submit)
        return [results[start]["etag"] for start in starts]
