"""A warehouse's site is a checked reference on both sides: the site must exist, in the warehouse's company, on
each side the warehouse is written to (422 naming the field, nothing written), and a site that a warehouse
names is not deleted (409 listing the warehouses, nothing deleted)."""

from __future__ import annotations

from typing import Any

import pytest
from azure.data.tables import TableServiceClient

from shared import jsonio
from shared.keys import guard_row_key
from tests.integration.storage import StorageRequests, policy
from tests.integration.support import Api, eventually, held, refused, rows, send
from tests.samples import sample

FS_WH = {"msdyn_company": "USMF", "msdyn_warehouseidentifier": "W1", "msdyn_operationalsite": "S1"}
SCM_WH = {"dataAreaId": "USMF", "WarehouseId": "W1", "OperationalSiteId": "S1"}
WAREHOUSE = {"fs": FS_WH, "scm": SCM_WH}
MISSING = {
    "fs": ("msdyn_operationalsite", "operational_site", "fs"),
    "scm": ("OperationalSiteId", "operational_site", "scm"),
}


def site(api: Api, ident: str, company: str = "USMF") -> None:
    answer = api.post("fs", "sites", sample("sites", "fs", ident, company=company))
    assert answer.status_code == 201, answer.text


def warehouses(tables: TableServiceClient) -> tuple[dict[str, Any], dict[str, Any]]:
    return rows(tables, "Warehouses", "FS"), rows(tables, "Warehouses", "SCM")


def sites(tables: TableServiceClient) -> tuple[set[str], set[str]]:
    return set(rows(tables, "Sites", "FS")), set(rows(tables, "Sites", "SCM"))


@pytest.mark.parametrize("source", ["fs", "scm"])
def test_a_site_neither_side_holds_is_422_naming_the_field_of_each_side(
    source: str, api: Api, tables: TableServiceClient
) -> None:
    answer = api.post(source, "warehouses", WAREHOUSE[source])
    assert answer.status_code == 422, answer.text
    details = answer.json()["error"]["details"]
    assert {(d["field"], d["rule"], d["side"]) for d in details} == {MISSING["fs"], MISSING["scm"]}
    scm = next(d for d in details if d["side"] == "scm")
    assert scm["message"] == "OperationalSiteId names site S1, which SCM does not hold in company USMF: " + (
        "create or sync the site first"
    )
    assert warehouses(tables) == ({}, {})


@pytest.mark.parametrize("source", ["fs", "scm"])
@pytest.mark.parametrize("holder", ["fs", "scm"])
def test_a_site_only_one_side_holds_is_422_for_the_other_side(
    source: str, holder: str, api: Api, tables: TableServiceClient
) -> None:
    """A site its system holds but the sync has not brought across yet (loaded by an import): the warehouse
    cannot be written to the side that lacks it, whichever side the warehouse comes from."""
    report = held(tables, "sites", holder, [sample("sites", holder, "S1")])
    assert report.loaded == 1
    lacking = "scm" if holder == "fs" else "fs"
    assert refused(api, source, WAREHOUSE[source], entity="warehouses") == {MISSING[lacking]}
    assert warehouses(tables) == ({}, {})


def test_the_site_must_be_of_the_warehouses_company(api: Api, tables: TableServiceClient) -> None:
    site(api, "S1", company="DEMF")
    assert refused(api, "scm", SCM_WH, entity="warehouses") == {MISSING["fs"], MISSING["scm"]}
    site(api, "S1")
    assert api.post("scm", "warehouses", SCM_WH).status_code == 201


def test_site_ids_compare_case_insensitively_and_keep_their_spelling(api: Api, tables: TableServiceClient) -> None:
    site(api, "SITE-A")
    answer = api.post("fs", "warehouses", {**FS_WH, "msdyn_operationalsite": " site-a "})
    assert answer.status_code == 201, answer.text
    assert answer.json()["scm"]["record"]["OperationalSiteId"] == "site-a"  # trimmed, as keys are


@pytest.mark.parametrize("side", ["fs", "scm"])
def test_a_site_a_warehouse_names_is_not_deleted_until_no_warehouse_names_it(
    side: str, api: Api, tables: TableServiceClient
) -> None:
    site(api, "S1")
    site(api, "S2")
    for ident in ("W1", "W2"):
        assert api.post("scm", "warehouses", {**SCM_WH, "WarehouseId": ident}).status_code == 201
    answer = api.delete(f"{side}/sites/USMF/s1")
    assert answer.status_code == 409, answer.text
    error = answer.json()["error"]
    assert error["code"] == "still_referenced"
    assert error["message"] == (
        "Site USMF/S1 is still named by warehouses W1, W2 (OperationalSiteId, msdyn_operationalsite) of company "
        "USMF; nothing was deleted"
    )
    assert sorted((d["entity"], d["side"], d["id"]) for d in error["details"]) == [
        ("warehouses", "fs", "W1"),
        ("warehouses", "fs", "W2"),
        ("warehouses", "scm", "W1"),
        ("warehouses", "scm", "W2"),
    ]
    assert sites(tables) == ({"USMF|S1", "USMF|S2"},) * 2
    # moved to another site, or deleted: S1 is named no more
    moved = api.post("scm", "warehouses", {**SCM_WH, "WarehouseId": "W1", "OperationalSiteId": "S2"})
    assert moved.status_code == 200, moved.text
    assert api.delete("fs/warehouses/USMF/W2").status_code == 200
    assert api.delete(f"{side}/sites/USMF/S1").status_code == 200
    assert sites(tables) == ({"USMF|S2"},) * 2
    assert api.delete(f"{side}/sites/USMF/S2").status_code == 409


def test_a_warehouse_only_scm_holds_keeps_its_site_too(api: Api, tables: TableServiceClient) -> None:
    """A warehouse SCM held before the sync (imported, not synced yet) names the site as much as a synced one."""
    site(api, "S1")
    assert held(tables, "warehouses", "scm", [SCM_WH]).loaded == 1
    answer = api.delete("fs/sites/USMF/S1")
    assert answer.status_code == 409, answer.text
    assert [(d["side"], d["id"]) for d in answer.json()["error"]["details"]] == [("scm", "W1")]


def test_a_refused_delete_from_a_queue_is_logged(api: Api, connection: str, tables: TableServiceClient) -> None:
    site(api, "S1")
    assert api.post("fs", "warehouses", FS_WH).status_code == 201
    send(connection, "scm-to-fs-sites", {"operation": "delete", "key": {"company": "USMF", "id": "S1"}})
    [entry] = eventually(lambda: list(tables.create_table_if_not_exists("SyncErrors").list_entities()))
    assert (entry["PartitionKey"], entry["Code"], entry["Direction"]) == ("sites", "still_referenced", "scm-to-fs")
    assert {(d["entity"], d["id"]) for d in jsonio.loads(entry["Reasons"])} == {("warehouses", "W1")}
    assert sites(tables) == ({"USMF|S1"},) * 2


def test_an_update_keeping_its_site_reads_no_guard(api: Api, tables: TableServiceClient) -> None:
    """Only a write that makes a warehouse name a site it did not name takes the company's guard."""
    site(api, "S1")
    assert api.post("fs", "warehouses", FS_WH).status_code == 201
    guard = tables.get_table_client("Warehouses").get_entity("FS", guard_row_key("USMF"))
    changed = api.post("fs", "warehouses", {**FS_WH, "msdyn_description": "renamed"})
    assert changed.status_code == 200 and changed.json()["status"] == "updated", changed.text
    assert (
        tables.get_table_client("Warehouses").get_entity("FS", guard_row_key("USMF")).metadata["etag"]
        == (guard.metadata["etag"])
    )


def test_what_the_reference_costs(api: Api, capsys: pytest.CaptureFixture[str]) -> None:
    """Requests to each table (printed): a warehouse's create reads its site (the lead row, then SCM's once
    the site's intent is confirmed) and the warehouses' guard; an update that keeps its site reads the site
    only; a site's delete reads the warehouses' guard, scans both sides for warehouses naming it, and rewrites
    the guard."""
    site(api, "S1")
    assert api.session.post(f"{api.base}/operations/recover").status_code == 200  # the site's intent confirmed
    counted = {table: StorageRequests(table) for table in ("Warehouses", "Sites")}
    with policy(counted["Warehouses"]), policy(counted["Sites"]):
        steps = {
            "warehouse create": lambda: api.post("fs", "warehouses", FS_WH),
            "warehouse update": lambda: api.post("fs", "warehouses", {**FS_WH, "msdyn_description": "v2"}),
            "warehouse delete": lambda: api.delete("fs/warehouses/USMF/W1"),
            "site delete": lambda: api.delete("fs/sites/USMF/S1"),
        }
        costs = {}
        for step, call in steps.items():
            assert call().status_code in (200, 201), step
            costs[step] = {table: counter.take() for table, counter in counted.items()}
    with capsys.disabled():
        print("\n  storage requests (total, writes) per table:", costs)
    assert costs == {
        "warehouse create": {"Warehouses": (5, 2), "Sites": (2, 0)},
        "warehouse update": {"Warehouses": (4, 2), "Sites": (2, 0)},
        "warehouse delete": {"Warehouses": (6, 2), "Sites": (0, 0)},
        "site delete": {"Warehouses": (4, 1), "Sites": (4, 2)},
    }
