"""Pure arithmetic of the extra tables: no storage, no clock, so that tests/unit can check it."""

from __future__ import annotations

import os
from pathlib import Path


def ratio_to_raw(changes_per_s: float, raw_upserts_per_s: float, requests_per_change: float) -> float:
    """How close the app comes to raw storage: its changes/s over the changes/s that raw upserts would
    give if each change cost as many of them as the app sends (requests_per_change). 1.0: the app adds
    nothing to its storage requests; below: host, engine and HTTP time on top of them."""
    if raw_upserts_per_s <= 0 or requests_per_change <= 0:
        raise ValueError("raw upserts/s and requests per change must be positive")
    return changes_per_s / (raw_upserts_per_s / requests_per_change)


def proc_cpu_seconds(stat: str, ticks_per_second: int) -> float:
    """utime + stime of a /proc/<pid>/stat line, in seconds (all the process's threads, not its children).

    The command name (field 2) is in parentheses and may hold spaces, so fields are counted after the
    last `)`: state is then field 0, utime field 11 and stime field 12."""
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / ticks_per_second


def process_cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        return proc_cpu_seconds(stat.read(), os.sysconf("SC_CLK_TCK"))


def sizes(text: str) -> list[int]:
    """`1000,100000` → [1000, 100000]: positive and increasing (each pass adds rows to the last)."""
    values = [int(part) for part in text.split(",") if part.strip()]
    if not values or any(value < 1 for value in values) or values != sorted(set(values)):
        raise ValueError(f"expected increasing positive numbers like 1000,100000, got {text!r}")
    return values


def spread(total: int, count: int, offset: int = 0) -> list[int]:
    """`count` indexes spread evenly over range(total), shifted by `offset` (wrapping) so that another
    pass picks other ones."""
    if not 0 < count <= total:
        raise ValueError(f"cannot pick {count} of {total}")
    return sorted({(index * total // count + offset) % total for index in range(count)})


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of a process and its direct children still running (a host and its worker processes)."""
    total = process_cpu_seconds(pid)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
            if int(text.rsplit(")", 1)[1].split()[1]) == pid:  # field 1 after the name: the parent's pid
                total += proc_cpu_seconds(text, os.sysconf("SC_CLK_TCK"))
        except (OSError, IndexError, ValueError):
            continue  # ended while we looked
    return total
