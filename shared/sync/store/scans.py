"""Reading many rows: pages, scans of a company's records, ranges, the position index, tombstones."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from itertools import islice
from typing import Any

from azure.data.tables import TableClient

from shared.entities.spec import Side
from shared.keys import (
    FIRST_RECORD_KEY,
    Key,
    normalise,
)
from shared.sync import geo, search
from shared.sync.rows import SIDE_OF_PARTITION, Row
from shared.sync.store.access import TableAccess, in_parallel
from shared.sync.store.entities import PARTITION, decode_token, encode_token, key_of, live, side_filter


class Scans(TableAccess):
    """Queries of one entity table."""

    def rows_between(self, side: Side, low: str, high: str) -> dict[str, Row]:
        """Every row of a side with a RowKey in [low, high], tombstones included, by RowKey."""
        query = "PartitionKey eq @pk and RowKey ge @lo and RowKey le @hi"
        params = {"pk": PARTITION[side], "lo": low, "hi": high}
        found = self._query(f"read {self.table} rows", query, params, results_per_page=1000)
        return {entity["RowKey"]: Row.from_entity(entity) for entity in found if entity["RowKey"] >= FIRST_RECORD_KEY}

    def page(
        self, side: Side, company: str | None, limit: int, token: str | None
    ) -> tuple[list[tuple[Key, Row]], str | None]:
        """One page of a side's rows in key order, optionally of one company, and the next page's token."""
        query, params = side_filter(side, company)
        continuation = decode_token(token)

        def first_page(client: TableClient) -> tuple[list[tuple[Key, Row]], str | None]:
            pages: Any = client.query_entities(query, parameters=params, results_per_page=limit).by_page(
                continuation_token=continuation
            )
            return list(live(next(pages, []))), encode_token(pages.continuation_token)

        return self._call(f"list {self.table}", first_page)

    def find(self, side: Side, company: str, equals: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Records of one company whose columns equal the given values (column names come from specs)."""
        query, params = side_filter(side, company)
        for index, (column, value) in enumerate(equals.items()):
            query += f" and {column} eq @v{index}"
            params[f"v{index}"] = value
        return [row.record for _, row in live(self._query(f"query {self.table}", query, params))]

    def scan(self, side: Side, company: str | None, after: str | None = None) -> Iterator[tuple[Key, Row]]:
        """Every row of a side (of one company; after a RowKey), in key order, fetched page by page."""
        query, params = side_filter(side, company)
        if after is not None:
            query += " and RowKey gt @after"
            params["after"] = after
        yield from live(self._query(f"scan {self.table}", query, params, results_per_page=1000))

    def count(self, side: Side, company: str | None) -> int:
        """How many records a side holds (of one company): only the keys and the tombstone flag are read, not
        every record decoded (an initial sync counts its source so, for its progress)."""
        query, params = side_filter(side, company)
        found = self._query(
            f"count {self.table}", query, params, select=["RowKey", "SyncDeleted"], results_per_page=1000
        )
        return sum(1 for entity in found if not entity.get("SyncDeleted"))

    def columns(
        self, side: Side, company: str | None, names: Sequence[str], after: str | None = None
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        """(RowKey, the named columns) of every record of a side (of one company; after a RowKey), in key
        order, page by page: only those columns are read. Tombstones are left out."""
        query, params = side_filter(side, company)
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
        query, params = side_filter(side, company)
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

    def located(self, side: Side, spans: Sequence[tuple[str, str]] | None) -> list[tuple[str, geo.Point]]:
        """(record RowKey, position) of the side's position index rows in the RowKey ranges (shared/sync/geo.py;
        None: the whole index), the ranges read at once."""

        def read(span: tuple[str, str]) -> list[tuple[str, geo.Point]]:
            query, params = geo.index_query(PARTITION[side], span)
            found = self._query(
                f"read {self.table} positions", query, params, select=["RowKey", "Lat", "Lon"], results_per_page=1000
            )
            return [(geo.record_key(entity["RowKey"]), (entity["Lat"], entity["Lon"])) for entity in found]

        first, *rest = spans or [geo.everything()]
        others = [in_parallel(read, span) for span in rest]
        return read(first) + [entry for future in others for entry in future.result()]

    def worded(
        self, side: Side, low: str, high: str, after: str | None, per_page: int
    ) -> Iterator[tuple[str, search.Values]]:
        """(RowKey, the search fields they carry) of the side's word index rows in the RowKey range [low,
        high) (shared/sync/search.py; after a RowKey), in key order, `per_page` (10 to 1000) at a time as
        the caller reads on: a page that skips rows not matching reads on without a query per row."""
        query = "PartitionKey eq @pk and RowKey ge @lo and RowKey lt @hi"
        params: dict[str, Any] = {"pk": PARTITION[side], "lo": low, "hi": high}
        if after is not None:
            query += " and RowKey gt @after"
            params["after"] = after
        size = min(max(per_page, 10), 1000)
        found = self._query(
            f"read {self.table} words", query, params, select=["RowKey", "SyncSearch"], results_per_page=size
        )
        for entity in found:
            yield entity["RowKey"], search.unstamp(entity.get("SyncSearch"))

    def tombstones(self, written_before: dt.datetime) -> Iterator[tuple[Side, Key, Row]]:
        """Both sides' tombstones last written before a time (the ones whose retention is over), the lead's
        partition first (results come in PartitionKey order). One query for both partitions: a filter on
        columns that are not keys reads every row it covers (Table Storage scans the partitions, Azurite its
        whole table), so one query instead of one per side halves what Azurite reads."""
        # the SDK substitutes parameters between spaces: "@scm)" would not be one
        query = "(PartitionKey eq @fs or PartitionKey eq @scm ) and SyncDeleted eq true and Timestamp lt @before"
        params = {"fs": PARTITION["fs"], "scm": PARTITION["scm"], "before": written_before}
        for entity in self._query(f"scan {self.table} for tombstones", query, params):
            yield SIDE_OF_PARTITION[entity["PartitionKey"]], key_of(entity), Row.from_entity(entity)
