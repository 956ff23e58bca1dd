"""The Site map: the template's every field both ways, every field rule, round trips both ways."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.entities.sites import SPEC
from shared.entities.spec import Direction
from shared.sync.translate import translate
from tests.unit import golden

T0 = "2026-03-01T12:30:00Z"
FS_OK = {"msdyn_company": "USMF", "msdyn_siteid": "1"}
SCM_OK = {"dataAreaId": "USMF", "SiteId": "1"}
BASES: Any = {"fs": FS_OK, "scm": SCM_OK}

# Microsoft's template "Sites to msdyn_operationalsites", as published: F&O field (table-style) ⇄ FS column,
# every one `><`. The OData name of each F&O field is its PascalCase form.
TEMPLATE = [
    ("DEFAULTFINANCIALDIMENSIONVALUE", "msdyn_defaultfinancialdimensionvalue"),
    ("DEFAULTINVENTORYSTATUSID", "msdyn_defaultinventorystatusid"),
    ("ISRECEIVINGWAREHOUSEOVERRIDEALLOWED", "msdyn_isreceivingwarehouseoverrideallowed"),
    ("SITEID", "msdyn_siteid"),
    ("SITENAME", "msdyn_sitename"),
    ("TAXBRANCHCODE", "msdyn_taxbranchcode"),
    ("FISCALESTABLISHMENTID", "msdyn_fiscalestablishmentid"),
    ("ISPRIMARYADDRESSASSIGNED", "msdyn_isprimaryaddressassigned"),
    ("PRIMARYADDRESSCITY", "msdyn_primaryaddresscity"),
    ("PRIMARYADDRESSCOUNTRYREGIONID", "msdyn_primaryaddresscountryregionid"),
    ("PRIMARYADDRESSCOUNTYID", "msdyn_primaryaddresscountyid"),
    ("PRIMARYADDRESSDISTRICTNAME", "msdyn_primaryaddressdistrictname"),
    ("PRIMARYADDRESSLATITUDE", "msdyn_primaryaddresslatitude"),
    ("PRIMARYADDRESSLOCATIONROLES", "msdyn_primaryaddresslocationrole"),
    ("PRIMARYADDRESSLOCATIONSALESTAXGROUPCODE", "msdyn_primaryaddresslocationsalestaxgroupcode"),
    ("PRIMARYADDRESSLONGITUDE", "msdyn_primaryaddresslongitude"),
    ("PRIMARYADDRESSSTATEID", "msdyn_primaryaddressstateid"),
    ("PRIMARYADDRESSSTREET", "msdyn_primaryaddressstreet"),
    ("PRIMARYADDRESSZIPCODE", "msdyn_primaryaddresszipcode"),
    ("PRIMARYADDRESSBUILDINGCOMPLIMENT", "msdyn_primaryaddressbuildingcompliment"),
    ("PRIMARYADDRESSCITYINKANA", "msdyn_primaryaddresscityinkana"),
    ("PRIMARYADDRESSSTREETINKANA", "msdyn_primaryaddressstreetinkana"),
    ("PRIMARYADDRESSDESCRIPTION", "msdyn_primaryaddressdescription"),
    ("FORMATTEDPRIMARYADDRESS", "msdyn_formattedprimaryaddress"),
    ("WILLMASTERPLANNEDINTRASITEMOVEMENTSUSETRANSFERJOURNALS", "msdyn_masterplannedusestransferjournal"),
    ("PRIMARYADDRESSPOSTBOX", "msdyn_primaryaddresspostbox"),
    ("PRIMARYADDRESSSTREETNUMBER", "msdyn_primaryaddressstreetnumber"),
]
FLAGS = [
    ("msdyn_isreceivingwarehouseoverrideallowed", "IsReceivingWarehouseOverrideAllowed"),
    ("msdyn_isprimaryaddressassigned", "IsPrimaryAddressAssigned"),
    ("msdyn_masterplannedusestransferjournal", "WillMasterPlannedIntraSiteMovementsUseTransferJournals"),
]
GOLDEN: list[golden.Row] = [
    ("msdyn_siteid", "SITE-7", "SiteId", "SITE-7"),
    ("msdyn_sitename", "Home speakers production", "SiteName", "Home speakers production"),
    ("msdyn_defaultinventorystatusid", "Available", "DefaultInventoryStatusId", "Available"),
    ("msdyn_defaultfinancialdimensionvalue", "001-022--", "DefaultFinancialDimensionValue", "001-022--"),
    ("msdyn_taxbranchcode", "00001", "TaxBranchCode", "00001"),
    ("msdyn_fiscalestablishmentid", "FE-1", "FiscalEstablishmentId", "FE-1"),
    ("msdyn_primaryaddressdescription", "Site 1", "PrimaryAddressDescription", "Site 1"),
    ("msdyn_primaryaddressstreet", "213 South Street", "PrimaryAddressStreet", "213 South Street"),
    ("msdyn_primaryaddressstreetnumber", "213", "PrimaryAddressStreetNumber", "213"),
    ("msdyn_primaryaddressbuildingcompliment", "Gate 1", "PrimaryAddressBuildingCompliment", "Gate 1"),
    ("msdyn_primaryaddresspostbox", "PO 12", "PrimaryAddressPostBox", "PO 12"),
    ("msdyn_primaryaddresscity", "Galvin", "PrimaryAddressCity", "Galvin"),
    ("msdyn_primaryaddressdistrictname", "North", "PrimaryAddressDistrictName", "North"),
    ("msdyn_primaryaddresscountyid", "ASOTIN", "PrimaryAddressCountyId", "ASOTIN"),
    ("msdyn_primaryaddressstateid", "WA", "PrimaryAddressStateId", "WA"),
    ("msdyn_primaryaddresszipcode", "98544", "PrimaryAddressZipCode", "98544"),
    ("msdyn_primaryaddresscountryregionid", "USA", "PrimaryAddressCountryRegionId", "USA"),
    ("msdyn_primaryaddresslatitude", 46.7395, "PrimaryAddressLatitude", 46.7395),
    ("msdyn_primaryaddresslongitude", -122.9254, "PrimaryAddressLongitude", -122.9254),
    ("msdyn_primaryaddresslatitude", 0.0, "PrimaryAddressLatitude", 0.0),  # the equator; 0, 0 is another matter
    ("msdyn_primaryaddresslocationrole", "Business;Delivery", "PrimaryAddressLocationRoles", "Business;Delivery"),
    ("msdyn_primaryaddresslocationsalestaxgroupcode", "WA", "PrimaryAddressLocationSalesTaxGroupCode", "WA"),
    ("msdyn_primaryaddresscityinkana", "ガルビン", "PrimaryAddressCityInKana", "ガルビン"),
    ("msdyn_primaryaddressstreetinkana", "サウス通り", "PrimaryAddressStreetInKana", "サウス通り"),
    ("msdyn_formattedprimaryaddress", "213 South Street\nGalvin, WA 98544\nUSA", "FormattedPrimaryAddress",
     "213 South Street\nGalvin, WA 98544\nUSA"),
    *((fs, value, scm, name) for fs, scm in FLAGS for value, name in ((True, "Yes"), (False, "No"))),
]  # fmt: skip


def test_the_map_is_the_templates_every_field_both_ways_under_its_odata_name() -> None:
    two_way = {(pair.scm.upper(), pair.fs) for pair in SPEC.fields if pair.direction is Direction.BOTH and pair.scm}
    assert two_way == set(TEMPLATE)
    assert [(pair.fs, pair.direction) for pair in SPEC.fields if pair.direction is not Direction.BOTH] == [
        ("msdyn_operationalsiteid", Direction.FS_ONLY)  # Dataverse's GUID of the row, never sent
    ]


@pytest.mark.parametrize(("fs_field", "fs_value", "scm_field", "scm_value"), golden.params(GOLDEN))
def test_golden_field(fs_field: str, fs_value: Any, scm_field: str, scm_value: Any) -> None:
    golden.assert_both_ways(SPEC, BASES, (fs_field, fs_value, scm_field, scm_value))


def test_every_field_has_a_golden_row() -> None:
    assert golden.uncovered(SPEC, GOLDEN) == set()


def test_full_records_both_ways() -> None:
    fs = {
        **FS_OK,
        "modifiedon": T0,
        **{fs: value for fs, value, _, _ in GOLDEN if fs != "msdyn_primaryaddresslatitude"},
    }
    scm = {**SCM_OK, "ModifiedDateTime": T0, **{scm: value for _, _, scm, value in GOLDEN}}
    fs["msdyn_primaryaddresslatitude"] = scm["PrimaryAddressLatitude"] = 46.7395
    fs.update({name: False for name, _ in FLAGS})
    scm.update({name: "No" for _, name in FLAGS})
    assert _set(golden.mapped(SPEC, "fs", fs)["scm"]) == _set(scm)
    assert _set(golden.mapped(SPEC, "scm", scm)["fs"]) == _set(fs)


def test_odata_record_as_f_and_o_sends_it() -> None:
    """A site as F&O's OData answers for it (fields the template does not map are ignored)."""
    odata = {
        "@odata.etag": 'W/"JzAsMjI1NjU0MjE2NzY7MCc="',
        **SCM_OK,
        "SiteName": "Home speakers production",
        "IsReceivingWarehouseOverrideAllowed": "No",
        "WillMasterPlannedIntraSiteMovementsUseTransferJournals": "No",
        "IsPrimaryAddressAssigned": "Yes",
        "PrimaryAddressCity": "Galvin",
        "PrimaryAddressLocationRoles": "Delivery",
        "PrimaryAddressLatitude": 0,
        "PrimaryAddressLongitude": 0,
        "PrimaryAddressStreetInKana": "",
        "SiteTimezone": "GMTMINUS0800PACIFICTIME",
        "OrderEntryDeadlineGroupId": "",
    }
    fs = golden.mapped(SPEC, "scm", odata)["fs"]
    assert _set(fs) == {
        **FS_OK,
        "msdyn_sitename": "Home speakers production",
        "msdyn_isreceivingwarehouseoverrideallowed": False,
        "msdyn_masterplannedusestransferjournal": False,
        "msdyn_isprimaryaddressassigned": True,
        "msdyn_primaryaddresscity": "Galvin",
        "msdyn_primaryaddresslocationrole": "Delivery",
    }  # 0, 0 is no position; a blank text is no value


@pytest.mark.parametrize(
    ("source", "record", "expected"),
    [
        pytest.param("fs", {**FS_OK, "msdyn_siteid": "ELEVENCHARS"}, ("msdyn_siteid", "max_length", "fs"), id="id-10"),
        pytest.param("scm", {**SCM_OK, "SiteId": ""}, ("SiteId", "min_length", "scm"), id="id-empty"),
        pytest.param("fs", {**FS_OK, "msdyn_sitename": "x" * 61}, ("SiteName", "max_length", "scm"), id="name-60"),
        pytest.param("fs", {**FS_OK, "msdyn_sitename": "x" * 101}, ("msdyn_sitename", "max_length", "fs"), id="fs-100"),
        pytest.param(
            "fs",
            {**FS_OK, "msdyn_defaultinventorystatusid": "x" * 11},
            ("DefaultInventoryStatusId", "max_length", "scm"),
            id="inventory-status-10",
        ),
        pytest.param(
            "scm",
            {**SCM_OK, "DefaultFinancialDimensionValue": "x" * 501},
            ("DefaultFinancialDimensionValue", "max_length", "scm"),
            id="dimension-500",
        ),
        pytest.param(
            "fs", {**FS_OK, "msdyn_taxbranchcode": "x" * 21}, ("TaxBranchCode", "max_length", "scm"), id="tax-branch-20"
        ),
        pytest.param(
            "fs",
            {**FS_OK, "msdyn_fiscalestablishmentid": "x" * 11},
            ("FiscalEstablishmentId", "max_length", "scm"),
            id="fiscal-establishment-10",
        ),
        pytest.param(
            "fs",
            {**FS_OK, "msdyn_primaryaddresslocationsalestaxgroupcode": "x" * 11},
            ("PrimaryAddressLocationSalesTaxGroupCode", "max_length", "scm"),
            id="sales-tax-group-10",
        ),
        pytest.param(
            "fs",
            {**FS_OK, "msdyn_primaryaddresszipcode": "12345-67890"},
            ("PrimaryAddressZipCode", "max_length", "scm"),
            id="zip-10",
        ),
        pytest.param(
            "fs",
            {**FS_OK, "msdyn_primaryaddresslatitude": 90.5},
            ("msdyn_primaryaddresslatitude", "maximum", "fs"),
            id="lat-max",
        ),
        pytest.param(
            "scm",
            {**SCM_OK, "PrimaryAddressLongitude": -180.01},
            ("PrimaryAddressLongitude", "minimum", "scm"),
            id="lon-min",
        ),
        pytest.param(
            "scm",
            {**SCM_OK, "IsPrimaryAddressAssigned": True},
            ("IsPrimaryAddressAssigned", "allowed_values", "scm"),
            id="yes-no",
        ),
        pytest.param(
            "fs",
            {**FS_OK, "msdyn_masterplannedusestransferjournal": "Yes"},
            ("msdyn_masterplannedusestransferjournal", "type", "fs"),
            id="fs-bool",
        ),
    ],
)
def test_rules(source: str, record: dict[str, Any], expected: tuple[str, str, str]) -> None:
    records, failures = translate(SPEC, source, record)  # type: ignore[arg-type]
    assert records == {}
    assert [(f.field, f.rule, f.side) for f in failures] == [expected]


def test_every_failure_at_once() -> None:
    record = {**SCM_OK, "SiteName": "x" * 61, "PrimaryAddressLatitude": 100, "IsPrimaryAddressAssigned": "Maybe"}
    _, failures = translate(SPEC, "scm", record)
    assert {(f.field, f.rule, f.side) for f in failures} == {
        ("SiteName", "max_length", "scm"),
        ("PrimaryAddressLatitude", "maximum", "scm"),
        ("IsPrimaryAddressAssigned", "allowed_values", "scm"),
    }


@pytest.mark.parametrize("source", ["fs", "scm"])
def test_zero_zero_is_no_position_on_both_sides(source: str) -> None:
    latitude, longitude = [pair.name(source) for pair in SPEC.geo or ()]  # type: ignore[arg-type]
    records = golden.mapped(SPEC, source, {**BASES[source], latitude: 0, longitude: 0.0})  # type: ignore[arg-type]
    assert records["fs"]["msdyn_primaryaddresslatitude"] is records["scm"]["PrimaryAddressLongitude"] is None


# -- properties --------------------------------------------------------------------------------

ids = golden.text(10, 1, blank=False)


def _texts(fields: list[tuple[str, int]]) -> dict[str, st.SearchStrategy[Any]]:
    return {name: st.none() | golden.text(size, blank=False) for name, size in fields}


FS_TEXTS = [
    ("msdyn_sitename", 60),
    ("msdyn_defaultinventorystatusid", 10),
    ("msdyn_taxbranchcode", 20),
    ("msdyn_primaryaddresscity", 60),
    ("msdyn_primaryaddresszipcode", 10),
    ("msdyn_primaryaddresslocationrole", 250),
    ("msdyn_formattedprimaryaddress", 300),
]
SCM_TEXTS = [
    ("SiteName", 60),
    ("DefaultFinancialDimensionValue", 500),
    ("FiscalEstablishmentId", 10),
    ("PrimaryAddressStreet", 250),
    ("PrimaryAddressStateId", 10),
    ("PrimaryAddressStreetInKana", 250),
]
positions = {"latitude": st.none() | st.floats(-90, 90), "longitude": st.none() | st.floats(-180, 180)}


@given(
    st.fixed_dictionaries(
        {
            "msdyn_siteid": ids,
            **_texts(FS_TEXTS),
            "msdyn_primaryaddresslatitude": positions["latitude"],
            "msdyn_primaryaddresslongitude": positions["longitude"],
            **{fs: st.none() | st.booleans() for fs, _ in FLAGS},
        }
    )
)
def test_record_round_trips_fs_scm_fs(drawn: dict[str, Any]) -> None:
    record = {"msdyn_company": "USMF", **drawn}
    to_scm, failures = translate(SPEC, "fs", record)
    assert failures == []
    back, failures = translate(SPEC, "scm", to_scm["scm"])
    assert failures == []
    assert back["fs"] == to_scm["fs"]


@given(
    st.fixed_dictionaries(
        {
            "SiteId": ids,
            **_texts(SCM_TEXTS),
            "PrimaryAddressLatitude": positions["latitude"],
            "PrimaryAddressLongitude": positions["longitude"],
            **{scm: st.none() | st.sampled_from(["Yes", "No"]) for _, scm in FLAGS},
        }
    )
)
def test_record_round_trips_scm_fs_scm(drawn: dict[str, Any]) -> None:
    record = {"dataAreaId": "USMF", **drawn}
    to_fs, failures = translate(SPEC, "scm", record)
    assert failures == []
    back, failures = translate(SPEC, "fs", to_fs["fs"])
    assert failures == []
    assert back["scm"] == to_fs["scm"]


def _set(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if v is not None}
