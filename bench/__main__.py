"""`python -m bench [--n N] [--json PATH]`: every scenario in one run, one table on stdout."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench import report
from bench.hosted import Hosted, serving
from bench.inprocess import InProcess
from bench.measure import Result
from devtools.azurite import Azurite

DEFAULT_N = 500  # about 40 s on 2 cores; `make bench` must stay well under two minutes
WARM_UP = 100  # records through every in-process path before anything is measured
TOTAL_STEPS = 7
Step = Callable[[int], Result]


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--n", type=int, default=DEFAULT_N, help=f"records per scenario (default {DEFAULT_N})")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the results as JSON to PATH")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("--n must be at least 1")
    return args


def in_process_steps(bench: InProcess) -> list[Step]:
    return [bench.baseline, bench.create, bench.update, bench.unchanged, bench.delete]


def hosted_steps(bench: Hosted) -> list[Step]:
    return [bench.http_create, bench.queue_create]


def run(connection: str, n: int) -> list[Result]:
    """In-process first, then the host: its pollers would otherwise share the CPU with the engine runs."""
    results: list[Result] = []
    total = TOTAL_STEPS
    local = InProcess(connection)
    print(f"warming up ({WARM_UP} records) ...", file=sys.stderr, flush=True)
    local.warm_up(WARM_UP)
    for step in in_process_steps(local):
        results.append(_step(len(results) + 1, total, step, n))
    with serving(connection) as hosted:
        for step in hosted_steps(hosted):
            results.append(_step(len(results) + 1, total, step, n))
    return results


def _step(number: int, total: int, step: Step, n: int) -> Result:
    print(f"[{number}/{total}] {step.__name__.replace('_', ' ')} ...", end="", file=sys.stderr, flush=True)
    outcome = step(n)
    print(f" {outcome.n} in {outcome.seconds:.1f} s", file=sys.stderr, flush=True)
    return outcome


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    info = report.machine()
    start = time.perf_counter()
    print("starting Azurite ...", file=sys.stderr, flush=True)
    with Azurite.on_free_ports() as azurite:
        results = run(azurite.connection_string, args.n)
    seconds = time.perf_counter() - start
    print(report.header(info, args.n), report.table(results), f"total {seconds:.1f} s", sep="\n\n")
    if args.json:
        report.write_json(args.json, info, results, seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
