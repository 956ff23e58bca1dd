"""The bench's own arithmetic and parsing (bench/): no storage, no timing."""

from __future__ import annotations

import datetime as dt

import pytest
from azure.data.tables import EdmType, EntityProperty
from hypothesis import given
from hypothesis import strategies as st

from bench import figures, workers
from bench.__main__ import parse
from bench.concurrency import Row, Run, fan_out
from bench.fill import named, odata
from bench.measure import percentile
from bench.workers import Cell

STAT = "4242 (python -m devhost) S 1 4242 4242 0 -1 4194560 9000 0 0 0 250 50 0 0 20 0 12 0 100 0 0"


@pytest.mark.parametrize(
    ("changes", "raw_upserts", "per_change", "want"),
    [
        pytest.param(100.0, 400.0, 4.0, 1.0, id="as-fast-as-raw"),
        pytest.param(80.0, 400.0, 4.0, 0.8, id="goal"),
        pytest.param(58.0, 200.0, 2.0, 0.58, id="two-requests"),
    ],
)
def test_ratio_to_raw(changes: float, raw_upserts: float, per_change: float, want: float) -> None:
    assert figures.ratio_to_raw(changes, raw_upserts, per_change) == pytest.approx(want)


def test_ratio_refuses_nothing_measured() -> None:
    with pytest.raises(ValueError, match="positive"):
        figures.ratio_to_raw(10.0, 0.0, 4.0)


def test_row_ratio_uses_counted_requests() -> None:
    http = Run(n=100, seconds=2.0, latencies_ms=[1.0] * 100, requests=400)  # 50 changes/s, 4 per change
    raw = Run(n=100, seconds=1.0, latencies_ms=[1.0] * 100, requests=200)  # 200 upserts/s
    assert Row(8, http, raw).ratio == pytest.approx(1.0)
    assert Row(8, Run(100, 2.0, [1.0], None), raw).ratio is None


@pytest.mark.parametrize(
    ("fraction", "want"),
    [pytest.param(0.50, 50, id="p50"), pytest.param(0.99, 99, id="p99"), pytest.param(1.0, 100, id="max")],
)
def test_percentile_nearest_rank(fraction: float, want: float) -> None:
    assert percentile([float(v) for v in range(100, 0, -1)], fraction) == want


def test_percentile_of_nothing() -> None:
    assert percentile([], 0.99) is None


def test_proc_cpu_seconds_counts_after_the_command_name() -> None:
    assert figures.proc_cpu_seconds(STAT, 100) == pytest.approx(3.0)  # utime 250 + stime 50 ticks


@pytest.mark.parametrize(
    ("text", "want"),
    [pytest.param("1000,100000", [1000, 100000], id="two"), pytest.param("8", [8], id="one")],
)
def test_sizes(text: str, want: list[int]) -> None:
    assert figures.sizes(text) == want


@pytest.mark.parametrize("text", ["", "0,10", "100,10", "5,5", "a"])
def test_sizes_refused(text: str) -> None:
    with pytest.raises(ValueError):  # int() and ours both say ValueError
        figures.sizes(text)


@given(st.integers(1, 5000), st.integers(1, 50), st.integers(0, 3))
def test_spread_picks_distinct_indexes_in_range(total: int, count: int, offset: int) -> None:
    count = min(count, total)
    picked = figures.spread(total, count, offset)
    assert len(picked) == count and all(0 <= index < total for index in picked)


def test_spread_moves_with_the_offset() -> None:
    assert not set(figures.spread(1000, 20, 0)) & set(figures.spread(1000, 20, 1))


def test_odata_types_big_ints() -> None:
    when = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    assert odata({"t": when, "big": 2**40, "small": 7, "flag": True, "s": "x"}) == {
        "t": when,
        "big": EntityProperty(2**40, EdmType.INT64),
        "small": 7,
        "flag": True,
        "s": "x",
    }


def test_named_renames_every_column_that_held_the_template_name() -> None:
    row = named({"PartitionKey": "SCM", "Name": "TPL0", "Description": "TPL0 days"}, "TPL0", "R7")
    assert row["Name"] == "R7" and row["Description"] == "TPL0 days" and row["RowKey"].endswith("|R7")


def test_fan_out_runs_every_item_once_and_times_each() -> None:
    seen: list[int] = []
    seconds, latencies = fan_out(range(50), 4, lambda: seen.append)
    assert sorted(seen) == list(range(50)) and len(latencies) == 50 and seconds >= 0


def test_fan_out_raises_a_callers_error() -> None:
    def fail(item: int) -> None:
        if item == 3:
            raise RuntimeError("status 500")

    with pytest.raises(RuntimeError, match="500"):
        fan_out(range(10), 2, lambda: fail)


def test_options_parse_and_check() -> None:
    args = parse([])
    assert args.threads == [1, 8, 32] and args.recovery_rows == [1000, 100000] and args.in_flight == 20
    with pytest.raises(SystemExit):
        parse(["--recovery-rows", "10", "--in-flight", "20"])


def test_fan_out_raises_why_a_caller_could_not_start() -> None:
    def no_client() -> None:
        raise ConnectionError("no session")

    with pytest.raises(ConnectionError, match="no session"):
        fan_out(range(10), 3, no_client)  # type: ignore[arg-type]


def test_a_worker_cell_sets_each_round_beside_the_one_worker_host_and_raw() -> None:
    runs = [Run(n=100, seconds=seconds, latencies_ms=[10.0] * 100, requests=None) for seconds in (2.0, 1.0, 4.0)]
    raws = [Run(n=100, seconds=0.5, latencies_ms=[1.0] * 100, requests=200)] * 3  # 200 changes/s
    cell = Cell(2, 8, runs=runs, raw=raws, to_one=[1.6, 1.2, 1.4], cpu_ms=[12.0, 14.0, 13.0])
    row = cell.as_dict()
    assert row["changes_per_s"] == [25.0, 50.0, 100.0]  # min, median, max over the rounds
    assert row["vs_one_worker"] == [1.2, 1.4, 1.6]
    assert row["vs_raw"] == [0.125, 0.25, 0.5]
    assert row["cpu_ms_per_change"] == [12.0, 13.0, 14.0]
    assert "      8       2" in workers.table([cell])


def test_the_workers_row_starts_from_one_worker() -> None:
    with pytest.raises(SystemExit):
        parse(["--workers", "2,4"])
    assert parse(["--workers", "1,3", "--worker-callers", "4"]).workers == [1, 3]
