"""The error log through the app's routes: list and filter, retry one or all, poison queues, the alert."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from azure.data.tables import TableServiceClient
from azure.storage.queue import QueueServiceClient

from functions import runtime
from shared import jsonio
from shared.errors import RejectedError
from shared.sync.errorlog import ErrorEntry, stored_change
from tests.integration.support import Api, eventually, peek, rows, send
from tests.samples import sample

ASSETS = "customer-assets"
ASSET_QUEUE = "fs-to-scm-customer-assets"
TERMS_QUEUE = "fs-to-scm-payment-terms"
ITEM_FIELDS = {"id", "entity", "direction", "key", "source", "at", "attempts", "state", "reasons"}


def child(ident: str = "KID", parent: str = "ROOT") -> dict[str, Any]:
    return {**sample(ASSETS, "fs", ident), "msdyn_parentasset": parent}


def listed(api: Api, **params: Any) -> list[dict[str, Any]]:
    answer = api.get("sync/errors", **params)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])


def retry(api: Api, entry_id: str) -> requests.Response:
    return api.session.post(f"{api.base}/sync/errors/{entry_id}/retry", timeout=30)


def retry_all(api: Api, **params: Any) -> requests.Response:
    return api.session.post(f"{api.base}/sync/errors/retry", params=params, timeout=60)


def logged(api: Api, count: int, **params: Any) -> list[dict[str, Any]]:
    return eventually(lambda: (found := listed(api, **params)) and len(found) >= count and found)


@pytest.fixture
def resumed() -> Iterator[None]:
    """Leave every entity running after the test (the alert or the test may pause one)."""
    yield
    runtime.pause_states().resume(["warehouses", ASSETS, "payment-terms", "ship-via"])


def test_a_child_asset_waiting_for_its_parent_goes_through_on_retry(
    api: Api, connection: str, tables: TableServiceClient
) -> None:
    send(connection, ASSET_QUEUE, {"operation": "upsert", "record": child()})
    [entry] = logged(api, 1)
    assert set(entry) >= ITEM_FIELDS
    assert entry["id"].startswith(f"{ASSETS}~")
    assert (entry["entity"], entry["direction"], entry["source"], entry["state"]) == (
        ASSETS,
        "fs-to-scm",
        "queue",
        "open",
    )
    assert entry["key"] == {"company": "USMF", "id": "KID"} and entry["attempts"] == 1
    assert [(r["rule"], r["side"]) for r in entry["reasons"]] == [("parent_exists", "scm")], entry["reasons"]
    assert "msdyn_name" not in jsonio.dumps(entry).decode()  # the change stays in storage, out of the answer

    again = retry(api, entry["id"])  # the parent is still missing: the same failure, one more attempt
    assert again.status_code == 200, again.text
    assert again.json()["entry"]["state"] == "open" and again.json()["entry"]["attempts"] == 2
    assert again.json()["error"]["code"] == "validation_failed" and again.json()["outcome"] is None

    assert api.post("fs", ASSETS, sample(ASSETS, "fs", "ROOT")).status_code == 201
    done = retry(api, entry["id"])
    assert done.status_code == 200, done.text
    assert done.json()["entry"]["state"] == "resolved" and done.json()["entry"]["attempts"] == 3
    assert done.json()["outcome"]["status"] == "created" and done.json()["error"] is None
    assert rows(tables, "CustomerAssets", "SCM")["USMF|KID"]["ParentMaintenanceAssetId"] == "ROOT"
    assert listed(api, state="resolved")[0]["resolved_at"]
    assert listed(api, state="open") == []

    twice = retry(api, entry["id"])
    assert twice.status_code == 409 and "already resolved" in twice.json()["error"]["message"]


def test_filters_paging_and_bad_input(api: Api, connection: str) -> None:
    for n in range(3):
        send(connection, ASSET_QUEUE, {"operation": "upsert", "record": child(f"K{n}", "NOPE")})
    send(connection, TERMS_QUEUE, "not json at all")
    logged(api, 4)
    assert {e["entity"] for e in listed(api, entity=ASSETS)} == {ASSETS}
    assert len(listed(api, entity=ASSETS)) == 3
    assert [e["key"]["id"] for e in listed(api, entity=ASSETS, id="K1")] == ["K1"]
    assert [e["key"] for e in listed(api, entity="payment-terms")] == [None]
    assert len(listed(api, direction="fs-to-scm", source="queue", state="open", since="2020-01-01T00:00:00Z")) == 4
    assert listed(api, since="2999-01-01T00:00:00Z") == [] and listed(api, direction="scm-to-fs") == []

    first = api.get("sync/errors", limit=2).json()
    assert len(first["items"]) == 2 and first["continuation"]
    rest = api.get("sync/errors", limit=2, continuation=first["continuation"]).json()
    seen = [e["id"] for e in first["items"] + rest["items"]]
    assert len(seen) == len(set(seen)) == 4 and rest["continuation"] is None

    bad = api.get("sync/errors", entity="nope", state="closed", limit="0", since="yesterday", continuation="!!")
    assert bad.status_code == 422, bad.text
    fields = {d["field"] for d in bad.json()["error"]["details"]}
    assert fields == {"entity", "state", "limit", "since", "continuation"}
    assert api.get("sync/errors", source="mail").status_code == 422
    assert retry_all(api, direction="up").status_code == 422
    for wrong in ("nope~abc", "customer-assets", "customer-assets~a%7Cb", "customer-assets~missing"):
        answer = retry(api, wrong)
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found", (wrong, answer.text)


def test_retry_all_with_filters(api: Api, connection: str, tables: TableServiceClient) -> None:
    send(connection, ASSET_QUEUE, {"operation": "upsert", "record": child("A1", "P1")})
    send(connection, ASSET_QUEUE, {"operation": "upsert", "record": child("A2", "P2")})
    send(connection, TERMS_QUEUE, {"operation": "rename"})
    logged(api, 3)
    assert api.post("fs", ASSETS, sample(ASSETS, "fs", "P1")).status_code == 201
    answer = retry_all(api, entity=ASSETS)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"retried": 2, "resolved": 1, "failed": 1, "skipped": 0}
    assert set(rows(tables, "CustomerAssets", "SCM")) == {"USMF|P1", "USMF|A1"}
    assert [e["key"]["id"] for e in listed(api, entity=ASSETS, state="open")] == ["A2"]
    assert listed(api, entity="payment-terms")[0]["state"] == "open"  # outside the filter: not retried


def test_a_paused_entity_is_not_retried(api: Api, connection: str, resumed: None) -> None:
    send(connection, ASSET_QUEUE, {"operation": "upsert", "record": child()})
    [entry] = logged(api, 1)
    runtime.pause_states().pause([ASSETS], reason="maintenance")
    answer = retry(api, entry["id"])
    assert answer.status_code == 409 and "paused" in answer.json()["error"]["message"]
    assert retry_all(api, entity=ASSETS).status_code == 409
    assert retry_all(api).json() == {"retried": 0, "resolved": 0, "failed": 0, "skipped": 1}
    assert listed(api)[0]["attempts"] == 1


def test_a_poison_message_becomes_an_entry_and_can_be_retried(
    api: Api, connection: str, queues: QueueServiceClient, tables: TableServiceClient
) -> None:
    message = {"operation": "upsert", "record": sample("payment-terms", "fs", "NET30")}
    send(connection, f"{TERMS_QUEUE}-poison", message)
    [entry] = logged(api, 1)
    eventually(lambda: not peek(queues, f"{TERMS_QUEUE}-poison"))  # acknowledged
    assert (entry["source"], entry["code"], entry["state"]) == ("poison", "poisoned", "open")
    assert entry["key"] == {"company": "USMF", "id": "NET30"}
    [row] = tables.get_table_client("SyncErrors").list_entities()
    assert jsonio.loads(stored_change(dict(row)) or b"") == message  # the body kept, for the retry
    done = retry(api, entry["id"])
    assert done.status_code == 200 and done.json()["entry"]["state"] == "resolved", done.text
    assert "USMF|NET30" in rows(tables, "PaymentTerms", "SCM")


def test_a_large_change_is_kept_whole_and_retried(api: Api, tables: TableServiceClient) -> None:
    # Queue messages stop at 64 KB; a side route's body (what catch-up logs) may be 256 KB.
    record = {**child("BIG"), "msdyn_description": "x" * 200_000}
    body = jsonio.dumps(record)
    failure = RejectedError("Customer Asset USMF/BIG was rejected", [])
    entry = ErrorEntry(ASSETS, "fs-to-scm", "USMF", "BIG", "catchup-1", 1, failure, "catch-up", change=body)
    runtime.error_log().record(entry)
    [row] = tables.get_table_client("SyncErrors").list_entities()
    assert row["ChangeParts"] == 4 and stored_change(dict(row)) == body
    assert api.post("fs", ASSETS, sample(ASSETS, "fs", "ROOT")).status_code == 201
    [entry] = listed(api)  # the key's open entry (its id names the key, not the message)
    done = retry(api, entry["id"])  # an HTTP body, not a queue message: the side route's parsing
    assert done.status_code == 200 and done.json()["entry"]["state"] == "resolved", done.text
    assert done.json()["entry"]["source"] == "catch-up"
    assert "USMF|BIG" in rows(tables, "CustomerAssets", "SCM")


def test_too_many_failures_pause_the_entity(
    api: Api, connection: str, monkeypatch: pytest.MonkeyPatch, resumed: None
) -> None:
    monkeypatch.setenv("SYNC_ALERT_FAILURES", "3")
    monkeypatch.setenv("SYNC_ALERT_MINUTES", "5")
    runtime.reset()
    try:
        for n in range(3):
            send(connection, ASSET_QUEUE, {"operation": "upsert", "record": child(f"F{n}", "NOPE")})
        logged(api, 3)
        assert not runtime.pause_states().is_paused(ASSETS)  # three is not more than three
        send(connection, ASSET_QUEUE, {"operation": "upsert", "record": child("F3", "NOPE")})
        state = eventually(lambda: runtime.pause_states().state(ASSETS).paused and runtime.pause_states().state(ASSETS))
        assert state.reason and "4 failures in 5 minutes (more than 3)" in state.reason
        assert "validation_failed" in state.reason and "v0" not in state.reason  # why, never the record
        assert not runtime.pause_states().is_paused("payment-terms")
        runtime.pause_states().resume([ASSETS])
        assert runtime.pause_states().state(ASSETS).reason is None
    finally:
        monkeypatch.undo()
        runtime.reset()
