"""Dismissing an error log entry through its route: kept with the operator's note, never retried; every bad
request refused with nothing written; the list's `state=dismissed`, `code` and key filters."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from azure.data.tables import TableServiceClient

from tests.integration.support import Api, eventually, send
from tests.samples import sample

ASSETS = "customer-assets"
QUEUE = f"fs-to-scm-{ASSETS}"


def child(ident: str, parent: str = "NOPE") -> dict[str, Any]:
    return {**sample(ASSETS, "fs", ident), "msdyn_parentasset": parent}


def fail(api: Api, connection: str, ident: str, parent: str = "NOPE") -> dict[str, Any]:
    """An open entry: a queue message naming a parent asset that does not exist."""
    send(connection, QUEUE, {"operation": "upsert", "record": child(ident, parent)})
    found = eventually(lambda: api.get("sync/errors", entity=ASSETS, id=ident).json()["items"])
    return dict(found[0])


def dismiss(api: Api, entry_id: str, body: Any, content_type: str = "application/json") -> requests.Response:
    data = body if isinstance(body, str) else requests.models.complexjson.dumps(body)
    headers = {"content-type": content_type}
    return api.session.post(f"{api.base}/sync/errors/{entry_id}/dismiss", data=data, headers=headers, timeout=30)


def post(api: Api, path: str, **params: Any) -> requests.Response:
    return api.session.post(f"{api.base}/{path}", params=params, timeout=30)


def stored(tables: TableServiceClient) -> list[dict[str, Any]]:
    return [dict(row) for row in tables.get_table_client("SyncErrors").list_entities()]


def test_a_dismissed_entry_is_kept_and_never_retried(api: Api, connection: str, tables: TableServiceClient) -> None:
    entry = fail(api, connection, "KID")
    done = dismiss(api, entry["id"], {"note": "  parent created by hand in SCM; ticket 4711  "})
    assert done.status_code == 200, done.text
    dismissed = done.json()
    assert (dismissed["id"], dismissed["state"]) == (entry["id"], "dismissed")
    assert dismissed["note"] == "parent created by hand in SCM; ticket 4711" and dismissed["dismissed_at"]
    assert api.get("sync/errors", state="dismissed").json()["items"] == [dismissed]
    assert api.get("sync/errors", state="open").json()["items"] == []

    again = dismiss(api, entry["id"], {"note": "another note"})  # already dismissed: the same entry, unchanged
    assert again.status_code == 200 and again.json() == dismissed

    assert api.post("fs", ASSETS, sample(ASSETS, "fs", "NOPE")).status_code == 201  # the parent exists now …
    single = post(api, f"sync/errors/{entry['id']}/retry")
    assert single.status_code == 409 and single.json()["error"]["code"] == "entry_dismissed", single.text
    assert post(api, "sync/errors/retry").json() == {"retried": 0, "resolved": 0, "failed": 0, "skipped": 0}
    assert api.get("sync/errors", state="dismissed").json()["items"] == [dismissed]  # … and it was never run


def test_a_resolved_entry_cannot_be_dismissed(api: Api, connection: str) -> None:
    entry = fail(api, connection, "KID", parent="ROOT")
    assert api.post("fs", ASSETS, sample(ASSETS, "fs", "ROOT")).status_code == 201
    assert post(api, f"sync/errors/{entry['id']}/retry").json()["entry"]["state"] == "resolved"
    refused = dismiss(api, entry["id"], {"note": "too late"})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "entry_resolved", refused.text
    assert api.get("sync/errors", id="KID").json()["items"][0]["state"] == "resolved"


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ({}, "application/json", 422),
        ({"note": ""}, "application/json", 422),
        ({"note": "   "}, "application/json", 422),
        ({"note": 42}, "application/json", 422),
        ({"note": "x" * 1001}, "application/json", 422),
        ({"note": "fine", "state": "resolved"}, "application/json", 422),
        ("not json", "application/json", 400),
        ("", "application/json", 400),
        ({"note": "fine"}, "text/plain", 400),
    ],
)
def test_a_bad_dismissal_writes_nothing(
    api: Api, connection: str, tables: TableServiceClient, body: Any, content_type: str, status: int
) -> None:
    entry = fail(api, connection, "KID")
    before = stored(tables)
    answer = dismiss(api, entry["id"], body, content_type)
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["code"] == ("validation_failed" if status == 422 else "bad_request")
    assert stored(tables) == before


def test_unknown_entries(api: Api, connection: str, tables: TableServiceClient) -> None:
    fail(api, connection, "KID")
    before = stored(tables)
    for wrong in ("nope~abc", "customer-assets", "customer-assets~missing", "customer-assets~a%7Cb"):
        answer = dismiss(api, wrong, {"note": "gone"})
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found", (wrong, answer.text)
    assert stored(tables) == before
    assert dismiss(api, "nope~x", {"note": 1}).status_code == 404  # an id no entry can have, before the body


def test_filters_by_code_and_key(api: Api, connection: str) -> None:
    fail(api, connection, "KID")
    send(connection, f"{QUEUE}-poison", {"operation": "upsert", "record": child("POISONED")})
    eventually(lambda: len(api.get("sync/errors").json()["items"]) == 2)
    assert [e["key"]["id"] for e in api.get("sync/errors", code="poisoned").json()["items"]] == ["POISONED"]
    assert [e["key"]["id"] for e in api.get("sync/errors", code="validation_failed").json()["items"]] == ["KID"]
    assert api.get("sync/errors", code="nothing_like_it").json()["items"] == []
    assert [e["code"] for e in api.get("sync/errors", company="usmf", id="kid").json()["items"]] == [
        "validation_failed"
    ]  # the key as compared, in any letter case
    assert api.get("sync/errors", code="x" * 257).status_code == 422
    assert api.get("sync/errors", state="dismissed").json()["items"] == []


def test_an_entry_shows_the_change_as_received(api: Api, connection: str, tables: TableServiceClient) -> None:
    """`GET /api/sync/errors/{id}`: the entry as listed, its note, and the change it keeps — the JSON as sent, or
    the text of a message that never was JSON."""
    entry = fail(api, connection, "KID")
    shown = api.get(f"sync/errors/{entry['id']}")
    assert shown.status_code == 200, shown.text
    detail = shown.json()
    assert {k: detail[k] for k in entry} == entry and detail["note"] is None
    assert detail["change"] == {"operation": "upsert", "record": child("KID")} and "change_text" not in detail
    send(connection, f"{QUEUE}-poison", "{not json at all")
    broken = eventually(lambda: api.get("sync/errors", code="poisoned").json()["items"])
    text = api.get(f"sync/errors/{broken[0]['id']}").json()
    assert (text["change"], text["change_text"]) == (None, "{not json at all")
    before = stored(tables)
    for wrong in ("nope~abc", "customer-assets~missing"):
        answer = api.get(f"sync/errors/{wrong}")
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found", (wrong, answer.text)
    assert stored(tables) == before
