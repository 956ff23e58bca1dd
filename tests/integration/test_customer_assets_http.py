"""Customer Assets over real HTTP: the map, the FS-only account, SCM's null date, parents and cycles, deletes."""

from __future__ import annotations

from functools import partial
from typing import Any

from azure.data.tables import TableServiceClient

from tests.integration import support
from tests.integration.support import Api, rows

E, TABLE = "customer-assets", "CustomerAssets"
FS_ASSET = {
    "msdyn_company": "USMF",
    "msdyn_maintenanceassetid": "PUMP-0001",
    "msdyn_name": "Feed pump 1",
    "msdyn_functionallocation": "PLANT-A",
    "msdyn_customerassetcategory": "Pump",
    "msdyn_serialid": "SN-778",
    "msdyn_notes": "Replace seals yearly",
    "msdyn_replacementdate": "2030-06-30",
    "msdyn_account": "Contoso Pharmaceuticals",
    "modifiedon": "2026-01-01T10:00:00Z",
}
SCM_ASSET = {
    "dataAreaId": "USMF",
    "MaintenanceAssetId": "PUMP-0001",
    "Name": "Feed pump 1",
    "FunctionalLocationId": "PLANT-A",
    "MaintenanceAssetTypeId": "Pump",
    "SerialId": "SN-778",
    "Notes": "Replace seals yearly",
    "ReplacementDate": "2030-06-30",
    "ModifiedDateTime": "2026-01-01T10:00:00Z",
}
NULL_DATES = {  # F&O's empty date, where FS has none
    name: "1900-01-01" for name in ("AcquisitionDate", "ActiveFrom", "ActiveTo", "WarrantyDateFromVend")
}


def both(tables: TableServiceClient) -> tuple[dict[str, Any], dict[str, Any]]:
    return rows(tables, TABLE, "FS"), rows(tables, TABLE, "SCM")


def asset(ident: str, parent: str | None = None, company: str = "USMF", **fields: Any) -> dict[str, Any]:
    return {
        "dataAreaId": company,
        "MaintenanceAssetId": ident,
        "Name": ident,
        "ParentMaintenanceAssetId": parent,
        "MaintenanceAssetTypeId": "LINE",
        **fields,
    }


post_ok = partial(support.post_ok, entity=E)
refused = partial(support.refused, entity=E)


def test_fs_create_writes_both_sides(api: Api, tables: TableServiceClient) -> None:
    body = post_ok(api, "fs", FS_ASSET)
    assert body["status"] == "created"
    assert body["scm"]["record"] == {**NULL_DATES, **SCM_ASSET}
    fs, scm = both(tables)
    assert fs["USMF|PUMP-0001"]["msdyn_account"] == "Contoso Pharmaceuticals"
    assert "msdyn_account" not in str(scm)


def test_scm_create_writes_both_sides(api: Api) -> None:
    body = post_ok(api, "scm", SCM_ASSET)
    assert body["fs"]["record"] == {k: v for k, v in FS_ASSET.items() if k != "msdyn_account"}


def test_the_fs_only_account_is_kept_when_scm_updates(api: Api, tables: TableServiceClient) -> None:
    post_ok(api, "fs", FS_ASSET)
    update = {**SCM_ASSET, "Name": "Feed pump 1 (rebuilt)", "ModifiedDateTime": "2026-01-02T10:00:00Z"}
    body = post_ok(api, "scm", update)
    assert body["status"] == "updated"
    assert body["fs"]["record"]["msdyn_account"] == "Contoso Pharmaceuticals"
    stored = both(tables)[0]["USMF|PUMP-0001"]
    assert stored["msdyn_account"] == "Contoso Pharmaceuticals"
    assert stored["msdyn_name"] == "Feed pump 1 (rebuilt)"
    # and FS may change the account alone: SCM is not written
    scm_etag = tables.get_table_client(TABLE).get_entity("SCM", "USMF|PUMP-0001").metadata["etag"]
    account_only = {"msdyn_company": "USMF", "msdyn_maintenanceassetid": "PUMP-0001", "msdyn_account": "Fabrikam"}
    post_ok(api, "fs", {**account_only, "modifiedon": "2026-01-03T10:00:00Z"})  # a partial update
    assert tables.get_table_client(TABLE).get_entity("SCM", "USMF|PUMP-0001").metadata["etag"] == scm_etag
    assert both(tables)[0]["USMF|PUMP-0001"]["msdyn_account"] == "Fabrikam"


def test_the_template_fields_cross_both_ways(api: Api) -> None:
    fs_fields = {
        "msdyn_assetlifecyclestate": "Active",
        "msdyn_model": "M-200",
        "msdyn_manufacturer": "Contoso",
        "msdyn_warranty": "W-3Y",
        "msdyn_modelyear": "2019",
        "msdyn_acquisitioncost": 12500.5,
        "msdyn_acquisitiondate": "2024-02-29",
        "msdyn_activefrom": "2024-03-01",
        "msdyn_replacementvalue": 15000,
        "msdyn_warrantydatefromvend": "2027-02-28",
        "msdyn_purchaseorderid": "PO-000123",
        "msdyn_vendaccount": "V-1001",
        "msdyn_wrkctrid": "WC-10",
        "msdyn_fixedassetid": "FA-0042",
    }
    scm_fields = {
        "MaintenanceAssetLifecycleStateId": "Active",
        "ModelId": "M-200",
        "ProductId": "Contoso",
        "WarrantyId": "W-3Y",
        "ModelYear": "2019",
        "AcquisitionCost": 12500.5,
        "AcquisitionDate": "2024-02-29",
        "ActiveFrom": "2024-03-01",
        "ActiveTo": "1900-01-01",
        "ReplacementValue": 15000,
        "WarrantyDateFromVend": "2027-02-28",
        "PurchaseOrderId": "PO-000123",
        "VendAccount": "V-1001",
        "WrkCtrId": "WC-10",
        "FixedAssetId": "FA-0042",
    }
    assert post_ok(api, "fs", {**FS_ASSET, **fs_fields})["scm"]["record"] == {**SCM_ASSET, **scm_fields}
    back = post_ok(api, "scm", {**SCM_ASSET, **scm_fields, "MaintenanceAssetId": "P2", "ModelProductId": "Contoso"})
    assert back["fs"]["record"] == {
        **{k: v for k, v in FS_ASSET.items() if k != "msdyn_account"},
        **fs_fields,
        "msdyn_maintenanceassetid": "P2",
    }


def test_422_an_asset_from_fs_without_a_category_fails_with_scms_reason(api: Api, tables: TableServiceClient) -> None:
    for category in ({}, {"msdyn_customerassetcategory": None}, {"msdyn_customerassetcategory": " "}):
        body = {**{k: v for k, v in FS_ASSET.items() if k != "msdyn_customerassetcategory"}, **category}
        answer = api.post("fs", E, body)
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"]["details"] == [
            {
                "field": "MaintenanceAssetTypeId",
                "rule": "required",
                "side": "scm",
                "message": "SCM (MaintenanceAsset) requires a value for MaintenanceAssetTypeId",
            }
        ]
    assert refused(api, "scm", {**SCM_ASSET, "MaintenanceAssetTypeId": None}) == {
        ("MaintenanceAssetTypeId", "required", "scm")
    }
    assert both(tables) == ({}, {})


def test_scm_null_date_is_fs_empty(api: Api, tables: TableServiceClient) -> None:
    post_ok(api, "fs", {**FS_ASSET, "msdyn_replacementdate": None})
    fs, scm = both(tables)
    assert scm["USMF|PUMP-0001"]["ReplacementDate"] == "1900-01-01"
    assert "msdyn_replacementdate" not in fs["USMF|PUMP-0001"]
    post_ok(api, "scm", {**SCM_ASSET, "MaintenanceAssetId": "P2", "ReplacementDate": "1900-01-01T00:00:00Z"})
    fs, scm = both(tables)
    assert "msdyn_replacementdate" not in fs["USMF|P2"]
    assert scm["USMF|P2"]["ReplacementDate"] == "1900-01-01"
    # SCM echoing its null date back is no change
    echo = {**SCM_ASSET, "ReplacementDate": "1900-01-01", "ModifiedDateTime": "2026-01-05T00:00:00Z"}
    assert post_ok(api, "scm", echo)["status"] == "unchanged"


def test_422_field_rules(api: Api, tables: TableServiceClient) -> None:
    assert refused(api, "fs", {**FS_ASSET, "msdyn_name": " "}) == {("msdyn_name", "required", "fs")}
    assert refused(api, "scm", {**SCM_ASSET, "Name": "x" * 101}) == {("Name", "max_length", "scm")}
    assert refused(api, "fs", {**FS_ASSET, "msdyn_maintenanceassetid": "A" * 21}) == {
        ("msdyn_maintenanceassetid", "max_length", "fs")
    }
    assert refused(api, "fs", {**FS_ASSET, "msdyn_replacementdate": "1900-01-01"}) == {
        ("msdyn_replacementdate", "not_null_date", "fs")
    }
    assert refused(api, "scm", {**SCM_ASSET, "ReplacementDate": "someday"}) == {("ReplacementDate", "type", "scm")}
    assert both(tables) == ({}, {})


def test_422_the_parent_must_exist_in_the_same_company(api: Api, tables: TableServiceClient) -> None:
    post_ok(api, "scm", asset("LINE-01"))
    post_ok(api, "scm", asset("LINE-09", company="DEMF"))
    assert refused(api, "fs", {**FS_ASSET, "msdyn_parentasset": "NOPE"}) == {
        ("ParentMaintenanceAssetId", "parent_exists", "scm")
    }
    assert refused(api, "fs", {**FS_ASSET, "msdyn_parentasset": "LINE-09"}) == {
        ("ParentMaintenanceAssetId", "parent_exists", "scm")
    }
    assert "USMF|PUMP-0001" not in both(tables)[1]
    body = post_ok(api, "fs", {**FS_ASSET, "msdyn_parentasset": "line-01"})  # ids compare case-insensitively
    assert body["scm"]["record"]["ParentMaintenanceAssetId"] == "line-01"
    assert (
        post_ok(api, "fs", {**FS_ASSET, "msdyn_maintenanceassetid": "P3", "msdyn_parentasset": ""})["status"]
        == "created"
    )


def test_422_no_asset_becomes_its_own_ancestor(api: Api, tables: TableServiceClient) -> None:
    post_ok(api, "scm", asset("A"))
    post_ok(api, "scm", asset("B", "A"))
    post_ok(api, "scm", asset("C", "b"))
    before = both(tables)
    assert refused(api, "scm", asset("A", "C")) == {("ParentMaintenanceAssetId", "no_cycle", "scm")}
    from_fs = {**FS_ASSET, "msdyn_maintenanceassetid": "a", "msdyn_parentasset": "c", "modifiedon": None}  # now
    assert refused(api, "fs", from_fs) == {("ParentMaintenanceAssetId", "no_cycle", "scm")}
    assert refused(api, "scm", asset("D", "d")) == {("ParentMaintenanceAssetId", "no_cycle", "scm")}  # own parent
    assert both(tables) == before
    # moving a subtree elsewhere is fine
    post_ok(api, "scm", asset("E"))
    assert post_ok(api, "scm", asset("B", "E"))["status"] == "updated"


def test_422_a_loop_already_in_storage_is_refused_not_followed_forever(api: Api, tables: TableServiceClient) -> None:
    post_ok(api, "scm", asset("X"))
    post_ok(api, "scm", asset("Y", "X"))
    assert api.session.post(f"{api.base}/operations/recover").status_code == 200  # intents confirmed, cleared
    # corrupt data written behind the sync's back, on both sides: X -> Y -> X
    client = tables.get_table_client(TABLE)
    for partition, field in (("FS", "msdyn_parentasset"), ("SCM", "ParentMaintenanceAssetId")):
        row = client.get_entity(partition, "USMF|X")
        row[field] = "Y"
        client.update_entity(row)
    answer = api.post("scm", E, asset("Z", "Y"))
    assert answer.status_code == 422, answer.text
    [detail] = answer.json()["error"]["details"]
    assert detail["rule"] == "no_cycle" and "loops" in detail["message"]


def test_409_an_asset_with_children_is_not_deleted(api: Api, tables: TableServiceClient) -> None:
    post_ok(api, "scm", asset("ROOT"))
    post_ok(api, "scm", asset("KID-2", "root"))
    post_ok(api, "fs", {**FS_ASSET, "msdyn_maintenanceassetid": "KID-1", "msdyn_parentasset": "ROOT"})
    before = both(tables)
    answer = api.delete(f"scm/{E}/usmf/root")
    assert answer.status_code == 409, answer.text
    error = answer.json()["error"]
    assert error["code"] == "still_referenced"
    assert [(d["company"], d["id"]) for d in error["details"]] == [("USMF", "KID-1"), ("USMF", "KID-2")]
    assert both(tables) == before
    assert api.delete(f"fs/{E}/USMF/KID-1").status_code == 200
    post_ok(api, "scm", asset("KID-2", None))  # stamped with its arrival: newer than the stored version
    assert api.delete(f"fs/{E}/USMF/ROOT").status_code == 200
    fs, scm = both(tables)
    assert set(fs) == set(scm) == {"USMF|KID-2"}
