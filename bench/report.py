"""The table, the machine it ran on, and the JSON copy."""

from __future__ import annotations

import os
import platform
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.measure import Result
from devtools.azurite import ROOT
from shared import jsonio

AZURITE_PACKAGE = ROOT / "node_modules" / "azurite" / "package.json"
COLUMNS = ("scenario", "n", "ops/s", "ms/op p50", "ms/op p95", "storage req/op", "vs baseline")
WIDTHS = (34, 6, 9, 11, 11, 16, 13)


def machine() -> dict[str, Any]:
    return {
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "platform": f"{platform.system()} {platform.release()} {platform.machine()}",
        "python": platform.python_version(),
        "node": _node_version(),
        "azurite": jsonio.loads(AZURITE_PACKAGE.read_bytes()).get("version"),
    }


def header(info: dict[str, Any], n: int) -> str:
    return (
        f"machine: {info['cores']} cores ({info['cores_usable']} usable), {info['platform']}, "
        f"Python {info['python']}, Node {info['node']}\n"
        f"Azurite {info['azurite']} (in-memory, own ports), n = {n} per scenario"
    )


def table(results: Sequence[Result]) -> str:
    base = results[0].ops_per_s
    lines = [_row(COLUMNS), _row(tuple("-" * width for width in WIDTHS))]
    lines += [_row(_cells(r, base)) for r in results]
    return "\n".join(lines)


def write_json(path: Path, info: dict[str, Any], results: Sequence[Result], seconds: float) -> None:
    base = results[0].ops_per_s
    rows = [{**r.as_dict(), "vs_baseline": round(r.ops_per_s / base, 3)} for r in results]
    document = {"machine": info, "total_seconds": round(seconds, 1), "results": rows}
    path.write_bytes(jsonio.dumps(document) + b"\n")


def _cells(r: Result, base: float) -> tuple[str, ...]:
    return (
        r.scenario,
        str(r.n),
        f"{r.ops_per_s:.0f}",
        _number(r.p50_ms),
        _number(r.p95_ms),
        _number(r.requests_per_op),
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
