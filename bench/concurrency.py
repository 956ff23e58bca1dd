"""HTTP creates from 1, 8 and 32 callers at once, next to raw upserts from as many threads.

Callers are threads of this process, each with its own client (a requests.Session, or a TableClient),
taking the next record from one shared list until none is left; the host runs in a separate process
(bench/serve.py says why). Raw: each change is the two upserts of the baseline, FS then SCM. The
ratio puts the app's changes/s beside what raw upserts/s allow for the requests it sends per change
(counted by the host process, for each thread count), see figures.ratio_to_raw. Each side's storage
calls come from one process with one GIL (the host's, or this one's for raw), but the app's count
includes reads, which cost Azurite and the SDK less than an upsert: a ratio a little above 1 can be real.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import requests

from bench import figures
from bench.counting import RequestCounter, counted_table
from bench.inprocess import BASELINE_TABLE
from bench.measure import BenchError, expect, percentile
from bench.process import CountedHost
from bench.records import COMPANY, batch, payment_term, times
from shared import jsonio
from shared.entities.payment_terms import SPEC
from shared.keys import Key

T = TypeVar("T")
WARM_UP = 20  # sequential POSTs to a fresh host process, not measured
_JSON = {"content-type": "application/json"}


@dataclass(frozen=True)
class Run:
    """One scenario at one thread count: wall time of all the changes and each change's latency."""

    n: int
    seconds: float
    latencies_ms: Sequence[float]
    requests: int | None

    @property
    def per_s(self) -> float:
        return self.n / self.seconds

    def as_dict(self) -> dict[str, Any]:
        p50, p99 = percentile(self.latencies_ms, 0.50), percentile(self.latencies_ms, 0.99)
        return {
            "n": self.n,
            "seconds": round(self.seconds, 3),
            "changes_per_s": round(self.per_s, 1),
            "p50_ms": None if p50 is None else round(p50, 2),
            "p99_ms": None if p99 is None else round(p99, 2),
            "requests": self.requests,
            "requests_per_change": None if self.requests is None else round(self.requests / self.n, 3),
        }


@dataclass(frozen=True)
class Row:
    threads: int
    http: Run
    raw: Run

    @property
    def ratio(self) -> float | None:
        if self.http.requests is None or self.raw.requests is None:
            return None
        raw_upserts_per_s = self.raw.requests / self.raw.seconds
        return figures.ratio_to_raw(self.http.per_s, raw_upserts_per_s, self.http.requests / self.http.n)

    def as_dict(self) -> dict[str, Any]:
        ratio = self.ratio
        return {
            "threads": self.threads,
            "http": self.http.as_dict(),
            "raw": self.raw.as_dict(),
            "raw_upserts_per_s": None if self.raw.requests is None else round(self.raw.requests / self.raw.seconds, 1),
            "ratio": None if ratio is None else round(ratio, 3),
        }


def fan_out(items: Iterable[T], threads: int, worker: Callable[[], Callable[[T], object]]) -> tuple[float, list[float]]:
    """`threads` threads, each with its own `worker()` (made before the clock starts), take the next
    item until none is left. (seconds from the start to the last change, each change's latency in ms);
    the first error of any thread is raised once all have stopped."""
    pending, lock = iter(items), threading.Lock()
    start = threading.Barrier(threads + 1, timeout=120)
    clock = time.perf_counter

    def work() -> list[float]:
        try:
            op = worker()
        except BaseException:
            start.abort()
            raise
        start.wait()
        latencies: list[float] = []
        while True:
            with lock:
                item = next(pending, _DONE)
            if item is _DONE:
                return latencies
            began = clock()
            op(item)  # type: ignore[arg-type]
            latencies.append((clock() - began) * 1000)

    with ThreadPoolExecutor(threads, thread_name_prefix="bench-caller") as pool:
        futures = [pool.submit(work) for _ in range(threads)]
        with contextlib.suppress(threading.BrokenBarrierError):  # a worker() failed: its error is raised below
            start.wait()
        began = clock()
        errors = [error for future in futures if (error := future.exception()) is not None]
        seconds = clock() - began
    if errors:  # the cause first, not the other threads' broken barrier
        raise min(errors, key=lambda error: isinstance(error, threading.BrokenBarrierError))
    return seconds, [latency for future in futures for latency in future.result()]


_DONE = object()


class Concurrency:
    def __init__(self, connection: str, host: CountedHost, templates: Sequence[dict[str, Any]]) -> None:
        self.connection, self.host, self.templates = connection, host, templates
        self.url = f"{host.base_url}/api/fs/{SPEC.slug}"
        _, self.created, _ = times()
        with requests.Session() as session:
            for index in range(WARM_UP):
                post_created(session, self.url, payment_term("CW", index, self.created))

    def row(self, threads: int, n: int) -> Row:
        return Row(threads, self.http(threads, n), self.raw(threads, n))

    def http(self, threads: int, n: int) -> Run:
        records = batch(f"C{threads}H", n, self.created)  # distinct records for every thread count
        before = self.host.requests()
        seconds, latencies = http_creates(self.host.base_url, threads, records)
        return Run(n, seconds, latencies, self.host.requests() - before)

    def raw(self, threads: int, n: int) -> Run:
        return raw_changes(self.connection, self.templates, threads, n)


def http_creates(base_url: str, threads: int, records: Sequence[dict[str, Any]]) -> tuple[float, list[float]]:
    """POST each record (a new one: 201) to the create route from `threads` callers; as fan_out answers."""
    url = f"{base_url}/api/fs/{SPEC.slug}"

    def worker() -> Callable[[dict[str, Any]], None]:
        session = requests.Session()
        session.get(f"{base_url}/api/health", timeout=30)  # its connection, before the clock
        return lambda record: post_created(session, url, record)

    return fan_out(records, threads, worker)


def raw_changes(connection: str, templates: Sequence[dict[str, Any]], threads: int, n: int) -> Run:
    """`n` changes of raw upserts (each template once: FS then SCM) from `threads` threads."""
    counter = RequestCounter(url_part=f"/{BASELINE_TABLE}(")  # the upserts, not the warm-up below
    names = [f"C{threads}R{index}" for index in range(n)]

    def worker() -> Callable[[str], None]:
        table = counted_table(connection, BASELINE_TABLE, counter)
        table.get_table_access_policy()  # its connection, before the clock (not an upsert: not counted)
        return lambda name: _write_both(table, templates, name)

    seconds, latencies = fan_out(names, threads, worker)
    if counter.count != len(templates) * n:
        raise BenchError(f"raw: {counter.count} requests for {n} changes of {len(templates)} upserts each")
    return Run(n, seconds, latencies, counter.count)


def _write_both(table: Any, templates: Sequence[dict[str, Any]], name: str) -> None:
    for template in templates:
        table.upsert_entity({**template, "RowKey": Key(COMPANY, name).row_key})


def post_created(session: requests.Session, url: str, record: dict[str, Any]) -> None:
    answer = session.post(url, data=jsonio.dumps(record), headers=_JSON, timeout=60)
    expect("HTTP POST", answer.status_code, 201)
