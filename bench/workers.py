"""HTTP creates through 1, 2 and 4 worker processes at 8 and 32 callers, beside raw upserts from as many threads.

One host process per worker count (`python -m bench.serve --workers N`; with 1 the functions run in the
host's own process, as `make run` does by default), all started before the first round; while one is
measured the others only poll their idle queues. Each round measures, for each number of callers, raw
changes (two upserts each, as in bench/concurrency.py) and then every host in turn, on new records: the
rounds interleave, so that load from outside (other processes on the machine) falls on every figure
alike. A host's changes/s is set beside the one-worker host's of the same round and callers (the ratio
the goal is on) and beside the raw changes/s of that round.

`python -m bench.workers --n 100 --rounds 2` runs this row alone on an Azurite of its own.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bench import figures
from bench.concurrency import Run, http_creates, raw_changes
from bench.inprocess import InProcess
from bench.measure import percentile
from bench.process import CountedHost, counted_host
from bench.records import batch, times
from devtools.azurite import Azurite

WARM_UP = 20  # creates through each host before the first round, not measured
Progress = Callable[[str], None]


@dataclass
class Cell:
    """One host at one number of callers, over the rounds; `raw` holds the same rounds' raw runs."""

    workers: int
    callers: int
    runs: list[Run] = field(default_factory=list)
    raw: list[Run] = field(default_factory=list)
    to_one: list[float] = field(default_factory=list)  # per round: changes/s over the one-worker host's
    cpu_ms: list[float] = field(default_factory=list)  # per round: the host's and its workers' CPU per change
    azurite_cpu_ms: list[float] = field(default_factory=list)  # per round: Azurite's CPU per change, if known

    def as_dict(self) -> dict[str, Any]:
        latencies = [latency for run in self.runs for latency in run.latencies_ms]
        return {
            "workers": self.workers,
            "callers": self.callers,
            "changes_per_s": _spread(run.per_s for run in self.runs),
            "p50_ms": _round(percentile(latencies, 0.50)),
            "p99_ms": _round(percentile(latencies, 0.99)),
            "vs_one_worker": _spread(self.to_one),
            "cpu_ms_per_change": _spread(self.cpu_ms),
            "azurite_cpu_ms_per_change": _spread(self.azurite_cpu_ms) if self.azurite_cpu_ms else None,
            "raw_changes_per_s": _spread(run.per_s for run in self.raw),
            "vs_raw": _spread(run.per_s / raw.per_s for run, raw in zip(self.runs, self.raw, strict=True)),
        }


def measure(
    hosts: dict[int, CountedHost],
    connection: str,
    templates: Sequence[dict[str, Any]],
    callers: Sequence[int],
    n: int,
    rounds: int,
    progress: Progress,
    azurite_pid: int | None = None,
) -> list[Cell]:
    """Every host at every number of callers, `rounds` times over; the first host is the one-worker one.
    With `azurite_pid`, Azurite's CPU per change is read beside the host's (the sizing of a whole machine)."""
    _, created, _ = times()
    for workers, host in hosts.items():
        http_creates(host.base_url, 1, batch(f"WU{workers}", WARM_UP, created))
    cells = {(workers, count): Cell(workers, count) for count in callers for workers in hosts}
    one = next(iter(hosts))
    for round_ in range(rounds):
        for count in callers:
            progress(f"round {round_ + 1}/{rounds}, {count} callers: raw, then {', '.join(map(str, hosts))} workers")
            raw = raw_changes(connection, templates, count, n)
            for workers, host in hosts.items():
                records = batch(f"W{workers}C{count}{chr(97 + round_)}", n, created)  # new ones each time
                cpu, storage = figures.tree_cpu_seconds(host.pid), _cpu(azurite_pid)
                seconds, latencies = http_creates(host.base_url, count, records)
                cell = cells[workers, count]
                cell.cpu_ms.append((figures.tree_cpu_seconds(host.pid) - cpu) * 1000 / n)
                if azurite_pid is not None:
                    cell.azurite_cpu_ms.append((_cpu(azurite_pid) - storage) * 1000 / n)
                cell.runs.append(Run(n, seconds, latencies, None))
                cell.raw.append(raw)
            for workers in hosts:
                cells[workers, count].to_one.append(
                    cells[workers, count].runs[-1].per_s / cells[one, count].runs[-1].per_s
                )
    return list(cells.values())


@contextlib.contextmanager
def started(connection: str, counts: Sequence[int]) -> Any:
    """One host process per worker count, started one after the other (each imports the app 1 + N times)."""
    with contextlib.ExitStack() as stack:
        yield {count: stack.enter_context(counted_host(connection, count)) for count in counts}


def table(cells: Sequence[Cell]) -> str:
    lines = [
        "worker processes: HTTP create from N callers through one host with W worker processes, interleaved rounds;",
        "min/median/max over the rounds; vs 1: changes/s over the 1-worker host's in the same round (goal: 2 workers",
        ">= 1.5x at 8 callers); vs raw: over the same round's raw changes/s (2 upserts each from as many threads);",
        "CPU ms: the host's and its workers' CPU per change; Azurite ms: Azurite's (the callers' not counted)",
        f"{'callers':>8}{'workers':>8}{'changes/s':>24}{'p50 ms':>9}{'p99 ms':>9}{'vs 1':>20}{'CPU ms':>20}"
        f"{'Azurite ms':>20}{'raw ch/s':>22}{'vs raw':>20}",
    ]
    for cell in cells:
        row = cell.as_dict()
        lines.append(
            f"{cell.callers:>8}{cell.workers:>8}{_text(row['changes_per_s'], '.1f'):>24}{row['p50_ms']:>9.1f}"
            f"{row['p99_ms']:>9.1f}{_text(row['vs_one_worker'], '.2f'):>20}{_text(row['cpu_ms_per_change'], '.1f'):>20}"
            f"{_text(row['azurite_cpu_ms_per_change'], '.1f'):>20}{_text(row['raw_changes_per_s'], '.1f'):>22}"
            f"{_text(row['vs_raw'], '.2f'):>20}"
        )
    return "\n".join(lines)


def _cpu(pid: int | None) -> float:
    return 0.0 if pid is None else figures.process_cpu_seconds(pid)


def _spread(values: Any) -> list[float]:
    ordered = sorted(values)
    return [round(ordered[0], 3), round(statistics.median(ordered), 3), round(ordered[-1], 3)]


def _text(spread: list[float] | None, fmt: str) -> str:
    return "-" if spread is None else "/".join(format(value, fmt) for value in spread)


def _round(value: float | None) -> float:
    return float("nan") if value is None else round(value, 2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.workers", description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200, help="creates per host, callers and round (%(default)s)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (%(default)s)")
    parser.add_argument("--workers", default="1,2,4", help="worker processes per host, from 1 (%(default)s)")
    parser.add_argument("--callers", default="8,32", help="concurrent callers (%(default)s)")
    args = parser.parse_args(argv)
    counts, callers = figures.sizes(args.workers), figures.sizes(args.callers)
    if counts[0] != 1 or args.n < 1 or args.rounds < 1:
        parser.error("--workers must start with 1; --n and --rounds must be positive")
    began = time.perf_counter()
    with Azurite.on_free_ports() as azurite:
        templates = InProcess(azurite.connection_string).templates
        with started(azurite.connection_string, counts) as hosts:
            pid = azurite.process.pid if azurite.process else None
            cells = measure(hosts, azurite.connection_string, templates, callers, args.n, args.rounds, _say, pid)
    print(table(cells), f"total {time.perf_counter() - began:.1f} s", sep="\n\n")
    return 0


def _say(what: str) -> None:
    print(what, file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
