"""The two list scenarios of issue #3, over real HTTP, with records created from both FS and SCM.

The dispatcher searches every customer asset, whichever system created it; the technician lists the
warehouses near them, nearest first.
"""

from __future__ import annotations

from typing import Any

import pytest

from shared.sync.geo import haversine_km
from tests.integration.support import Api
from tests.samples import sample

ASSETS, WAREHOUSES = "customer-assets", "warehouses"
SEATTLE = (47.61, -122.33)
NEAR_SEATTLE = {"company": "USMF", "near": "47.61,-122.33", "radius_km": "50"}

DETAILS = {  # a warehouse's details, as each side spells them
    "fs": {
        "msdyn_operationalsite": "SITE-1",
        "msdyn_warehousetype": 192350003,  # Standard
        "msdyn_primaryaddresscity": "Seattle",
        "msdyn_primaryaddressstreet": "1 Main St",
    },
    "scm": {
        "OperationalSiteId": "SITE-2",
        "WarehouseType": "Transit",
        "PrimaryAddressCity": "Bellevue",
        "PrimaryAddressStreet": "2 Side Ave",
    },
}
COORDINATES = {
    "fs": ("msdyn_primaryaddresslatitude", "msdyn_primaryaddresslongitude"),
    "scm": ("PrimaryAddressLatitude", "PrimaryAddressLongitude"),
}
ASSET_NAME = {"fs": "msdyn_name", "scm": "Name"}


def asset(side: str, ident: str, name: str, company: str = "USMF", **fields: Any) -> dict[str, Any]:
    return {**sample(ASSETS, side, ident, company=company), ASSET_NAME[side]: name, **fields}


def warehouse(side: str, ident: str, lat_lon: tuple[float, float] | None, company: str = "USMF") -> dict[str, Any]:
    record = {**sample(WAREHOUSES, side, ident, company=company), **DETAILS[side]}
    for name in COORDINATES[side]:  # the sample's own position, replaced or left out
        record.pop(name, None)
    if lat_lon:
        record.update(zip(COORDINATES[side], lat_lon, strict=True))
    return record


# the sites DETAILS name, in the companies the scenario's warehouses are in: created before them
SITES = (("SITE-1", "USMF"), ("SITE-2", "USMF"), ("SITE-2", "DEMF"))


def sites(api: Api) -> None:
    create(api, "fs", "sites", *(sample("sites", "fs", ident, company=company) for ident, company in SITES))


def create(api: Api, side: str, entity: str, *records: dict[str, Any]) -> None:
    for record in records:
        answer = api.post(side, entity, record)
        assert answer.status_code in {200, 201}, answer.text


def listed(api: Api, path: str, **params: Any) -> dict[str, Any]:
    answer = api.get(path, **params)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def every_page(api: Api, path: str, **params: Any) -> list[list[dict[str, Any]]]:
    pages, token = [], None
    while True:
        page = listed(api, path, **params, **({"continuation": token} if token else {}))
        pages.append(page["items"])
        if not (token := page["continuation"]):
            return pages


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["key"]["id"] for item in items]


# -- scenario 1: the dispatcher ------------------------------------------------------------------


@pytest.fixture
def assets(api: Api) -> Api:
    first = asset("scm", "PUMP-1", "Main Pump", SerialId="SN-100", ModifiedDateTime="2026-01-01T10:00:00Z")
    create(api, "scm", ASSETS, first)
    # FS sends the same asset in another letter case: one record, still the one SCM created
    create(api, "fs", ASSETS, asset("fs", "pump-1", "Main pump, rebuilt", modifiedon="2026-01-02T10:00:00Z"))
    create(api, "fs", ASSETS, asset("fs", "A-200", "Booster PUMP", msdyn_account="Contoso"))
    create(api, "scm", ASSETS, asset("scm", "B-300", "Compressor", SerialId="pmpx-PUMP-3"))
    create(api, "fs", ASSETS, asset("fs", "C-400", "Valve", msdyn_serialid="V-1"))
    create(api, "scm", ASSETS, asset("scm", "PUMP-9", "Pump elsewhere", company="DEMF"))
    return api


def test_dispatcher_finds_every_matching_asset_whichever_system_created_it(assets: Api) -> None:
    page = listed(assets, f"fs/{ASSETS}", company="USMF", q="pump")
    assert [(item["key"]["id"], item["origin"]) for item in page["items"]] == [
        ("A-200", "fs"),  # by name
        ("B-300", "scm"),  # by serial number
        ("PUMP-1", "scm"),  # by id and name; one row although both systems sent it
    ]
    assert page["continuation"] is None
    pump = page["items"][2]
    assert pump["record"]["msdyn_name"] == "Main pump, rebuilt"  # FS's later change won
    assert pump["sync"]["created_by"] == "scm" and pump["sync"]["origin"] == "fs"
    assert set(pump) == {"key", "record", "sync", "origin"}
    assert page["items"][0]["record"]["msdyn_account"] == "Contoso"  # the FS side's own record


@pytest.mark.parametrize("text", ["PUMP", "pUmP", " pump ", "Pump"])
def test_search_ignores_letter_case_on_either_side(assets: Api, text: str) -> None:
    for side in ("fs", "scm"):
        found = listed(assets, f"{side}/{ASSETS}", company="usmf", q=text)["items"]
        assert ids(found) == ["A-200", "B-300", "PUMP-1"]
        assert [item["origin"] for item in found] == ["fs", "scm", "scm"]


def test_search_narrows_by_id_serial_and_company(assets: Api) -> None:
    assert ids(listed(assets, f"scm/{ASSETS}", company="USMF", q="sn-1")["items"]) == ["PUMP-1"]
    assert ids(listed(assets, f"scm/{ASSETS}", company="USMF", q="c-4")["items"]) == ["C-400"]
    assert ids(listed(assets, f"scm/{ASSETS}", company="USMF", q="no such thing")["items"]) == []
    everywhere = listed(assets, f"fs/{ASSETS}", q="pump")["items"]  # no company: every company
    assert [(item["key"]["company"], item["key"]["id"]) for item in everywhere] == [
        ("DEMF", "PUMP-9"),
        ("USMF", "A-200"),
        ("USMF", "B-300"),
        ("USMF", "PUMP-1"),
    ]


def test_search_pages_do_not_shift_when_other_rows_change(assets: Api) -> None:
    first = listed(assets, f"fs/{ASSETS}", company="USMF", q="pump", limit=2)
    assert ids(first["items"]) == ["A-200", "B-300"] and first["continuation"]
    create(assets, "fs", ASSETS, asset("fs", "0-PUMP", "New pump"))  # sorts before the page just read
    assert assets.delete(f"scm/{ASSETS}/USMF/A-200").status_code == 200  # and a row of it goes away
    second = listed(assets, f"fs/{ASSETS}", company="USMF", q="pump", limit=2, continuation=first["continuation"])
    assert ids(second["items"]) == ["PUMP-1"] and second["continuation"] is None


def test_search_pages_one_row_at_a_time(assets: Api) -> None:
    pages = every_page(assets, f"scm/{ASSETS}", company="USMF", q="PUMP", limit=1)
    assert [ids(page) for page in pages] == [["A-200"], ["B-300"], ["PUMP-1"]]


def test_plain_lists_say_the_origin_too(assets: Api) -> None:
    items = listed(assets, f"fs/{ASSETS}", company="USMF")["items"]
    assert {item["key"]["id"]: item["origin"] for item in items} == {
        "A-200": "fs",
        "B-300": "scm",
        "C-400": "fs",
        "PUMP-1": "scm",
    }


# -- scenario 2: the technician ------------------------------------------------------------------

PLACES = {
    "SEA-1": (47.6097, -122.3331),  # downtown Seattle, from FS
    "BEL-2": (47.6101, -122.2015),  # Bellevue, from SCM
    "TAC-3": (47.2529, -122.4443),  # Tacoma, from FS
    "OLY-4": (47.0379, -122.9007),  # Olympia, from SCM: about 77 km, outside 50 km
}


@pytest.fixture
def warehouses(api: Api) -> Api:
    sites(api)
    create(api, "fs", WAREHOUSES, warehouse("fs", "SEA-1", PLACES["SEA-1"]))
    create(api, "scm", WAREHOUSES, warehouse("scm", "BEL-2", PLACES["BEL-2"]))
    create(api, "fs", WAREHOUSES, warehouse("fs", "TAC-3", PLACES["TAC-3"]))
    create(api, "scm", WAREHOUSES, warehouse("scm", "OLY-4", PLACES["OLY-4"]))
    create(api, "fs", WAREHOUSES, warehouse("fs", "NOWHERE", None))  # no coordinates: never in a near list
    create(api, "scm", WAREHOUSES, warehouse("scm", "SEA-DE", PLACES["SEA-1"], company="DEMF"))
    return api


def test_technician_lists_warehouses_nearest_first_with_distance_and_details(warehouses: Api) -> None:
    page = listed(warehouses, f"fs/{WAREHOUSES}", **NEAR_SEATTLE)
    items = page["items"]
    assert ids(items) == ["SEA-1", "BEL-2", "TAC-3"] and page["continuation"] is None
    assert [item["distance_km"] for item in items] == [
        round(haversine_km(SEATTLE, PLACES[ident]), 3) for ident in ("SEA-1", "BEL-2", "TAC-3")
    ]
    assert [item["distance_km"] for item in items] == pytest.approx([0.235, 9.633, 40.628], abs=0.001)
    assert [item["origin"] for item in items] == ["fs", "scm", "fs"]
    bellevue = items[1]
    assert set(bellevue) == {"key", "record", "sync", "origin", "distance_km"}
    assert bellevue["record"]["msdyn_operationalsite"] == "SITE-2"  # created in SCM, listed as FS stores it
    assert bellevue["record"]["msdyn_primaryaddresscity"] == "Bellevue"
    assert bellevue["record"]["msdyn_warehousetype"] == 192350001  # Transit
    assert bellevue["record"]["msdyn_primaryaddresslatitude"] == PLACES["BEL-2"][0]


def test_the_scm_side_lists_the_same_warehouses_in_its_own_schema(warehouses: Api) -> None:
    items = listed(warehouses, f"scm/{WAREHOUSES}", **NEAR_SEATTLE)["items"]
    assert ids(items) == ["SEA-1", "BEL-2", "TAC-3"]
    assert items[0]["record"]["OperationalSiteId"] == "SITE-1"
    assert items[0]["record"]["WarehouseType"] == "Standard"
    assert items[0]["record"]["PrimaryAddressLatitude"] == PLACES["SEA-1"][0]


def test_radius_and_company_bound_the_list(warehouses: Api) -> None:
    wide = listed(warehouses, f"fs/{WAREHOUSES}", **{**NEAR_SEATTLE, "radius_km": "100"})["items"]
    assert ids(wide) == ["SEA-1", "BEL-2", "TAC-3", "OLY-4"]
    narrow = listed(warehouses, f"fs/{WAREHOUSES}", **{**NEAR_SEATTLE, "radius_km": "1"})["items"]
    assert ids(narrow) == ["SEA-1"]
    everywhere = listed(warehouses, f"fs/{WAREHOUSES}", near="47.61,-122.33", radius_km="20037.5")["items"]
    assert [(item["key"]["company"], item["key"]["id"]) for item in everywhere] == [
        ("DEMF", "SEA-DE"),  # the same spot as SEA-1: ties go by key, and DEMF sorts first
        ("USMF", "SEA-1"),
        ("USMF", "BEL-2"),
        ("USMF", "TAC-3"),
        ("USMF", "OLY-4"),
    ]


def test_near_pages_do_not_shift_when_other_rows_change(warehouses: Api) -> None:
    first = listed(warehouses, f"fs/{WAREHOUSES}", **NEAR_SEATTLE, limit=2)
    assert ids(first["items"]) == ["SEA-1", "BEL-2"] and first["continuation"]
    create(warehouses, "scm", WAREHOUSES, warehouse("scm", "HERE", SEATTLE))  # nearer than the page just read
    create(warehouses, "fs", WAREHOUSES, warehouse("fs", "KEN-5", (47.3809, -122.2348)))  # Kent, between BEL and TAC
    assert warehouses.delete(f"fs/{WAREHOUSES}/USMF/SEA-1").status_code == 200
    rest = every_page(warehouses, f"fs/{WAREHOUSES}", **NEAR_SEATTLE, limit=2, continuation=first["continuation"])
    assert [ids(page) for page in rest] == [["KEN-5", "TAC-3"]]


def test_near_pages_one_row_at_a_time(warehouses: Api) -> None:
    pages = every_page(warehouses, f"scm/{WAREHOUSES}", **NEAR_SEATTLE, limit=1)
    assert [ids(page) for page in pages] == [["SEA-1"], ["BEL-2"], ["TAC-3"]]


# -- what a list refuses -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entity", "params", "says"),
    [
        pytest.param(WAREHOUSES, {"near": "47.61"}, "go together", id="one-coordinate-no-radius"),
        pytest.param(WAREHOUSES, {"near": "47.61", "radius_km": "5"}, "two decimal numbers", id="one-coordinate"),
        pytest.param(WAREHOUSES, {"near": "a,b", "radius_km": "5"}, "two decimal numbers", id="words"),
        pytest.param(WAREHOUSES, {"near": "nan,0", "radius_km": "5"}, "two decimal numbers", id="nan"),
        pytest.param(WAREHOUSES, {"near": "1e999,0", "radius_km": "5"}, "out of range", id="infinite"),
        pytest.param(WAREHOUSES, {"near": "91,0", "radius_km": "5"}, "out of range", id="latitude"),
        pytest.param(WAREHOUSES, {"near": "0,-180.1", "radius_km": "5"}, "out of range", id="longitude"),
        pytest.param(WAREHOUSES, {"near": "0,0", "radius_km": "0"}, "radius_km", id="zero-radius"),
        pytest.param(WAREHOUSES, {"near": "0,0", "radius_km": "-1"}, "radius_km", id="negative-radius"),
        pytest.param(WAREHOUSES, {"near": "0,0", "radius_km": "inf"}, "radius_km", id="infinite-radius"),
        pytest.param(WAREHOUSES, {"near": "0,0", "radius_km": "20038"}, "radius_km", id="radius-too-big"),
        pytest.param(WAREHOUSES, {"near": "0,0"}, "go together", id="near-without-radius"),
        pytest.param(WAREHOUSES, {"radius_km": "5"}, "go together", id="radius-without-near"),
        pytest.param(WAREHOUSES, {"q": "pump"}, "cannot be searched", id="q-on-warehouses"),
        pytest.param(ASSETS, {"near": "0,0", "radius_km": "5"}, "no coordinates", id="near-on-assets"),
        pytest.param(ASSETS, {"q": "pump", "continuation": "bm90LWEtdG9rZW4"}, "not one this API", id="bad-token"),
        pytest.param(ASSETS, {"q": "pump", "continuation": "é"}, "not one this API", id="non-ascii-token"),
        pytest.param(ASSETS, {"q": "pump", "limit": "²"}, "limit", id="superscript-limit"),
        pytest.param(ASSETS, {"limit": "²"}, "limit", id="superscript-limit-plain"),
    ],
)
def test_unusable_list_parameters_are_400(api: Api, entity: str, params: dict[str, str], says: str) -> None:
    answer = api.get(f"fs/{entity}", company="USMF", **params)
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert set(error) == {"code", "message", "details"} and error["code"] == "bad_request"
    assert says in error["message"]


def test_a_token_serves_only_its_own_query(assets: Api) -> None:
    token = listed(assets, f"fs/{ASSETS}", company="USMF", q="pump", limit=1)["continuation"]
    for path, params in [
        (f"fs/{ASSETS}", {"company": "USMF", "q": "valve"}),  # another search
        (f"scm/{ASSETS}", {"company": "USMF", "q": "pump"}),  # the other side
        (f"fs/{ASSETS}", {"company": "USMF"}),  # a plain list
    ]:
        answer = assets.get(path, **params, continuation=token)
        assert answer.status_code == 400, answer.text
    plain = listed(assets, f"fs/{ASSETS}", company="USMF", limit=1)["continuation"]
    assert assets.get(f"fs/{ASSETS}", company="USMF", q="pump", continuation=plain).status_code == 400


def test_unknown_company_is_404(api: Api) -> None:
    answer = api.get(f"fs/{WAREHOUSES}", company="NOPE", near="0,0", radius_km="5")
    assert answer.status_code == 404
