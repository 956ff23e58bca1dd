"""The record view through its route: both sides of one key, in step or not, a tombstone, an operation left in
flight, the key's open error entries, and every bad key (docs/operating.md, "Record view")."""

from __future__ import annotations

from typing import Any

import requests
from azure.data.tables import TableServiceClient, UpdateMode

from shared.entities import ENTITIES
from shared.keys import Key
from tests.integration.storage import Fault, pair, policy
from tests.integration.support import Api, eventually, send
from tests.samples import sample

TERMS = "payment-terms"
ASSETS = "customer-assets"


def view(api: Api, entity: str, company: str, ident: str) -> requests.Response:
    return api.get(f"sync/{entity}/records/{company}/{ident}")


def shown(api: Api, entity: str, company: str, ident: str) -> dict[str, Any]:
    answer = view(api, entity, company, ident)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_a_synced_pair_is_in_step(api: Api) -> None:
    created = api.post("fs", TERMS, sample(TERMS, "fs", "NET30", 30, at=1))
    assert created.status_code == 201, created.text
    found = shown(api, TERMS, "usmf", "net30")  # keys compare in any letter case
    assert found["key"] == {"company": "USMF", "id": "NET30"}
    assert found["in_step"] is True and found["differ"] == [] and found["errors"] == []
    fs, scm = found["fs"], found["scm"]
    assert fs["record"]["msdyn_name"] == "NET30" and fs["record"]["msdyn_days"] == 30  # each side by its own names
    assert scm["record"]["Name"] == "NET30" and scm["record"]["NumberOfDays"] == 30
    assert fs["version"] == scm["version"] and fs["version"].endswith("Z")
    assert (fs["origin"], scm["origin"]) == ("fs", "fs")
    assert fs["operation_id"] == scm["operation_id"] == created.json()["operation_id"]
    assert (fs["deleted"], scm["deleted"], fs["in_flight"], scm["in_flight"]) == (False, False, None, None)


def test_a_side_written_directly_differs_by_field(api: Api, tables: TableServiceClient) -> None:
    assert api.post("fs", TERMS, sample(TERMS, "fs", "NET30", 30, at=1)).status_code == 201
    client = tables.get_table_client(ENTITIES[TERMS].table)
    client.update_entity({"PartitionKey": "SCM", "RowKey": "USMF|NET30", "NumberOfDays": 45}, mode=UpdateMode.MERGE)
    found = shown(api, TERMS, "USMF", "NET30")
    assert found["in_step"] is False and found["differ"] == ["NumberOfDays"]
    assert found["scm"]["record"]["NumberOfDays"] == 45 and found["fs"]["record"]["msdyn_days"] == 30


def test_a_deleted_record_shows_its_tombstones(api: Api) -> None:
    assert api.post("scm", TERMS, sample(TERMS, "scm", "GONE", 3, at=1)).status_code == 201
    assert api.delete(f"scm/{TERMS}/USMF/GONE?modified=2026-11-01T00:00:00Z").status_code == 200
    found = shown(api, TERMS, "USMF", "GONE")
    assert found["fs"]["deleted"] is True and found["scm"]["deleted"] is True
    assert found["fs"]["origin"] == found["scm"]["origin"] == "scm"
    assert found["in_step"] is True and found["differ"] == []  # neither side holds a record: nothing to bring in step


def test_an_operation_left_in_flight_is_shown_and_left_alone(api: Api, tables: TableServiceClient) -> None:
    spec = ENTITIES[TERMS]
    fault = Fault(spec.table)
    with policy(fault):
        fault.arm(4, after=False)  # read, read, lead write, [follower write]
        assert api.post("scm", TERMS, sample(TERMS, "scm", "HALF", 1, at=1)).status_code == 503
    found = shown(api, TERMS, "USMF", "HALF")
    assert found["scm"] is None and found["in_step"] is False and found["differ"] == []
    flight = found["fs"]["in_flight"]
    assert flight is not None and (flight["side"], flight["action"]) == ("scm", "write") and flight["at"]
    assert flight["operation_id"] == found["fs"]["operation_id"] and found["fs"]["origin"] == "scm"
    stored = pair(tables, spec, Key("USMF", "HALF").row_key)  # a view writes nothing: recovery finishes it
    assert stored["scm"] is None and stored["fs"] is not None and stored["fs"]["SyncPending"]


def test_a_key_with_an_open_error_lists_it(api: Api, connection: str) -> None:
    for ident in ("ROOT", "KID"):
        record = {**sample(ASSETS, "fs", ident), **({"msdyn_parentasset": "ROOT"} if ident == "KID" else {})}
        assert api.post("fs", ASSETS, record).status_code == 201
    change = {**sample(ASSETS, "fs", "KID", 2), "msdyn_parentasset": "NOPE"}
    send(connection, f"fs-to-scm-{ASSETS}", {"operation": "upsert", "record": change})
    found = eventually(lambda: (seen := shown(api, ASSETS, "USMF", "KID"))["errors"] and seen)
    [entry] = found["errors"]
    assert entry["key"] == {"company": "USMF", "id": "KID"} and entry["state"] == "open"
    assert entry == api.get("sync/errors", entity=ASSETS, id="KID").json()["items"][0]  # as the error log lists it
    assert found["in_step"] is True  # the failed change wrote nothing

    orphan = {**sample(ASSETS, "fs", "LOST"), "msdyn_parentasset": "NOPE"}
    send(connection, f"fs-to-scm-{ASSETS}", {"operation": "upsert", "record": orphan})
    missing = eventually(lambda: (seen := view(api, ASSETS, "USMF", "LOST")).json()["error"]["details"] and [seen])
    assert missing[0].status_code == 404 and missing[0].json()["error"]["code"] == "not_found"
    [listed] = missing[0].json()["error"]["details"]  # held by neither side, but failing: its open entries
    assert listed["key"] == {"company": "USMF", "id": "LOST"}


def test_bad_keys_and_unknown_records(api: Api, tables: TableServiceClient) -> None:
    unknown = view(api, "nope", "USMF", "X")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "not_found"
    nobody = view(api, TERMS, "USMF", "NOBODY")
    assert nobody.status_code == 404 and nobody.json()["error"] == {
        "code": "not_found",
        "message": "Payment Terms USMF/NOBODY is held by neither side",
        "details": [],
    }
    company = view(api, TERMS, "ACME", "X")
    assert company.status_code == 422, company.text
    assert [(d["field"], d["rule"]) for d in company.json()["error"]["details"]] == [("company", "known_company")]
    for bad in ("a%5Cb", "a%01b", "%20"):  # a backslash, a control character, blank
        answer = view(api, TERMS, "USMF", bad)
        assert answer.status_code == 422 and answer.json()["error"]["details"][0]["field"] == "id", (bad, answer.text)
    long = view(api, TERMS, "USMF", "X" * 600)
    assert long.status_code == 422 and long.json()["error"]["details"][0]["rule"] == "max_length"
    for table in (ENTITIES[TERMS].table, "SyncErrors"):  # reading wrote nothing
        assert list(tables.get_table_client(table).list_entities()) == []
