"""Sites in the jobs, through the admin routes: an import and an initial sync of sites, then of warehouses
(whose missing sites fail by name), a warehouses initial sync refused while a sites job runs, a reconcile
that finds and repairs a site's drift."""

from __future__ import annotations

import json

from azure.data.tables import TableServiceClient

from shared.keys import Key
from tests.integration.storage import policy
from tests.integration.support import Api, eventually, rows
from tests.integration.test_import_and_cli import imported, upload
from tests.integration.test_initial_sync import errors, finished, hold, initial_sync
from tests.integration.test_reconcile import finished as reconciled
from tests.integration.test_reconcile import reconcile
from tests.integration.test_writing_jobs import HeldJob
from tests.samples import sample

SITES_CSV = b"""dataAreaId,SiteId,SiteName,IsReceivingWarehouseOverrideAllowed,PrimaryAddressCity
USMF,S1,Galvin,No,Galvin
USMF,S2,Redmond,Yes,Redmond
USMF,WAYTOOLONGID,Too long,No,
"""


def warehouse(ident: str, site: str) -> dict[str, str]:
    return {"dataAreaId": "USMF", "WarehouseId": ident, "OperationalSiteId": site}


def test_sites_imported_then_synced_then_their_warehouses(api: Api, tables: TableServiceClient) -> None:
    job = imported(api, upload(api, SITES_CSV, side="scm", slug="sites"))
    assert (job["counts"]["loaded"], job["counts"]["refused"]) == (2, 1)
    assert rows(tables, "Sites", "FS") == {}  # an import loads one side: what SCM holds
    sites = finished(api, initial_sync(api, "sites", **{"from": "scm"}))
    assert sites["counts"]["created"] == 2
    assert rows(tables, "Sites", "FS")["USMF|S2"]["msdyn_isreceivingwarehouseoverrideallowed"] is True

    hold(tables, "warehouses", "scm", [warehouse("W1", "S1"), warehouse("W2", "s2"), warehouse("W9", "S9")])
    job = finished(api, initial_sync(api, "warehouses", **{"from": "scm"}))
    assert (job["counts"]["created"], job["counts"]["failed"]) == (2, 1)
    [logged] = errors(tables, job["id"]).values()
    assert logged["Id"] == "W9" and logged["Code"] == "validation_failed"
    reasons = {(r["field"], r["rule"], r["side"]) for r in json.loads(logged["Reasons"])}
    assert reasons == {
        ("OperationalSiteId", "operational_site", "scm"),
        ("msdyn_operationalsite", "operational_site", "fs"),
    }
    assert set(rows(tables, "Warehouses", "FS")) == {"USMF|W1", "USMF|W2"}


def test_a_warehouses_initial_sync_waits_for_no_sites_job(api: Api, tables: TableServiceClient) -> None:
    """Refused (409 job_running, naming the sites job) while a job that writes sites runs; then it starts."""
    hold(tables, "sites", "fs", [sample("sites", "fs", f"S{n}", n) for n in range(3)])
    held = HeldJob("Sites")
    with policy(held):
        try:
            first = initial_sync(api, "sites", **{"from": "fs"})
            assert first.status_code == 202, first.text
            assert held.reached.wait(15), "the sites job's runner never read its table"
            sites_job = first.json()["job"]["id"]
            refused = initial_sync(api, "warehouses", **{"from": "fs"})
            assert refused.status_code == 409, refused.text
            error = refused.json()["error"]
            assert error["code"] == "job_running"
            assert error["details"] == [
                {"job": sites_job, "kind": "initial-sync", "entity": "sites", "state": "running"}
            ]
            assert error["message"].startswith("warehouses are brought across after the sites they name: start this")
            repair = reconcile(api, {"repair": "newest"}, slug="warehouses")
            assert repair.status_code == 409, repair.text  # a repair checks the sites too
        finally:
            held.released.set()
    eventually(lambda: api.get(f"sync/jobs/{sites_job}").json()["state"] == "succeeded", timeout=60)
    assert finished(api, initial_sync(api, "warehouses", **{"from": "fs"}))["counts"]["read"] == 0


def test_a_reconcile_finds_and_repairs_a_sites_drift(api: Api, tables: TableServiceClient) -> None:
    for n, ident in enumerate(("S1", "S2")):
        assert api.post("fs", "sites", sample("sites", "fs", ident, n, at=n)).status_code == 201
    assert api.session.post(f"{api.base}/operations/recover").status_code == 200  # their intents confirmed
    client = tables.get_table_client("Sites")
    client.delete_entity("SCM", Key("USMF", "S2").row_key)  # lost on SCM behind the sync's back
    job = reconciled(api, reconcile(api, {"repair": "newest"}, slug="sites"))
    assert job["report"]["missing_in_scm"] == 1, job["report"]
    assert set(rows(tables, "Sites", "SCM")) == {"USMF|S1", "USMF|S2"}
    again = reconciled(api, reconcile(api, None, slug="sites"))
    assert again["report"]["missing_in_scm"] == 0
