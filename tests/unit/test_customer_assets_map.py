"""The Customer Asset map: golden cases both ways, the null date, the FS-only account, every field rule."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.entities.customer_assets import SPEC
from shared.sync.translate import translate
from tests.unit import golden

T0 = "2026-03-01T12:30:00Z"
FS_FULL = {
    "msdyn_company": "USMF",
    "modifiedon": T0,
    "msdyn_maintenanceassetid": "PUMP-0001",
    "msdyn_name": "Feed pump 1",
    "msdyn_parentasset": "LINE-01",
    "msdyn_functionallocation": "PLANT-A",
    "msdyn_customerassetcategory": "Pump",
    "msdyn_serialid": "SN-778",
    "msdyn_notes": "Replace seals yearly",
    "msdyn_replacementdate": "2030-06-30",
}
SCM_FULL = {
    "dataAreaId": "USMF",
    "ModifiedDateTime": T0,
    "MaintenanceAssetId": "PUMP-0001",
    "Name": "Feed pump 1",
    "ParentMaintenanceAssetId": "LINE-01",
    "FunctionalLocationId": "PLANT-A",
    "MaintenanceAssetTypeId": "Pump",
    "SerialId": "SN-778",
    "Notes": "Replace seals yearly",
    "ReplacementDate": "2030-06-30",
}
NULL_DATES = {
    name: "1900-01-01"
    for name in ("AcquisitionDate", "ActiveFrom", "ActiveTo", "ReplacementDate", "WarrantyDateFromVend")
}
FS_OK = {
    "msdyn_company": "USMF",
    "msdyn_maintenanceassetid": "A-1",
    "msdyn_name": "Asset",
    "msdyn_customerassetcategory": "PUMP",
}
SCM_OK = {"dataAreaId": "USMF", "MaintenanceAssetId": "A-1", "Name": "Asset", "MaintenanceAssetTypeId": "PUMP"}
BASES: Any = {"fs": FS_OK, "scm": SCM_OK}
DATES = [
    ("msdyn_acquisitiondate", "AcquisitionDate"),
    ("msdyn_activefrom", "ActiveFrom"),
    ("msdyn_activeto", "ActiveTo"),
    ("msdyn_replacementdate", "ReplacementDate"),
    ("msdyn_warrantydatefromvend", "WarrantyDateFromVend"),
]

# The template "Asset management assets (msdyn_customerassets)", field by field
GOLDEN: list[golden.Row] = [
    ("msdyn_maintenanceassetid", "PUMP-0001", "MaintenanceAssetId", "PUMP-0001"),
    ("msdyn_name", "Feed pump 1", "Name", "Feed pump 1"),
    ("msdyn_parentasset", "LINE-01", "ParentMaintenanceAssetId", "LINE-01"),
    ("msdyn_functionallocation", "PLANT-A", "FunctionalLocationId", "PLANT-A"),
    ("msdyn_customerassetcategory", "Pump", "MaintenanceAssetTypeId", "Pump"),
    ("msdyn_assetlifecyclestate", "Active", "MaintenanceAssetLifecycleStateId", "Active"),
    ("msdyn_model", "M-200", "ModelId", "M-200"),
    ("msdyn_manufacturer", "Contoso", "ProductId", "Contoso"),
    ("msdyn_warranty", "W-3Y", "WarrantyId", "W-3Y"),
    ("msdyn_modelyear", "2019", "ModelYear", "2019"),
    ("msdyn_serialid", "SN-778", "SerialId", "SN-778"),
    ("msdyn_notes", "Replace seals yearly", "Notes", "Replace seals yearly"),
    ("msdyn_acquisitioncost", 12500.5, "AcquisitionCost", 12500.5),
    ("msdyn_replacementvalue", 15000, "ReplacementValue", 15000),
    ("msdyn_purchaseorderid", "PO-000123", "PurchaseOrderId", "PO-000123"),
    ("msdyn_vendaccount", "V-1001", "VendAccount", "V-1001"),
    ("msdyn_wrkctrid", "WC-10", "WrkCtrId", "WC-10"),
    ("msdyn_fixedassetid", "FA-0042", "FixedAssetId", "FA-0042"),
    *((fs, "2030-06-30", scm, "2030-06-30") for fs, scm in DATES),
    *((fs, None, scm, "1900-01-01") for fs, scm in DATES),  # F&O's empty date
]


@pytest.mark.parametrize(("fs_field", "fs_value", "scm_field", "scm_value"), golden.params(GOLDEN))
def test_golden_field(fs_field: str, fs_value: Any, scm_field: str, scm_value: Any) -> None:
    golden.assert_both_ways(SPEC, BASES, (fs_field, fs_value, scm_field, scm_value))


def test_every_field_has_a_golden_row() -> None:
    assert golden.uncovered(SPEC, GOLDEN) == set()


def test_the_models_manufacturer_stays_in_scm_when_fs_updates() -> None:
    stored_scm = {**SCM_OK, "ModelId": "M-200", "ModelProductId": "Contoso"}
    records, failures = translate(SPEC, "fs", {**FS_OK, "msdyn_model": "M-300"}, stored_scm)
    assert failures == []
    assert records["scm"]["ModelProductId"] == "Contoso" and records["scm"]["ModelId"] == "M-300"
    assert "ModelProductId" not in str(records["fs"])


def _set(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if v is not None}


@pytest.mark.parametrize(
    ("source", "record", "expected"),
    [
        pytest.param("fs", FS_FULL, {**NULL_DATES, **SCM_FULL}, id="fs-full"),
        pytest.param("scm", SCM_FULL, FS_FULL, id="scm-full"),
        pytest.param("fs", FS_OK, {**SCM_OK, **NULL_DATES}, id="fs-no-date-is-scm-null-date"),
        pytest.param("scm", {**SCM_OK, "ReplacementDate": "1900-01-01"}, FS_OK, id="scm-null-date-is-fs-empty"),
        pytest.param("scm", SCM_OK, FS_OK, id="scm-no-date"),
        pytest.param(
            "scm",
            {**SCM_OK, "ReplacementDate": "1900-01-01T00:00:00Z"},
            FS_OK,
            id="scm-null-date-as-odata-time",
        ),
        pytest.param(
            "fs",
            {**FS_OK, "msdyn_replacementdate": "/Date(1908748800000)/"},
            {**SCM_OK, **NULL_DATES, "ReplacementDate": "2030-06-27"},
            id="fs-wcf-date",
        ),
        pytest.param(
            "fs",
            {**FS_OK, "msdyn_account": "Contoso", "msdyn_parentasset": ""},
            {**SCM_OK, **NULL_DATES},
            id="fs-account-stays-in-fs",
        ),
    ],
)
def test_golden_map(source: str, record: dict[str, Any], expected: dict[str, Any]) -> None:
    records, failures = translate(SPEC, source, record)  # type: ignore[arg-type]
    assert failures == []
    target = "scm" if source == "fs" else "fs"
    assert _set(records[target]) == expected


def test_scm_update_keeps_the_fs_only_account() -> None:
    stored_fs = {**FS_OK, "msdyn_account": "Contoso"}
    records, failures = translate(SPEC, "scm", {**SCM_OK, "Name": "Renamed"}, stored_fs)
    assert failures == []
    assert records["fs"]["msdyn_account"] == "Contoso"
    assert records["fs"]["msdyn_name"] == "Renamed"


def _failures(source: str, record: dict[str, Any]) -> set[tuple[str, str, str]]:
    records, failures = translate(SPEC, source, record)  # type: ignore[arg-type]
    assert failures and records == {}
    return {(f.field, f.rule, f.side) for f in failures}


@pytest.mark.parametrize(
    ("source", "record", "expected"),
    [
        pytest.param("fs", {**FS_OK, "msdyn_name": ""}, {("msdyn_name", "required", "fs")}, id="name-blank"),
        pytest.param("scm", {**SCM_OK, "Name": None}, {("Name", "required", "scm")}, id="scm-name-null"),
        pytest.param(
            "fs",
            {k: v for k, v in FS_OK.items() if k != "msdyn_name"},
            {("msdyn_name", "required", "fs")},
            id="no-name",
        ),
        pytest.param("fs", {**FS_OK, "msdyn_name": "x" * 101}, {("msdyn_name", "max_length", "fs")}, id="name-100"),
        pytest.param(
            "fs",
            {**FS_OK, "msdyn_maintenanceassetid": "x" * 21},
            {("msdyn_maintenanceassetid", "max_length", "fs")},
            id="id-20",
        ),
        pytest.param(
            "scm", {**SCM_OK, "MaintenanceAssetId": ""}, {("MaintenanceAssetId", "min_length", "scm")}, id="id-empty"
        ),
        pytest.param(
            "fs",
            {**FS_OK, "msdyn_parentasset": "x" * 21},
            {("msdyn_parentasset", "max_length", "fs")},
            id="parent-20",
        ),
        pytest.param(
            "fs",
            {**FS_OK, "msdyn_replacementdate": "1900-01-01"},
            {("msdyn_replacementdate", "not_null_date", "fs")},
            id="fs-1900-is-refused",
        ),
        pytest.param(
            "fs",
            {**FS_OK, "msdyn_replacementdate": "soon"},
            {("msdyn_replacementdate", "type", "fs")},
            id="fs-date-text",
        ),
        pytest.param(
            "scm",
            {**SCM_OK, "ReplacementDate": "2030-02-30"},
            {("ReplacementDate", "type", "scm")},
            id="scm-date-invalid",
        ),
        pytest.param(
            "fs", {**FS_OK, "msdyn_notes": "x" * 2001}, {("msdyn_notes", "max_length", "fs")}, id="notes-2000"
        ),
        pytest.param(
            "fs", {**FS_OK, "msdyn_account": "x" * 101}, {("msdyn_account", "max_length", "fs")}, id="account-100"
        ),
        pytest.param(
            "fs",
            {k: v for k, v in FS_OK.items() if k != "msdyn_customerassetcategory"},
            {("MaintenanceAssetTypeId", "required", "scm")},
            id="no-category",
        ),
        pytest.param(
            "fs",
            {**FS_OK, "msdyn_customerassetcategory": " "},
            {("MaintenanceAssetTypeId", "required", "scm")},
            id="blank-category",
        ),
        pytest.param(
            "scm",
            {k: v for k, v in SCM_OK.items() if k != "MaintenanceAssetTypeId"},
            {("MaintenanceAssetTypeId", "required", "scm")},
            id="scm-no-type",
        ),
        pytest.param(
            "fs", {**FS_OK, "msdyn_wrkctrid": "WORKCENTRE1"}, {("WrkCtrId", "max_length", "scm")}, id="work-centre-10"
        ),
        pytest.param(
            "fs", {**FS_OK, "msdyn_vendaccount": "x" * 21}, {("VendAccount", "max_length", "scm")}, id="vendor-20"
        ),
        pytest.param(
            "fs", {**FS_OK, "msdyn_modelyear": "x" * 11}, {("ModelYear", "max_length", "scm")}, id="model-year-10"
        ),
        pytest.param(
            "fs", {**FS_OK, "msdyn_model": "x" * 21}, {("msdyn_model", "max_length", "fs")}, id="model-lookup-20"
        ),
        pytest.param(
            "fs",
            {**FS_OK, "msdyn_acquisitioncost": "12.50"},
            {("msdyn_acquisitioncost", "type", "fs")},
            id="cost-text",
        ),
        pytest.param(
            "scm",
            {**SCM_OK, "ReplacementValue": 10**15},
            {("ReplacementValue", "maximum", "scm")},
            id="value-money-range",
        ),
        pytest.param(
            "fs",
            {**FS_OK, "msdyn_activefrom": "1900-01-01"},
            {("msdyn_activefrom", "not_null_date", "fs")},
            id="fs-1900-active-from",
        ),
    ],
)
def test_rules(source: str, record: dict[str, Any], expected: set[tuple[str, str, str]]) -> None:
    assert _failures(source, record) == expected


dates = st.none() | st.dates(min_value=dt.date(1900, 1, 2), max_value=dt.date(2154, 12, 31)).map(dt.date.isoformat)
codes = st.none() | golden.text(20, 1, blank=False)
amounts = st.none() | st.floats(-922_337_203_685_477, 922_337_203_685_477) | st.integers(-(10**12), 10**12)


@given(golden.text(20, 1, blank=False), golden.text(100, 1, blank=False), codes, codes, dates, amounts)
def test_record_round_trips_fs_scm_fs(
    ident: str, name: str, parent: str | None, serial: str | None, date: Any, cost: float | None
) -> None:
    record = {
        **FS_OK,
        "msdyn_maintenanceassetid": ident,
        "msdyn_name": name,
        "msdyn_parentasset": parent,
        "msdyn_serialid": serial,
        "msdyn_replacementdate": date,
        "msdyn_activeto": date,
        "msdyn_acquisitioncost": cost,
    }
    to_scm, failures = translate(SPEC, "fs", record)
    assert failures == []
    back, failures = translate(SPEC, "scm", to_scm["scm"])
    assert failures == []
    assert back["fs"] == to_scm["fs"]
