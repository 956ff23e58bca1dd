"""The tables, the machine it ran on, and the JSON copy."""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.concurrency import Row
from bench.idle import Idle
from bench.measure import Result
from bench.recovery import Pass
from devtools.azurite import ROOT
from shared import jsonio

AZURITE_PACKAGE = ROOT / "node_modules" / "azurite" / "package.json"
COLUMNS = (
    "scenario",
    "n",
    "ops/s",
    "ms/op p50",
    "ms/op p95",
    "storage req/op",
    "+ deferred",
    "recover s",
    "vs baseline",
)
WIDTHS = (34, 6, 9, 11, 11, 16, 12, 11, 13)


def machine() -> dict[str, Any]:
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "platform": f"{platform.system()} {platform.release()} {platform.machine()}",
        "python": platform.python_version(),
        "node": _node_version(),
        "azurite": jsonio.loads(AZURITE_PACKAGE.read_bytes()).get("version"),
    }


def header(info: dict[str, Any], n: int) -> str:
    return (
        f"date: {info['date']}\n"
        f"machine: {info['cores']} cores ({info['cores_usable']} usable), {info['platform']}, "
        f"Python {info['python']}, Node {info['node']}\n"
        f"Azurite {info['azurite']} (in-memory, own ports), n = {n} per scenario"
    )


def table(results: Sequence[Result]) -> str:
    base = results[0].ops_per_s
    lines = [_row(COLUMNS), _row(tuple("-" * width for width in WIDTHS))]
    lines += [_row(_cells(r, base)) for r in results]
    lines.append(
        "+ deferred: with the requests the changes left for later (clearing their intents, recovery's pass), "
        "sent and counted after the scenario; recover s: that recovery pass\n"
        "floor: an engine create's requests sent by hand, no app code (both sides read at once, the lead row "
        "and its intent's index row in one transaction, the follower's upsert): the least a create can cost"
    )
    return "\n".join(lines)


CONCURRENCY = (  # column, width, format
    ("callers", 8, "d"),
    ("changes/s", 11, ".1f"),
    ("p50 ms", 9, ".1f"),
    ("p99 ms", 9, ".1f"),
    ("req/change", 12, ".2f"),
    ("raw changes/s", 15, ".1f"),
    ("raw upserts/s", 15, ".1f"),
    ("raw p50", 9, ".1f"),
    ("raw p99", 9, ".1f"),
    ("ratio", 8, ".2f"),
)


def concurrency_table(rows: Sequence[Row]) -> str:
    """HTTP creates via the host process against raw upserts, per number of concurrent callers."""
    lines = ["HTTP create (host in its own process) vs raw upserts (2 per change), callers at once:"]
    lines += [_line([name for name, _, _ in CONCURRENCY]), _line(["-" * width for _, width, _ in CONCURRENCY])]
    for row in rows:
        http, raw = row.http.as_dict(), row.raw.as_dict()
        cells = [row.threads, http["changes_per_s"], http["p50_ms"], http["p99_ms"], http["requests_per_change"]]
        cells += [raw["changes_per_s"], row.as_dict()["raw_upserts_per_s"], raw["p50_ms"], raw["p99_ms"], row.ratio]
        lines.append(
            _line(
                [
                    "-" if cell is None else format(cell, fmt)
                    for cell, (_, _, fmt) in zip(cells, CONCURRENCY, strict=True)
                ]
            )
        )
    lines.append("ratio = changes/s / (raw upserts/s / req/change); the goal is >= 0.8 at 8 callers")
    return "\n".join(lines)


def recovery_table(passes: Sequence[Pass]) -> str:
    lines = [
        f"recovery timer's pass with {passes[0].in_flight} operations in flight, by table size (records per side);",
        "raw s: as many raw point reads as the pass sent, same table; hourly s: the pass that also purges tombstones;",
        "query s: the pass's one query (operations in flight, a range read) sent raw; purge q s: the tombstone query;",
        "own s: the pass less its queries' raw time (Azurite reads its whole table for any query, whatever the range)",
    ]
    lines += [
        f"{'rows':>10}{'fill s':>10}{'recover s':>12}{'requests':>10}{'raw s':>9}{'query s':>9}{'own s':>8}"
        f"{'hourly s':>10}{'purge q s':>11}{'own s':>8}  report"
    ]
    for one in passes:
        counts = ", ".join(f"{name} {count}" for name, count in one.counts.items())
        lines.append(
            f"{one.rows:>10}{one.fill_seconds:>10.1f}{one.seconds:>12.3f}{one.requests:>10}"
            f"{one.raw_seconds:>9.3f}{one.scan_seconds:>9.3f}{one.own_seconds:>8.3f}"
            f"{one.purge_seconds:>10.3f}{one.purge_scan_seconds:>11.3f}{one.purge_own_seconds:>8.3f}  {counts}"
        )
    if len(passes) > 1:
        first, last = passes[0], passes[-1]
        lines.append(
            f"at {last.rows} rows / at {first.rows} (goal <= {RECOVERY_GOAL}x): pass {recovery_ratio(passes):.2f}x, "
            f"less its query {_ratio(last.own_seconds, first.own_seconds)}; hourly pass "
            f"{last.purge_seconds / first.purge_seconds:.2f}x, less its queries "
            f"{_ratio(last.purge_own_seconds, first.purge_own_seconds)} (raw reads: "
            f"{last.raw_seconds / first.raw_seconds:.2f}x)"
        )
        grown = max(last.rows - first.rows, 1) / 1e6
        pass_row = (last.scan_seconds - first.scan_seconds) / grown
        hourly_row = (last.purge_scan_seconds - first.purge_scan_seconds) / grown
        lines.append(
            f"what a row costs, from the queries' growth: pass {pass_row:.2f} µs, hourly pass {hourly_row:.2f} µs"
        )
    return "\n".join(lines)


RECOVERY_GOAL = 1.2


def _ratio(new: float, old: float) -> str:
    return f"{new / old:.2f}x" if old > 0 else "-"


def recovery_ratio(passes: Sequence[Pass]) -> float:
    return passes[-1].seconds / passes[0].seconds


def idle_line(idle: Idle) -> str:
    azurite = "-" if idle.azurite_cpu_per_s is None else f"{idle.azurite_cpu_per_s:.3f}"
    runs = ", ".join(f"{name} {count}" for name, count in idle.timer_runs.items()) or "none"
    return (
        f"idle host (python -m devhost, whole app): {idle.host_cpu_per_s:.3f} CPU s/s over {idle.seconds:.0f} s "
        f"after {idle.settle_seconds:.0f} s (goal <= 0.05); Azurite {azurite} CPU s/s; timer runs in the window: {runs}"
    )


def write_json(path: Path, document: dict[str, Any]) -> None:
    path.write_bytes(jsonio.dumps(document) + b"\n")


def document(
    info: dict[str, Any],
    options: dict[str, Any],
    results: Sequence[Result],
    rows: Sequence[Row],
    idle: Idle | None,
    passes: Sequence[Pass],
    seconds: float,
) -> dict[str, Any]:
    """Every figure of the run, for --json."""
    base = results[0].ops_per_s
    return {
        "date": info["date"],
        "machine": info,
        "options": options,
        "total_seconds": round(seconds, 1),
        "results": [{**r.as_dict(), "vs_baseline": round(r.ops_per_s / base, 3)} for r in results],
        "concurrency": [row.as_dict() for row in rows],
        "idle": idle.as_dict() if idle else None,
        "recovery": {
            "passes": [one.as_dict() for one in passes],
            "ratio_last_to_first": round(recovery_ratio(passes), 3) if len(passes) > 1 else None,
        },
    }


def _line(cells: Sequence[str]) -> str:
    return "".join(cell.rjust(width) for cell, (_, width, _) in zip(cells, CONCURRENCY, strict=True))


def _cells(r: Result, base: float) -> tuple[str, ...]:
    return (
        r.scenario,
        str(r.n),
        f"{r.ops_per_s:.0f}",
        _number(r.p50_ms),
        _number(r.p95_ms),
        _number(r.requests_per_op),
        _number(r.total_requests_per_op),
        _number(r.recovery_seconds),
        f"{r.ops_per_s / base:.2f}x",
    )


def _row(cells: tuple[str, ...]) -> str:
    first, *rest = zip(cells, WIDTHS, strict=True)
    return first[0].ljust(first[1]) + "".join(cell.rjust(width) for cell, width in rest)


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _node_version() -> str:
    try:
        done = subprocess.run(["node", "--version"], capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return "?"
    return done.stdout.strip().lstrip("v")
