"""Signed requests over real HTTP: a signature binds one request (method, path and query, body), and a
replay within its 300 s is dated by its signature, so it is never a newer write."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from azure.data.tables import TableServiceClient

from shared import jsonio
from shared.entities import ENTITIES
from shared.keys import Key
from tests.integration.callers import ADMIN_KEY, SCM_KEY, Answer, call, key, post, secured, send_signed, signed
from tests.integration.support import Api, eventually, rows
from tests.integration.test_pause_resume import forget_pauses
from tests.samples import sample

__all__ = ["secured"]
SLUG = "payment-terms"
ROUTE = f"/api/scm/{SLUG}"


@pytest.fixture(autouse=True)
def unpaused(tables: TableServiceClient) -> Iterator[None]:
    forget_pauses(tables)
    yield
    forget_pauses(tables)


def days(tables: TableServiceClient, ident: str) -> tuple[Any, Any]:
    """Both sides' number of days for a USMF payment term (None where there is no record)."""
    row_key = Key("USMF", ident).row_key
    fs, scm = (rows(tables, ENTITIES[SLUG].table, side).get(row_key) for side in ("FS", "SCM"))
    return (fs or {}).get("msdyn_days"), (scm or {}).get("NumberOfDays")


def create(api: Api, ident: str, number_of_days: int = 1, at: float | None = 0) -> None:
    """A payment term written with the SCM key: modified in May 2026, or (at=None) dated on arrival.
    (A signed time has whole seconds: a record dated on arrival this very second would be newer.)"""
    answer = post(api, "scm", SLUG, sample(SLUG, "scm", ident, number_of_days, at=at))
    assert answer.status_code in (200, 201), answer.text


def refused(answer: Answer) -> None:
    assert answer.status_code == 401, answer.text
    assert answer.json()["error"]["code"] == "unauthorized"


# -- a signature binds one request ---------------------------------------------------------------------


def test_a_signed_delete_does_not_move_to_another_key(api: Api, tables: TableServiceClient, secured: None) -> None:
    create(api, "A")
    create(api, "B")
    headers = signed(SCM_KEY, "DELETE", f"{ROUTE}/USMF/A")
    refused(call(api, "DELETE", f"{ROUTE}/USMF/B", headers))
    assert days(tables, "B") == (1, 1), "B is still there"
    deleted = call(api, "DELETE", f"{ROUTE}/USMF/A", headers)
    assert deleted.status_code == 200 and deleted.json()["status"] == "deleted", deleted.text


def test_a_signed_read_does_not_become_a_delete(api: Api, tables: TableServiceClient, secured: None) -> None:
    create(api, "READ")
    headers = signed(SCM_KEY, "GET", f"{ROUTE}/USMF/READ")
    assert call(api, "GET", f"{ROUTE}/USMF/READ", headers).status_code == 200
    refused(call(api, "DELETE", f"{ROUTE}/USMF/READ", headers))
    assert days(tables, "READ") == (1, 1)


def test_a_signed_query_is_part_of_the_request(api: Api, tables: TableServiceClient, secured: None) -> None:
    create(api, "Q")
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    headers = signed(SCM_KEY, "DELETE", f"{ROUTE}/USMF/Q?modified=2020-01-01T00:00:00Z")
    refused(call(api, "DELETE", f"{ROUTE}/USMF/Q?modified={now}", headers))
    assert days(tables, "Q") == (1, 1)


def test_an_operators_signed_read_does_not_pause(api: Api, secured: None) -> None:
    headers = signed(ADMIN_KEY, "GET", "/api/sync/status")
    assert call(api, "GET", "/api/sync/status", headers).status_code == 200
    refused(call(api, "POST", f"/api/sync/{SLUG}/pause", headers))
    status = call(api, "GET", "/api/sync/status", key("admin")).json()["entities"]
    assert next(entry for entry in status if entry["entity"] == SLUG)["state"] == "running"


@pytest.mark.parametrize("encoded", ["N%20%C3%891", "N%20%c3%891"], ids=["upper-case hex", "lower-case hex"])
def test_a_percent_encoded_key_verifies_as_sent(
    api: Api, tables: TableServiceClient, secured: None, encoded: str
) -> None:
    create(api, "N É1")
    deleted = send_signed(api, SCM_KEY, "DELETE", f"{ROUTE}/USMF/{encoded}")
    assert deleted.status_code == 200 and deleted.json()["status"] == "deleted", deleted.text
    assert days(tables, "N É1") == (None, None)


def test_a_signed_post_covers_its_body(api: Api, secured: None) -> None:
    body = jsonio.dumps(sample(SLUG, "scm", "BODY", 1))
    headers = signed(SCM_KEY, "POST", ROUTE, body)
    refused(call(api, "POST", ROUTE, headers, body.replace(b'"v1"', b'"v2"')))
    assert call(api, "POST", ROUTE, headers, body).status_code == 201


# -- a replay is dated by its signature ---------------------------------------------------------------


def test_a_replayed_change_does_not_overwrite_a_newer_one(api: Api, tables: TableServiceClient, secured: None) -> None:
    first = jsonio.dumps(sample(SLUG, "scm", "NET", 30))  # no ModifiedDateTime: dated by its signature
    headers = signed(SCM_KEY, "POST", ROUTE, first, at=time.time() - 10)
    assert call(api, "POST", ROUTE, headers, first).status_code == 201
    again = call(api, "POST", ROUTE, headers, first)
    assert again.status_code == 200 and again.json()["status"] == "unchanged", again.text
    create(api, "NET", 45, at=None)  # a newer change, dated on arrival
    replayed = call(api, "POST", ROUTE, headers, first)
    assert replayed.status_code == 409 and replayed.json()["error"]["code"] == "stale", replayed.text
    assert days(tables, "NET") == (45, 45)


def test_a_replayed_delete_does_not_delete_a_newer_record(api: Api, tables: TableServiceClient, secured: None) -> None:
    create(api, "DEL")
    headers = signed(SCM_KEY, "DELETE", f"{ROUTE}/USMF/DEL", at=time.time() - 10)
    assert call(api, "DELETE", f"{ROUTE}/USMF/DEL", headers).status_code == 200
    create(api, "DEL", 7, at=None)  # made again after the delete, dated on arrival
    replayed = call(api, "DELETE", f"{ROUTE}/USMF/DEL", headers)
    assert replayed.status_code == 409 and replayed.json()["error"]["code"] == "stale", replayed.text
    assert days(tables, "DEL") == (7, 7)


def test_a_replay_held_while_paused_keeps_its_signed_time(api: Api, tables: TableServiceClient, secured: None) -> None:
    first = jsonio.dumps(sample(SLUG, "scm", "HELD", 30))
    headers = signed(SCM_KEY, "POST", ROUTE, first, at=time.time() - 10)
    assert call(api, "POST", ROUTE, headers, first).status_code == 201
    create(api, "HELD", 45, at=None)
    admin = key("admin")
    assert call(api, "POST", f"/api/sync/{SLUG}/pause", admin).status_code == 200
    assert call(api, "POST", ROUTE, headers, first).status_code == 202  # held: applied on catch-up
    assert call(api, "POST", f"/api/sync/{SLUG}/resume", admin).status_code == 200

    def caught_up() -> bool:
        status = call(api, "GET", "/api/sync/status", admin).json()["entities"]
        entry = next(entry for entry in status if entry["entity"] == SLUG)
        return bool(entry["backlog"] == 0 and not entry["catching_up"] and entry["state"] == "running")

    eventually(caught_up, 60)
    assert days(tables, "HELD") == (45, 45)  # the replay was stale on catch-up too
