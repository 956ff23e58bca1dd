"""`python -m bench.initial_sync [--rows 10000,100000] [--entities payment-terms,warehouses]`: initial
sync throughput against its floors, its CPU per row, and the peak memory of the process doing it.

For each entity and size, on an Azurite of its own: N records are put in the SCM partition as SCM
holds them (not timed); then, each in a child process of its own, in one run: (1) the SDK floor: the
same rows written raw into both partitions of a scratch table with `submit_transaction` batches of
100, with the job's parallelism (4 transactions in flight); (2) the codec floor: the same, through
shared/tablebatch.py; (3) the initial sync job itself, chunk after chunk in-process (no queue), from
SCM. It prints rows/s of each, the job's against the SDK floor (the goal: at least 0.7x), the CPU
per row of the job and of the SDK floor (every thread's, from the process's CPU time), and the job's
peak resident memory (ru_maxrss), so that sizes can be compared. `--rows 500000` is the issue's run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from devtools.azurite import Azurite

ENTITY_ROWS = {"payment-terms", "warehouses"}


def record(slug: str, n: int) -> dict[str, Any]:
    if slug == "payment-terms":
        return {"dataAreaId": "USMF", "Name": f"P{n:06}", "NumberOfDays": n % 90, "Description": f"Net {n % 90} days"}
    return {
        "dataAreaId": "USMF",
        "WarehouseId": f"W{n:06}",
        "OperationalSiteId": "1",
        "WarehouseName": f"Warehouse {n}",
    }


def hold(connection: str, slug: str, rows: int) -> None:
    from azure.data.tables import TableServiceClient

    from shared.entities import ENTITIES
    from shared.jobs import importer
    from shared.settings import Settings

    client = TableServiceClient.from_connection_string(connection).create_table_if_not_exists(ENTITIES[slug].table)
    settings = Settings(storage_connection=connection)
    records = ((n, record(slug, n)) for n in range(rows))
    report = importer.load(client, ENTITIES[slug], "scm", records, settings=settings)
    assert report.loaded == rows and not report.refused, report


def floor(connection: str, slug: str, rows: int, codec: bool) -> tuple[float, float]:
    """Rows per second of raw 100-row transactions into both partitions, 4 in flight, through the SDK or the
    codec; and the CPU ms per row."""
    from azure.core.exceptions import ServiceResponseError
    from azure.data.tables import TableServiceClient, UpdateMode

    from shared import tablebatch
    from shared.keys import Key

    service = TableServiceClient.from_connection_string(connection)
    client = service.create_table_if_not_exists("FloorScratch")

    def batches() -> Iterator[list[Any]]:
        for start in range(0, rows, 100):
            for partition in ("FS", "SCM"):
                yield [
                    (
                        "upsert",
                        {"PartitionKey": partition, "RowKey": Key("USMF", f"R{n:06}").row_key, **record(slug, n)},
                        {"mode": UpdateMode.REPLACE},
                    )
                    for n in range(start, min(rows, start + 100))
                ]

    def send(batch: list[Any]) -> None:
        for attempt in range(3):  # Azurite drops idle kept-alive connections now and then; upserts repeat safely
            try:
                if codec:
                    tablebatch.submit(client, batch)
                else:
                    client.submit_transaction(batch)
                return
            except ServiceResponseError:
                if attempt == 2:
                    raise

    began, cpu = time.perf_counter(), time.process_time()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(send, batches()))
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    service.delete_table("FloorScratch")
    return rows / seconds, cpu / rows * 1000


def job(connection: str, slug: str, rows: int) -> tuple[float, float, dict[str, int]]:
    os.environ["AzureWebJobsStorage"] = connection
    from functions import runtime
    from shared.errors import TransientError
    from shared.jobs.initial_sync import InitialSync
    from shared.jobs.model import Job, new_job_id

    runtime.reset()
    runner, engine = runtime.job_runner(), runtime.engine(slug)
    for ref in engine.spec.foreign:  # the record the rows name (a warehouse's site "1"), synced first, not timed
        named = runtime.engine(ref.entity).spec.scm
        runtime.engine(ref.entity).upsert("scm", {named.company_field: "USMF", named.id_field: "1"})
    now = dt.datetime.now(dt.UTC)
    running = runner.jobs.create(Job(new_job_id(now), "initial-sync", slug, {"from": "scm", "conflicts": "skip"}, now))
    began, cpu = time.perf_counter(), time.process_time()
    retries = 0
    while running.phase != "done":
        try:
            InitialSync(engine, runner.jobs, runtime.error_log(), running).run_chunk()
        except TransientError:  # what the queue does with a chunk that failed: run it again
            retries += 1
            if retries > 10:
                raise
            continue
        running.chunk += 1
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    assert running.counts["created"] == rows, dict(running.counts)
    return rows / seconds, cpu / rows * 1000, {name: running.counts[name] for name in ("read", "created", "failed")}


PARTS = ("sdk", "codec", "job")


def child(connection: str, slug: str, rows: int, part: str) -> None:
    """One measurement in a process of its own, so that its peak memory and CPU are its own."""
    if part != "job":
        rate, cpu = floor(connection, slug, rows, codec=part == "codec")
        print(json.dumps({part: rate, f"{part}_cpu_ms": cpu}))
        return
    job_rate, cpu, counts = job(connection, slug, rows)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"job": job_rate, "job_cpu_ms": cpu, "counts": counts, "peak_mb": peak_mb}))


def measure(slug: str, rows: int) -> dict[str, Any]:
    """The three figures of one entity and size, on an Azurite of its own, one child process each."""
    with Azurite.on_free_ports() as azurite:
        print(f"  holding {rows} {slug} in SCM ...", file=sys.stderr, flush=True)
        hold(azurite.connection_string, slug, rows)
        out: dict[str, Any] = {"entity": slug, "rows": rows}
        for part in PARTS:
            command = [sys.executable, "-m", "bench.initial_sync", "--child", azurite.connection_string, slug]
            done = subprocess.run([*command, str(rows), part], capture_output=True, text=True)
            if done.returncode != 0:
                raise RuntimeError(f"the {part} measurement failed: {done.stderr[-2000:]}")
            out |= json.loads(done.stdout)
    return out


COLUMNS = ("entity", "rows", "SDK floor rows/s", "codec floor", "job rows/s", "vs SDK floor", "job CPU ms/row")
WIDTHS = (15, 8, 18, 13, 12, 14, 16, 16, 9, 11)
MORE = ("SDK CPU ms/row", "peak MB", "500k rows")


def table(results: list[dict[str, Any]]) -> str:
    """Initial sync against both floors, rows/s and CPU ms per row."""
    names = (*COLUMNS, *MORE)
    lines = [
        "".join(f"{n:<{w}}" if i == 0 else f"{n:>{w}}" for i, (n, w) in enumerate(zip(names, WIDTHS, strict=True)))
    ]
    for out in results:
        minutes = 500_000 / out["job"] / 60
        cells = (
            f"{out['sdk']:.0f}",
            f"{out['codec']:.0f}",
            f"{out['job']:.0f}",
            f"{out['job'] / out['sdk']:.2f}x",
            f"{out['job_cpu_ms']:.2f}",
            f"{out['sdk_cpu_ms']:.2f}",
            f"{out['peak_mb']:.0f}",
            f"{minutes:.1f} min",
        )
        lines.append(
            f"{out['entity']:<15}{out['rows']:>8}"
            + "".join(f"{c:>{w}}" for c, w in zip(cells, WIDTHS[2:], strict=True))
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.initial_sync", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", default="10000,100000", help="sizes, comma-separated (default %(default)s)")
    parser.add_argument("--entities", default="payment-terms,warehouses", help="default %(default)s")
    parser.add_argument("--child", nargs=4, metavar=("CONNECTION", "ENTITY", "ROWS", "PART"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], args.child[1], int(args.child[2]), args.child[3])
        return 0
    sizes = [int(size) for size in args.rows.split(",")]
    results = []
    for slug in args.entities.split(","):
        if slug not in ENTITY_ROWS:
            parser.error(f"--entities takes {', '.join(sorted(ENTITY_ROWS))}")
        for rows in sizes:
            results.append(measure(slug, rows))
            print(table(results).splitlines()[-1] if len(results) > 1 else table(results), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
