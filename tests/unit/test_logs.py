"""The log settings and formats: a bad SYNC_LOG_LEVEL or SYNC_LOG_FORMAT is named, a JSON line carries the
structured fields, text shows time, level and logger, and a job's progress reads as a sentence."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
from collections import Counter
from collections.abc import Iterator

import pytest

from shared.errors import ConfigurationError
from shared.jobs.model import Job
from shared.keys import Key
from shared.logs import JsonFormatter, configure, log_fields, read_config


@pytest.fixture
def root() -> Iterator[io.StringIO]:
    """The root logger with one stream handler of our own, put back as it was afterwards."""
    logger, stream = logging.getLogger(), io.StringIO()
    handlers, level = logger.handlers[:], logger.level
    logger.handlers[:] = [logging.StreamHandler(stream)]
    yield stream
    logger.handlers[:] = handlers
    logger.setLevel(level)


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        pytest.param({"SYNC_LOG_LEVEL": "LOUD"}, {"SYNC_LOG_LEVEL"}, id="level"),
        pytest.param({"SYNC_LOG_FORMAT": "xml"}, {"SYNC_LOG_FORMAT"}, id="format"),
        pytest.param(
            {"SYNC_LOG_LEVEL": "0", "SYNC_LOG_FORMAT": "yaml"}, {"SYNC_LOG_LEVEL", "SYNC_LOG_FORMAT"}, id="both"
        ),
    ],
)
def test_a_bad_log_setting_is_named(environ: dict[str, str], named: set[str]) -> None:
    with pytest.raises(ConfigurationError) as caught:
        read_config(environ)
    assert {detail["setting"] for detail in caught.value.details} == named
    assert all(name in caught.value.message for name in named)


def test_the_defaults_are_info_and_text_and_case_does_not_matter() -> None:
    assert read_config({}) == (logging.INFO, "text")
    assert read_config({"SYNC_LOG_LEVEL": " debug ", "SYNC_LOG_FORMAT": "JSON"}) == (logging.DEBUG, "json")


def test_text_lines_show_time_level_and_logger(root: io.StringIO) -> None:
    configure({"SYNC_LOG_LEVEL": "INFO"})
    logging.getLogger("shared.edge.poison").warning("payment-terms poison message %s recorded", "m1")
    logging.getLogger("shared.sync.engine").debug("below the level: not written")
    line = root.getvalue().strip()
    assert line.endswith(" WARNING shared.edge.poison: payment-terms poison message m1 recorded")
    dt.datetime.strptime(line[:19], "%Y-%m-%d %H:%M:%S")  # local time, as the host prints it
    assert "\n" not in line


def test_a_json_line_holds_the_fields_a_query_filters_on() -> None:
    record = logging.LogRecord("shared.sync.engine", logging.INFO, __file__, 1, "%s done", ("x",), None)
    for name, value in log_fields("sites", None, "scm", "op1", outcome="updated", duration_ms=3.5).items():
        setattr(record, name, value)
    line = json.loads(JsonFormatter().format(record))
    assert line == {
        "time": line["time"],
        "level": "INFO",
        "logger": "shared.sync.engine",
        "message": "x done",
        "entity": "sites",
        "side": "scm",
        "operation_id": "op1",
        "outcome": "updated",
        "duration_ms": 3.5,
    }
    record.key = Key("usmf", "n30")  # not text: written as its text, never a broken line
    assert json.loads(JsonFormatter().format(record))["key"] == "USMF/N30"


def test_a_jobs_progress_is_a_sentence_with_its_numbers_as_fields() -> None:
    now = dt.datetime.now(dt.UTC)
    job = Job("j1", "initial-sync", "warehouses", {}, created_at=now, total=20_000, chunk=5)
    job.started_at = now - dt.timedelta(seconds=5)
    job.counts = Counter(read=4_000, created=3_900, failed=100)
    text, fields = job.progress()
    assert text.startswith("initial sync of warehouses: 4,000/20,000 rows, ")
    assert " rows/s; phase scan, chunk 4; created 3,900, failed 100" in text
    assert fields["rows_done"] == 4_000 and fields["rows_total"] == 20_000
    assert 700 < fields["rows_per_s"] < 820 and fields["job"] == "j1" and fields["kind"] == "initial-sync"
