"""Rules that read other records hold under concurrent writers: one default per company, references
that exist, deletes that keep references whole, no cycles.

Each test holds one writer (the app, through HTTP) right after it has read what its rule depends on,
lets a second writer on another instance (an engine with its own storage client and locks) commit a
change that breaks that rule, then lets the first go on. Without the company's guard row the first
would commit too and break the rule; with it, it decides again and is refused.
"""

from __future__ import annotations

import itertools
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest
import requests
from azure.data.tables import TableClient, TableServiceClient

from shared.entities import ENTITIES
from shared.keys import Key
from shared.settings import get_settings
from shared.sync.engine import Engine
from shared.sync.neighbours import Neighbours
from shared.sync.store import EntityStore
from tests.integration.storage import Fault, Pause, assert_both_or_neither, policy
from tests.integration.support import Api, rows

pytestmark = pytest.mark.usefixtures("prerequisites")  # a warehouse's site, created first

PAYMENT = {"msdyn_company": "USMF", "msdyn_days": 30, "msdyn_isdefaultpaymentterm": True}
SITE = {"dataAreaId": "USMF", "OperationalSiteId": "1"}


def another_instance(connection: str, slug: str) -> Engine:
    """The same sync on another instance: its own storage clients, its own in-process locks."""
    stores = {
        spec.slug: EntityStore(TableClient.from_connection_string(connection, spec.table)) for spec in ENTITIES.values()
    }
    neighbours = Neighbours(ENTITIES, stores.__getitem__)
    return Engine(ENTITIES[slug], stores[slug], get_settings(), neighbours=neighbours)


def held(api: Api, pause: Pause, call: Any) -> Future[requests.Response]:
    """Start `call` in a thread of its own and return once it is held at the pause."""
    pool = ThreadPoolExecutor(1)
    future = pool.submit(call)
    pool.shutdown(wait=False)
    assert pause.reached.wait(15), "the first writer never reached the pause"
    return future


def test_two_defaults_at_once_one_wins(api: Api, connection: str, tables: TableServiceClient) -> None:
    pause = Pause("msdyn_isdefaultpaymentterm")  # the first writer's query for the company's defaults
    with policy(pause):
        first = held(api, pause, lambda: api.post("fs", "payment-terms", {**PAYMENT, "msdyn_name": "NET30"}))
        second = another_instance(connection, "payment-terms").upsert("scm", scm_default("NET60"))
        pause.released.set()
        answer = first.result(30)
    assert second.status == "created"
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["details"][0]["rule"] == "one_default_per_company"
    defaults = [r for r in rows(tables, "PaymentTerms", "SCM").values() if r.get("IsDefaultPaymentTerm") == "Yes"]
    assert [r["Name"] for r in defaults] == ["NET60"]


def scm_default(name: str) -> dict[str, Any]:
    return {"dataAreaId": "USMF", "Name": name, "NumberOfDays": 60, "IsDefaultPaymentTerm": "Yes"}


def test_a_warehouse_naming_one_being_deleted(api: Api, connection: str, tables: TableServiceClient) -> None:
    quarantine = {**SITE, "WarehouseId": "WQ", "WarehouseType": "Quarantine"}
    assert api.post("scm", "warehouses", quarantine).status_code == 201
    pause = Pause("RowKey='USMF|WQ'")  # the first writer's lookup of the quarantine warehouse
    naming = {**SITE, "WarehouseId": "W1", "QuarantineWarehouseId": "WQ"}
    with policy(pause):
        first = held(api, pause, lambda: api.post("scm", "warehouses", naming))
        deleted = another_instance(connection, "warehouses").delete("fs", "USMF", "WQ")
        pause.released.set()
        answer = first.result(30)
    assert deleted.status == "deleted"
    assert answer.status_code == 422, answer.text
    assert {d["rule"] for d in answer.json()["error"]["details"]} == {"quarantine_warehouse"}
    assert rows(tables, "Warehouses", "FS") == rows(tables, "Warehouses", "SCM") == {}


def test_a_delete_while_a_reference_to_it_is_written(api: Api, connection: str, tables: TableServiceClient) -> None:
    assert api.post("scm", "customer-assets", asset("PUMP")).status_code == 201
    pause = Pause("PartitionKey eq 'FS' and RowKey ge 'USMF|' and RowKey lt 'USMF}'")  # the delete's scan
    with policy(pause):
        first = held(api, pause, lambda: api.delete("scm/customer-assets/USMF/PUMP"))
        child = another_instance(connection, "customer-assets").upsert("scm", asset("SEAL", parent="PUMP"))
        pause.released.set()
        answer = first.result(30)
    assert child.status == "created"
    assert answer.status_code == 409, answer.text
    assert answer.json()["error"]["details"] == [{"company": "USMF", "id": "SEAL", "side": "scm"}]
    assert set(rows(tables, "CustomerAssets", "SCM")) == {"USMF|PUMP", "USMF|SEAL"}


def asset(ident: str, parent: str | None = None) -> dict[str, Any]:
    return {
        "dataAreaId": "USMF",
        "MaintenanceAssetId": ident,
        "Name": ident,
        "MaintenanceAssetTypeId": "PUMP",
        "ParentMaintenanceAssetId": parent,
    }


def test_two_updates_that_together_make_a_cycle(api: Api, connection: str, tables: TableServiceClient) -> None:
    for ident in ("A", "B"):
        assert api.post("scm", "customer-assets", asset(ident)).status_code == 201
    # A's writer reads B twice (B exists; B's ancestors); it is held after the second read
    pause = Pause("RowKey='USMF|B'", nth=2)
    with policy(pause):
        first = held(api, pause, lambda: api.post("scm", "customer-assets", asset("A", parent="B")))
        second = another_instance(connection, "customer-assets").upsert("scm", asset("B", parent="A"))
        pause.released.set()
        answer = first.result(30)
    assert second.status == "updated"
    assert answer.status_code == 422, answer.text
    assert {d["rule"] for d in answer.json()["error"]["details"]} == {"no_cycle"}
    parents = {k: r.get("ParentMaintenanceAssetId") for k, r in rows(tables, "CustomerAssets", "SCM").items()}
    assert parents == {"USMF|A": None, "USMF|B": "A"}


GUARDED = {
    "payment-terms": ([], {**PAYMENT, "msdyn_name": "DEF"}),
    "customer-assets": (
        [asset("ROOT")],
        {"msdyn_company": "USMF", "msdyn_maintenanceassetid": "KID", "msdyn_name": "Kid",
         "msdyn_customerassetcategory": "PUMP", "msdyn_parentasset": "root"},
    ),
    "warehouses": (
        [{**SITE, "WarehouseId": "WQ", "WarehouseType": "Quarantine"}],
        {"msdyn_company": "USMF", "msdyn_warehouseidentifier": "W", "msdyn_operationalsite": "1",
         "msdyn_quarantinewarehouse": "wq"},
    ),
}  # fmt: skip


@pytest.mark.parametrize("slug", sorted(GUARDED))
def test_a_fault_at_every_storage_call_of_a_guarded_create(slug: str, api: Api, tables: TableServiceClient) -> None:
    """A create that commits with the company's guard (one transaction), broken at every call in turn."""
    spec = ENTITIES[slug]
    setup, record = GUARDED[slug]
    for named in setup:
        assert api.post("scm", slug, named).status_code == 201
    ident = record[spec.fs.id_field]
    fault = Fault(spec.table)
    answers = []
    with policy(fault):
        for nth, after in itertools.product(range(1, 12), (False, True)):
            fault.arm(nth, after)
            answer = api.post("fs", slug, record)
            fired = fault.disarm()
            answers.append(answer.status_code)
            assert answer.status_code in (200, 201, 503), answer.text
            assert api.session.post(f"{api.base}/operations/recover").status_code == 200
            stored = assert_both_or_neither(tables, spec, Key("USMF", ident).row_key)
            assert (stored is not None) if answer.status_code != 503 else True
            if stored is not None:
                assert api.delete(f"fs/{slug}/USMF/{ident}").status_code == 200
            if not fired:
                break
    assert 503 in answers and answers[-1] != 503, answers


def test_writers_queued_on_one_guard_all_succeed(api: Api, tables: TableServiceClient) -> None:
    """8 threads, each creating assets under one shared parent: all serialised on one guard, all succeed."""
    assert api.post("scm", "customer-assets", asset("LINE")).status_code == 201
    base = api.base.removesuffix("/api")

    def writer(index: int) -> list[int]:
        caller = Api(base)
        return [caller.post("scm", "customer-assets", asset(f"P{index}-{n}", "LINE")).status_code for n in range(5)]

    with ThreadPoolExecutor(8) as pool:
        statuses = [status for chunk in pool.map(writer, range(8)) for status in chunk]
    assert statuses == [201] * 40
    assert len(rows(tables, "CustomerAssets", "SCM")) == 41
    for side in ("fs", "scm"):  # the guard row is no record: lists of every company leave it out
        listed = api.get(f"{side}/customer-assets", limit="1000")
        assert listed.status_code == 200 and len(listed.json()["items"]) == 41
