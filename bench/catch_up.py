"""`python -m bench.catch_up [--rows 10000] [--rounds 2]`: a paused entity's backlog drained by the catch-up
job, beside an initial sync of the same rows and the raw-transaction floor, in one process on one Azurite.

Each round, in an order that turns from round to round (so that a machine getting busier weighs on each
figure alike): (1) initial sync: N payment terms held in SCM, brought across chunk after chunk in-process
(bench/initial_sync.py's job); (2) catch-up: the same N records held in the backlog as N changes from SCM (as
the routes hold them while the entity is paused), applied chunk after chunk in-process by the catch-up job
until the backlog is empty (its last phase, a fixed wait for other instances' last held changes, is not
timed); (3) the floor: the same rows written raw into both partitions in 100-row transactions, 4 in flight
(bench/initial_sync.py's floor). The entity's table is dropped before each of (1) and (2), so each starts
from an empty target. It prints each round's rows/s and the ratios catch-up ÷ initial sync (goal ≥ 0.7) and
each ÷ the floor, then the median of each.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import statistics
import sys
import time
from dataclasses import dataclass, replace
from typing import Any

from bench.initial_sync import floor, hold, job, record
from devtools.azurite import Azurite

SLUG = "payment-terms"
GOAL = 0.7  # catch-up ÷ initial sync


@dataclass(frozen=True)
class Round:
    rows: int
    initial_sync: float  # rows/s
    catch_up: float  # changes/s
    floor: float  # rows/s

    @property
    def ratio(self) -> float:
        return self.catch_up / self.initial_sync

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "initial_sync_rows_per_s": round(self.initial_sync, 1),
            "catch_up_changes_per_s": round(self.catch_up, 1),
            "floor_rows_per_s": round(self.floor, 1),
            "catch_up_vs_initial_sync": round(self.ratio, 3),
        }


def drop_entity_table(connection: str) -> None:
    from azure.data.tables import TableServiceClient

    from shared.entities import ENTITIES

    TableServiceClient.from_connection_string(connection).delete_table(ENTITIES[SLUG].table)


def catch_up(connection: str, rows: int) -> float:
    """Changes per second of the catch-up job's chunks over a backlog of `rows` held creates from SCM."""
    os.environ["AzureWebJobsStorage"] = connection
    from functions import runtime
    from shared import jsonio
    from shared.edge.replay import HeldChanges
    from shared.errors import TransientError
    from shared.operations import catchup
    from shared.operations.backlog import Held, arrival_key

    runtime.reset()
    states, backlog, runner = runtime.pause_states(), runtime.backlog(), runtime.job_runner()
    states.pause([SLUG])
    arrived = dt.datetime.now(dt.UTC)
    held = [
        Held(SLUG, "http", "scm", "POST", jsonio.dumps(record(SLUG, n)), arrived, "USMF", record(SLUG, n)["Name"])
        for n in range(rows)
    ]
    client = runtime.table_service().create_table_if_not_exists("SyncBacklog")
    for start in range(0, rows, 100):
        batch = held[start : start + 100]
        client.submit_transaction([("create", replace(h, row_key=arrival_key()).columns()) for h in batch])
    running = catchup.start(runner, states, backlog, SLUG)
    chunk = catchup.CatchUp(
        runtime.engine(SLUG),
        runner.jobs,
        runtime.error_log(),
        running,
        states=states,
        backlog=backlog,
        replay=HeldChanges(),
        touch=lambda slug: None,
    )
    began, retries = time.perf_counter(), 0
    while running.phase == "scan":
        try:
            chunk.run_chunk()
        except TransientError:  # what the queue does with a chunk that failed: run it again
            retries += 1
            if retries > 10:
                raise
    seconds = time.perf_counter() - began
    assert running.counts["created"] == rows and backlog.count(SLUG) == 0, dict(running.counts)
    return rows / seconds


def one_round(connection: str, rows: int, number: int) -> Round:
    figures: dict[str, float] = {}

    def sync() -> None:
        drop_entity_table(connection)
        hold(connection, SLUG, rows)
        figures["initial_sync"] = job(connection, SLUG, rows)[0]

    def caught_up() -> None:
        drop_entity_table(connection)
        figures["catch_up"] = catch_up(connection, rows)

    def raw() -> None:
        figures["floor"] = floor(connection, SLUG, rows, codec=False)[0]  # the SDK-transaction floor

    parts: list[Any] = [sync, caught_up, raw]
    for part in parts[number % 3 :] + parts[: number % 3]:
        print(f"  round {number + 1}: {part.__name__} ({rows} rows) ...", file=sys.stderr, flush=True)
        part()
    return Round(rows, figures["initial_sync"], figures["catch_up"], figures["floor"])


def measure(rows: int, rounds: int) -> list[Round]:
    logging.getLogger("shared").setLevel(logging.ERROR)  # a line per held change otherwise: noise here
    with Azurite.on_free_ports() as azurite:
        return [one_round(azurite.connection_string, rows, number) for number in range(rounds)]


def table(results: list[Round]) -> str:
    lines = [
        f"{'round':<7}{'rows':>8}{'SDK floor/s':>14}{'initial sync':>14}{'catch-up':>11}"
        f"{'catch-up/sync':>15}{'sync/floor':>12}{'catch-up/floor':>16}"
    ]
    for number, r in enumerate(results, start=1):
        lines.append(_line(str(number), r.rows, r.floor, r.initial_sync, r.catch_up))
    if len(results) > 1:
        names = ("floor", "initial_sync", "catch_up")
        median = [statistics.median(getattr(r, name) for r in results) for name in names]
        lines.append(_line("median", results[0].rows, *median))
    lines.append(f"catch-up ÷ initial sync goal: ≥ {GOAL} (changes/s against rows/s of the same rows, same run)")
    return "\n".join(lines)


def _line(name: str, rows: int, raw: float, sync: float, caught: float) -> str:
    return (
        f"{name:<7}{rows:>8}{raw:>14.0f}{sync:>14.0f}{caught:>11.0f}"
        f"{caught / sync:>14.2f}x{sync / raw:>11.2f}x{caught / raw:>15.2f}x"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.catch_up", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000, help="held changes, and rows synced (%(default)s)")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds (%(default)s)")
    args = parser.parse_args(argv)
    if args.rows < 1 or args.rounds < 1:
        parser.error("--rows and --rounds must be positive")
    print(table(measure(args.rows, args.rounds)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
