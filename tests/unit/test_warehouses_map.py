"""The Warehouse map: golden cases of every field and option value both ways, every field rule, round trips."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.entities.warehouses import SPEC
from shared.sync.translate import translate
from tests.unit import golden

T0 = "2026-03-01T12:30:00Z"
FS_OK = {"msdyn_company": "USMF", "msdyn_warehouseidentifier": "WH-1", "msdyn_operationalsite": "1"}
SCM_OK = {"dataAreaId": "USMF", "WarehouseId": "WH-1", "OperationalSiteId": "1"}
BASES: Any = {"fs": FS_OK, "scm": SCM_OK}

# The template "Warehouses (msdyn_warehouses)": its Yes/No options, FS column ⇄ SCM field
TEMPLATE_FLAGS = [
    ("msdyn_useadvancedwarehousemanagementprocesses", "AreAdvancedWarehouseManagementProcessesEnabled"),
    ("msdyn_isprimaryaddressassigned", "IsPrimaryAddressAssigned"),
    ("msdyn_areitemscoverageplannedmanually", "AreItemsCoveragePlannedManually"),
    ("msdyn_arelaborstandardsallowed", "AreLaborStandardsAllowed"),
    ("msdyn_arewarehouselocationcheckdigitsunique", "AreWarehouseLocationCheckDigitsUnique"),
    ("msdyn_isfallbackwarehouse", "IsFallbackWarehouse"),
    ("msdyn_financialnegativestoreinventoryallowed", "IsFinancialNegativeRetailStoreInventoryAllowed"),
    ("msdyn_palletmovementduringcyclecountingallowed", "IsPalletMovementDuringCycleCountingAllowed"),
    ("msdyn_physicalnegativestoreinventoryallowed", "IsPhysicalNegativeRetailStoreInventoryAllowed"),
    ("msdyn_isrefilledfrommainwarehouse", "IsRefilledFromMainWarehouse"),
    ("msdyn_isretailstorewarehouse", "IsRetailStoreWarehouse"),
    ("msdyn_shouldwarehouselocationincludeaisleid", "ShouldWarehouseLocationIdIncludeAisleId"),
    ("msdyn_arepickinglistsdeliverymodespecific", "ArePickingListsDeliveryModeSpecific"),
    ("msdyn_arepickinglistshipmentspecificonly", "ArePickingListsShipmentSpecificOnly"),
    ("msdyn_printbillofladingbeforeshipconfirmation", "IsBillOfLadingPrintingBeforeShipmentConfirmationEnabled"),
    ("msdyn_willautomaticloadreleaseinventory", "WillAutomaticLoadReleaseReserveInventory"),
    ("msdyn_willinventorystatuschangeremoveblocking", "WillInventoryStatusChangeRemoveBlocking"),
    ("msdyn_willmanualloadreleasereserveinventory", "WillManualLoadReleaseReserveInventory"),
    ("msdyn_willorderreleasingconsolidateshipments", "WillOrderReleasingConsolidateShipments"),
    ("msdyn_productionbomsreservewarehouselevel", "WillProductionBomsReserveWarehouseLevelOnly"),
    ("msdyn_shippingcanceldecrementloadquantity", "WillShippingCancellationDecrementLoadQuanity"),
    ("msdyn_warehouselocationidincludeblindid", "WillWarehouseLocationIdIncludeBinIdByDefault"),
    ("msdyn_warehouselocationincluderackidbydefault", "WillWarehouseLocationIdIncludeRackIdByDefault"),
    ("msdyn_warehouselocationidincludeshelfid", "WillWarehouseLocationIdIncludeShelfIdByDefault"),
]
GOLDEN: list[golden.Row] = [
    ("msdyn_warehouseidentifier", "WH-7", "WarehouseId", "WH-7"),
    ("msdyn_description", "Main warehouse, Chicago", "WarehouseName", "Main warehouse, Chicago"),
    ("msdyn_operationalsite", "SITE-2", "OperationalSiteId", "SITE-2"),
    ("msdyn_warehousetype", 192350000, "WarehouseType", "GoodsInRoute_RU"),
    ("msdyn_warehousetype", 192350001, "WarehouseType", "Transit"),
    ("msdyn_warehousetype", 192350002, "WarehouseType", "Quarantine"),
    ("msdyn_warehousetype", 192350003, "WarehouseType", "Standard"),
    ("msdyn_warehousetype", 192350004, "WarehouseType", "ITMGIT"),
    ("msdyn_warehousetype", 192350005, "WarehouseType", "ITMUnder"),
    ("msdyn_warehousetype", None, "WarehouseType", None),
    ("msdyn_quarantinewarehouse", "WH-Q", "QuarantineWarehouseId", "WH-Q"),
    ("msdyn_transitwarehouse", "WH-T", "TransitWarehouseId", "WH-T"),
    ("msdyn_mainrefillingwarehouse", "WH-12", "MainRefillingWarehouseId", "WH-12"),
    ("msdyn_primaryaddressdescription", "Dock entrance", "PrimaryAddressDescription", "Dock entrance"),
    ("msdyn_primaryaddressstreet", "Coffee Street", "PrimaryAddressStreet", "Coffee Street"),
    ("msdyn_primaryaddressstreetnumber", "123", "PrimaryAddressStreetNumber", "123"),
    ("msdyn_primaryaddressbuildingcompliment", "Building B", "PrimaryAddressBuildingCompliment", "Building B"),
    ("msdyn_primaryaddresspostbox", "PO 77", "PrimaryAddressPostBox", "PO 77"),
    ("msdyn_primaryaddresscity", "Chicago", "PrimaryAddressCity", "Chicago"),
    ("msdyn_primaryaddressdistrictname", "Loop", "PrimaryAddressDistrictName", "Loop"),
    ("msdyn_primaryaddresscountyid", "COOK", "PrimaryAddressCountyId", "COOK"),
    ("msdyn_primaryaddressstateid", "IL", "PrimaryAddressStateId", "IL"),
    ("msdyn_primaryaddresszipcode", "60601", "PrimaryAddressZipCode", "60601"),
    ("msdyn_primaryaddresscountryregionid", "USA", "PrimaryAddressCountryRegionId", "USA"),
    ("msdyn_primaryaddresslatitude", 41.8781, "PrimaryAddressLatitude", 41.8781),
    ("msdyn_primaryaddresslongitude", -87.6298, "PrimaryAddressLongitude", -87.6298),
    ("msdyn_primaryaddresslatitude", 0.0, "PrimaryAddressLatitude", 0.0),  # the equator; 0, 0 is another matter
    *((fs, value, scm, name) for fs, scm in TEMPLATE_FLAGS for value, name in ((True, "Yes"), (False, "No"))),
]


@pytest.mark.parametrize(("fs_field", "fs_value", "scm_field", "scm_value"), golden.params(GOLDEN))
def test_golden_field(fs_field: str, fs_value: Any, scm_field: str, scm_value: Any) -> None:
    golden.assert_both_ways(SPEC, BASES, (fs_field, fs_value, scm_field, scm_value))


def test_every_field_and_option_value_has_a_golden_row() -> None:
    assert golden.uncovered(SPEC, GOLDEN) == set()


def test_fs_name_is_always_the_id() -> None:
    assert golden.mapped(SPEC, "fs", {**FS_OK, "msdyn_name": "something else"})["fs"]["msdyn_name"] == "WH-1"
    assert golden.mapped(SPEC, "scm", {**SCM_OK, "WarehouseId": "wh-9"})["fs"]["msdyn_name"] == "wh-9"


@pytest.mark.parametrize("spelled", ["standard", "STANDARD", " Standard ", "sTaNdArD"])
def test_scm_enum_names_match_case_insensitively_and_are_written_canonically(spelled: str) -> None:
    records = golden.mapped(SPEC, "scm", {**SCM_OK, "WarehouseType": spelled, "IsFallbackWarehouse": "yes"})
    assert records["scm"]["WarehouseType"] == "Standard" and records["scm"]["IsFallbackWarehouse"] == "Yes"
    assert records["fs"]["msdyn_warehousetype"] == 192350003 and records["fs"]["msdyn_isfallbackwarehouse"] is True


@pytest.mark.parametrize(
    ("source", "record"),
    [
        pytest.param("scm", {**SCM_OK, "PrimaryAddressLatitude": 0, "PrimaryAddressLongitude": 0}, id="scm-ints"),
        pytest.param("scm", {**SCM_OK, "PrimaryAddressLatitude": 0.0, "PrimaryAddressLongitude": -0.0}, id="scm"),
        pytest.param("fs", {**FS_OK, "msdyn_primaryaddresslatitude": 0, "msdyn_primaryaddresslongitude": 0.0}, id="fs"),
    ],
)
def test_zero_zero_is_no_position_on_both_sides(source: str, record: dict[str, Any]) -> None:
    records = golden.mapped(SPEC, source, record)  # type: ignore[arg-type]
    assert records["fs"]["msdyn_primaryaddresslatitude"] is records["fs"]["msdyn_primaryaddresslongitude"] is None
    assert records["scm"]["PrimaryAddressLatitude"] is records["scm"]["PrimaryAddressLongitude"] is None


def test_full_records_both_ways() -> None:
    fs = {**FS_OK, "modifiedon": T0, **{fs: value for fs, value, _, _ in GOLDEN if fs != "msdyn_warehousetype"}}
    scm = {**SCM_OK, "ModifiedDateTime": T0, **{scm: value for _, _, scm, value in GOLDEN if scm != "WarehouseType"}}
    fs, scm = {**fs, "msdyn_warehousetype": 192350002}, {**scm, "WarehouseType": "Quarantine"}
    assert _set(golden.mapped(SPEC, "fs", fs)["scm"]) == _set(scm)
    assert _set(golden.mapped(SPEC, "scm", scm)["fs"]) == _set({**fs, "msdyn_name": fs["msdyn_warehouseidentifier"]})


def _set(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if v is not None}


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
            {**FS_OK, "msdyn_warehousetype": 192350006},
            {("msdyn_warehousetype", "allowed_values", "fs")},
            id="type",
        ),
        pytest.param(
            "scm", {**SCM_OK, "WarehouseType": "Bonded"}, {("WarehouseType", "allowed_values", "scm")}, id="scm-type"
        ),
        pytest.param(
            "fs",
            {**FS_OK, "msdyn_primaryaddresslatitude": 90.5},
            {("msdyn_primaryaddresslatitude", "maximum", "fs")},
            id="lat-max",
        ),
        pytest.param(
            "fs",
            {**FS_OK, "msdyn_primaryaddresslatitude": -91},
            {("msdyn_primaryaddresslatitude", "minimum", "fs")},
            id="lat-min",
        ),
        pytest.param(
            "fs",
            {**FS_OK, "msdyn_primaryaddresslongitude": 181},
            {("msdyn_primaryaddresslongitude", "maximum", "fs")},
            id="lon-max",
        ),
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
            {**FS_OK, "msdyn_isprimaryaddressassigned": "Yes"},
            {("msdyn_isprimaryaddressassigned", "type", "fs")},
            id="fs-bool",
        ),
        pytest.param(
            "fs",
            {**FS_OK, "msdyn_quarantinewarehouse": "ELEVENCHARS"},
            {("msdyn_quarantinewarehouse", "max_length", "fs")},
            id="reference-10",
        ),
        pytest.param(
            "fs",
            {**FS_OK, "msdyn_primaryaddresszipcode": "12345-67890"},
            {("PrimaryAddressZipCode", "max_length", "scm")},
            id="zip-10",
        ),
        pytest.param(
            "fs",
            {**FS_OK, "msdyn_primaryaddressstateid": "ILLINOIS-US"},
            {("PrimaryAddressStateId", "max_length", "scm")},
            id="state-10",
        ),
        pytest.param(
            "fs",
            {**FS_OK, "msdyn_primaryaddresscountyid": "x" * 11},
            {("PrimaryAddressCountyId", "max_length", "scm")},
            id="county-10",
        ),
        pytest.param(
            "fs",
            {**FS_OK, "msdyn_primaryaddressstreetnumber": "x" * 21},
            {("PrimaryAddressStreetNumber", "max_length", "scm")},
            id="street-number-20",
        ),
        pytest.param(
            "fs",
            {**FS_OK, "msdyn_primaryaddresspostbox": "x" * 21},
            {("PrimaryAddressPostBox", "max_length", "scm")},
            id="post-box-20",
        ),
        pytest.param(
            "scm",
            {**SCM_OK, "PrimaryAddressBuildingCompliment": "x" * 61},
            {("PrimaryAddressBuildingCompliment", "max_length", "scm")},
            id="building-60",
        ),
        pytest.param(
            "scm",
            {**SCM_OK, "PrimaryAddressDistrictName": "x" * 61},
            {("PrimaryAddressDistrictName", "max_length", "scm")},
            id="district-60",
        ),
        pytest.param(
            "fs",
            {**FS_OK, "msdyn_primaryaddressdescription": "x" * 101},
            {("msdyn_primaryaddressdescription", "max_length", "fs")},
            id="fs-address-description-100",
        ),
        pytest.param(
            "fs",
            {**FS_OK, "msdyn_primaryaddressdescription": "x" * 61},
            {("PrimaryAddressDescription", "max_length", "scm")},
            id="address-description-60",
        ),
        pytest.param(
            "fs",
            {
                "msdyn_company": "USMF",
                "msdyn_warehouseidentifier": "WH-1",
                "msdyn_primaryaddresslatitude": 100,
                "msdyn_primaryaddresslongitude": 200,
            },
            {
                ("msdyn_primaryaddresslatitude", "maximum", "fs"),
                ("msdyn_primaryaddresslongitude", "maximum", "fs"),
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

ids = golden.text(10, 1, blank=False)
texts = st.none() | golden.text(60, blank=False)
short = st.none() | golden.text(10, blank=False)


@st.composite
def fs_warehouses(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "msdyn_company": "USMF",
        "msdyn_warehouseidentifier": draw(ids),
        "msdyn_operationalsite": draw(ids),
        "msdyn_description": draw(texts),
        "msdyn_warehousetype": draw(st.none() | st.sampled_from(range(192350000, 192350006))),
        "msdyn_quarantinewarehouse": draw(st.none() | ids),
        "msdyn_primaryaddresscity": draw(texts),
        "msdyn_primaryaddressstateid": draw(short),
        "msdyn_primaryaddressbuildingcompliment": draw(texts),
        "msdyn_primaryaddresslatitude": draw(st.none() | st.floats(-90, 90)),
        "msdyn_primaryaddresslongitude": draw(st.none() | st.floats(-180, 180)),
        **{fs: draw(st.none() | st.booleans()) for fs, _ in TEMPLATE_FLAGS[:4]},
    }


@given(fs_warehouses())
def test_record_round_trips_fs_scm_fs(record: dict[str, Any]) -> None:
    to_scm, failures = translate(SPEC, "fs", record)
    assert failures == []
    back, failures = translate(SPEC, "scm", to_scm["scm"])
    assert failures == []
    assert back["fs"] == to_scm["fs"]
