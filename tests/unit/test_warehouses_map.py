"""The Warehouse map: golden cases both ways, every field rule, and round-trip properties."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.entities.warehouses import SPEC, WAREHOUSE_TYPE
from shared.translate import translate

T0 = "2026-03-01T12:30:00Z"

FS_FULL = {
    "msdyn_company": "USMF",
    "modifiedon": T0,
    "msdyn_warehouseidentifier": "WH-11",
    "msdyn_name": "WH-11",
    "msdyn_description": "Main warehouse, Chicago",
    "msdyn_operationalsite": "1",
    "msdyn_warehousetype": 192350000,
    "msdyn_quarantinewarehouse": "WH-Q",
    "msdyn_transitwarehouse": "WH-T",
    "msdyn_mainrefillingwarehouse": "WH-12",
    "msdyn_primaryaddresscity": "Chicago",
    "msdyn_primaryaddressstreet": "123 Coffee Street",
    "msdyn_primaryaddresspostalcode": "60601",
    "msdyn_primaryaddresscountryregion": "USA",
    "msdyn_latitude": 41.8781,
    "msdyn_longitude": -87.6298,
    "msdyn_useadvancedwarehousemanagementprocesses": True,
}
SCM_FULL = {
    "dataAreaId": "USMF",
    "ModifiedDateTime": T0,
    "WarehouseId": "WH-11",
    "WarehouseName": "Main warehouse, Chicago",
    "OperationalSiteId": "1",
    "WarehouseType": "Standard",
    "QuarantineWarehouseId": "WH-Q",
    "TransitWarehouseId": "WH-T",
    "MainRefillingWarehouseId": "WH-12",
    "PrimaryAddressCity": "Chicago",
    "PrimaryAddressStreet": "123 Coffee Street",
    "PrimaryAddressZipCode": "60601",
    "PrimaryAddressCountryRegionId": "USA",
    "PrimaryAddressLatitude": 41.8781,
    "PrimaryAddressLongitude": -87.6298,
    "AreAdvancedWarehouseManagementProcessesEnabled": "Yes",
}
FS_OK = {"msdyn_company": "USMF", "msdyn_warehouseidentifier": "WH-1", "msdyn_operationalsite": "1"}
SCM_OK = {"dataAreaId": "USMF", "WarehouseId": "WH-1", "OperationalSiteId": "1"}


def _set(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if v is not None}


@pytest.mark.parametrize(
    ("source", "record", "expected"),
    [
        pytest.param("fs", FS_FULL, SCM_FULL, id="fs-full"),
        pytest.param("scm", SCM_FULL, FS_FULL, id="scm-full"),
        pytest.param(
            "fs",
            {**FS_OK, "msdyn_name": "Whatever FS says", "modifiedon": T0},
            {**SCM_OK, "ModifiedDateTime": T0},
            id="fs-minimal",
        ),
        pytest.param(
            "scm",
            {**SCM_OK, "WarehouseType": "Quarantine", "ModifiedDateTime": T0},
            {**FS_OK, "msdyn_name": "WH-1", "msdyn_warehousetype": 192350001, "modifiedon": T0},
            id="scm-quarantine-name-filled",
        ),
        pytest.param(
            "fs",
            {**FS_OK, "msdyn_warehousetype": 192350002, "msdyn_useadvancedwarehousemanagementprocesses": False},
            {**SCM_OK, "WarehouseType": "Transit", "AreAdvancedWarehouseManagementProcessesEnabled": "No"},
            id="fs-transit-no-wms",
        ),
        pytest.param(
            "fs",
            {**FS_OK, "msdyn_quarantinewarehouse": "", "msdyn_transitwarehouse": "  ", "msdyn_description": ""},
            SCM_OK,
            id="fs-blank-is-none",
        ),
        pytest.param(
            "scm",
            {**SCM_OK, "PrimaryAddressLatitude": -90, "PrimaryAddressLongitude": 180},
            {**FS_OK, "msdyn_name": "WH-1", "msdyn_latitude": -90.0, "msdyn_longitude": 180.0},
            id="scm-geo-bounds",
        ),
    ],
)
def test_golden_map(source: str, record: dict[str, Any], expected: dict[str, Any]) -> None:
    records, failures = translate(SPEC, source, record)  # type: ignore[arg-type]
    assert failures == []
    target = "scm" if source == "fs" else "fs"
    assert _set(records[target]) == expected


def test_fs_name_is_always_the_id() -> None:
    records, _ = translate(SPEC, "fs", {**FS_OK, "msdyn_name": "something else"})
    assert records["fs"]["msdyn_name"] == "WH-1"


@pytest.mark.parametrize(
    ("fs", "scm"), [(192350000, "Standard"), (192350001, "Quarantine"), (192350002, "Transit"), (None, None)]
)
def test_warehouse_type_value_map(fs: int | None, scm: str | None) -> None:
    assert WAREHOUSE_TYPE.to_scm(fs) == scm
    assert WAREHOUSE_TYPE.to_fs(scm) == fs


def _failures(source: str, record: dict[str, Any]) -> set[tuple[str, str, str]]:
    records, failures = translate(SPEC, source, record)  # type: ignore[arg-type]
    assert failures and records == {}
    return {(f.field, f.rule, f.side) for f in failures}


def _without(record: dict[str, Any], name: str) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != name}


@pytest.mark.parametrize(
    ("source", "record", "expected"),
    [
        pytest.param(
            "fs", _without(FS_OK, "msdyn_operationalsite"), {("OperationalSiteId", "required", "scm")}, id="no-site"
        ),
        pytest.param(
            "fs", {**FS_OK, "msdyn_operationalsite": ""}, {("OperationalSiteId", "required", "scm")}, id="blank-site"
        ),
        pytest.param(
            "scm", {**SCM_OK, "OperationalSiteId": None}, {("OperationalSiteId", "required", "scm")}, id="scm-null-site"
        ),
        pytest.param(
            "scm",
            _without(SCM_OK, "OperationalSiteId"),
            {("OperationalSiteId", "required", "scm")},
            id="scm-missing-site",
        ),
        pytest.param(
            "fs",
            {**FS_OK, "msdyn_operationalsite": "ELEVENCHARS"},
            {("msdyn_operationalsite", "max_length", "fs")},
            id="site-10",
        ),
        pytest.param(
            "fs",
            {**FS_OK, "msdyn_warehouseidentifier": "ELEVENCHARS"},
            {("msdyn_warehouseidentifier", "max_length", "fs")},
            id="id-10",
        ),
        pytest.param("scm", {**SCM_OK, "WarehouseId": ""}, {("WarehouseId", "min_length", "scm")}, id="scm-id-empty"),
        pytest.param(
            "fs", {**FS_OK, "msdyn_description": "x" * 61}, {("WarehouseName", "max_length", "scm")}, id="name-60"
        ),
        pytest.param(
            "fs",
            {**FS_OK, "msdyn_description": "x" * 2001},
            {("msdyn_description", "max_length", "fs")},
            id="description-2000",
        ),
        pytest.param(
            "fs",
            {**FS_OK, "msdyn_warehousetype": 192350003},
            {("msdyn_warehousetype", "allowed_values", "fs")},
            id="type",
        ),
        pytest.param(
            "scm", {**SCM_OK, "WarehouseType": "Bonded"}, {("WarehouseType", "allowed_values", "scm")}, id="scm-type"
        ),
        pytest.param("fs", {**FS_OK, "msdyn_latitude": 90.5}, {("msdyn_latitude", "maximum", "fs")}, id="lat-max"),
        pytest.param("fs", {**FS_OK, "msdyn_latitude": -91}, {("msdyn_latitude", "minimum", "fs")}, id="lat-min"),
        pytest.param("fs", {**FS_OK, "msdyn_longitude": 181}, {("msdyn_longitude", "maximum", "fs")}, id="lon-max"),
        pytest.param(
            "scm",
            {**SCM_OK, "PrimaryAddressLongitude": -180.01},
            {("PrimaryAddressLongitude", "minimum", "scm")},
            id="scm-lon-min",
        ),
        pytest.param(
            "scm",
            {**SCM_OK, "AreAdvancedWarehouseManagementProcessesEnabled": True},
            {("AreAdvancedWarehouseManagementProcessesEnabled", "allowed_values", "scm")},
            id="yes-no",
        ),
        pytest.param(
            "fs",
            {**FS_OK, "msdyn_quarantinewarehouse": "ELEVENCHARS"},
            {("msdyn_quarantinewarehouse", "max_length", "fs")},
            id="reference-10",
        ),
        pytest.param(
            "fs",
            {**FS_OK, "msdyn_primaryaddresspostalcode": "12345-67890"},
            {("PrimaryAddressZipCode", "max_length", "scm")},
            id="zip-10",
        ),
        pytest.param(
            "fs",
            {
                "msdyn_company": "USMF",
                "msdyn_warehouseidentifier": "WH-1",
                "msdyn_latitude": 100,
                "msdyn_longitude": 200,
            },
            {
                ("msdyn_latitude", "maximum", "fs"),
                ("msdyn_longitude", "maximum", "fs"),
                ("OperationalSiteId", "required", "scm"),
            },
            id="every-failure-at-once",
        ),
    ],
)
def test_rules(source: str, record: dict[str, Any], expected: set[tuple[str, str, str]]) -> None:
    assert _failures(source, record) == expected


def test_missing_site_says_it_is_scms_rule() -> None:
    _, [failure] = translate(SPEC, "fs", _without(FS_OK, "msdyn_operationalsite"))
    assert failure.message == "SCM (InventWarehouseEntity) requires a value for OperationalSiteId"


# -- properties --------------------------------------------------------------------------------

ids = st.text(min_size=1, max_size=10).filter(str.strip)
texts = st.none() | st.text(max_size=60).filter(str.strip)


@st.composite
def fs_warehouses(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "msdyn_company": "USMF",
        "msdyn_warehouseidentifier": draw(ids),
        "msdyn_operationalsite": draw(ids),
        "msdyn_description": draw(texts),
        "msdyn_warehousetype": draw(st.none() | st.sampled_from([192350000, 192350001, 192350002])),
        "msdyn_quarantinewarehouse": draw(st.none() | ids),
        "msdyn_primaryaddresscity": draw(texts),
        "msdyn_latitude": draw(st.none() | st.floats(-90, 90)),
        "msdyn_longitude": draw(st.none() | st.floats(-180, 180)),
        "msdyn_useadvancedwarehousemanagementprocesses": draw(st.none() | st.booleans()),
    }


@given(fs_warehouses())
def test_record_round_trips_fs_scm_fs(record: dict[str, Any]) -> None:
    to_scm, failures = translate(SPEC, "fs", record)
    assert failures == []
    back, failures = translate(SPEC, "scm", to_scm["scm"])
    assert failures == []
    assert back["fs"] == to_scm["fs"]
