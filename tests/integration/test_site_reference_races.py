"""A warehouse's site holds under concurrent writers on different instances: a warehouse written while its
site is deleted is refused, and a site deleted while a warehouse comes to name it stays (put back, 409).

As in test_rule_races.py, the app's writer is held right after it read what it decides on, another instance
commits the change that breaks the rule, then the first goes on. The two entities live in two tables, so
they meet on the warehouses' guard row of the company (shared/sync/neighbours.py)."""

from __future__ import annotations

from azure.data.tables import TableServiceClient

from shared.entities import ENTITIES
from shared.keys import Key
from tests.integration.storage import Pause, assert_both_or_neither, policy
from tests.integration.support import Api, rows
from tests.integration.test_rule_races import another_instance, held
from tests.samples import sample

WAREHOUSE = {"dataAreaId": "USMF", "WarehouseId": "W1", "OperationalSiteId": "S1"}


def test_a_warehouse_naming_a_site_being_deleted(api: Api, connection: str, tables: TableServiceClient) -> None:
    assert api.post("fs", "sites", sample("sites", "fs", "S1")).status_code == 201
    assert api.session.post(f"{api.base}/operations/recover").status_code == 200  # its intent confirmed
    # the warehouse's writer has seen the site on both sides (its last look is the SCM row) when it is held
    pause = Pause("Sites(PartitionKey='SCM',RowKey='USMF|S1')")
    with policy(pause):
        first = held(api, pause, lambda: api.post("scm", "warehouses", WAREHOUSE))
        deleted = another_instance(connection, "sites").delete("fs", "USMF", "S1")
        pause.released.set()
        answer = first.result(30)
    assert deleted.status == "deleted"
    assert answer.status_code == 422, answer.text
    assert {d["rule"] for d in answer.json()["error"]["details"]} == {"operational_site"}
    assert rows(tables, "Warehouses", "FS") == rows(tables, "Warehouses", "SCM") == {}
    assert rows(tables, "Sites", "FS") == rows(tables, "Sites", "SCM") == {}


def test_a_site_deleted_while_a_warehouse_comes_to_name_it(
    api: Api, connection: str, tables: TableServiceClient
) -> None:
    assert api.post("fs", "sites", sample("sites", "fs", "S1", 3)).status_code == 201
    before = assert_both_or_neither(tables, ENTITIES["sites"], Key("USMF", "S1").row_key)
    # the delete's writer has looked on both sides for warehouses naming the site (SCM last) when it is held
    pause = Pause("PartitionKey eq 'SCM' and RowKey ge 'USMF|'")
    with policy(pause):
        first = held(api, pause, lambda: api.delete("scm/sites/USMF/S1"))
        named = another_instance(connection, "warehouses").upsert("scm", WAREHOUSE)
        pause.released.set()
        answer = first.result(30)
    assert named.status == "created"
    assert answer.status_code == 409, answer.text
    assert {(d["entity"], d["id"]) for d in answer.json()["error"]["details"]} == {("warehouses", "W1")}
    # the site is back on both sides as it was, the warehouse that names it kept
    assert assert_both_or_neither(tables, ENTITIES["sites"], Key("USMF", "S1").row_key) == before
    assert set(rows(tables, "Sites", "SCM")) == {"USMF|S1"} and set(rows(tables, "Warehouses", "FS")) == {"USMF|W1"}
    assert api.get("scm/sites/USMF/S1").status_code == 200
