"""What recovery reads and mends: operations in flight by their index rows, rows that lack an index row,
the position index against the records, records whose words have no index rows of their own."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import NamedTuple

from azure.core import MatchConditions

from shared import tablebatch
from shared.entities.spec import Side
from shared.keys import (
    Key,
    decode_row_key,
    pending_range,
    pending_row_key,
)
from shared.storage import WriteConflictError
from shared.sync import geo
from shared.sync.rows import Row, written_at
from shared.sync.store.entities import PARTITION, Pending, key_of
from shared.sync.store.scans import Scans
from shared.sync.store.writes import Writes


class Location(NamedTuple):
    """A record, the index row its position needs, and whether that is amiss."""

    key: Key
    row: Row
    needed: str | None  # the RowKey of the index row its position needs; None: it has no position
    amiss: bool  # its row names another position, or the index lacks that row
    unsearched: bool = False  # its row names other search fields than it has (its words' index rows are not its own)


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

    def positions_held(self, side: Side) -> dict[str, str]:
        """The side's position index rows as they are: RowKey → ETag (the whole index, one range read)."""
        query, params = geo.index_query(PARTITION[side])
        found = self._query(f"read {self.table} positions", query, params, select=["RowKey"], results_per_page=1000)
        return {entity["RowKey"]: entity.metadata["etag"] for entity in found}

    def locations(self, side: Side, held: Mapping[str, str]) -> Iterator[Location]:
        """Every record of the side (found by scanning the partition) with the index row its position
        needs, and whether that is amiss: its row names another position (written by a version from
        before position index rows, or changed in storage outside the sync), or the index (`held`, read
        before the scan) lacks the row."""
        if self._locate is None and self._stamp is None:
            return
        for key, row in self.scan(side, None):
            position = self.position(side, row.record, row.deleted)
            point = geo.unstamp(position)
            needed = None if point is None else geo.index_key(point, key.row_key)
            amiss = row.geo != position or (needed is not None and needed not in held)
            yield Location(key, row, needed, amiss, row.search != self.searchable(side, row.record, row.deleted))

    def relocate(self, side: Side, key: Key, row: Row, held: Mapping[str, str]) -> str | None:
        """Write the row again as it is (if unchanged since read), with its position's index row and its
        words' index rows; the position's index row its row names goes in the same transaction, if the
        index held it: that one's RowKey, if removed."""
        named = geo.unstamp(row.geo)
        old = None if named is None else geo.index_key(named, key.row_key)
        located = row.geo if old in held else None
        written = self.write(
            side,
            key,
            row.record,
            row.meta,
            row.etag,
            intent=row.intent,
            indexed=row.indexed,
            located=located,
            searched=row.search,
        )
        return old if located is not None and written.geo != located else None

    def drop_position(self, side: Side, row_key: str, etag: str) -> bool:
        """Delete a position index row that names no record where it stands, only if unchanged since read
        (a writer that wrote it again meanwhile put a record there); False if it changed or is gone.

        A transaction of one, because `delete_entity` takes a row already gone for deleted."""
        entity = {"PartitionKey": PARTITION[side], "RowKey": row_key}
        condition = {"etag": etag, "match_condition": MatchConditions.IfNotModified}
        try:
            self._call(
                f"delete a position index row of {self.table}",
                lambda client: tablebatch.submit(client, [("delete", entity, condition)]),
            )
        except WriteConflictError:
            return False
        return True
