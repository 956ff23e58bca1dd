"""Dataverse webhooks on `POST /api/fs/{entity}`, end to end with credentials on: Create, Update (only the
changed columns, keyed by the GUID the sync stored) and Delete (keyed by the pre-image, or by the GUID),
for every entity; lookups resolved from KeyAttributes, from stored GUIDs and from SYNC_COMPANY_IDS."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from azure.data.tables import TableServiceClient

from shared.entities import ENTITIES
from shared.keys import Key
from tests.fixtures import dataverse as dv
from tests.fixtures.records import KEY_COLUMNS, TABLES, fs_columns
from tests.integration.callers import failures, post, secured
from tests.integration.support import Api, rows
from tests.samples import samples_of

pytestmark = pytest.mark.usefixtures("prerequisites")  # a warehouse's site, created first

__all__ = ["secured"]
SLUGS = sorted(ENTITIES)
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


def at(seconds: float) -> dt.datetime:
    return NOW - dt.timedelta(hours=1) + dt.timedelta(seconds=seconds)


def create(api: Api, slug: str, ident: str, guid: str, version: int = 1, **extra: Any) -> Any:
    columns = {**fs_columns(slug, ident, version), **extra}
    body = dv.context("Create", TABLES[slug], guid, at(version), target=columns)
    return post(api, "fs", slug, body, dv.headers(TABLES[slug], "Create"))


def stored(tables: TableServiceClient, slug: str, partition: str, ident: str) -> dict[str, Any]:
    return rows(tables, ENTITIES[slug].table, partition).get(Key("USMF", ident).row_key, {})


@pytest.mark.parametrize("slug", SLUGS)
def test_create_update_and_delete_go_through_end_to_end(
    slug: str, api: Api, tables: TableServiceClient, secured: None
) -> None:
    guid, table = str(uuid.uuid4()), TABLES[slug]
    spec = ENTITIES[slug]
    created = create(api, slug, "HOOK-1", guid)
    assert created.status_code == 201, created.text
    fs_row = stored(tables, slug, "FS", "HOOK-1")
    assert fs_row[f"{table}id"] == guid and fs_row["msdyn_company"] == "USMF"
    assert created.json()["scm"]["record"]["dataAreaId"] == "USMF"

    # an Update carries only what changed, no key and no image: the GUID finds the record
    fs_field, scm_field = samples_of(slug).text
    update = dv.context("Update", table, guid, at(2), target={fs_field: "v2"})
    updated = post(api, "fs", slug, update, dv.headers(table, "Update"))
    assert updated.status_code == 200 and updated.json()["status"] == "updated", updated.text
    assert updated.json()["scm"]["record"][scm_field] == "v2"
    assert stored(tables, slug, "FS", "HOOK-1")[spec.fs.id_field] == "HOOK-1"  # the rest was kept

    pre = {name: fs_columns(slug, "HOOK-1", 1)[name] for name in KEY_COLUMNS[slug]}
    delete = dv.context("Delete", table, guid, at(3), pre=pre)
    deleted = post(api, "fs", slug, delete, dv.headers(table, "Delete"))
    assert deleted.status_code == 200 and deleted.json()["status"] == "deleted", deleted.text
    assert stored(tables, slug, "FS", "HOOK-1") == {} and stored(tables, slug, "SCM", "HOOK-1") == {}


def test_a_delete_without_pre_image_is_keyed_by_the_stored_guid(
    api: Api, tables: TableServiceClient, secured: None
) -> None:
    guid = str(uuid.uuid4())
    assert create(api, "ship-via", "BYGUID", guid).status_code == 201
    deleted = post(api, "fs", "ship-via", dv.context("Delete", "msdyn_shipvia", guid, at(5)))
    assert deleted.status_code == 200, deleted.text
    assert stored(tables, "ship-via", "SCM", "BYGUID") == {}
    again = post(api, "fs", "ship-via", dv.context("Delete", "msdyn_shipvia", guid, at(6)))
    assert again.status_code == 404 and again.json()["error"]["code"] == "not_found"


def test_an_update_of_a_row_the_sync_never_saw_needs_its_key(api: Api, secured: None) -> None:
    body = dv.context("Update", "msdyn_shipvia", str(uuid.uuid4()), at(1), target={"msdyn_description": "x"})
    assert failures(post(api, "fs", "ship-via", body)) == {("msdyn_name", "unresolved_key")}
    keyed = dv.context(
        "Update", "msdyn_shipvia", str(uuid.uuid4()), at(1), target={"msdyn_description": "x"},
        post={"msdyn_company": dv.company("USMF"), "msdyn_name": "FROMPOST"},
    )  # fmt: skip
    assert post(api, "fs", "ship-via", keyed).status_code == 201  # a post-image gives the key


def test_self_references_resolve_by_the_guids_the_sync_holds(api: Api, secured: None) -> None:
    quarantine = str(uuid.uuid4())
    made = create(api, "warehouses", "QUAR", quarantine, msdyn_warehousetype=dv.option(192350002))
    assert made.status_code == 201, made.text
    naming = create(
        api, "warehouses", "MAIN", str(uuid.uuid4()),
        msdyn_quarantinewarehouse=dv.ref("msdyn_warehouse", quarantine, "QUAR"),
    )  # fmt: skip
    assert naming.status_code == 201, naming.text
    assert naming.json()["scm"]["record"]["QuarantineWarehouseId"] == "QUAR"
    parent = str(uuid.uuid4())
    assert create(api, "customer-assets", "PARENT", parent).status_code == 201
    child = create(
        api, "customer-assets", "CHILD", str(uuid.uuid4()),
        msdyn_parentasset=dv.ref("msdyn_customerasset", parent, "Parent pump"),
    )  # fmt: skip
    assert child.status_code == 201, child.text
    assert child.json()["scm"]["record"]["ParentMaintenanceAssetId"] == "PARENT"
    assert child.json()["fs"]["record"]["msdyn_account"] == "Adventure Works"  # a text column: the reference's Name


def test_unresolvable_lookups_are_422_naming_each_field(api: Api, secured: None) -> None:
    body = create(
        api, "warehouses", "LOST", str(uuid.uuid4()),
        msdyn_company=dv.ref("cdm_company", str(uuid.uuid4())),
        msdyn_operationalsite=dv.ref("msdyn_operationalsite", str(uuid.uuid4()), "Site 9"),
        msdyn_transitwarehouse=dv.ref("msdyn_warehouse", str(uuid.uuid4())),
    )  # fmt: skip
    assert failures(body) == {
        ("msdyn_company", "unresolved_reference"),
        ("msdyn_operationalsite", "unresolved_reference"),
        ("msdyn_transitwarehouse", "unresolved_reference"),
    }


def test_a_company_resolves_by_its_key_attributes_too(api: Api, secured: None) -> None:
    company = dv.ref("cdm_company", str(uuid.uuid4()), "Contoso Europe", cdm_companycode="DEMF")
    answer = create(api, "ship-via", "KEYED", str(uuid.uuid4()), msdyn_company=company)
    assert answer.status_code == 201 and answer.json()["key"]["company"] == "DEMF", answer.text


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"PrimaryEntityName": "msdyn_warehouse"}, "PrimaryEntityName", "entity_name"),
        ({"Stage": 20}, "Stage", "stage"),
        ({"MessageName": "Assign"}, "MessageName", "allowed_values"),
    ],
)
def test_bodies_for_another_table_stage_or_message_are_422(
    api: Api, secured: None, change: dict[str, Any], field: str, rule: str
) -> None:
    body = {**dv.context("Create", "msdyn_shipvia", str(uuid.uuid4()), at(1), target=fs_columns("ship-via", "X", 1))}
    assert failures(post(api, "fs", "ship-via", {**body, **change})) == {(field, rule)}


def test_a_malformed_context_is_400(api: Api, secured: None) -> None:
    body = {"MessageName": "Create", "PrimaryEntityName": "msdyn_shipvia", "InputParameters": "Target"}
    answer = post(api, "fs", "ship-via", body)
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "bad_request", answer.text


def test_a_body_dataverse_cut_short_is_recorded_for_a_resync(
    api: Api, tables: TableServiceClient, secured: None
) -> None:
    guid = str(uuid.uuid4())
    assert create(api, "payment-terms", "BIG", guid).status_code == 201
    body = dv.context("Update", "msdyn_paymentterm", guid, at(2))
    for dropped in ("InputParameters", "ParentContext", "PreEntityImages", "PostEntityImages"):
        body.pop(dropped)  # what Dataverse removes from a message over 256 KB
    answer = post(api, "fs", "payment-terms", body, {"x-ms-dynamics-msg-size-exceeded": "true"})
    assert answer.status_code == 413 and answer.json()["error"]["code"] == "payload_too_large", answer.text
    entry_id = answer.json()["error"]["details"][0]["error_log_id"]
    logged = tables.get_table_client("SyncErrors").get_entity("payment-terms", entry_id)
    assert (logged["Company"], logged["Id"], logged["Direction"]) == ("USMF", "BIG", "fs-to-scm")
    assert logged["Source"] == "webhook"
    assert stored(tables, "payment-terms", "SCM", "BIG")["NumberOfDays"] == 1  # nothing was written
