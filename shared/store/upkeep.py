"""What recovery reads and mends: operations in flight by their index rows, rows that lack an index row."""

from __future__ import annotations

from collections.abc import Iterator

from azure.core import MatchConditions

from shared.keys import (
    Key,
    decode_row_key,
    pending_range,
    pending_row_key,
)
from shared.rows import Row, written_at
from shared.spec import Side
from shared.store.entities import PARTITION, Pending, key_of
from shared.store.scans import Scans
from shared.store.writes import Writes


class Upkeep(Writes, Scans):
    """The index rows of one entity table as recovery sees them."""

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
                yield key_of(entity), Row.from_entity(entity)

    def drop_index(self, side: Side, pending: Pending) -> None:
        """Delete an index row that names no intent (only if unchanged since read)."""
        row_key = pending_row_key(pending.key.row_key)
        self._call(
            f"delete an index row of {self.table}",
            lambda client: client.delete_entity(
                PARTITION[side], row_key, etag=pending.etag, match_condition=MatchConditions.IfNotModified
            ),
        )

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
