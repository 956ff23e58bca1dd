"""Warehouses over real HTTP: the map, SCM's required site, the references between warehouses, and deletes."""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest
from azure.data.tables import TableServiceClient

from tests.integration import support
from tests.integration.support import Api, rows

pytestmark = pytest.mark.usefixtures("prerequisites")  # a warehouse's site, created first

E, TABLE = "warehouses", "Warehouses"
FS_WH = {
    "msdyn_company": "USMF",
    "msdyn_warehouseidentifier": "WH-11",
    "msdyn_description": "Main warehouse",
    "msdyn_operationalsite": "1",
    "msdyn_warehousetype": 192350003,
    "msdyn_primaryaddresscity": "Chicago",
    "msdyn_primaryaddressstreet": "Coffee Street",
    "msdyn_primaryaddressstreetnumber": "123",
    "msdyn_primaryaddressstateid": "IL",
    "msdyn_primaryaddresszipcode": "60601",
    "msdyn_primaryaddresscountryregionid": "USA",
    "msdyn_primaryaddresslatitude": 41.8781,
    "msdyn_primaryaddresslongitude": -87.6298,
    "msdyn_useadvancedwarehousemanagementprocesses": True,
    "msdyn_isprimaryaddressassigned": True,
    "msdyn_isfallbackwarehouse": False,
    "modifiedon": "2026-01-01T10:00:00Z",
}
SCM_WH = {
    "dataAreaId": "USMF",
    "WarehouseId": "WH-11",
    "WarehouseName": "Main warehouse",
    "OperationalSiteId": "1",
    "WarehouseType": "Standard",
    "PrimaryAddressCity": "Chicago",
    "PrimaryAddressStreet": "Coffee Street",
    "PrimaryAddressStreetNumber": "123",
    "PrimaryAddressStateId": "IL",
    "PrimaryAddressZipCode": "60601",
    "PrimaryAddressCountryRegionId": "USA",
    "PrimaryAddressLatitude": 41.8781,
    "PrimaryAddressLongitude": -87.6298,
    "AreAdvancedWarehouseManagementProcessesEnabled": "Yes",
    "IsPrimaryAddressAssigned": "Yes",
    "IsFallbackWarehouse": "No",
    "ModifiedDateTime": "2026-01-01T10:00:00Z",
}


def both(tables: TableServiceClient) -> tuple[dict[str, Any], dict[str, Any]]:
    return rows(tables, TABLE, "FS"), rows(tables, TABLE, "SCM")


def scm_wh(ident: str, kind: str = "Standard", company: str = "USMF", **fields: Any) -> dict[str, Any]:
    return {"dataAreaId": company, "WarehouseId": ident, "OperationalSiteId": "1", "WarehouseType": kind, **fields}


post_ok = partial(support.post_ok, entity=E)
refused = partial(support.refused, entity=E)


def test_fs_create_writes_both_sides_and_fills_the_fs_name(api: Api, tables: TableServiceClient) -> None:
    body = post_ok(api, "fs", FS_WH)
    assert body["status"] == "created"
    assert body["scm"]["record"] == SCM_WH
    assert body["fs"]["record"] == {**FS_WH, "msdyn_name": "WH-11"}
    fs, scm = both(tables)
    assert fs["USMF|WH-11"]["msdyn_name"] == "WH-11"
    assert scm["USMF|WH-11"]["AreAdvancedWarehouseManagementProcessesEnabled"] == "Yes"
    assert scm["USMF|WH-11"]["PrimaryAddressLatitude"] == 41.8781


def test_scm_create_fills_the_fs_name_from_the_id(api: Api, tables: TableServiceClient) -> None:
    body = post_ok(api, "scm", {**SCM_WH, "WarehouseType": "Transit"})
    assert body["fs"]["record"] == {**FS_WH, "msdyn_name": "WH-11", "msdyn_warehousetype": 192350001}
    fs, _ = both(tables)
    assert fs["USMF|WH-11"]["msdyn_name"] == "WH-11"
    assert fs["USMF|WH-11"]["msdyn_useadvancedwarehousemanagementprocesses"] is True


def test_a_name_sent_by_fs_is_replaced_by_the_id(api: Api) -> None:
    body = post_ok(api, "fs", {**FS_WH, "msdyn_name": "Chicago main"})
    assert body["fs"]["record"]["msdyn_name"] == "WH-11"


@pytest.mark.parametrize(
    ("option", "name"),
    [
        (192350000, "GoodsInRoute_RU"),
        (192350001, "Transit"),
        (192350002, "Quarantine"),
        (192350003, "Standard"),
        (192350004, "ITMGIT"),
        (192350005, "ITMUnder"),
    ],
)
def test_warehouse_type_both_ways(api: Api, option: int, name: str) -> None:
    assert post_ok(api, "fs", {**FS_WH, "msdyn_warehousetype": option})["scm"]["record"]["WarehouseType"] == name
    other = post_ok(api, "scm", {**SCM_WH, "WarehouseId": "WH-12", "WarehouseType": name.lower()})
    assert other["fs"]["record"]["msdyn_warehousetype"] == option
    assert other["scm"]["record"]["WarehouseType"] == name  # written in its canonical spelling


def test_zero_zero_from_scm_is_no_position_and_no_near_neighbour(api: Api, tables: TableServiceClient) -> None:
    body = post_ok(api, "scm", {**SCM_WH, "PrimaryAddressLatitude": 0, "PrimaryAddressLongitude": 0})
    assert "msdyn_primaryaddresslatitude" not in body["fs"]["record"]
    fs, scm = both(tables)
    assert "msdyn_primaryaddresslatitude" not in fs["USMF|WH-11"] and "PrimaryAddressLatitude" not in scm["USMF|WH-11"]
    post_ok(api, "scm", {**SCM_WH, "WarehouseId": "EQ-1", "PrimaryAddressLatitude": 0, "PrimaryAddressLongitude": 0.5})
    for side in ("fs", "scm"):
        answer = api.get(f"{side}/{E}", company="USMF", near="0,0", radius_km="100")
        assert answer.status_code == 200, answer.text
        assert [item["key"]["id"] for item in answer.json()["items"]] == ["EQ-1"]  # on the equator: a position


def test_422_fs_warehouse_without_a_site_fails_with_scms_reason(api: Api, tables: TableServiceClient) -> None:
    for site in ({}, {"msdyn_operationalsite": None}, {"msdyn_operationalsite": ""}):
        body = {**{k: v for k, v in FS_WH.items() if k != "msdyn_operationalsite"}, **site}
        answer = api.post("fs", E, body)
        assert answer.status_code == 422, answer.text
        [detail] = answer.json()["error"]["details"]
        assert detail == {
            "field": "OperationalSiteId",
            "rule": "required",
            "side": "scm",
            "message": "SCM (InventWarehouseEntity) requires a value for OperationalSiteId",
        }
    assert both(tables) == ({}, {})


def test_422_an_update_cannot_remove_the_site(api: Api, tables: TableServiceClient) -> None:
    post_ok(api, "fs", FS_WH)
    before = both(tables)
    assert refused(api, "fs", {**FS_WH, "msdyn_operationalsite": None, "modifiedon": "2026-01-02T00:00:00Z"}) == {
        ("OperationalSiteId", "required", "scm")
    }
    assert both(tables) == before


@pytest.mark.parametrize(
    ("side", "body", "failure"),
    [
        pytest.param(
            "fs", {**FS_WH, "msdyn_warehouseidentifier": "ELEVENCHARS"}, "msdyn_warehouseidentifier", id="key"
        ),
        pytest.param("scm", {**SCM_WH, "WarehouseId": "ELEVENCHARS"}, "WarehouseId", id="scm-key"),
        pytest.param("fs", {**FS_WH, "msdyn_description": "x" * 61}, "WarehouseName", id="name-60"),
        pytest.param("fs", {**FS_WH, "msdyn_description": "x" * 2001}, "msdyn_description", id="memo-2000"),
        pytest.param("fs", {**FS_WH, "msdyn_operationalsite": "SITE-12345X"}, "msdyn_operationalsite", id="site-10"),
        pytest.param("fs", {**FS_WH, "msdyn_primaryaddresslatitude": 90.01}, "msdyn_primaryaddresslatitude", id="lat"),
        pytest.param("scm", {**SCM_WH, "PrimaryAddressLatitude": -90.01}, "PrimaryAddressLatitude", id="scm-lat"),
        pytest.param(
            "fs", {**FS_WH, "msdyn_primaryaddresslongitude": -180.5}, "msdyn_primaryaddresslongitude", id="lon"
        ),
        pytest.param("scm", {**SCM_WH, "PrimaryAddressLongitude": 181}, "PrimaryAddressLongitude", id="scm-lon"),
        pytest.param("fs", {**FS_WH, "msdyn_warehousetype": 192350009}, "msdyn_warehousetype", id="type-option"),
        pytest.param("scm", {**SCM_WH, "WarehouseType": "Bonded"}, "WarehouseType", id="type-enum"),
        pytest.param(
            "scm",
            {**SCM_WH, "AreAdvancedWarehouseManagementProcessesEnabled": "Maybe"},
            "AreAdvancedWarehouseManagementProcessesEnabled",
            id="yes-no",
        ),
        pytest.param("fs", {**FS_WH, "msdyn_primaryaddresszipcode": "x" * 11}, "PrimaryAddressZipCode", id="zip"),
        pytest.param("fs", {**FS_WH, "msdyn_primaryaddressstateid": "x" * 11}, "PrimaryAddressStateId", id="state"),
        pytest.param("fs", {**FS_WH, "msdyn_isfallbackwarehouse": 1}, "msdyn_isfallbackwarehouse", id="flag-bool"),
        pytest.param("fs", {**FS_WH, "msdyn_warehousetype": 192350000.0}, "msdyn_warehousetype", id="option-float"),
    ],
)
def test_422_field_rules(api: Api, tables: TableServiceClient, side: str, body: dict[str, Any], failure: str) -> None:
    assert failure in {field for field, _, _ in refused(api, side, body)}
    assert both(tables) == ({}, {})


def test_references_must_exist_in_the_same_company_with_the_right_type(api: Api, tables: TableServiceClient) -> None:
    post_ok(api, "scm", scm_wh("Q1", "Quarantine"))
    post_ok(api, "scm", scm_wh("T1", "Transit"))
    post_ok(api, "scm", scm_wh("S1"))
    support.prepare(api, E, "DEMF")  # the warehouse's site, in its company
    post_ok(api, "scm", scm_wh("Q9", "Quarantine", company="DEMF"))
    cases = {
        "QuarantineWarehouseId": [
            ("NOPE", "quarantine_warehouse"),
            ("S1", "quarantine_warehouse"),
            ("Q9", "quarantine_warehouse"),
        ],
        "TransitWarehouseId": [("Q1", "transit_warehouse"), ("NOPE", "transit_warehouse")],
        "MainRefillingWarehouseId": [("NOPE", "main_refilling_warehouse"), ("W1", "main_refilling_warehouse")],
    }
    for field, wrong in cases.items():
        for value, rule in wrong:
            assert refused(api, "scm", scm_wh("W1", **{field: value})) == {(field, rule, "scm")}, (field, value)
    assert "USMF|W1" not in both(tables)[1]
    # ids compare case-insensitively; the reference keeps the spelling it was given
    created = post_ok(
        api,
        "fs",
        {
            **FS_WH,
            "msdyn_quarantinewarehouse": "q1",
            "msdyn_transitwarehouse": "t1",
            "msdyn_mainrefillingwarehouse": "s1",
        },
    )
    assert created["scm"]["record"]["QuarantineWarehouseId"] == "q1"
    assert created["scm"]["record"]["MainRefillingWarehouseId"] == "s1"


def test_422_reference_rules_from_fs_say_which_side(api: Api) -> None:
    post_ok(api, "scm", scm_wh("S1"))
    answer = api.post("fs", E, {**FS_WH, "msdyn_quarantinewarehouse": "S1", "msdyn_transitwarehouse": "NONE"})
    details = answer.json()["error"]["details"]
    assert {(d["field"], d["rule"], d["side"]) for d in details} == {
        ("QuarantineWarehouseId", "quarantine_warehouse", "scm"),
        ("TransitWarehouseId", "transit_warehouse", "scm"),
    }
    assert all("S1" in d["message"] or "NONE" in d["message"] for d in details)


def test_a_warehouse_naming_itself_is_judged_by_its_own_new_type(api: Api) -> None:
    # a quarantine warehouse that quarantines into itself, created in one go
    assert post_ok(api, "fs", {**FS_WH, "msdyn_warehousetype": 192350002, "msdyn_quarantinewarehouse": "wh-11"})
    # the stored record is of type Quarantine, but this change makes it Standard: refused
    change = {
        **FS_WH,
        "msdyn_warehousetype": 192350003,
        "msdyn_quarantinewarehouse": "WH-11",
        "modifiedon": "2026-01-02T00:00:00Z",
    }
    assert refused(api, "fs", change) == {("QuarantineWarehouseId", "quarantine_warehouse", "scm")}
    # a new Standard warehouse naming itself is refused although it is stored nowhere yet
    assert refused(api, "scm", scm_wh("W2", QuarantineWarehouseId="W2")) == {
        ("QuarantineWarehouseId", "quarantine_warehouse", "scm")
    }
    # a transit warehouse naming itself as its transit warehouse is fine
    assert post_ok(api, "scm", scm_wh("T2", "Transit", TransitWarehouseId="t2"))["status"] == "created"


def test_empty_references_name_nothing(api: Api, tables: TableServiceClient) -> None:
    body = post_ok(
        api,
        "fs",
        {
            **FS_WH,
            "msdyn_quarantinewarehouse": "",
            "msdyn_transitwarehouse": "  ",
            "msdyn_mainrefillingwarehouse": None,
        },
    )
    assert not {"QuarantineWarehouseId", "TransitWarehouseId", "MainRefillingWarehouseId"} & set(body["scm"]["record"])
    _, scm = both(tables)
    assert "QuarantineWarehouseId" not in scm["USMF|WH-11"]


def test_422_a_quarantine_warehouse_in_use_keeps_its_type(api: Api, tables: TableServiceClient) -> None:
    post_ok(api, "scm", scm_wh("Q1", "Quarantine"))
    post_ok(api, "scm", scm_wh("W1", QuarantineWarehouseId="Q1"))
    assert refused(api, "scm", scm_wh("Q1", "Standard")) == {("WarehouseType", "stays_quarantine", "scm")}
    assert both(tables)[1]["USMF|Q1"]["WarehouseType"] == "Quarantine"


def test_409_a_warehouse_still_named_by_others_is_not_deleted(api: Api, tables: TableServiceClient) -> None:
    post_ok(api, "scm", scm_wh("Q1", "Quarantine"))
    post_ok(api, "scm", scm_wh("R1"))
    post_ok(api, "scm", scm_wh("W1", QuarantineWarehouseId="q1", MainRefillingWarehouseId="R1"))
    post_ok(api, "scm", scm_wh("W2", QuarantineWarehouseId="Q1"))
    support.prepare(api, E, "DEMF")  # the warehouse's site, in its company
    post_ok(api, "scm", scm_wh("Q1", "Quarantine", company="DEMF"))
    before = both(tables)
    answer = api.delete(f"fs/{E}/USMF/Q1")
    assert answer.status_code == 409, answer.text
    error = answer.json()["error"]
    assert error["code"] == "still_referenced"
    assert [(d["company"], d["id"]) for d in error["details"]] == [("USMF", "W1"), ("USMF", "W2")]
    assert [d["id"] for d in api.delete(f"scm/{E}/usmf/r1").json()["error"]["details"]] == ["W1"]
    assert both(tables) == before
    # once nobody names it any more, it goes
    assert api.delete(f"scm/{E}/USMF/W2").status_code == 200
    post_ok(api, "fs", {"msdyn_company": "USMF", "msdyn_warehouseidentifier": "W1", "msdyn_quarantinewarehouse": ""})
    assert api.delete(f"fs/{E}/USMF/Q1").status_code == 200
    fs, scm = both(tables)
    assert "USMF|Q1" not in fs and "USMF|Q1" not in scm
    assert "DEMF|Q1" in scm  # the other company's Q1 was never in question
