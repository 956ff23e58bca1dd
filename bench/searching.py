"""The dispatcher's asset searches of `make bench-lists` (bench/lists.py), each with the storage rows it read.

One asset's serial number (begins-with: one index row, then the record), interleaved round by round
with a raw read of the same rows; `pump 7`, the first page of 100 of the ninth of the assets it
matches; and a `*` search inside the serial numbers, which reads the company's rows. The rows are
counted by a pipeline policy on the app's table clients (bench/counting.py).
"""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Callable, Iterator
from typing import NamedTuple

import requests
from azure.data.tables import TableClient

from bench.counting import RowsRead
from bench.measure import expect
from functions import runtime
from shared.entities import ENTITIES
from shared.sync import search

ASSETS = ENTITIES["customer-assets"]
PAGE_Q = "pump 7"  # "Pump 7", "Pump 70".., "Pump 700"..: a ninth of the assets

Get = Callable[[str, dict[str, str]], tuple[float, int]]  # median ms of GETs of a path, the items listed


class Searched(NamedTuple):
    search_ms: float  # q = one asset's serial number (begins-with)
    search_items: int
    search_rows: int  # storage rows the search read
    raw_search_ms: float  # the same rows read raw: the word index range and the record
    page_ms: float  # q = PAGE_Q: the first page of 100
    page_rows: int
    star_ms: float  # q = "*n-<one serial's digits>": inside the serial numbers, a scan
    star_items: int
    star_rows: int


class Searches:
    def __init__(
        self, session: requests.Session, base: str, client: TableClient, company: str, get: Get, repeat: int
    ) -> None:
        self.session, self.base, self.client, self.company = session, base, client, company
        self.get, self.repeat = get, repeat
        self.rows = RowsRead(ASSETS.table)
        self.path = f"fs/{ASSETS.slug}"

    def measure(self, serial: str) -> Searched:
        """Each search of the company's assets; `serial`: the serial number one asset has."""
        search_ms, raw_ms, items, rows = self._one(serial)
        expect(f"assets found by {serial}", items, 1)
        page_ms, page_items, page_rows = self._counted({"q": PAGE_Q, "limit": "100"})
        expect(f"assets found by {PAGE_Q}", page_items, 100)
        star = "*" + serial[1:].lower()
        star_ms, star_items, star_rows = self._counted({"q": star})
        expect(f"assets found by {star}", star_items, 1)
        return Searched(search_ms, items, rows, raw_ms, page_ms, page_rows, star_ms, star_items, star_rows)

    def _counted(self, params: dict[str, str]) -> tuple[float, int, int]:
        """Median ms and items of GETs of the asset list, and the storage rows one of them read."""
        params = {"company": self.company, **params}
        with counting(self.rows):
            self.rows.take()
            self.session.get(f"{self.base}/api/{self.path}", params=params, timeout=300)
            rows = self.rows.take()
        elapsed, items = self.get(self.path, params)
        return elapsed, items, rows

    def _one(self, wanted: str) -> tuple[float, float, int, int]:
        """The one-asset search and the raw read of the rows it reads, interleaved round by round: median
        ms of each, the items listed and the storage rows the search read."""
        _, items, rows = self._counted({"q": wanted})
        low, high = search.span(self.company, max(search.words(wanted), key=len))
        query = "PartitionKey eq 'FS' and RowKey ge @lo and RowKey lt @hi"
        times, raws = [], []
        for attempt in range(self.repeat + 1):
            began = time.perf_counter()
            answer = self.session.get(
                f"{self.base}/api/{self.path}", params={"company": self.company, "q": wanted}, timeout=300
            )
            middle = time.perf_counter()
            expect(f"GET q={wanted}", answer.status_code, 200)
            found = self.client.query_entities(
                query, parameters={"lo": low, "hi": high}, select=["RowKey", "SyncSearch"]
            )
            for entity in list(found):
                self.client.get_entity("FS", search.record_key(entity["RowKey"]))
            if attempt:
                times.append((middle - began) * 1000)
                raws.append((time.perf_counter() - middle) * 1000)
        return statistics.median(times), statistics.median(raws), items, rows


@contextlib.contextmanager
def counting(policy: RowsRead) -> Iterator[None]:
    """The policy on the app's storage clients (made anew) for the block."""
    runtime.add_request_policy(policy)
    try:
        yield
    finally:
        runtime.remove_request_policy(policy)
