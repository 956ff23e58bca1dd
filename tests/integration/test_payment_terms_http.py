"""Payment Terms over real HTTP through the local host: every status code of docs/calling.md
("Status codes and the error shape") that applies."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from azure.data.tables import TableServiceClient

from devhost.cli import QUIET_LOGGERS
from shared.errors import TransientError
from shared.sync.store import EntityStore
from tests.integration.support import Api, rows

E = "payment-terms"
FS_NET30 = {
    "msdyn_company": "USMF",
    "msdyn_name": "Net30",
    "msdyn_description": "Net 30 days",
    "msdyn_days": 30,
    "msdyn_paymentmethodtype": 806380991,
    "msdyn_iscashpayment": False,
    "msdyn_isdefaultpaymentterm": False,
    "modifiedon": "2026-01-01T10:00:00Z",
}
SCM_NET30 = {
    "dataAreaId": "USMF",
    "Name": "Net30",
    "Description": "Net 30 days",
    "NumberOfDays": 30,
    "PaymentMethodType": "Net",
    "IsCashPayment": "No",
    "IsDefaultPaymentTerm": "No",
    "ModifiedDateTime": "2026-01-01T10:00:00Z",
}


def both(tables: TableServiceClient) -> tuple[dict[str, Any], dict[str, Any]]:
    return rows(tables, "PaymentTerms", "FS"), rows(tables, "PaymentTerms", "SCM")


def assert_nothing_written(tables: TableServiceClient) -> None:
    assert both(tables) == ({}, {})


def test_a_change_leaves_one_info_line(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    """The engine's line; the host's own lines around each invocation are DEBUG (as `make run` logs)."""
    for name in QUIET_LOGGERS:
        caplog.set_level(logging.WARNING, logger=name)
    caplog.set_level(logging.INFO)  # last: set_level also sets the capturing handler's level
    assert api.post("fs", E, FS_NET30).status_code == 201
    # The request's own thread: the host's pollers and timers log on theirs, whenever they like.
    lines = [r for r in caplog.records if "process_request_thread" in (r.threadName or "")]
    assert [(r.levelno, r.name) for r in lines] == [(logging.INFO, "shared.sync.engine")]
    assert "payment-terms USMF/NET30 created from fs" in lines[0].getMessage()


def test_fs_create_writes_both_sides(api: Api, tables: TableServiceClient) -> None:
    answer = api.post("fs", E, FS_NET30)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["status"] == "created"
    assert body["key"] == {"company": "USMF", "id": "NET30"}
    assert body["scm"]["record"] == SCM_NET30
    assert body["fs"]["record"] == FS_NET30
    fs, scm = both(tables)
    assert list(scm) == ["USMF|NET30"]
    stored = scm["USMF|NET30"]
    assert {k: v for k, v in stored.items() if k in SCM_NET30} == {
        **SCM_NET30,
        "ModifiedDateTime": stored["ModifiedDateTime"],
    }
    assert stored["SyncOrigin"] == "fs" and stored["SyncOperationId"] == body["operation_id"]
    assert stored["SyncHash"] == fs["USMF|NET30"]["SyncHash"]


def test_scm_create_writes_both_sides(api: Api, tables: TableServiceClient) -> None:
    answer = api.post("scm", E, SCM_NET30)
    assert answer.status_code == 201, answer.text
    assert answer.json()["fs"]["record"] == FS_NET30
    fs, _ = both(tables)
    assert fs["USMF|NET30"]["msdyn_days"] == 30
    assert fs["USMF|NET30"]["msdyn_iscashpayment"] is False


def test_update_then_unchanged_echo_writes_nothing(api: Api, tables: TableServiceClient) -> None:
    api.post("fs", E, FS_NET30)
    updated = api.post("fs", E, {**FS_NET30, "msdyn_days": 45, "modifiedon": "2026-01-02T10:00:00Z"})
    assert updated.status_code == 200 and updated.json()["status"] == "updated"
    assert updated.json()["scm"]["record"]["NumberOfDays"] == 45
    before = {k: v["SyncOperationId"] for part in both(tables) for k, v in part.items()}
    etags = [r.metadata["etag"] for r in tables.get_table_client("PaymentTerms").list_entities()]
    # SCM reports back exactly what the sync wrote to it, with the same time (an echo): nothing written
    echo = updated.json()["scm"]["record"]
    answer = api.post("scm", E, echo)
    assert answer.status_code == 200 and answer.json()["status"] == "unchanged"
    assert [r.metadata["etag"] for r in tables.get_table_client("PaymentTerms").list_entities()] == etags
    assert {k: v["SyncOperationId"] for part in both(tables) for k, v in part.items()} == before
    # the same content with a later time of its own: still unchanged, but both sides keep that time
    later = api.post("scm", E, {**echo, "ModifiedDateTime": "2026-01-02T10:00:05Z"})
    assert later.status_code == 200 and later.json()["status"] == "unchanged"
    assert {row["SyncSourceTime"].isoformat() for part in both(tables) for row in part.values()} == {
        "2026-01-02T10:00:05+00:00"
    }


def test_same_delivery_twice_is_unchanged(api: Api) -> None:
    assert api.post("fs", E, FS_NET30).status_code == 201
    again = api.post("fs", E, FS_NET30)
    assert again.status_code == 200 and again.json()["status"] == "unchanged"


def test_keys_compare_case_insensitively(api: Api, tables: TableServiceClient) -> None:
    assert api.post("fs", E, {**FS_NET30, "msdyn_company": "usmf", "msdyn_name": "net30"}).status_code == 201
    answer = api.post("scm", E, {**SCM_NET30, "Name": "NET30", "ModifiedDateTime": "2026-01-03T00:00:00Z"})
    assert answer.status_code == 200, answer.text
    fs, scm = both(tables)
    assert list(fs) == list(scm) == ["USMF|NET30"]
    assert fs["USMF|NET30"]["msdyn_name"] == "NET30"  # the record keeps the latest spelling


def test_partial_update_keeps_the_other_fields(api: Api) -> None:
    api.post("fs", E, FS_NET30)
    answer = api.post("scm", E, {"dataAreaId": "USMF", "Name": "NET30", "NumberOfMonths": 2})
    assert answer.status_code == 200, answer.text
    fs = answer.json()["fs"]["record"]
    assert fs["msdyn_numberofmonth"] == 2
    assert fs["msdyn_description"] == "Net 30 days" and fs["msdyn_days"] == 30


def test_get_one_and_delete(api: Api, tables: TableServiceClient) -> None:
    created = api.post("fs", E, FS_NET30).json()
    one = api.get(f"scm/{E}/usmf/net30")
    assert one.status_code == 200
    assert one.json()["sync"] == created["scm"]["sync"]
    assert one.json()["sync"]["source_time"] == "2026-01-01T10:00:00Z"
    assert one.json()["record"]["NumberOfDays"] == 30
    assert one.json()["sync"]["created_by"] == "fs"
    deleted = api.delete(f"scm/{E}/USMF/Net30")
    assert deleted.status_code == 200 and deleted.json()["status"] == "deleted"
    assert_nothing_written(tables)
    assert api.get(f"fs/{E}/USMF/NET30").status_code == 404
    assert api.delete(f"fs/{E}/USMF/NET30").status_code == 404


def test_list_is_paged_per_company(api: Api) -> None:
    for number in range(5):
        api.post("fs", E, {**FS_NET30, "msdyn_name": f"N{number}"})
    api.post("fs", E, {**FS_NET30, "msdyn_company": "DEMF", "msdyn_name": "N9"})
    seen, token, pages = [], None, 0
    while True:
        params = {"company": "usmf", "limit": 2, **({"continuation": token} if token else {})}
        page = api.get(f"scm/{E}", **params)
        assert page.status_code == 200, page.text
        seen += [item["key"]["id"] for item in page.json()["items"]]
        pages += 1
        token = page.json()["continuation"]
        if not token:
            break
    assert seen == ["N0", "N1", "N2", "N3", "N4"]
    assert pages >= 3
    everything = api.get(f"fs/{E}").json()["items"]
    assert {item["key"]["company"] for item in everything} == {"USMF", "DEMF"}


@pytest.mark.parametrize(
    ("params", "status"),
    [
        pytest.param({"limit": "0"}, 400, id="limit-zero"),
        pytest.param({"limit": "many"}, 400, id="limit-text"),
        pytest.param({"continuation": "not-a-token"}, 400, id="bad-token"),
        pytest.param({"company": "NOPE"}, 404, id="unknown-company"),
    ],
)
def test_list_rejects_bad_parameters(api: Api, params: dict[str, str], status: int) -> None:
    answer = api.get(f"fs/{E}", **params)
    assert answer.status_code == status
    assert set(answer.json()["error"]) == {"code", "message", "details"}


@pytest.mark.parametrize(
    ("body", "content_type", "code"),
    [
        pytest.param(b"{not json", "application/json", "bad_request", id="not-json"),
        pytest.param(b"[1, 2]", "application/json", "bad_request", id="array"),
        pytest.param(b'"text"', "application/json", "bad_request", id="string"),
        pytest.param(b"", "application/json", "bad_request", id="empty"),
        pytest.param(b'{"msdyn_name": "X"}', "text/plain", "bad_request", id="wrong-content-type"),
        pytest.param(b'{"msdyn_name": "X"}', None, "bad_request", id="no-content-type"),
    ],
)
def test_400(api: Api, tables: TableServiceClient, body: bytes, content_type: str | None, code: str) -> None:
    headers = {"content-type": content_type} if content_type else {}
    answer = api.post("fs", E, body, headers=headers)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == code
    assert_nothing_written(tables)


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("fs/unicorns", id="unknown-entity"),
        pytest.param("erp/payment-terms", id="unknown-side"),
        pytest.param(f"fs/{E}/USMF/NOPE", id="unknown-key"),
        pytest.param(f"fs/{E}/USMF", id="incomplete-key"),
        pytest.param(f"fs/{E}/XXXX/NET30", id="unknown-company"),
    ],
)
def test_404(api: Api, path: str) -> None:
    answer = api.get(path)
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"


def test_409_stale_update_is_refused(api: Api, tables: TableServiceClient) -> None:
    api.post("fs", E, {**FS_NET30, "modifiedon": "2026-01-05T00:00:00Z"})
    before = both(tables)
    answer = api.post("scm", E, {**SCM_NET30, "NumberOfDays": 60, "ModifiedDateTime": "2026-01-04T00:00:00Z"})
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "stale"
    assert both(tables) == before


def test_409_equal_time_goes_to_the_primary_side(api: Api) -> None:
    # the primary side is SCM by default
    api.post("scm", E, SCM_NET30)
    loser = api.post("fs", E, {**FS_NET30, "msdyn_days": 10})
    assert loser.status_code == 409
    api.post("fs", E, {**FS_NET30, "msdyn_name": "Net31", "msdyn_days": 10})
    winner = api.post("scm", E, {**SCM_NET30, "Name": "Net31", "NumberOfDays": 20})
    assert winner.status_code == 200 and winner.json()["fs"]["record"]["msdyn_days"] == 20


def test_413_body_over_256_kb(api: Api, tables: TableServiceClient) -> None:
    answer = api.post("fs", E, {**FS_NET30, "padding": "x" * (256 * 1024)})
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "payload_too_large"
    assert_nothing_written(tables)


@pytest.mark.parametrize(
    ("side", "body", "failure"),
    [
        pytest.param("fs", {**FS_NET30, "msdyn_name": "ELEVENCHARS"}, ("Name", "max_length", "scm"), id="name-1-10"),
        pytest.param("fs", {**FS_NET30, "msdyn_days": -1}, ("msdyn_days", "minimum", "fs"), id="days"),
        pytest.param("scm", {**SCM_NET30, "NumberOfMonths": -2}, ("NumberOfMonths", "minimum", "scm"), id="months"),
        pytest.param(
            "fs",
            {**FS_NET30, "msdyn_paymentmethodtype": 806380997},
            ("CutoffDayOfMonth", "cutoff_day_required", "scm"),
            id="cutoff-day",
        ),
        pytest.param(
            "scm",
            {**SCM_NET30, "PaymentMethodType": "CutOffDate", "CutoffDayOfMonth": 32},
            ("CutoffDayOfMonth", "maximum", "scm"),
            id="cutoff-day-31",
        ),
        pytest.param(
            "fs", {**FS_NET30, "modifiedon": "2100-01-01T00:00:00Z"}, ("modifiedon", "future_time", "fs"), id="future"
        ),
        pytest.param(
            "scm",
            {**SCM_NET30, "ModifiedDateTime": "1500-01-01T00:00:00"},
            ("ModifiedDateTime", "date_range", "scm"),
            id="before-1900",
        ),
        pytest.param(
            "fs", {**FS_NET30, "msdyn_company": "ACME"}, ("msdyn_company", "known_company", "fs"), id="company"
        ),
        pytest.param(
            "fs", {**FS_NET30, "msdyn_iscashpayment": "perhaps"}, ("msdyn_iscashpayment", "type", "fs"), id="bool"
        ),
    ],
)
def test_422_rules(api: Api, tables: TableServiceClient, side: str, body: dict[str, Any], failure: tuple) -> None:
    answer = api.post(side, E, body)
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == "validation_failed"
    assert failure in {(d["field"], d["rule"], d["side"]) for d in error["details"]}
    assert_nothing_written(tables)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"msdyn_company": " ", "msdyn_name": "X", "msdyn_days": 1}, id="blank-company"),
        pytest.param({"msdyn_company": "USMF", "msdyn_name": "  ", "msdyn_days": 1}, id="blank-name"),
        pytest.param({"msdyn_days": 1}, id="no-key"),
        pytest.param({"msdyn_company": 7, "msdyn_name": ["X"], "msdyn_days": 1}, id="key-not-text"),
    ],
)
def test_422_without_a_usable_key(api: Api, tables: TableServiceClient, body: dict[str, Any]) -> None:
    answer = api.post("fs", E, body)
    assert answer.status_code == 422, answer.text
    fields = {d["field"] for d in answer.json()["error"]["details"]}
    assert fields & {"msdyn_company", "msdyn_name"}
    assert_nothing_written(tables)


def test_422_reports_every_failure_at_once(api: Api) -> None:
    body = {**FS_NET30, "msdyn_name": "ELEVENCHARS", "msdyn_days": -1, "msdyn_numberofmonth": -1}
    details = api.post("fs", E, body).json()["error"]["details"]
    assert {(d["field"], d["side"]) for d in details} == {
        ("Name", "scm"),
        ("msdyn_days", "fs"),
        ("msdyn_numberofmonth", "fs"),
    }


def test_422_one_default_per_company(api: Api, tables: TableServiceClient) -> None:
    assert api.post("fs", E, {**FS_NET30, "msdyn_isdefaultpaymentterm": True}).status_code == 201
    second = api.post("scm", E, {**SCM_NET30, "Name": "Net60", "IsDefaultPaymentTerm": "Yes"})
    assert second.status_code == 422
    assert second.json()["error"]["details"][0]["rule"] == "one_default_per_company"
    assert "NET60" not in str(both(tables))
    # another company may have its own default; the default itself may be updated
    assert api.post("scm", E, {**SCM_NET30, "dataAreaId": "DEMF", "IsDefaultPaymentTerm": "Yes"}).status_code == 201
    again = api.post(
        "fs",
        E,
        {**FS_NET30, "msdyn_isdefaultpaymentterm": True, "msdyn_days": 31, "modifiedon": "2026-02-01T00:00:00Z"},
    )
    assert again.status_code == 200


def test_health(api: Api) -> None:
    answer = api.get("health")
    assert answer.status_code == 200
    assert "payment-terms" in answer.json()["entities"]


def test_503_when_storage_fails_and_nothing_is_written(
    api: Api, tables: TableServiceClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_write(*args: object, **kwargs: object) -> None:
        raise TransientError("injected storage fault")

    monkeypatch.setattr(EntityStore, "write", broken_write)
    answer = api.post("fs", E, FS_NET30)
    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == "transient"
    assert_nothing_written(tables)
