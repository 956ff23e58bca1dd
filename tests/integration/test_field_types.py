"""Field types through the running app: strict JSON types, UTF-16 lengths, F&O's date range (issue #8)."""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest
from azure.data.tables import TableServiceClient

from tests.integration import support
from tests.integration.support import Api, rows

pytestmark = pytest.mark.usefixtures("prerequisites")  # a warehouse's site, created first

TERM = {"msdyn_company": "USMF", "msdyn_name": "NET10", "msdyn_days": 10}
WAREHOUSE = {"msdyn_company": "USMF", "msdyn_warehouseidentifier": "WH-1", "msdyn_operationalsite": "1"}
ASSET = {
    "msdyn_company": "USMF",
    "msdyn_maintenanceassetid": "A-1",
    "msdyn_name": "A",
    "msdyn_customerassetcategory": "T",
}
EMOJI = "\N{GRINNING FACE}"  # two UTF-16 code units

terms_refused = partial(support.refused, entity="payment-terms")


def nothing_written(tables: TableServiceClient, table: str) -> bool:
    return rows(tables, table, "FS") == rows(tables, table, "SCM") == {}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("msdyn_days", True, id="true-is-no-number-of-days"),
        pytest.param("msdyn_days", "30", id="text-is-no-whole-number"),
        pytest.param("msdyn_iscashpayment", 1, id="one-is-no-bool"),
        pytest.param("msdyn_paymentmethodtype", "806380991", id="text-is-no-option-value"),
    ],
)
def test_422_strict_types(api: Api, tables: TableServiceClient, field: str, value: Any) -> None:
    assert terms_refused(api, "fs", {**TERM, field: value}) == {(field, "type", "fs")}
    assert nothing_written(tables, "PaymentTerms")


def test_a_whole_number_is_a_fine_latitude(api: Api, tables: TableServiceClient) -> None:
    body = {**WAREHOUSE, "msdyn_primaryaddresslatitude": 47, "msdyn_primaryaddresslongitude": -122}
    answer = support.post_ok(api, "fs", body, entity="warehouses")
    assert answer["scm"]["record"]["PrimaryAddressLatitude"] == 47.0
    assert rows(tables, "Warehouses", "SCM")["USMF|WH-1"]["PrimaryAddressLongitude"] == -122.0
    refused = support.refused(api, "fs", {**body, "msdyn_primaryaddresslatitude": True}, entity="warehouses")
    assert refused == {("msdyn_primaryaddresslatitude", "type", "fs")}


@pytest.mark.parametrize("stamp", [1718000000, 1718000000000, "1718000000"])
def test_422_a_bare_number_is_no_modification_time(api: Api, tables: TableServiceClient, stamp: Any) -> None:
    assert terms_refused(api, "fs", {**TERM, "modifiedon": stamp}) == {("modifiedon", "type", "fs")}
    scm = {"dataAreaId": "USMF", "Name": "NET10", "NumberOfDays": 10, "ModifiedDateTime": stamp}
    assert terms_refused(api, "scm", scm) == {("ModifiedDateTime", "type", "scm")}
    assert nothing_written(tables, "PaymentTerms")


def test_422_lengths_count_utf16_code_units(api: Api, tables: TableServiceClient) -> None:
    answer = api.post("fs", "warehouses", {**WAREHOUSE, "msdyn_warehouseidentifier": EMOJI * 10})
    assert answer.status_code == 422, answer.text
    [detail] = answer.json()["error"]["details"]
    assert (detail["field"], detail["rule"], detail["side"]) == ("msdyn_warehouseidentifier", "max_length", "fs")
    assert "not 20" in detail["message"]
    assert terms_refused(api, "fs", {**TERM, "msdyn_name": EMOJI * 6}) == {("Name", "max_length", "scm")}
    assert nothing_written(tables, "Warehouses") and nothing_written(tables, "PaymentTerms")
    created = support.post_ok(api, "fs", {**WAREHOUSE, "msdyn_warehouseidentifier": EMOJI * 5}, entity="warehouses")
    assert created["scm"]["record"]["WarehouseId"] == EMOJI * 5  # exactly 10 units


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("msdyn_replacementdate", "1899-12-31", id="date-before-1900"),
        pytest.param("msdyn_activeto", "2155-01-01", id="date-after-2154"),
        pytest.param("modifiedon", "1899-12-31T23:59:59Z", id="time-before-1900"),
    ],
)
def test_422_dates_outside_fos_range(api: Api, tables: TableServiceClient, field: str, value: str) -> None:
    refused = support.refused(api, "fs", {**ASSET, field: value}, entity="customer-assets")
    assert refused == {(field, "date_range", "fs")}
    assert nothing_written(tables, "CustomerAssets")
