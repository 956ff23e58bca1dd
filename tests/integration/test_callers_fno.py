"""F&O events on `POST /api/scm/{entity}`, end to end with credentials on: data events (OnExternalCreated,
OnExternalUpdated, OnExternalDeleted) for every entity, a custom business event, and the flat OData record."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from azure.data.tables import TableServiceClient

from shared.edge.callers.fno import BUSINESS_EVENTS
from shared.entities import ENTITIES
from shared.keys import Key
from tests.fixtures.dataverse import option
from tests.fixtures.fno import business_event, data_event, key_columns, scm_columns
from tests.integration.callers import failures, post, secured
from tests.integration.support import Api, rows
from tests.samples import sample

pytestmark = pytest.mark.usefixtures("prerequisites")  # a warehouse's site, created first

__all__ = ["secured"]
SLUGS = sorted(ENTITIES)
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


def at(seconds: float) -> dt.datetime:
    return NOW - dt.timedelta(hours=1) + dt.timedelta(seconds=seconds)


def stored(tables: TableServiceClient, slug: str, partition: str, ident: str) -> dict[str, Any]:
    return rows(tables, ENTITIES[slug].table, partition).get(Key("USMF", ident).row_key, {})


@pytest.mark.parametrize("slug", SLUGS)
def test_data_events_create_update_and_delete_end_to_end(
    slug: str, api: Api, tables: TableServiceClient, secured: None
) -> None:
    columns, labels = scm_columns(slug, "EVT-1", 1)
    created = post(api, "scm", slug, data_event("OnExternalCreated", slug, columns, labels, at(1)))
    assert created.status_code == 201, created.text
    assert stored(tables, slug, "FS", "EVT-1"), "the FS side was written"
    columns2, labels2 = scm_columns(slug, "EVT-1", 2)
    updated = post(api, "scm", slug, data_event("OnExternalUpdated", slug, columns2, labels2, at(2)))
    assert updated.status_code == 200 and updated.json()["status"] == "updated", updated.text
    key_only = {name: value for name, value in columns.items() if name in key_columns(slug)}
    deleted = post(api, "scm", slug, data_event("OnExternalDeleted", slug, key_only, {}, at(3)))
    assert deleted.status_code == 200 and deleted.json()["status"] == "deleted", deleted.text
    assert stored(tables, slug, "FS", "EVT-1") == {} and stored(tables, slug, "SCM", "EVT-1") == {}


def test_enums_are_read_from_their_labels_and_null_dates_are_empty(api: Api, secured: None) -> None:
    columns, labels = scm_columns("payment-terms", "CUTOFF", 3)
    answer = post(api, "scm", "payment-terms", data_event("OnExternalCreated", "payment-terms", columns, labels, at(1)))
    assert answer.status_code == 201, answer.text
    assert answer.json()["scm"]["record"]["PaymentMethodType"] == "CutOffDate"  # label "Cut-off date"
    assert answer.json()["fs"]["record"]["msdyn_paymentmethodtype"] == 806380997
    assert answer.json()["fs"]["record"]["msdyn_iscashpayment"] is False
    columns, labels = scm_columns("customer-assets", "DATES", 1)
    asset = post(
        api, "scm", "customer-assets", data_event("OnExternalCreated", "customer-assets", columns, labels, at(1))
    )
    assert asset.status_code == 201, asset.text
    scm = asset.json()["scm"]["record"]
    assert scm["ActiveFrom"] == "2026-01-01" and scm["ReplacementDate"] == "1900-01-01"  # left out: no date
    assert "msdyn_replacementdate" not in asset.json()["fs"]["record"]


def test_a_data_event_update_clears_a_date_it_leaves_out(api: Api, secured: None) -> None:
    columns, labels = scm_columns("customer-assets", "CLEAR", 1)
    made = post(
        api, "scm", "customer-assets", data_event("OnExternalCreated", "customer-assets", columns, labels, at(1))
    )
    assert made.status_code == 201, made.text
    columns.pop("mserp_activefrom")  # the row is whole: a date left out is null now
    cleared = post(
        api, "scm", "customer-assets", data_event("OnExternalUpdated", "customer-assets", columns, labels, at(2))
    )
    assert cleared.status_code == 200 and cleared.json()["scm"]["record"]["ActiveFrom"] == "1900-01-01", cleared.text


def test_an_option_without_a_label_naming_the_enum_is_422(api: Api, secured: None) -> None:
    columns, _ = scm_columns("warehouses", "NOLABEL", 1)
    columns["mserp_warehousetype"] = option(200000002)
    labels = {"mserp_warehousetype": "Something else", "mserp_isfallbackwarehouse": "No"}
    answer = post(api, "scm", "warehouses", data_event("OnExternalCreated", "warehouses", columns, labels, at(1)))
    assert failures(answer) == {("WarehouseType", "unresolved_option")}


def test_a_data_event_of_another_table_is_422(api: Api, secured: None) -> None:
    columns, labels = scm_columns("ship-via", "OTHER", 1)
    answer = post(api, "scm", "warehouses", data_event("OnExternalCreated", "ship-via", columns, labels, at(1)))
    assert failures(answer) == {("PrimaryEntityName", "entity_name")}


def test_a_business_event_upserts_and_deletes(api: Api, tables: TableServiceClient, secured: None) -> None:
    fields = {"Name": "Net45", "Description": "45 days", "NumberOfDays": 45, "PaymentMethodType": "Net"}
    changed = post(api, "scm", "payment-terms", business_event("FsScmSyncPaymentTermChanged", "usmf", fields, at(1)))
    assert changed.status_code == 201, changed.text
    assert changed.json()["fs"]["record"]["msdyn_days"] == 45
    assert changed.json()["scm"]["record"]["dataAreaId"] == "usmf"  # from BusinessEventLegalEntity
    gone = business_event("FsScmSyncPaymentTermDeleted", "usmf", {"Name": "Net45"}, at(2))
    deleted = post(api, "scm", "payment-terms", gone)
    assert deleted.status_code == 200 and deleted.json()["status"] == "deleted", deleted.text
    assert stored(tables, "payment-terms", "FS", "NET45") == {}


def test_a_business_event_delete_names_its_key(api: Api, secured: None) -> None:
    gone = business_event("FsScmSyncPaymentTermDeleted", "USMF", {}, at(2))
    assert failures(post(api, "scm", "payment-terms", gone)) == {("Name", "required")}


def test_the_flat_odata_record_keeps_working(api: Api, secured: None) -> None:
    answer = post(api, "scm", "ship-via", sample("ship-via", "scm", "FLAT", 1))
    assert answer.status_code == 201, answer.text


@pytest.mark.parametrize("slug", SLUGS)
def test_each_entitys_business_events_upsert_and_delete(
    slug: str, api: Api, tables: TableServiceClient, secured: None
) -> None:
    changed, deleted = BUSINESS_EVENTS[slug]  # as docs/connecting.md lists them: changed, then deleted
    record = sample(slug, "scm", "BE-1", 1)
    made = post(api, "scm", slug, business_event(changed, "USMF", record, at(1)))
    assert made.status_code == 201, made.text
    key = {name: record[name] for name in ("dataAreaId", ENTITIES[slug].scm.id_field)}
    gone = post(api, "scm", slug, business_event(deleted, "USMF", key, at(2)))
    assert gone.status_code == 200 and gone.json()["status"] == "deleted", gone.text
    assert stored(tables, slug, "SCM", "BE-1") == {}


@pytest.mark.parametrize(
    "event_id",
    ["FsScmSyncWarehouseDeleted", "FsScmSyncWarehouseChanged", "CustomerInvoicePostedBusinessEvent", "", "x" * 500],
)
def test_a_business_event_the_route_does_not_list_is_422_and_writes_nothing(
    event_id: str, api: Api, tables: TableServiceClient, secured: None
) -> None:
    """Above all an event of another entity: a warehouse's delete must not delete a payment term."""
    terms = {"Name": "NET30", "Description": "30 days", "NumberOfDays": 30, "PaymentMethodType": "Net"}
    made = post(api, "scm", "payment-terms", business_event("FsScmSyncPaymentTermChanged", "USMF", terms, at(1)))
    assert made.status_code == 201, made.text
    changed = {**terms, "NumberOfDays": 45}
    for fields in ({"Name": "NET30"}, changed, {**changed, "Name": "NET45"}):
        answer = post(api, "scm", "payment-terms", business_event(event_id, "USMF", fields, at(2)))
        assert failures(answer) == {("BusinessEventId", "event_id")}
        assert "FsScmSyncPaymentTermChanged" in answer.json()["error"]["details"][0]["message"]  # which it takes
    assert stored(tables, "payment-terms", "SCM", "NET30")["NumberOfDays"] == 30
    assert stored(tables, "payment-terms", "FS", "NET30")["msdyn_days"] == 30
    assert stored(tables, "payment-terms", "SCM", "NET45") == {}
