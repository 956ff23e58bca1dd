"""Every entity's two queues carry a message end to end, and a refused delete lands in the error log."""

from __future__ import annotations

import pytest
from azure.data.tables import TableServiceClient
from azure.storage.queue import QueueServiceClient

from shared import jsonio
from shared.entities import ENTITIES
from shared.entities.spec import other
from tests.integration.support import Api, eventually, peek, rows, send
from tests.samples import sample

pytestmark = pytest.mark.usefixtures("prerequisites")  # a warehouse's site, created first

DIRECTIONS = [
    pytest.param(slug, side, id=f"{side}-to-{other(side)}-{slug}") for slug in ENTITIES for side in ("fs", "scm")
]


@pytest.mark.parametrize(("slug", "source"), DIRECTIONS)
def test_queue_upsert_then_delete(
    api: Api, connection: str, tables: TableServiceClient, queues: QueueServiceClient, slug: str, source: str
) -> None:
    spec, queue = ENTITIES[slug], f"{source}-to-{other(source)}-{slug}"
    record = sample(slug, source, "Q-1", version=3)
    send(connection, queue, {"operation": "upsert", "record": record})
    target = other(source)  # type: ignore[arg-type]
    written = eventually(lambda: rows(tables, spec.table, target.upper()).get("USMF|Q-1"))
    assert written[spec.side(target).id_field] == "Q-1"
    origin = eventually(lambda: rows(tables, spec.table, source.upper()).get("USMF|Q-1"))["SyncOrigin"]
    assert origin == source
    send(connection, queue, {"operation": "delete", "key": {"company": "usmf", "id": "q-1"}})
    eventually(lambda: not rows(tables, spec.table, "FS") and not rows(tables, spec.table, "SCM"))
    eventually(lambda: not peek(queues, queue))
    assert list(tables.create_table_if_not_exists("SyncErrors").list_entities()) == []


def test_a_refused_delete_is_logged_and_nothing_is_deleted(
    api: Api, connection: str, tables: TableServiceClient
) -> None:
    parent = {"dataAreaId": "USMF", "MaintenanceAssetId": "ROOT", "Name": "Line", "MaintenanceAssetTypeId": "LINE"}
    assert api.post("scm", "customer-assets", parent).status_code == 201
    child = {**parent, "MaintenanceAssetId": "KID", "Name": "Pump", "ParentMaintenanceAssetId": "ROOT"}
    assert api.post("scm", "customer-assets", child).status_code == 201
    send(connection, "fs-to-scm-customer-assets", {"operation": "delete", "key": {"company": "USMF", "id": "ROOT"}})
    [entry] = eventually(lambda: list(tables.create_table_if_not_exists("SyncErrors").list_entities()))
    assert (entry["PartitionKey"], entry["Code"], entry["Direction"]) == (
        "customer-assets",
        "still_referenced",
        "fs-to-scm",
    )
    assert jsonio.loads(entry["Reasons"]) == [{"company": "USMF", "id": "KID", "side": "scm"}]
    assert set(rows(tables, "CustomerAssets", "FS")) == {"USMF|ROOT", "USMF|KID"}
