"""A 3,000-row initial sync (three chunks) survives its host being killed (SIGKILL) and ends as a clean run does.

Slow (about a minute): it runs on an Azurite of its own, so that the session's in-process
host, which polls the same queues, takes no part; two host processes run the jobs, one after the other.
The clean run starts once the resumed one has ended: until then the killed job still holds the entity.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from azure.data.tables import TableServiceClient

from devtools.azurite import Azurite
from shared.entities import ENTITIES
from tests.integration.storage import assert_both_or_neither
from tests.integration.support import eventually, held, rows
from tests.processes import app_host
from tests.samples import sample

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]  # the two jobs run one after the other

ROWS = 3_000  # three chunks: killed in the second
SLUG = "payment-terms"


@pytest.fixture
def own_azurite() -> Iterator[Azurite]:
    with Azurite.on_free_ports() as server:
        yield server


def start_job(url: str, company: str) -> str:
    answer = requests.post(f"{url}/api/sync/{SLUG}/initial-sync", json={"from": "scm", "company": company}, timeout=30)
    assert answer.status_code == 202, answer.text
    return str(answer.json()["job"]["id"])


def job(url: str, job_id: str) -> dict[str, Any]:
    return dict(requests.get(f"{url}/api/sync/jobs/{job_id}", timeout=30).json())


def finished(url: str, job_id: str, timeout: float) -> dict[str, Any]:
    state = eventually(lambda: (found := job(url, job_id))["state"] in ("succeeded", "failed") and found, timeout)
    assert state["state"] == "succeeded", state
    return dict(state)


def test_a_job_killed_mid_way_ends_as_an_uninterrupted_one(
    own_azurite: Azurite, capsys: pytest.CaptureFixture[str]
) -> None:
    connection = own_azurite.connection_string
    tables = TableServiceClient.from_connection_string(connection)
    for company in ("USMF", "DEMF"):  # the same records, held by SCM in two companies
        records = [sample(SLUG, "scm", f"T{n:05}", n % 90, company=company) for n in range(ROWS)]
        report = held(tables, SLUG, "scm", records)
        assert report.loaded == ROWS and not report.refused

    first, url = app_host(connection)
    killed_job = start_job(url, "USMF")
    eventually(lambda: job(url, killed_job)["counts"]["read"] >= ROWS // 3, timeout=120)
    first.kill()
    at_kill = rows(tables, ENTITIES[SLUG].table, "FS")
    second, url = app_host(connection)
    try:
        started = time.monotonic()
        refused = requests.post(f"{url}/api/sync/{SLUG}/initial-sync", json={"from": "scm"}, timeout=30)
        assert refused.status_code == 409, refused.text  # the killed job still holds the entity
        assert refused.json()["error"]["details"][0]["job"] == killed_job
        resumed = finished(url, killed_job, timeout=240)  # carried on by the jobs timer once the lease ran out
        resumed_after = time.monotonic() - started
        clean = finished(url, start_job(url, "DEMF"), timeout=240)  # one job that writes an entity at a time
    finally:
        second.kill()

    assert resumed["counts"] == clean["counts"], (resumed["counts"], clean["counts"])
    assert resumed["counts"]["created"] == ROWS and resumed["counts"]["read"] == ROWS
    fs, scm = rows(tables, ENTITIES[SLUG].table, "FS"), rows(tables, ENTITIES[SLUG].table, "SCM")
    assert len(fs) == len(scm) == 2 * ROWS  # no row twice, none skipped
    spec = ENTITIES[SLUG]
    for n in range(0, ROWS, 97):
        usmf = assert_both_or_neither(tables, spec, f"USMF|T{n:05}")
        demf = assert_both_or_neither(tables, spec, f"DEMF|T{n:05}")
        assert usmf is not None and usmf == demf  # the same content as the clean run's
    assert (
        list(tables.get_table_client("SyncErrors").list_entities()) == []
        if "SyncErrors" in {t.name for t in tables.list_tables()}
        else True
    )
    with capsys.disabled():
        print(
            f"\n  job resume: killed after {len(at_kill)} of {ROWS} rows reached FS; resumed and finished "
            f"{resumed_after:.0f} s after the restart; clean run {clean['rows_per_s']} rows/s; counts {clean['counts']}"
        )
