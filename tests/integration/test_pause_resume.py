"""Pause and catch-up through the app's routes and queues, on Azurite."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import random
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
import requests
from azure.data.tables import TableServiceClient
from azure.storage.queue import QueueServiceClient

from devtools.azurite import Azurite
from functions import runtime
from shared import jsonio
from shared.entities import ENTITIES
from shared.keys import Key
from shared.operations.backlog import Held, arrival_key
from tests.integration.support import Api, eventually, peek, rows, send
from tests.processes import app_host
from tests.samples import T0, sample

SLUG = "payment-terms"
TABLE = ENTITIES[SLUG].table


def forget_pauses(tables: TableServiceClient) -> None:
    """No entity paused, no backlog, no last-sync row: what every test here starts and ends with."""
    for name in ("SyncControl", "SyncBacklog"):
        client = tables.create_table_if_not_exists(name)
        for row in client.list_entities(select=["PartitionKey", "RowKey"]):
            client.delete_entity(row["PartitionKey"], row["RowKey"])
    runtime.pause_states.cache_clear()  # the app runs in this process: its 1 s cache of the states goes too
    runtime.status_board.cache_clear()  # and its note of when each entity last touched its last-sync row


@pytest.fixture(autouse=True)
def unpaused(tables: TableServiceClient) -> Iterator[None]:
    forget_pauses(tables)
    yield
    forget_pauses(tables)


def admin(api: Api, entity: str, action: str, body: Any = None) -> requests.Response:
    return api.session.post(f"{api.base}/sync/{entity}/{action}", json=body, timeout=30)


def entries(answer: requests.Response) -> dict[str, dict[str, Any]]:
    assert answer.status_code == 200, answer.text
    return {entry["entity"]: entry for entry in answer.json()["entities"]}


def state(api: Api, slug: str = SLUG) -> dict[str, Any]:
    found = api.get("sync/status")
    assert found.status_code == 200, found.text
    return next(entry for entry in found.json()["entities"] if entry["entity"] == slug)


def caught_up(api: Api, slug: str = SLUG, timeout: float = 90) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        entry = state(api, slug)
        jobs = api.get("sync/jobs").json()["items"]
        working = any(job["kind"] == "catch-up" and job["state"] in ("queued", "running") for job in jobs)
        idle = entry["backlog"] == 0 and not entry["catching_up"] and entry["state"] == "running"
        return entry if idle and not working else None

    return eventually(done, timeout)


def both(tables: TableServiceClient, ident: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    key = Key("USMF", ident).row_key
    return rows(tables, TABLE, "FS").get(key), rows(tables, TABLE, "SCM").get(key)


def test_paused_posts_and_deletes_answer_202_and_write_nothing(api: Api, tables: TableServiceClient) -> None:
    paused = entries(admin(api, SLUG, "pause", {"reason": "SCM maintenance"}))
    assert paused[SLUG]["state"] == "paused" and paused[SLUG]["reason"] == "SCM maintenance"
    fs = api.post("fs", SLUG, sample(SLUG, "fs", "P1", 1))
    scm = api.post("scm", SLUG, sample(SLUG, "scm", "P2", 2))
    deleted = api.delete(f"fs/{SLUG}/USMF/P3?modified=2026-05-01T08:00:00Z")
    deleted_scm = api.delete(f"scm/{SLUG}/USMF/P4")
    assert [fs.status_code, scm.status_code, deleted.status_code, deleted_scm.status_code] == [202] * 4
    assert fs.json() == {"status": "queued", "entity": SLUG, "key": {"company": "USMF", "id": "P1"}}
    assert scm.json()["key"] == {"company": "USMF", "id": "P2"}
    assert deleted.json() == {"status": "queued", "entity": SLUG, "key": {"company": "USMF", "id": "P3"}}
    bad = api.post("fs", SLUG, b"{not json")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_request"
    assert api.get(f"fs/{SLUG}/USMF/P1").status_code == 404  # reads still answer, from what is stored
    assert rows(tables, TABLE, "FS") == {} and rows(tables, TABLE, "SCM") == {}
    assert state(api)["backlog"] == 4
    other = state(api, "ship-via")
    assert other["state"] == "running" and other["backlog"] == 0  # only the paused entity holds


def test_resume_applies_the_backlog_in_arrival_order(api: Api, tables: TableServiceClient, connection: str) -> None:
    entries(admin(api, SLUG, "pause"))
    before = dt.datetime.now(dt.UTC)
    assert api.post("fs", SLUG, sample(SLUG, "fs", "GONE", 1)).status_code == 202  # create …
    assert api.post("scm", SLUG, sample(SLUG, "scm", "GONE", 2)).status_code == 202  # … update …
    assert api.delete(f"fs/{SLUG}/USMF/GONE").status_code == 202  # … delete: ends deleted
    assert api.post("fs", SLUG, sample(SLUG, "fs", "TWICE", 1)).status_code == 202
    assert api.post("scm", SLUG, sample(SLUG, "scm", "TWICE", 2)).status_code == 202  # the later one wins
    send(connection, f"fs-to-scm-{SLUG}", {"operation": "upsert", "record": sample(SLUG, "fs", "QUEUED", 3)})
    eventually(lambda: state(api)["backlog"] == 6)
    held_until = dt.datetime.now(dt.UTC)
    assert rows(tables, TABLE, "FS") == {} and rows(tables, TABLE, "SCM") == {}

    resumed = entries(admin(api, SLUG, "resume"))[SLUG]
    assert resumed["state"] == "running" and resumed["catching_up"] is True and resumed["catch_up_job"]
    done = caught_up(api)
    assert done["rows"] == {"fs": 2, "scm": 2} and done["errors"]["open"] == 0 and done["last_sync"]
    assert both(tables, "GONE") == (None, None)
    fs, scm = both(tables, "TWICE")
    assert fs and scm and fs["msdyn_days"] == 2 and scm["NumberOfDays"] == 2
    # a change with no time of its own is dated at its arrival, not at the catch-up
    assert before <= dt.datetime.fromisoformat(fs["modifiedon"].replace("Z", "+00:00")) <= held_until
    queued_fs, queued_scm = both(tables, "QUEUED")
    assert queued_fs and queued_scm and queued_scm["NumberOfDays"] == 3
    job = next(job for job in api.get("sync/jobs").json()["items"] if job["kind"] == "catch-up")
    assert job["state"] == "succeeded" and job["entity"] == SLUG and job["total"] == 6
    assert job["counts"]["read"] == 6 and job["counts"]["failed"] == 0


def test_a_change_that_breaks_a_rule_goes_to_the_error_log_and_the_rest_go_through(
    api: Api, tables: TableServiceClient
) -> None:
    entries(admin(api, SLUG, "pause"))
    broken = {**sample(SLUG, "fs", "BROKEN", 1), "msdyn_days": "many"}
    assert api.post("fs", SLUG, sample(SLUG, "fs", "BEFORE", 1)).status_code == 202
    assert api.post("fs", SLUG, broken).status_code == 202  # validated on catch-up, not on arrival
    assert api.delete(f"scm/{SLUG}/USMF/NEVER-THERE").status_code == 202  # nothing to delete: done, not an error
    assert api.post("fs", SLUG, sample(SLUG, "fs", "AFTER", 1)).status_code == 202
    entries(admin(api, SLUG, "resume"))
    done = caught_up(api)
    assert done["errors"] == {"open": 1, "last_hour": 1} and done["rows"] == {"fs": 2, "scm": 2}
    assert all(both(tables, ident)[1] for ident in ("BEFORE", "AFTER")) and both(tables, "BROKEN") == (None, None)
    errors = tables.get_table_client("SyncErrors")
    logged = [dict(row) for row in errors.query_entities("PartitionKey eq @pk", parameters={"pk": SLUG})]
    assert len(logged) == 1 and logged[0]["Source"] == "catch-up" and logged[0]["Id"] == "BROKEN"
    assert logged[0]["Direction"] == "fs-to-scm" and "msdyn_days" in logged[0]["Reasons"]


def test_a_queue_message_of_a_paused_entity_waits_in_the_backlog(
    api: Api, tables: TableServiceClient, queues: QueueServiceClient, connection: str
) -> None:
    entries(admin(api, SLUG, "pause"))
    queue = f"scm-to-fs-{SLUG}"
    # times of their own: a delete without one is dated at its arrival, when the poller takes it, which
    # can be later than a record built just after it was sent (and that record would then be stale)
    deleted_at = (T0 + dt.timedelta(seconds=2)).isoformat()
    send(connection, queue, {"operation": "upsert", "record": sample(SLUG, "scm", "WAITS", 5, at=1)})
    send(connection, queue, {"operation": "delete", "key": {"company": "USMF", "id": "WAITS"}, "modified": deleted_at})
    send(connection, queue, {"operation": "upsert", "record": sample(SLUG, "scm", "WAITS", 6, at=3)})
    eventually(lambda: not peek(queues, queue) and state(api)["backlog"] == 3)
    assert peek(queues, f"{queue}-poison") == [] and rows(tables, TABLE, "FS") == {}
    entries(admin(api, SLUG, "resume"))
    caught_up(api)
    fs, scm = both(tables, "WAITS")  # created, deleted, created again: in arrival order
    assert fs and scm and fs["msdyn_days"] == 6


def test_changes_that_arrive_during_the_catch_up_queue_up_behind_it(api: Api, tables: TableServiceClient) -> None:
    entries(admin(api, SLUG, "pause"))
    for version in range(1, 101):
        assert api.post("fs", SLUG, sample(SLUG, "fs", "BUSY", version)).status_code == 202
    entries(admin(api, SLUG, "resume"))
    late = api.post("scm", SLUG, sample(SLUG, "scm", "BUSY", 999))  # the backlog is still being applied
    assert late.status_code == 202, late.text
    caught_up(api, timeout=120)  # one key's 101 changes: one chunk
    fs, scm = both(tables, "BUSY")
    assert fs and scm and fs["msdyn_days"] == scm["NumberOfDays"] == 999
    live = api.post("fs", SLUG, sample(SLUG, "fs", "BUSY", 7))  # running again: applied at once
    assert live.status_code == 200 and live.json()["status"] == "updated"


def test_all_entities_at_once(api: Api) -> None:
    paused = entries(admin(api, "all", "pause", {"reason": "release"}))
    assert set(paused) == set(ENTITIES) and {e["state"] for e in paused.values()} == {"paused"}
    assert api.post("scm", "ship-via", sample("ship-via", "scm", "ALL", 1)).status_code == 202
    resumed = entries(admin(api, "all", "resume"))
    assert set(resumed) == set(ENTITIES) and {e["state"] for e in resumed.values()} == {"running"}
    # five catch-ups, the warehouses' only after the sites' (each ends with its settle time): on a loaded
    # 2-core machine that took over 90 s
    caught_up(api, "ship-via", timeout=240)
    assert api.get("fs/ship-via/USMF/ALL").status_code == 200


def test_a_held_warehouse_comes_through_after_the_held_site_it_names(api: Api, tables: TableServiceClient) -> None:
    """Both paused, the warehouse arriving first: on resume, the sites' catch-up runs first and the
    warehouses' waits for it, so the warehouse finds its site instead of failing."""
    entries(admin(api, "all", "pause"))
    assert api.post("scm", "warehouses", sample("warehouses", "scm", "W1", 1)).status_code == 202
    assert api.post("scm", "sites", sample("sites", "scm", "1", 1)).status_code == 202
    entries(admin(api, "all", "resume"))
    caught_up(api, "warehouses")
    assert api.get("fs/warehouses/USMF/W1").status_code == 200 and api.get("fs/sites/USMF/1").status_code == 200
    assert list(tables.create_table_if_not_exists("SyncErrors").list_entities()) == []


@pytest.mark.parametrize(
    ("entity", "action", "body", "status_code", "code"),
    [
        pytest.param("nope", "pause", None, 404, "not_found", id="unknown-entity-pause"),
        pytest.param("nope", "resume", None, 404, "not_found", id="unknown-entity-resume"),
        pytest.param(SLUG, "pause", {"reason": 5}, 400, "bad_request", id="reason-not-text"),
        pytest.param(SLUG, "pause", "[1]", 400, "bad_request", id="body-not-an-object"),
    ],
)
def test_bad_calls_answer_in_the_error_shape(
    api: Api, entity: str, action: str, body: Any, status_code: int, code: str
) -> None:
    answer = admin(api, entity, action, body)
    assert answer.status_code == status_code and answer.json()["error"]["code"] == code, answer.text
    assert state(api)["state"] == "running"


def test_a_restart_while_paused_loses_nothing() -> None:
    """Two host processes on an Azurite of their own, one after the other: the first is killed while paused."""
    with Azurite.on_free_ports() as azurite:
        tables = TableServiceClient.from_connection_string(azurite.connection_string)
        tables.create_table_if_not_exists(TABLE)
        first, url = app_host(azurite.connection_string)
        try:
            first_api = Api(url)
            entries(admin(first_api, SLUG, "pause", {"reason": "before a restart"}))
            assert first_api.post("fs", SLUG, sample(SLUG, "fs", "KEPT", 1)).status_code == 202
            assert first_api.post("scm", SLUG, sample(SLUG, "scm", "KEPT", 2)).status_code == 202
            assert first_api.post("fs", SLUG, sample(SLUG, "fs", "GONE", 1)).status_code == 202
            assert first_api.delete(f"scm/{SLUG}/USMF/GONE").status_code == 202
        finally:
            first.kill()
        second, url = app_host(azurite.connection_string)
        try:
            api = Api(url)
            entry = state(api)
            assert (entry["state"], entry["reason"], entry["backlog"]) == ("paused", "before a restart", 4)
            assert rows(tables, TABLE, "FS") == {}
            entries(admin(api, SLUG, "resume"))
            done = caught_up(api)
        finally:
            second.kill()
        assert done["rows"] == {"fs": 1, "scm": 1}
        fs, scm = both(tables, "KEPT")
        assert fs and scm and fs["msdyn_days"] == scm["NumberOfDays"] == 2
        assert both(tables, "GONE") == (None, None)


@pytest.mark.slow
@pytest.mark.soak  # a few minutes: not in `make test`; `make soak` runs it
@pytest.mark.timeout(1800)  # in transactions since: 50-70 changes/s here with 2 busy CPUs (17 one at a time)
def test_a_backlog_of_10000_changes_is_drained_completely(
    api: Api, tables: TableServiceClient, capsys: pytest.CaptureFixture[str]
) -> None:
    """Held changes written straight into the backlog (as the routes write them, 100 per transaction), then
    one resume: every change applied, the backlog empty, the job's counts right; prints the drain rate."""
    count = int(os.environ.get("CATCH_UP_COUNT", "10000"))
    entries(admin(api, SLUG, "pause"))
    backlog = tables.create_table_if_not_exists("SyncBacklog")
    arrived = dt.datetime.now(dt.UTC)
    bodies = [jsonio.dumps(sample(SLUG, "fs", f"D{n:05}", n % 90)) for n in range(count)]
    held = [Held(SLUG, "http", "fs", "POST", body, arrived, "USMF", f"D{n:05}") for n, body in enumerate(bodies)]
    for start in range(0, count, 100):
        batch = [replace(h, row_key=arrival_key()) for h in held[start : start + 100]]
        backlog.submit_transaction([("create", h.columns()) for h in batch])
    assert state(api)["backlog"] == count
    job_id = entries(admin(api, SLUG, "resume"))[SLUG]["catch_up_job"]

    def finished() -> dict[str, Any] | None:  # polled each second: a status scans every entity's rows
        time.sleep(1)
        job = api.get(f"sync/jobs/{job_id}").json()
        return job if job["state"] in ("succeeded", "failed") else None

    job = eventually(finished, timeout=1700)
    seconds = (
        dt.datetime.fromisoformat(job["finished_at"]) - dt.datetime.fromisoformat(job["started_at"])
    ).total_seconds()
    done = state(api)
    assert done["rows"] == {"fs": count, "scm": count} and done["errors"]["open"] == 0
    assert (
        job["state"] == "succeeded"
        and job["counts"]["read"] == count
        and job["counts"]["created"] == count
        and job["total"] == count
    )
    with capsys.disabled():
        print(f"\n  catch-up: {count} held changes drained in {seconds:.1f} s ({count / seconds:.0f} changes/s)")


Change = tuple[int, str, str, int]  # (time in seconds after T0, operation, side, version of the content)


def histories(idents: list[str], rng: random.Random) -> dict[str, list[Change]]:
    """Each key's changes with distinct, increasing times: a create, updates, deletes and creates again."""
    tick = itertools.count(1)
    found: dict[str, list[Change]] = {}
    for ident in idents:
        changes: list[Change] = []
        live = False
        for step in range(rng.randint(3, 6)):
            operation = "delete" if live and rng.random() < 0.4 else "upsert"
            changes.append((next(tick), operation, rng.choice(("fs", "scm")), step + 1))
            live = operation == "upsert"
        found[ident] = changes
    return found


def outcomes(changes: list[Change]) -> Counter[str]:
    """What catch-up makes of one key's changes taken in the given order, by the time rules: a change older
    than the newest the key has seen is superseded; a delete of a key without a record finds nothing."""
    counted: Counter[str] = Counter()
    newest, live = -1, False
    for time_, operation, _, _ in changes:
        if operation == "delete" and not live:
            counted["absent"] += 1
        elif time_ < newest:
            counted["superseded"] += 1
        else:
            counted["deleted" if operation == "delete" else "updated" if live else "created"] += 1
            live = operation == "upsert"
        newest = max(newest, time_)
    return counted


def test_a_backlog_in_shuffled_order_ends_with_each_keys_newest_change(api: Api, tables: TableServiceClient) -> None:
    """Webhooks arrive out of order: 20 keys' creates, updates and deletes, each with its own time, held in a
    shuffled order. After the catch-up every key is as its newest change left it (a delete held before its
    key's create leaves a tombstone that keeps the older create out), and the changes that a newer one of
    their key superseded are counted as such, not logged as errors."""
    rng = random.Random(20)
    idents = [f"SH{n:02}" for n in range(20)]
    history = histories(idents, rng)
    arrivals = [(ident, change) for ident, changes in history.items() for change in changes]
    rng.shuffle(arrivals)
    entries(admin(api, SLUG, "pause"))
    for ident, (seconds, operation, side, version) in arrivals:
        if operation == "delete":
            modified = (T0 + dt.timedelta(seconds=seconds)).isoformat()
            answer = api.session.delete(
                f"{api.base}/{side}/{SLUG}/USMF/{ident}", params={"modified": modified}, timeout=30
            )
        else:
            answer = api.post(side, SLUG, sample(SLUG, side, ident, version, at=seconds))
        assert answer.status_code == 202, answer.text
    entries(admin(api, SLUG, "resume"))
    done = caught_up(api, timeout=120)
    expected: Counter[str] = Counter()
    for ident in idents:
        expected += outcomes([change for key, change in arrivals if key == ident])
        _, operation, side, version = max(history[ident])
        fs, scm = both(tables, ident)
        if operation == "delete":
            assert (fs, scm) == (None, None), (ident, history[ident], fs, scm)
        else:
            seconds = max(history[ident])[0]
            assert fs and scm and fs["msdyn_days"] == scm["NumberOfDays"] == version, (ident, history[ident])
            assert fs["SyncSourceTime"].isoformat() == (T0 + dt.timedelta(seconds=seconds)).isoformat()
    assert done["errors"] == {"open": 0, "last_hour": 0}
    assert list(tables.get_table_client("SyncErrors").list_entities()) == []
    job = next(job for job in api.get("sync/jobs").json()["items"] if job["kind"] == "catch-up")
    assert job["state"] == "succeeded" and job["counts"]["failed"] == 0
    assert expected["superseded"] > 0 and expected["absent"] > 0  # the order made both happen
    counted = {name: job["counts"][name] for name in ("created", "updated", "deleted", "absent", "superseded")}
    assert counted == {name: expected[name] for name in counted}
    assert job["counts"]["read"] == len(arrivals) == sum(expected.values())
    assert job["report"]["superseded"] == expected["superseded"]
