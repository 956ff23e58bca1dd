"""`--since` as an operator types it, turned into the ISO time the routes take."""

from __future__ import annotations

import argparse
import datetime as dt

import pytest

from cli.times import since

NOW = dt.datetime(2026, 12, 8, 10, 30, 15, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("1h", "2026-12-08T09:30:15Z", id="an hour"),
        pytest.param("30m", "2026-12-08T10:00:15Z", id="minutes"),
        pytest.param(" 2d ", "2026-12-06T10:30:15Z", id="days, blanks around"),
        pytest.param("1w", "2026-12-01T10:30:15Z", id="a week"),
        pytest.param("2026-11-29T03:00:00Z", "2026-11-29T03:00:00Z", id="ISO in UTC"),
        pytest.param("2026-11-29T04:00:00+01:00", "2026-11-29T03:00:00Z", id="ISO with an offset"),
        pytest.param("2026-11-29T03:00:00", "2026-11-29T03:00:00Z", id="ISO without a zone is UTC"),
        pytest.param("2026-11-29", "2026-11-29T00:00:00Z", id="a date"),
    ],
)
def test_friendly_and_iso_times(text: str, expected: str) -> None:
    assert since(text, NOW) == expected


def test_today_and_yesterday_are_local_midnights() -> None:
    today = dt.datetime.fromisoformat(since("today", NOW).replace("Z", "+00:00"))
    yesterday = dt.datetime.fromisoformat(since("yesterday", NOW).replace("Z", "+00:00"))
    assert today - yesterday == dt.timedelta(days=1)
    local = today.astimezone(NOW.astimezone().tzinfo)
    assert (local.hour, local.minute, local.second) == (0, 0, 0) and today <= NOW


@pytest.mark.parametrize("text", ["yesterdya", "1y", "", "-1h", "h"])
def test_anything_else_is_a_usage_error_saying_what_is_taken(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="is not a time: say 1h, 30m"):
        since(text, NOW)
