"""Cancelling a job through its route: a job whose chunk runs ends at that chunk's boundary with its counts
kept; one that no runner holds ends at once and its late chunk message does nothing; either frees the entity
for the next job that writes it. A finished job, a catch-up and an unknown id are refused, writing nothing."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
import requests
from azure.data.tables import TableServiceClient

from functions import runtime
from shared.jobs import initial_sync as initial_sync_job
from shared.jobs.model import Job, new_job_id
from shared.jobs.runner import QUEUE
from tests.integration.support import Api, eventually, rows, send
from tests.integration.test_initial_sync import finished, initial_sync
from tests.integration.test_reconcile import reconcile
from tests.integration.test_writing_jobs import SLUG, first_job_held, held_records, started

TABLE = "ShipVia"


def cancel(api: Api, job_id: str) -> requests.Response:
    return api.session.post(f"{api.base}/sync/jobs/{job_id}/cancel", timeout=30)


def job(api: Api, job_id: str) -> dict[str, Any]:
    return dict(api.get(f"sync/jobs/{job_id}").json())


def jobs_table(tables: TableServiceClient) -> list[dict[str, Any]]:
    return [dict(row) for row in tables.get_table_client("SyncJobs").list_entities()]


def unsent(kind: str, params: dict[str, Any]) -> Job:
    """A job as its start writes it (its entity taken, if it writes), whose first chunk's message is not sent
    yet: no runner holds it."""
    runner = runtime.job_runner()
    created = Job(new_job_id(dt.datetime.now(dt.UTC)), kind, SLUG, params, created_at=dt.datetime.now(dt.UTC))
    if runner.kinds[kind].writes(params):
        runner.locks.take(created)
    return runner.jobs.create(created)


def test_a_running_chunk_ends_the_job_at_its_boundary(
    api: Api, tables: TableServiceClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(initial_sync_job, "CHUNK_ROWS", 5)  # 20 records: four chunks
    held_records(tables)
    with first_job_held() as held:
        job_id = started(initial_sync(api, SLUG, **{"from": "fs"}), held)
        asked = cancel(api, job_id)
        assert asked.status_code == 200, asked.text
        assert (asked.json()["state"], asked.json()["cancel_requested"]) == ("running", True)  # its chunk still runs
        again = cancel(api, job_id)
        assert again.status_code == 200 and again.json()["cancel_requested"] is True
        refused = initial_sync(api, SLUG, **{"from": "fs"})  # still writing: the entity is still taken
        assert refused.status_code == 409 and refused.json()["error"]["code"] == "job_running"
    ended = eventually(lambda: (found := job(api, job_id))["state"] != "running" and found)
    assert ended["state"] == "cancelled" and ended["finished_at"], ended
    assert ended["counts"]["read"] == ended["counts"]["created"] == 5  # the chunk that ran, kept
    time.sleep(2)  # nothing carries it on
    assert job(api, job_id)["counts"] == ended["counts"] and len(rows(tables, TABLE, "SCM")) == 5
    after = finished(api, initial_sync(api, SLUG, **{"from": "fs"}))  # a cancelled job holds the entity no more
    assert after["counts"]["created"] == 15 and after["counts"]["unchanged"] == 5


def test_a_job_no_runner_holds_is_cancelled_at_once(api: Api, connection: str, tables: TableServiceClient) -> None:
    held_records(tables)
    waiting = unsent("initial-sync", {"from": "fs", "conflicts": "skip"})
    answer = cancel(api, waiting.id)
    assert answer.status_code == 200, answer.text
    cancelled = answer.json()
    assert (cancelled["state"], cancelled["cancel_requested"]) == ("cancelled", True) and cancelled["finished_at"]
    send(connection, QUEUE, {"job": waiting.id, "chunk": 0})  # its chunk's message, arriving late
    time.sleep(2)
    assert job(api, waiting.id)["state"] == "cancelled" and job(api, waiting.id)["counts"]["read"] == 0
    assert rows(tables, TABLE, "SCM") == {}  # never run
    assert cancel(api, waiting.id).json()["state"] == "cancelled"  # cancelling it again answers it as it is
    finished(api, initial_sync(api, SLUG, **{"from": "fs"}))  # the entity was freed


def test_what_cannot_be_cancelled_writes_nothing(api: Api, tables: TableServiceClient) -> None:
    done = finished(api, reconcile(api, {}, slug=SLUG))
    before = jobs_table(tables)
    late = cancel(api, done["id"])
    assert late.status_code == 409 and late.json()["error"]["code"] == "job_finished", late.text
    unknown = cancel(api, "0000000000000-nothing")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "not_found"
    assert jobs_table(tables) == before

    catch_up = unsent("catch-up", {})
    before = jobs_table(tables)
    refused = cancel(api, catch_up.id)
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["code"] == "not_cancellable" and "pause" in refused.json()["error"]["message"]
    assert jobs_table(tables) == before
