"""Sites through the app's routes and queues: create, read, update and delete from either side, a queue
message each way, a Dataverse webhook and an F&O data event and business event, and `near=` lists."""

from __future__ import annotations

import datetime as dt
import uuid
from functools import partial
from typing import Any

from azure.data.tables import TableServiceClient
from azure.storage.queue import QueueServiceClient

from tests.fixtures import dataverse as dv
from tests.fixtures.fno import business_event, data_event
from tests.integration import support
from tests.integration.callers import failures, post, secured
from tests.integration.support import Api, eventually, peek, rows, send
from tests.samples.model import BASE

__all__ = ["secured"]

E, TABLE = "sites", "Sites"
FS_SITE = {
    "msdyn_company": "USMF",
    "msdyn_siteid": "SITE-1",
    "msdyn_sitename": "Home speakers production",
    "msdyn_defaultinventorystatusid": "Available",
    "msdyn_primaryaddressstreet": "213 South Street",
    "msdyn_primaryaddresscity": "Galvin",
    "msdyn_primaryaddressstateid": "WA",
    "msdyn_primaryaddresszipcode": "98544",
    "msdyn_primaryaddresscountryregionid": "USA",
    "msdyn_primaryaddresslocationrole": "Delivery",
    "msdyn_primaryaddresslatitude": 46.7395,
    "msdyn_primaryaddresslongitude": -122.9254,
    "msdyn_isreceivingwarehouseoverrideallowed": False,
    "msdyn_isprimaryaddressassigned": True,
    "msdyn_masterplannedusestransferjournal": False,
    "modifiedon": "2026-01-01T10:00:00Z",
}
SCM_SITE = {
    "dataAreaId": "USMF",
    "SiteId": "SITE-1",
    "SiteName": "Home speakers production",
    "DefaultInventoryStatusId": "Available",
    "PrimaryAddressStreet": "213 South Street",
    "PrimaryAddressCity": "Galvin",
    "PrimaryAddressStateId": "WA",
    "PrimaryAddressZipCode": "98544",
    "PrimaryAddressCountryRegionId": "USA",
    "PrimaryAddressLocationRoles": "Delivery",
    "PrimaryAddressLatitude": 46.7395,
    "PrimaryAddressLongitude": -122.9254,
    "IsReceivingWarehouseOverrideAllowed": "No",
    "IsPrimaryAddressAssigned": "Yes",
    "WillMasterPlannedIntraSiteMovementsUseTransferJournals": "No",
    "ModifiedDateTime": "2026-01-01T10:00:00Z",
}
post_ok = partial(support.post_ok, entity=E)
refused = partial(support.refused, entity=E)
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


def both(tables: TableServiceClient) -> tuple[dict[str, Any], dict[str, Any]]:
    return rows(tables, TABLE, "FS"), rows(tables, TABLE, "SCM")


def test_fs_create_read_update_and_delete(api: Api, tables: TableServiceClient) -> None:
    created = post_ok(api, "fs", FS_SITE)
    assert created["status"] == "created"
    assert created["scm"]["record"] == SCM_SITE and created["fs"]["record"] == FS_SITE
    for side, record in (("fs", FS_SITE), ("scm", SCM_SITE)):
        read = api.get(f"{side}/{E}/usmf/site-1")  # keys compare case-insensitively
        assert read.status_code == 200 and read.json()["record"] == record, read.text
    renamed = {**FS_SITE, "msdyn_sitename": "Galvin plant", "modifiedon": "2026-01-02T10:00:00Z"}
    updated = post_ok(api, "fs", renamed)
    assert updated["status"] == "updated" and updated["scm"]["record"]["SiteName"] == "Galvin plant"
    assert both(tables)[1]["USMF|SITE-1"]["SiteName"] == "Galvin plant"
    deleted = api.delete(f"fs/{E}/USMF/SITE-1")
    assert deleted.status_code == 200 and deleted.json()["status"] == "deleted", deleted.text
    assert both(tables) == ({}, {})
    assert api.get(f"scm/{E}/USMF/SITE-1").status_code == 404


def test_scm_create_update_and_delete(api: Api, tables: TableServiceClient) -> None:
    created = post_ok(api, "scm", SCM_SITE)
    assert created["fs"]["record"] == FS_SITE
    changed = {**SCM_SITE, "IsReceivingWarehouseOverrideAllowed": "yes", "ModifiedDateTime": "2026-01-03T00:00:00Z"}
    updated = post_ok(api, "scm", changed)
    assert updated["fs"]["record"]["msdyn_isreceivingwarehouseoverrideallowed"] is True
    assert updated["scm"]["record"]["IsReceivingWarehouseOverrideAllowed"] == "Yes"  # canonical spelling
    assert api.delete(f"scm/{E}/USMF/SITE-1").status_code == 200
    assert both(tables) == ({}, {})


def test_field_rules_refuse_and_write_nothing(api: Api, tables: TableServiceClient) -> None:
    assert refused(api, "fs", {**FS_SITE, "msdyn_sitename": "x" * 61}) == {("SiteName", "max_length", "scm")}
    assert refused(api, "scm", {**SCM_SITE, "SiteId": "ELEVENCHARS", "IsPrimaryAddressAssigned": "Maybe"}) == {
        ("SiteId", "max_length", "scm"),
        ("IsPrimaryAddressAssigned", "allowed_values", "scm"),
    }
    assert both(tables) == ({}, {})


def test_a_queue_message_each_way(
    api: Api, connection: str, tables: TableServiceClient, queues: QueueServiceClient
) -> None:
    send(connection, "fs-to-scm-sites", {"operation": "upsert", "record": FS_SITE})
    written = eventually(lambda: both(tables)[1].get("USMF|SITE-1"))
    assert written["SiteName"] == "Home speakers production" and written["SyncOrigin"] == "fs"
    send(connection, "scm-to-fs-sites", {"operation": "delete", "key": {"company": "USMF", "id": "SITE-1"}})
    eventually(lambda: both(tables) == ({}, {}))
    eventually(lambda: not peek(queues, "scm-to-fs-sites"))
    assert list(tables.create_table_if_not_exists("SyncErrors").list_entities()) == []


def test_sites_near_a_point_nearest_first(api: Api) -> None:
    post_ok(api, "fs", FS_SITE)
    post_ok(
        api, "scm", {**SCM_SITE, "SiteId": "SITE-2", "PrimaryAddressLatitude": 47.6, "PrimaryAddressLongitude": -122.3}
    )
    post_ok(api, "scm", {**SCM_SITE, "SiteId": "FAR", "PrimaryAddressLatitude": 41.9, "PrimaryAddressLongitude": -87.6})
    for side in ("fs", "scm"):
        answer = api.get(f"{side}/{E}", company="USMF", near="47.61,-122.33", radius_km="200")
        assert answer.status_code == 200, answer.text
        assert [item["key"]["id"] for item in answer.json()["items"]] == ["SITE-2", "SITE-1"]


def test_a_dataverse_webhook_keeps_the_sites_guid_and_a_warehouse_lookup_resolves_by_it(
    api: Api, tables: TableServiceClient, secured: None
) -> None:
    """Dataverse sends a warehouse's site as an EntityReference, often with no KeyAttributes: the GUID the sync
    stored with the site from its own webhook names it."""
    guid = str(uuid.uuid4())
    columns = {"msdyn_company": dv.company("USMF"), "msdyn_siteid": "SITE-9", "msdyn_sitename": "Redmond"}
    site = dv.context("Create", "msdyn_operationalsite", guid, NOW, target=columns)
    created = post(api, "fs", E, site, dv.headers("msdyn_operationalsite", "Create"))
    assert created.status_code == 201, created.text
    assert both(tables)[0]["USMF|SITE-9"]["msdyn_operationalsiteid"] == guid
    warehouse = {
        "msdyn_company": dv.company("USMF"),
        "msdyn_warehouseidentifier": "WH-9",
        "msdyn_operationalsite": dv.ref("msdyn_operationalsite", guid, "Redmond"),  # no KeyAttributes
    }
    hook = dv.context("Create", "msdyn_warehouse", str(uuid.uuid4()), NOW, target=warehouse)
    answer = post(api, "fs", "warehouses", hook, dv.headers("msdyn_warehouse", "Create"))
    assert answer.status_code == 201, answer.text
    assert answer.json()["scm"]["record"]["OperationalSiteId"] == "SITE-9"
    unknown = {**warehouse, "msdyn_operationalsite": dv.ref("msdyn_operationalsite", str(uuid.uuid4()))}
    hook = dv.context("Create", "msdyn_warehouse", str(uuid.uuid4()), NOW, target=unknown)
    assert failures(post(api, "fs", "warehouses", hook)) == {("msdyn_operationalsite", "unresolved_reference")}


def test_an_fno_data_event_and_business_events(api: Api, tables: TableServiceClient, secured: None) -> None:
    columns = {
        "mserp_dataareaid": "usmf",
        "mserp_siteid": "SITE-1",
        "mserp_sitename": "Galvin",
        "mserp_sitetimezone": dv.option(BASE + 7),  # not in the template: ignored
        "mserp_willmasterplannedintrasitemovementsusetransferjournals": dv.option(BASE + 1),
    }
    labels = {"mserp_willmasterplannedintrasitemovementsusetransferjournals": "Yes"}
    created = post(api, "scm", E, data_event("OnExternalCreated", E, columns, labels, NOW))
    assert created.status_code == 201, created.text
    assert both(tables)[0]["USMF|SITE-1"]["msdyn_masterplannedusestransferjournal"] is True
    later = NOW + dt.timedelta(seconds=1)
    changed = business_event("FsScmSyncSiteChanged", "USMF", {"SiteId": "SITE-1", "SiteName": "Galvin 2"}, later)
    answer = post(api, "scm", E, changed)
    assert answer.status_code == 200 and answer.json()["fs"]["record"]["msdyn_sitename"] == "Galvin 2", answer.text
    last = NOW + dt.timedelta(seconds=2)
    deleted = post(api, "scm", E, business_event("FsScmSyncSiteDeleted", "USMF", {"SiteId": "SITE-1"}, last))
    assert deleted.status_code == 200 and deleted.json()["status"] == "deleted", deleted.text
    assert both(tables) == ({}, {})
    other = business_event("FsScmSyncWarehouseChanged", "USMF", {"SiteId": "SITE-2"}, NOW)
    assert failures(post(api, "scm", E, other)) == {("BusinessEventId", "event_id")}
