"""Recovery at two table sizes: `shared.sync.recovery.recover(engine)` with the same few operations in flight.

The table (both partitions) is filled with synced rows, raw and fast (bench/fill.py); then a few real
half-done operations are made through the engine itself: an update whose lead row (with its intent)
is written, and whose follower write fails, by a pipeline policy that refuses the SCM write of exactly
those rows (as a crash between the two writes would leave them). Recovery is then timed, on its own
engine without the fault, and checked: every operation must have reached the follower. The next size
adds rows to the same table and leaves as many new operations in flight. How recovery finds them
(a scan, an index of pending rows) is its own business: only `recover(engine, grace)` is called.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from azure.core.exceptions import ServiceRequestError
from azure.core.pipeline import PipelineRequest
from azure.core.pipeline.policies import SansIOHTTPPolicy
from azure.data.tables import TableClient

from bench import figures
from bench.counting import RequestCounter, counted_table
from bench.fill import Filler
from bench.inprocess import templates
from bench.measure import BenchError, expect
from bench.records import COMPANY, changed, payment_term, times
from shared.entities.payment_terms import SPEC
from shared.errors import TransientError
from shared.keys import Key, pending_range
from shared.settings import Settings
from shared.sync.engine import Engine
from shared.sync.journal import FOLLOWER, LEAD, in_doubt
from shared.sync.recovery import recover
from shared.sync.store import PARTITION, EntityStore

PREFIX = "R"  # filled records are R0, R1, …: at most 10 characters up to 10^9 rows


class FollowerFault(SansIOHTTPPolicy[Any, Any]):
    """Refuses every write to the follower (SCM) row of the armed keys, before it is sent."""

    def __init__(self) -> None:
        super().__init__()
        self.row_keys: set[str] = set()

    def on_request(self, request: PipelineRequest[Any]) -> None:
        http = request.http_request
        if http.method != "GET" and self.row_keys:
            url = unquote(http.url)
            if f"PartitionKey='{PARTITION[FOLLOWER]}'" in url and any(f"RowKey='{k}'" in url for k in self.row_keys):
                raise ServiceRequestError("bench: the follower write of an operation left in flight")


@dataclass(frozen=True)
class Pass:
    rows: int
    in_flight: int
    fill_seconds: float
    seconds: float
    requests: int
    counts: dict[str, int]
    raw_seconds: float  # as many raw point reads as the pass sent requests, on this table: Azurite's own cost
    purge_seconds: float  # the timer's hourly pass (tombstone purge: a scan of both partitions), nothing in flight
    scan_seconds: (
        float  # the pass's one query (the operations-in-flight range read) sent raw: Azurite's scan of the table
    )
    purge_scan_seconds: float  # the hourly pass's tombstone query sent raw

    @property
    def own_seconds(self) -> float:
        """The pass without the time Azurite takes to answer its query (every Azurite query reads the whole
        table; Table Storage answers a range read from what is in range)."""
        return max(self.seconds - self.scan_seconds, 0.0)

    @property
    def purge_own_seconds(self) -> float:
        return max(self.purge_seconds - self.scan_seconds - self.purge_scan_seconds, 0.0)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "in_flight": self.in_flight,
            "fill_seconds": round(self.fill_seconds, 2),
            "recover_seconds": round(self.seconds, 3),
            "requests": self.requests,
            "report": self.counts,
            "raw_reads_seconds": round(self.raw_seconds, 3),
            "hourly_purge_pass_seconds": round(self.purge_seconds, 3),
            "query_seconds": round(self.scan_seconds, 3),
            "purge_query_seconds": round(self.purge_scan_seconds, 3),
        }


class RecoveryBench:
    def __init__(self, connection: str, in_flight: int) -> None:
        self.connection, self.in_flight = connection, in_flight
        self.settings = Settings(AzureWebJobsStorage=connection)
        self.fault = FollowerFault()
        faulty = TableClient.from_connection_string(connection, SPEC.table, per_call_policies=[self.fault])
        self.writer = Engine(SPEC, EntityStore(faulty), self.settings)
        self.counter = RequestCounter()
        self.recoverer = Engine(SPEC, EntityStore(counted_table(connection, SPEC.table, self.counter)), self.settings)
        self.raw = counted_table(connection, SPEC.table, RequestCounter())
        _, self.created, self.updated = times()
        template = self.writer.upsert("fs", payment_term("TPL", 0, self.created))
        expect("template create", template.status, "created")
        self.filler = Filler(faulty, templates(template), "TPL0")
        self.filled = 0
        recover(self.recoverer, dt.timedelta(0))  # not timed: confirms the template's own operation, so that
        # each timed pass finds exactly its operations in flight

    def run(self, rows: int, round_: int) -> Pass:
        """Fill the table up to `rows` records, leave `in_flight` operations half done, time recovery."""
        began = time.perf_counter()
        self.filler.fill([f"{PREFIX}{index}" for index in range(self.filled, rows)])
        self.filled, fill_seconds = rows, time.perf_counter() - began
        keys = [Key(COMPANY, f"{PREFIX}{index}") for index in figures.spread(rows, self.in_flight, offset=round_)]
        self._leave_in_flight(keys)
        before = self.counter.count
        began = time.perf_counter()
        report = recover(self.recoverer, dt.timedelta(0), purge=False)  # the timer's pass, 59 minutes of 60
        seconds = time.perf_counter() - began
        sent = self.counter.count - before  # the pass's own requests, not the checks below
        if report.error:
            raise BenchError(f"recovery failed at {rows} rows: {report.error}")
        self._check_finished(keys)
        counts = {name: count for name, count in report.counts.items() if count}
        raw = self.raw  # point reads of filled records, as many as the pass sent, on the same transport
        began = time.perf_counter()
        for index in figures.spread(rows, sent, offset=round_ + 1):
            raw.get_entity("FS", Key(COMPANY, f"{PREFIX}{index}").row_key)
        raw_seconds = time.perf_counter() - began
        began = time.perf_counter()
        recover(self.recoverer, dt.timedelta(0), purge=True)
        purge_seconds = time.perf_counter() - began
        scan, purge_scan = self._queries()
        return Pass(rows, len(keys), fill_seconds, seconds, sent, counts, raw_seconds, purge_seconds, scan, purge_scan)

    def _queries(self) -> tuple[float, float]:
        """The passes' queries sent raw, on the same table: the range read of the operations in flight, and
        the tombstone query of the hourly pass (the best of three each: what Azurite itself takes)."""
        low, high = pending_range()
        pending = (
            "PartitionKey eq @pk and RowKey ge @lo and RowKey lt @hi",
            {"pk": PARTITION[LEAD], "lo": low, "hi": high},
        )
        tombstones = (
            "(PartitionKey eq @fs or PartitionKey eq @scm ) and SyncDeleted eq true and Timestamp lt @before",
            {"fs": "FS", "scm": "SCM", "before": dt.datetime.now(dt.UTC)},
        )

        def best(query: str, parameters: dict[str, Any]) -> float:
            times = []
            for _ in range(3):
                began = time.perf_counter()
                list(self.raw.query_entities(query, parameters=parameters))
                times.append(time.perf_counter() - began)
            return min(times)

        return best(*pending), best(*tombstones)

    def _leave_in_flight(self, keys: list[Key]) -> None:
        self.fault.row_keys = {key.row_key for key in keys}
        try:
            for key in keys:
                record = changed(payment_term(PREFIX, int(key.id[len(PREFIX) :]), self.created), self.updated)
                try:
                    outcome = self.writer.upsert("fs", record)
                except TransientError:
                    continue  # the follower write failed: what we want
                raise BenchError(f"{key}: the update went through ({outcome.status}); nothing is left in flight")
        finally:
            self.fault.row_keys = set()
        for key in keys:
            lead, follower = self._pair(key)
            if not in_doubt(lead, follower):
                raise BenchError(f"{key}: the failed update left no operation in flight")

    def _check_finished(self, keys: list[Key]) -> None:
        for key in keys:
            lead, follower = self._pair(key)
            if follower is None or follower.meta.operation_id != lead.meta.operation_id:
                raise BenchError(f"{key}: recovery did not bring the follower to the lead's operation")

    def _pair(self, key: Key) -> tuple[Any, Any]:
        lead = self.recoverer.store.read(LEAD, key)
        if lead is None:
            raise BenchError(f"{key}: no lead row")
        return lead, self.recoverer.store.read(FOLLOWER, key)
