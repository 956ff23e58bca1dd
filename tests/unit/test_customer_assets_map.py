"""The Customer Asset map: golden cases both ways, the null date, the FS-only account, every field rule."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.entities.customer_assets import SPEC
from shared.translate import translate

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
FS_OK = {"msdyn_company": "USMF", "msdyn_maintenanceassetid": "A-1", "msdyn_name": "Asset"}
SCM_OK = {"dataAreaId": "USMF", "MaintenanceAssetId": "A-1", "Name": "Asset"}


def _set(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if v is not None}


@pytest.mark.parametrize(
    ("source", "record", "expected"),
    [
        pytest.param("fs", FS_FULL, SCM_FULL, id="fs-full"),
        pytest.param("scm", SCM_FULL, FS_FULL, id="scm-full"),
        pytest.param("fs", FS_OK, {**SCM_OK, "ReplacementDate": "1900-01-01"}, id="fs-no-date-is-scm-null-date"),
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
            {**SCM_OK, "ReplacementDate": "2030-06-27"},
            id="fs-wcf-date",
        ),
        pytest.param(
            "fs",
            {**FS_OK, "msdyn_account": "Contoso", "msdyn_parentasset": ""},
            {**SCM_OK, "ReplacementDate": "1900-01-01"},
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
    ],
)
def test_rules(source: str, record: dict[str, Any], expected: set[tuple[str, str, str]]) -> None:
    assert _failures(source, record) == expected


dates = st.none() | st.dates(min_value=dt.date(1900, 1, 2)).map(dt.date.isoformat)
codes = st.none() | st.text(min_size=1, max_size=20).filter(str.strip)


@given(
    st.text(min_size=1, max_size=20).filter(str.strip),
    st.text(min_size=1, max_size=100).filter(str.strip),
    codes,
    codes,
    dates,
)
def test_record_round_trips_fs_scm_fs(ident: str, name: str, parent: str | None, serial: str | None, date: Any) -> None:
    record = {
        **FS_OK,
        "msdyn_maintenanceassetid": ident,
        "msdyn_name": name,
        "msdyn_parentasset": parent,
        "msdyn_serialid": serial,
        "msdyn_replacementdate": date,
    }
    to_scm, failures = translate(SPEC, "fs", record)
    assert failures == []
    back, failures = translate(SPEC, "scm", to_scm["scm"])
    assert failures == []
    assert back["fs"] == to_scm["fs"]
