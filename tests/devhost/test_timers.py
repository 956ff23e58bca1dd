"""Timer triggers: NCRONTAB parsing and real ticks."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

import pytest

from devhost import HostConfigError, LocalHost
from devhost.leases import HOST_ID_SETTING, LEASE, TRY
from devhost.timers import Schedule
from devtools.azurite import Azurite
from tests.devhost import sample_app
from tests.integration.support import eventually
from tests.processes import ROOT, Running, environment

SAMPLE = "tests.devhost.sample_app"
START = datetime(2024, 1, 1, 0, 0, 0, 500000, tzinfo=UTC)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        pytest.param("*/1 * * * * *", datetime(2024, 1, 1, 0, 0, 1, tzinfo=UTC), id="every second"),
        pytest.param("0 */5 * * * *", datetime(2024, 1, 1, 0, 5, tzinfo=UTC), id="seconds come first"),
        pytest.param("30 0 2 * * 1-5", datetime(2024, 1, 1, 2, 0, 30, tzinfo=UTC), id="weekdays at 02:00:30"),
        pytest.param("00:00:10", datetime(2024, 1, 1, 0, 0, 10, 500000, tzinfo=UTC), id="TimeSpan interval"),
    ],
)
def test_next_occurrence(expression: str, expected: datetime) -> None:
    assert Schedule(expression).next_after(START) == expected


@pytest.mark.parametrize("expression", ["* * * * *", "every minute", "61 * * * * *", "00:00:00"])
def test_invalid_schedules(expression: str) -> None:
    with pytest.raises(HostConfigError):
        Schedule(expression)


def test_timers_fire(monkeypatch: pytest.MonkeyPatch, azurite: Azurite) -> None:
    monkeypatch.setenv("AzureWebJobsStorage", azurite.connection_string)
    monkeypatch.setenv("SAMPLE_QUEUE", f"timer-{uuid.uuid4().hex[:12]}")
    monkeypatch.setenv(HOST_ID_SETTING, f"t-{uuid.uuid4().hex[:12]}")  # no other test's host holds its leases
    ticks, startups = len(sample_app.ticks), len(sample_app.startup_runs)
    with LocalHost.from_module(SAMPLE, host_json=None):
        deadline = time.monotonic() + 5
        while len(sample_app.ticks) < ticks + 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    assert len(sample_app.ticks) >= ticks + 2
    assert sample_app.ticks[-1] is False  # on time: not past due
    assert sample_app.startup_runs[startups:] == [False]  # run_on_startup ran once


# --- several hosts on one storage account --------------------------------------------------


def fires(host: Running) -> list[int]:
    """The occurrences a host ran (tests/devhost/timer_app.py prints each)."""
    return [int(line.rsplit(" ", 1)[1]) for line in list(host.lines) if line.startswith("fired for ")]


def test_hosts_on_one_account_run_each_occurrence_once_and_take_over_from_a_killed_one(azurite: Azurite) -> None:
    """Three hosts of one app (one host id) on one Azurite, a timer every 2 s: each occurrence runs on one
    of them; the holder of the timer's lease is killed with SIGKILL, and another takes over once the lease
    has run out (within its 15 s and a try)."""
    env = environment(AzureWebJobsStorage=azurite.connection_string, **{HOST_ID_SETTING: f"t-{uuid.uuid4().hex[:12]}"})
    app, host_json = "tests.devhost.timer_app", str(ROOT / "host.json")
    args = ["-m", "devhost", "--app", app, "--port", "0", "--no-settings", "--host-json", host_json]
    hosts = [Running(args, env) for _ in range(3)]
    try:
        for host in hosts:
            host.wait_for("Host started")
        time.sleep(9)
        holders = [host for host in hosts if fires(host)]
        assert len(holders) == 1, [fires(host) for host in hosts]
        holder = holders[0]
        holder.kill()
        killed_at, before = time.time(), fires(holder)
        survivors = [host for host in hosts if host is not holder]
        assert eventually(lambda: any(fires(host) for host in survivors), timeout=LEASE + 2 * TRY + 5)
        took_over = min(occurrence for host in survivors for occurrence in fires(host))
        time.sleep(5)
    finally:
        for host in hosts:
            if host.process.poll() is None:
                host.kill()
    runs = sorted(before + [occurrence for host in survivors for occurrence in fires(host)])
    assert len(runs) == len(set(runs)), runs  # no occurrence ran twice
    assert len(before) >= 3 and before == list(range(before[0], before[-1] + 1, 2))  # none missed while held
    assert took_over - killed_at <= LEASE + TRY + 2  # the lease ran out, and the next try took it
    assert len([host for host in survivors if fires(host)]) == 1
