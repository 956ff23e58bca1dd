"""The host's CPU when nothing happens: `python -m devhost` as `make run` starts it, the whole app (every
queue poller, every timer), on an Azurite that nobody else uses. A separate process, so that its
/proc/<pid>/stat counts the host and nothing of the bench. Azurite's CPU over the same window is
reported beside it: idle polling costs there too.

The window is short next to the recovery timer's minute: how many runs of each timer fell into it is
reported with the figure (from their schedules), as one run more or less moves it.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

from bench.figures import process_cpu_seconds
from bench.process import make_run_host
from devhost.loader import describe, import_app
from devhost.settings import resolve
from devhost.timers import Schedule


@dataclass(frozen=True)
class Idle:
    settle_seconds: float
    seconds: float
    host_cpu_seconds: float
    azurite_cpu_seconds: float | None
    timer_runs: dict[str, int]

    @property
    def host_cpu_per_s(self) -> float:
        return self.host_cpu_seconds / self.seconds

    @property
    def azurite_cpu_per_s(self) -> float | None:
        return None if self.azurite_cpu_seconds is None else self.azurite_cpu_seconds / self.seconds

    def as_dict(self) -> dict[str, Any]:
        azurite = self.azurite_cpu_per_s
        return {
            "settle_seconds": self.settle_seconds,
            "seconds": round(self.seconds, 2),
            "host_cpu_seconds": round(self.host_cpu_seconds, 3),
            "host_cpu_s_per_s": round(self.host_cpu_per_s, 4),
            "azurite_cpu_s_per_s": None if azurite is None else round(azurite, 4),
            "timer_runs_in_window": self.timer_runs,
        }


def measure(connection: str, azurite_pid: int | None, settle: float, seconds: float) -> Idle:
    with make_run_host(connection) as host:
        time.sleep(settle)
        opened = dt.datetime.now(dt.UTC)
        host_before = process_cpu_seconds(host.pid)
        azurite_before = None if azurite_pid is None else process_cpu_seconds(azurite_pid)
        began = time.perf_counter()
        time.sleep(seconds)
        host_cpu = process_cpu_seconds(host.pid) - host_before
        azurite_cpu = None if azurite_pid is None else process_cpu_seconds(azurite_pid) - (azurite_before or 0.0)
        wall = time.perf_counter() - began
    return Idle(settle, wall, host_cpu, azurite_cpu, timer_runs(opened, opened + dt.timedelta(seconds=wall)))


def timer_runs(start: dt.datetime, end: dt.datetime) -> dict[str, int]:
    """How often each of the app's timers was due in [start, end), by its schedule."""
    runs: dict[str, int] = {}
    for info in describe(import_app("function_app")):
        if info.kind != "timer" or not info.schedule:
            continue
        schedule, count, due = Schedule(resolve(info.schedule)), 0, start - dt.timedelta(microseconds=1)
        while (due := schedule.next_after(due)) < end:
            count += 1
        runs[info.name] = count
    return runs
