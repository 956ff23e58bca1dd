"""One job that writes per entity at a time, through the admin routes: an initial sync, or a reconcile that
repairs, started while another such job of the entity has not ended is refused (409 `job_running`, naming
the running job); a reconcile that only reports runs beside anything. The first job is held at its first
read of the entity's table (a slow storage answer), so that it is still running while the test starts others."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote

import requests
from azure.core.exceptions import ServiceRequestError
from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import SansIOHTTPPolicy
from azure.data.tables import TableServiceClient

from shared.entities import ENTITIES
from shared.sync.store import calling_thread
from tests.integration.storage import Pause, policy
from tests.integration.support import Api, eventually
from tests.integration.test_initial_sync import finished, hold, initial_sync
from tests.integration.test_reconcile import reconcile
from tests.samples import sample

SLUG = "ship-via"
RUNNERS = "devhost-sync-jobs"  # the threads that run the `sync-jobs` queue's messages (devhost/queues.py)


class HeldJob(Pause):
    """Holds the answer of a job runner's first read of the entity's table until the test releases it
    (the recovery timer, which reads every entity table each minute, is not held)."""

    def on_response(self, request: PipelineRequest[Any], response: PipelineResponse[Any, Any]) -> None:
        if calling_thread().startswith(RUNNERS):
            super().on_response(request, response)


class LostRelease(SansIOHTTPPolicy[Any, Any]):
    """Every delete of a single jobs-table row fails before it is sent: a job that ends cannot free what it held,
    as when its host dies between the job's last checkpoint and what comes after."""

    def __init__(self) -> None:
        self.fired = 0

    def on_request(self, request: PipelineRequest[Any]) -> None:
        if request.http_request.method == "DELETE" and "SyncJobs(" in unquote(request.http_request.url):
            self.fired += 1
            raise ServiceRequestError("injected fault: request not sent")


@contextmanager
def first_job_held() -> Iterator[HeldJob]:
    held = HeldJob(ENTITIES[SLUG].table)
    with policy(held):
        try:
            yield held
        finally:
            held.released.set()


def started(answer: requests.Response, held: HeldJob) -> str:
    """The id of the job a 202 started, once its runner is held at its first read."""
    assert answer.status_code == 202, answer.text
    assert held.reached.wait(15), "the job's runner never read the entity's table"
    return str(answer.json()["job"]["id"])


def refused_for(answer: requests.Response, job_id: str, kind: str) -> None:
    """A 409 `job_running` that names the running job."""
    assert answer.status_code == 409, answer.text
    error = answer.json()["error"]
    assert error["code"] == "job_running", error
    assert error["details"] == [{"job": job_id, "kind": kind, "entity": SLUG, "state": "running"}], error
    assert job_id in error["message"] and kind in error["message"], error["message"]


def ended(api: Api, job_id: str) -> dict[str, Any]:
    def done() -> dict[str, Any]:
        job: dict[str, Any] = api.get(f"sync/jobs/{job_id}").json()
        return job if job["state"] in ("succeeded", "failed") else {}

    job = eventually(done, timeout=60)
    assert job["state"] == "succeeded", job
    return job


def job_ids(api: Api) -> set[str]:
    return {job["id"] for job in api.get("sync/jobs").json()["items"]}


def held_records(tables: TableServiceClient) -> None:
    hold(tables, SLUG, "fs", [sample(SLUG, "fs", f"S{n:02}", n) for n in range(20)])


def test_a_second_initial_sync_is_refused_until_the_first_ends(api: Api, tables: TableServiceClient) -> None:
    held_records(tables)
    with first_job_held() as held:
        first = started(initial_sync(api, SLUG, **{"from": "fs"}), held)
        refused_for(initial_sync(api, SLUG, **{"from": "scm", "conflicts": "fs"}), first, "initial-sync")
        assert job_ids(api) == {first}  # the refused start left nothing behind
    job = ended(api, first)
    assert job["counts"]["created"] == 20
    after = finished(api, initial_sync(api, SLUG, **{"from": "fs"}))  # the entity is free again
    assert after["counts"]["unchanged"] == 20


def test_a_report_only_reconcile_runs_beside_an_initial_sync_and_a_repairing_one_does_not(
    api: Api, tables: TableServiceClient
) -> None:
    held_records(tables)
    with first_job_held() as held:
        first = started(initial_sync(api, SLUG, **{"from": "fs"}), held)
        report_only = reconcile(api, {}, slug=SLUG)
        assert report_only.status_code == 202, report_only.text
        refused_for(reconcile(api, {"repair": "fs"}, slug=SLUG), first, "initial-sync")
        assert job_ids(api) == {first, report_only.json()["job"]["id"]}
    finished(api, report_only)
    ended(api, first)


def test_a_repairing_reconcile_keeps_an_initial_sync_out(api: Api, tables: TableServiceClient) -> None:
    held_records(tables)
    with first_job_held() as held:
        first = started(reconcile(api, {"repair": "fs"}, slug=SLUG), held)
        refused_for(initial_sync(api, SLUG, **{"from": "fs"}), first, "reconcile")
        report_only = reconcile(api, {}, slug=SLUG)
        assert report_only.status_code == 202, report_only.text
    finished(api, report_only)
    job = ended(api, first)
    assert job["report"]["repaired"] == 20


def test_starts_sent_at_once_start_one_job(api: Api, tables: TableServiceClient) -> None:
    """Many starts at the same moment (as from several instances on one storage account): one job, and every
    other start is told which one."""
    held_records(tables)
    with first_job_held() as held, ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda _: initial_sync(api, SLUG, **{"from": "fs"}), range(6)))
        ok = [answer for answer in answers if answer.status_code == 202]
        assert len(ok) == 1, [answer.status_code for answer in answers]
        first = started(ok[0], held)
        for answer in answers:
            if answer is not ok[0]:
                assert answer.status_code == 409, answer.text
                assert answer.json()["error"]["details"][0]["job"] == first
        assert job_ids(api) == {first}
    assert ended(api, first)["counts"]["created"] == 20


def test_what_a_job_that_ended_left_held_does_not_block(api: Api, tables: TableServiceClient) -> None:
    held_records(tables)
    with policy(LostRelease()) as lost:
        first = finished(api, initial_sync(api, SLUG, **{"from": "fs"}))
        eventually(lambda: lost.fired, timeout=10)  # the release comes after the job is seen as ended
    assert first["counts"]["created"] == 20
    with first_job_held() as held:
        second = started(initial_sync(api, SLUG, **{"from": "scm"}), held)
        refused_for(initial_sync(api, SLUG, **{"from": "fs"}), second, "initial-sync")  # the second holds it now
    ended(api, second)
