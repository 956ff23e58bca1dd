"""`python -m bench`: every scenario in one run; tables on stdout, progress on stderr.

Throughput of each path against two raw upserts; HTTP creates from several concurrent callers against
raw upserts from as many threads; the idle host's CPU; recovery at two table sizes; transaction CPU (SDK,
codec, one upsert); initial sync against its SDK-transaction and codec floors (bench/initial_sync.py).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any

from azure.core.exceptions import ResourceExistsError
from azure.data.tables import TableClient

from bench import catch_up, figures, idle, initial_sync, report, transactions, workers
from bench.concurrency import Concurrency, Row
from bench.hosted import Hosted, serving
from bench.inprocess import InProcess
from bench.measure import Result
from bench.process import counted_host
from bench.recovery import Pass, RecoveryBench
from bench.workers import Cell
from devtools.azurite import Azurite
from shared.connections import transport

DEFAULT_N = 500  # per scenario; with the defaults below the whole run takes about 10-20 minutes on 2 cores
WARM_UP = 100  # records through every in-process path before anything is measured
SETTLE = 5.0  # seconds the idle host runs before its CPU is read
Step = Callable[[int], Result]
Templates = list[dict[str, Any]]


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=DEFAULT_N, help="changes per scenario (%(default)s)")
    parser.add_argument("--threads", default="1,8,32", help="concurrent callers, comma-separated (%(default)s)")
    parser.add_argument(
        "--recovery-rows", default="1000,100000", help="table sizes for recovery, increasing (%(default)s)"
    )
    parser.add_argument("--in-flight", type=int, default=20, help="operations left half done (%(default)s)")
    parser.add_argument(
        "--catch-up-rows", type=int, default=10_000, help="held changes drained, beside initial sync (%(default)s)"
    )
    parser.add_argument("--catch-up-rounds", type=int, default=2, help="interleaved catch-up rounds (%(default)s)")
    parser.add_argument("--idle-seconds", type=float, default=20.0, help="idle host CPU window (%(default)s)")
    parser.add_argument(
        "--sync-rows", type=int, default=20_000, help="payment terms for the initial sync row; 0: none (%(default)s)"
    )
    parser.add_argument("--workers", default="1,2,4", help="worker processes per host, from 1 (%(default)s)")
    parser.add_argument("--worker-callers", default="8,32", help="callers for the workers row (%(default)s)")
    parser.add_argument("--worker-n", type=int, default=200, help="creates per host, callers and round (%(default)s)")
    parser.add_argument("--worker-rounds", type=int, default=3, help="interleaved rounds of that row (%(default)s)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write every figure as JSON to PATH")
    args = parser.parse_args(argv)
    try:
        args.threads, args.recovery_rows = figures.sizes(args.threads), figures.sizes(args.recovery_rows)
        args.workers, args.worker_callers = figures.sizes(args.workers), figures.sizes(args.worker_callers)
    except ValueError as exc:
        parser.error(str(exc))
    if min(args.n, args.in_flight, args.catch_up_rows, args.catch_up_rounds) < 1 or args.idle_seconds <= 0:
        parser.error("--n, --in-flight, --catch-up-rows, --catch-up-rounds and --idle-seconds must be positive")
    if args.sync_rows < 0:
        parser.error("--sync-rows cannot be negative")
    if args.workers[0] != 1 or args.worker_n < 1 or args.worker_rounds < 1:
        parser.error("--workers must start with 1; --worker-n and --worker-rounds must be positive")
    if args.in_flight > args.recovery_rows[0]:
        parser.error("--in-flight cannot be more than the smallest --recovery-rows")
    return args


class Progress:
    def __init__(self, total: int) -> None:
        self.total, self.done = total, 0

    def __call__(self, what: str) -> float:
        self.done += 1
        print(f"[{self.done}/{self.total}] {what} ...", end="", file=sys.stderr, flush=True)
        return time.perf_counter()

    def end(self, began: float, note: str = "") -> None:
        print(f" {note}{' ' if note else ''}{time.perf_counter() - began:.1f} s", file=sys.stderr, flush=True)


def throughput(connection: str, n: int, step: Progress) -> tuple[list[Result], Templates]:
    """In-process first, then the in-process host: its pollers would otherwise share the CPU with the engine."""
    local = InProcess(connection)
    print(f"warming up ({WARM_UP} records) ...", file=sys.stderr, flush=True)
    local.warm_up(WARM_UP)
    steps: list[Step] = [local.baseline, local.floor, local.create, local.update, local.unchanged, local.delete]
    results = [_timed(one, n, step) for one in steps]
    with serving(connection) as hosted:
        results += [_timed(one, n, step) for one in _hosted_steps(hosted)]
    return results, local.templates


def scratch(connection: str) -> TableClient:
    """A table of its own for the transaction CPU row, over the app's shared connection pool."""
    client = TableClient.from_connection_string(connection, "TransactionCpu", transport=transport(8))
    with suppress(ResourceExistsError):
        client.create_table()
    return client


def _hosted_steps(hosted: Hosted) -> list[Step]:
    return [hosted.http_create, hosted.queue_create]


def _timed(step: Step, n: int, progress: Progress) -> Result:
    began = progress(step.__name__.replace("_", " "))
    outcome = step(n)
    progress.end(began, f"{outcome.n} changes;")
    return outcome


def concurrency(connection: str, templates: Templates, args: argparse.Namespace, step: Progress) -> list[Row]:
    """After the in-process host has stopped: only the host process serves (bench/serve.py)."""
    rows = []
    with counted_host(connection) as host:
        bench = Concurrency(connection, host, templates)
        for threads in args.threads:
            began = step(f"{threads} caller(s): {args.n} HTTP creates, then {args.n} raw changes")
            rows.append(bench.row(threads, args.n))
            ratio = rows[-1].ratio
            step.end(began, "" if ratio is None else f"ratio {ratio:.2f};")
    return rows


def worker_processes(azurite: Azurite, templates: Templates, args: argparse.Namespace, step: Progress) -> list[Cell]:
    """One host process per worker count, started together; see bench/workers.py."""
    counts, callers, connection = args.workers, args.worker_callers, azurite.connection_string
    pid = azurite.process.pid if azurite.process else None
    began = step(f"{'/'.join(map(str, counts))} worker processes at {'/'.join(map(str, callers))} callers")
    with workers.started(connection, counts) as hosts:
        n, rounds = args.worker_n, args.worker_rounds
        cells = workers.measure(hosts, connection, templates, callers, n, rounds, _quiet, pid)
    step.end(began, f"{args.worker_rounds} rounds of {args.worker_n};")
    return cells


def _quiet(what: str) -> None:
    """The Progress line of the whole row stands for its rounds."""


def recovery(connection: str, args: argparse.Namespace, step: Progress) -> list[Pass]:
    bench, passes = RecoveryBench(connection, args.in_flight), []
    for round_, rows in enumerate(args.recovery_rows):
        began = step(f"recovery at {rows} rows (fill, {args.in_flight} in flight, recover)")
        passes.append(bench.run(rows, round_))
        step.end(began, f"recover {passes[-1].seconds:.2f} s;")
    return passes


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    # The operations left in flight on purpose would each log a warning (and recovery another): noise here.
    logging.getLogger("shared").setLevel(logging.ERROR)
    info = report.machine()
    step = Progress(7 + len(args.threads) + 1 + 1 + len(args.recovery_rows) + 1 + bool(args.sync_rows) + 1)
    start = time.perf_counter()
    print("starting Azurite ...", file=sys.stderr, flush=True)
    with Azurite.on_free_ports() as azurite:
        results, templates = throughput(azurite.connection_string, args.n, step)
        began = step(f"transaction CPU: {transactions.ROUNDS} rounds of {args.n} calls of each path")
        cpu = transactions.measure(scratch(azurite.connection_string), templates, args.n)
        step.end(began, f"codec {cpu.ratio('codec'):.2f}x, SDK {cpu.ratio('sdk'):.2f}x an upsert;")
        rows = concurrency(azurite.connection_string, templates, args, step)
        cells = worker_processes(azurite, templates, args, step)
    # A fresh Azurite: the idle host's figure should not depend on what the scenarios above left behind,
    # and recovery's smaller size is then the table's whole content.
    print("starting a fresh Azurite for the idle host and recovery ...", file=sys.stderr, flush=True)
    with Azurite.on_free_ports() as azurite:
        began = step(f"idle host CPU ({SETTLE:.0f} s settle, {args.idle_seconds:.0f} s measured)")
        pid = azurite.process.pid if azurite.process else None
        quiet = idle.measure(azurite.connection_string, pid, SETTLE, args.idle_seconds)
        step.end(began)
        passes = recovery(azurite.connection_string, args, step)
    synced = []
    if args.sync_rows:
        began = step(f"initial sync of {args.sync_rows} payment terms, SDK and codec floors (an Azurite of its own)")
        synced.append(initial_sync.measure("payment-terms", args.sync_rows))
        step.end(began, f"{synced[0]['job'] / synced[0]['sdk']:.2f}x the SDK floor;")
    began = step(f"catch-up of {args.catch_up_rows} held changes beside initial sync, {args.catch_up_rounds} rounds")
    drained = catch_up.measure(args.catch_up_rows, args.catch_up_rounds)  # an Azurite of its own
    step.end(began)
    seconds = time.perf_counter() - start
    print(
        report.header(info, args.n),
        report.table(results),
        report.concurrency_table(rows),
        workers.table(cells),
        report.idle_line(quiet),
        report.recovery_table(passes),
        transactions.line(cpu),
        *([initial_sync.table(synced)] if synced else []),
        catch_up.table(drained),
        f"total {seconds:.1f} s",
        sep="\n\n",
    )
    if args.json:
        named = ("n", "threads", "recovery_rows", "in_flight", "idle_seconds", "sync_rows", "catch_up_rows")
        more = ("catch_up_rounds", "workers", "worker_callers", "worker_n", "worker_rounds")
        options = {name: getattr(args, name) for name in (*named, *more)}
        document = report.document(info, options, results, rows, quiet, passes, seconds)
        extra = {"transactions": cpu.as_dict(), "initial_sync": synced, "workers": [cell.as_dict() for cell in cells]}
        report.write_json(args.json, document | extra | {"catch_up": [one.as_dict() for one in drained]})
    return 0


if __name__ == "__main__":
    sys.exit(main())
