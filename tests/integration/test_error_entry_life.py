"""An error entry's life, through the queues, routes and jobs: one open entry per key and direction however often
the key fails (and however many instances fail it at once), resolved by the key's next change that goes through
whatever path it takes, and moved to the history when the key fails again after that."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from azure.data.tables import TableServiceClient

from shared.sync.errorlog import open_row_key
from tests.integration.storage import Pause, policy
from tests.integration.support import Api, eventually, held, send
from tests.integration.test_initial_sync import finished, initial_sync
from tests.integration.test_pause_resume import admin, caught_up, forget_pauses
from tests.integration.test_reconcile import reconcile
from tests.samples import sample

ASSETS = "customer-assets"
QUEUE = f"fs-to-scm-{ASSETS}"


def child(ident: str = "KID", parent: str = "NOPE", version: int = 0) -> dict[str, Any]:
    return {**sample(ASSETS, "fs", ident, version), "msdyn_parentasset": parent}


def listed(api: Api, **params: Any) -> list[dict[str, Any]]:
    answer = api.get("sync/errors", entity=ASSETS, **params)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])


def attempts_reach(api: Api, count: int, **params: Any) -> dict[str, Any]:
    """The key's one open entry, once it has counted `count` attempts."""
    found = eventually(lambda: [e for e in listed(api, state="open", **params) if e["attempts"] >= count])
    return dict(found[0])


def fail_by_queue(connection: str, version: int, ident: str = "KID", parent: str = "NOPE") -> None:
    send(connection, QUEUE, {"operation": "upsert", "record": child(ident, parent, version)})


@pytest.fixture
def unpaused(tables: TableServiceClient) -> Iterator[None]:
    forget_pauses(tables)
    yield
    forget_pauses(tables)


def test_failures_of_one_key_update_its_one_open_entry(api: Api, connection: str) -> None:
    for version in range(1, 4):
        fail_by_queue(connection, version)
        entry = attempts_reach(api, version)
    assert len(listed(api)) == 1
    assert (
        entry["attempts"] == 3 and entry["first_at"] < entry["at"] and entry["key"] == {"company": "USMF", "id": "KID"}
    )
    entity, _, row_key = entry["id"].partition("~")
    assert (entity, row_key) == (ASSETS, open_row_key("fs-to-scm", "USMF", "KID")) and len(entry["id"]) < 40
    retried = api.session.post(f"{api.base}/sync/errors/{entry['id']}/retry", timeout=30).json()
    assert retried["entry"]["attempts"] == 4 and retried["error"]["code"] == "validation_failed"
    fail_by_queue(connection, 4, ident="OTHER")  # another key: an entry of its own
    eventually(lambda: len(listed(api)) == 2)


def test_repeated_repairs_that_fail_are_one_entry(api: Api, tables: TableServiceClient) -> None:
    held(tables, ASSETS, "fs", [child()])  # FS holds a child whose parent exists nowhere: every repair fails
    for run in range(1, 4):
        job = finished(api, reconcile(api, {"repair": "fs"}, slug=ASSETS))
        assert job["report"]["failed"] == 1, job["report"]
        [entry] = listed(api)
        assert (entry["attempts"], entry["source"], entry["job"]) == (run, "job", job["id"])
        assert [e["id"] for e in api.get("sync/errors", job=job["id"]).json()["items"]] == [entry["id"]]
    assert api.get("sync/errors", job="no-such-job").json()["items"] == []


def test_a_catch_up_failing_again_is_still_one_entry(api: Api, unpaused: None) -> None:
    for attempt in (1, 2):
        assert admin(api, ASSETS, "pause").status_code == 200
        assert api.post("fs", ASSETS, child(version=attempt)).status_code == 202
        assert admin(api, ASSETS, "resume").status_code == 200
        caught_up(api, ASSETS)
        [entry] = listed(api)
        assert (entry["attempts"], entry["source"], entry["state"]) == (attempt, "catch-up", "open")


def test_a_later_change_that_goes_through_resolves_and_the_next_failure_opens_afresh(api: Api, connection: str) -> None:
    fail_by_queue(connection, 1)
    failed = attempts_reach(api, 1)
    assert api.post("fs", ASSETS, sample(ASSETS, "fs", "NOPE")).status_code == 201  # the parent, now
    good = api.post("fs", ASSETS, child(version=2))
    assert good.status_code == 201, good.text
    [resolved] = listed(api, state="resolved")
    assert (resolved["id"], resolved["resolved_by"]) == (failed["id"], good.json()["operation_id"])
    assert resolved["resolved_at"] and listed(api, state="open") == []

    fail_by_queue(connection, 4, parent="MISSING")  # fails again: a fresh entry where the open one stands
    fresh = attempts_reach(api, 1)
    assert fresh["id"] == failed["id"] and fresh["attempts"] == 1 and fresh["first_at"] > resolved["first_at"]
    [history] = listed(api, state="resolved")  # the resolved one, kept under an id of its own
    assert history["id"].startswith(failed["id"] + ".") and history["resolved_by"] == resolved["resolved_by"]
    assert {key: history[key] for key in ("at", "attempts", "reasons")} == {
        key: resolved[key] for key in ("at", "attempts", "reasons")
    }


def test_a_delete_and_an_initial_sync_resolve_too(api: Api, connection: str, tables: TableServiceClient) -> None:
    for record in (sample(ASSETS, "fs", "ROOT"), child("GONE", "ROOT")):
        assert api.post("fs", ASSETS, record).status_code == 201
    fail_by_queue(connection, 1, ident="GONE")  # a change naming a parent that does not exist
    attempts_reach(api, 1, id="GONE")
    assert api.delete(f"fs/{ASSETS}/USMF/GONE").status_code == 200
    [deleted] = listed(api, state="resolved", id="GONE")  # the delete went through in that direction
    assert deleted["resolved_by"] and listed(api, state="open") == []

    fail_by_queue(connection, 2)
    attempts_reach(api, 1, id="KID")
    held(tables, ASSETS, "fs", [child(parent="ROOT")])  # FS holds it now, naming a parent that exists
    job = finished(api, initial_sync(api, ASSETS, **{"from": "fs"}))
    assert job["counts"]["created"] == 1
    [resolved] = listed(api, state="resolved", id="KID")
    assert resolved["resolved_by"] == f"job:{job['id']}"


def test_two_failures_at_once_make_one_open_entry(api: Api, connection: str) -> None:
    """The first failure is held after reading that the key has no open entry; the second (a poison message of
    the same key, on another trigger, as another instance would) opens one meanwhile; the first then finds it
    taken and counts itself in."""
    held_read = Pause(open_row_key("fs-to-scm", "USMF", "KID"))
    with policy(held_read):
        try:
            fail_by_queue(connection, 1)
            assert held_read.reached.wait(15), "the first failure never read the error log"
            send(connection, f"{QUEUE}-poison", {"operation": "upsert", "record": child(version=2)})
            eventually(lambda: listed(api, state="open"))
        finally:
            held_read.released.set()
        entry = attempts_reach(api, 2)
    assert len(listed(api)) == 1 and entry["code"] == "validation_failed"  # the later write's reasons


def test_a_dismissed_entry_is_kept_when_the_key_fails_again(api: Api, connection: str) -> None:
    fail_by_queue(connection, 1)
    first = attempts_reach(api, 1)
    note = {"note": "asked the field team to create the parent"}
    assert api.session.post(f"{api.base}/sync/errors/{first['id']}/dismiss", json=note, timeout=30).ok
    fail_by_queue(connection, 2)
    fresh = attempts_reach(api, 1)
    assert fresh["id"] == first["id"] and fresh["note"] is None
    [dismissed] = listed(api, state="dismissed")
    assert dismissed["note"] == note["note"] and dismissed["id"] != fresh["id"]


def test_entries_logged_before_keep_working(api: Api, tables: TableServiceClient) -> None:
    """An entry written before one key had one open entry (keyed by its message id) is still listed, dismissed and
    retried; a change of its key that goes through leaves it to its own retry or dismissal."""
    client = tables.get_table_client("SyncErrors")
    old = {
        "PartitionKey": ASSETS,
        "RowKey": "5f0c7d3e-9a1b-4c2d-8e7f-0a1b2c3d4e5f",
        "Direction": "fs-to-scm",
        "Company": "USMF",
        "Id": "KID",
        "Code": "validation_failed",
        "Message": "Customer Asset USMF/KID was rejected",
        "Reasons": "[]",
        "DequeueCount": 1,
        "Attempts": 1,
        "State": "open",
        "Source": "queue",
        "LoggedAt": dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
        "ChangeParts": 1,
        "Change0": requests.models.complexjson.dumps({"operation": "upsert", "record": child()}).encode(),
    }
    client.create_entity(old)
    [entry] = listed(api)
    assert entry["id"] == f"{ASSETS}~{old['RowKey']}" and entry["first_at"] == entry["at"] == "2026-11-01T00:00:00Z"
    again = api.session.post(f"{api.base}/sync/errors/{entry['id']}/retry", timeout=30).json()
    assert again["entry"]["attempts"] == 2 and again["entry"]["state"] == "open"
    done = api.session.post(f"{api.base}/sync/errors/{entry['id']}/dismiss", json={"note": "old"}, timeout=30)
    assert done.status_code == 200 and done.json()["state"] == "dismissed"
