"""`python -m bench.initial_sync [--rows 10000,100000] [--entities payment-terms,warehouses]`: initial
sync throughput against its floor, and the peak memory of the process doing it.

For each entity and size, on an Azurite of its own: N records are put in the SCM partition as SCM
holds them (not timed); then one child process measures, in one run, (1) the floor: the same rows
written raw into both partitions of a scratch table with `submit_transaction` batches of 100, with
the job's parallelism (4 transactions in flight), and (2) the initial sync job itself, chunk after
chunk in-process (no queue), from SCM, in another child. It prints rows/s of each, their ratio, and
the job's process's peak resident memory (ru_maxrss), so that 10,000 and 100,000 rows can be compared.
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
WIDTHS = (15, 8, 14, 12, 10, 10, 12)


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


def floor(connection: str, slug: str, rows: int) -> float:
    """Rows per second of raw 100-row transactions into both partitions, 4 in flight."""
    from azure.core.exceptions import ServiceResponseError
    from azure.data.tables import TableServiceClient, UpdateMode

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
                client.submit_transaction(batch)
                return
            except ServiceResponseError:
                if attempt == 2:
                    raise

    began = time.perf_counter()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(send, batches()))
    seconds = time.perf_counter() - began
    service.delete_table("FloorScratch")
    return rows / seconds


def job(connection: str, slug: str, rows: int) -> tuple[float, dict[str, int]]:
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
    began = time.perf_counter()
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
    seconds = time.perf_counter() - began
    assert running.counts["created"] == rows, dict(running.counts)
    return rows / seconds, {name: running.counts[name] for name in ("read", "created", "failed")}


def child(connection: str, slug: str, rows: int, part: str) -> None:
    """One measurement in a process of its own, so that its peak memory is its own."""
    if part == "floor":
        print(json.dumps({"floor": floor(connection, slug, rows)}))
        return
    job_rate, counts = job(connection, slug, rows)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"job": job_rate, "counts": counts, "peak_mb": peak_mb}))


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
    columns = ("entity", "rows", "floor rows/s", "job rows/s", "vs floor", "peak MB", "500k rows")
    print(
        "".join(
            f"{name:<15}" if i == 0 else f"{name:>{w}}" for i, (name, w) in enumerate(zip(columns, WIDTHS, strict=True))
        )
    )
    for slug in args.entities.split(","):
        if slug not in ENTITY_ROWS:
            parser.error(f"--entities takes {', '.join(sorted(ENTITY_ROWS))}")
        for rows in sizes:
            with Azurite.on_free_ports() as azurite:
                print(f"  holding {rows} {slug} in SCM ...", file=sys.stderr, flush=True)
                hold(azurite.connection_string, slug, rows)
                out: dict[str, Any] = {}
                for part in ("floor", "job"):
                    command = [sys.executable, "-m", "bench.initial_sync", "--child", azurite.connection_string, slug]
                    done = subprocess.run([*command, str(rows), part], capture_output=True, text=True)
                    if done.returncode != 0:
                        print(done.stderr, file=sys.stderr)
                        return 1
                    out |= json.loads(done.stdout)
            hours = 500_000 / out["job"] / 3600
            print(
                f"{slug:<15}{rows:>8}{out['floor']:>14.0f}{out['job']:>12.0f}{out['job'] / out['floor']:>9.2f}x"
                f"{out['peak_mb']:>10.0f}{hours:>10.1f} h",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
