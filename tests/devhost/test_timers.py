"""Timer triggers: NCRONTAB parsing and real ticks."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

import pytest

from devhost import HostConfigError, LocalHost
from devhost.timers import Schedule
from devtools.azurite import Azurite
from tests.devhost import sample_app

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
    ticks, startups = len(sample_app.ticks), len(sample_app.startup_runs)
    with LocalHost.from_module(SAMPLE, host_json=None):
        deadline = time.monotonic() + 5
        while len(sample_app.ticks) < ticks + 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    assert len(sample_app.ticks) >= ticks + 2
    assert sample_app.ticks[-1] is False  # on time: not past due
    assert sample_app.startup_runs[startups:] == [False]  # run_on_startup ran once
