"""Initial sync and coupling through the route and the `sync-jobs` queue, from partitions that hold records
their systems wrote themselves (no sync metadata)."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from azure.data.tables import TableServiceClient

from shared import jsonio
from shared.entities import ENTITIES
from shared.keys import PENDING_PREFIX, Key
from tests.integration.storage import Fault, assert_both_or_neither, pair, policy
from tests.integration.support import Api, eventually, held, rows
from tests.samples import sample

pytestmark = pytest.mark.usefixtures("prerequisites")  # a warehouse's site, created first


def hold(tables: TableServiceClient, slug: str, side: str, records: list[dict[str, Any]]) -> None:
    """Records a system already holds, written straight into its partition (the import's own code)."""
    report = held(tables, slug, side, records)
    assert report.refused == [] and report.loaded == len(records), report


def initial_sync(api: Api, slug: str, **body: Any) -> requests.Response:
    return api.session.post(
        f"{api.base}/sync/{slug}/initial-sync", data=_json(body), headers={"content-type": "application/json"}
    )


def _json(body: dict[str, Any]) -> bytes:
    return jsonio.dumps(body)


def finished(api: Api, answer: requests.Response, timeout: float = 60) -> dict[str, Any]:
    assert answer.status_code == 202, answer.text
    job_id = answer.json()["job"]["id"]

    def done() -> dict[str, Any] | None:
        job = api.get(f"sync/jobs/{job_id}").json()
        return job if job["state"] in ("succeeded", "failed") else None

    job = eventually(done, timeout=timeout)
    assert job["state"] == "succeeded", job
    return job


def errors(tables: TableServiceClient, job_id: str) -> dict[str, dict[str, Any]]:
    found = tables.get_table_client("SyncErrors").query_entities("JobId eq @job", parameters={"job": job_id})
    return {row["Id"]: dict(row) for row in found}


def counts(job: dict[str, Any], *names: str) -> dict[str, int]:
    return {name: job["counts"][name] for name in names}


def key(ident: str, company: str = "USMF") -> str:
    return Key(company, ident).row_key


def test_created_coupled_and_a_conflict_left_alone(api: Api, tables: TableServiceClient) -> None:
    slug = "payment-terms"
    hold(
        tables,
        slug,
        "fs",
        [sample(slug, "fs", "ONLY-FS", 1), sample(slug, "fs", "SAME", 2), sample(slug, "fs", "DIFF", 3)],
    )
    hold(
        tables,
        slug,
        "scm",
        [sample(slug, "scm", "SAME", 2), sample(slug, "scm", "DIFF", 4), sample(slug, "scm", "ONLY-SCM", 5)],
    )
    job = finished(api, initial_sync(api, slug, **{"from": "fs"}))
    assert counts(job, "read", "created", "coupled", "conflicts", "failed") == {
        "read": 3, "created": 1, "coupled": 1, "conflicts": 1, "failed": 0
    }  # fmt: skip
    spec = ENTITIES[slug]
    assert assert_both_or_neither(tables, spec, key("ONLY-FS")) is not None
    same = pair(tables, spec, key("SAME"))
    assert same["fs"] and same["scm"] and same["fs"]["SyncOperationId"] == same["scm"]["SyncOperationId"]
    diff = pair(tables, spec, key("DIFF"))  # left as both systems hold it
    assert diff["fs"] and diff["scm"] and diff["fs"]["msdyn_days"] == 3 and diff["scm"]["NumberOfDays"] == 4
    assert "SyncOperationId" not in diff["fs"] and "SyncOperationId" not in diff["scm"]
    logged = errors(tables, job["id"])
    assert set(logged) == {"DIFF"} and logged["DIFF"]["Source"] == "job" and "NumberOfDays" in logged["DIFF"]["Reasons"]
    assert job["report"]["conflict_samples"][0]["fields"] == ["Description", "NumberOfDays"]
    assert pair(tables, spec, key("ONLY-SCM"))["fs"] is None  # another side's records wait for their own run
    fs_rows = tables.get_table_client(spec.table).query_entities("PartitionKey eq 'FS'")
    in_flight = [row["RowKey"] for row in fs_rows if row.get("SyncPending") or row["RowKey"].startswith(PENDING_PREFIX)]
    assert in_flight == []  # the job cleared its own intents and their index rows: nothing left for recovery
    # the synced records go on as any other: a live change, then an echo
    assert api.post("scm", slug, sample(slug, "scm", "ONLY-FS", 9)).status_code == 200


@pytest.mark.parametrize(("winner", "days"), [("fs", 3), ("scm", 4)])
def test_a_conflict_won_by_one_side(winner: str, days: int, api: Api, tables: TableServiceClient) -> None:
    slug = "payment-terms"
    hold(tables, slug, "fs", [sample(slug, "fs", "DIFF", 3)])
    hold(tables, slug, "scm", [sample(slug, "scm", "DIFF", 4)])
    job = finished(api, initial_sync(api, slug, **{"from": "scm", "conflicts": winner}))
    assert counts(job, "read", "updated", "conflicts") == {"read": 1, "updated": 1, "conflicts": 0}
    rows_now = pair(tables, ENTITIES[slug], key("DIFF"))
    assert rows_now["fs"] and rows_now["scm"]
    assert rows_now["fs"]["msdyn_days"] == rows_now["scm"]["NumberOfDays"] == days
    assert assert_both_or_neither(tables, ENTITIES[slug], key("DIFF")) is not None


def test_the_newest_version_wins(api: Api, tables: TableServiceClient) -> None:
    slug = "ship-via"
    hold(tables, slug, "fs", [sample(slug, "fs", "OLD-FS", 1, at=100), sample(slug, "fs", "NEW-FS", 1, at=300)])
    hold(tables, slug, "scm", [sample(slug, "scm", "OLD-FS", 2, at=200), sample(slug, "scm", "NEW-FS", 2, at=200)])
    job = finished(api, initial_sync(api, slug, **{"from": "fs", "conflicts": "newest"}))
    assert counts(job, "updated") == {"updated": 2}
    descriptions = {
        ident: rows(tables, "ShipVia", "SCM")[key(ident)]["ModeDescription"] for ident in ("OLD-FS", "NEW-FS")
    }
    assert descriptions == {"OLD-FS": "v2", "NEW-FS": "v1"}


def test_rows_that_break_a_rule_fail_alone(api: Api, tables: TableServiceClient) -> None:
    """A warehouse FS holds without a site breaks SCM's rule: it is listed in the error log with SCM's
    reason, and every other row goes through (never all or nothing, never only the top 5)."""
    slug = "warehouses"
    good = [sample(slug, "fs", f"W{n:02}", n) for n in range(12)]
    bad = [{**sample(slug, "fs", f"NOSITE{n}", n), "msdyn_operationalsite": None} for n in range(7)]
    hold(tables, slug, "fs", good + bad)
    job = finished(api, initial_sync(api, slug, **{"from": "fs"}))
    assert counts(job, "read", "created", "failed") == {"read": 19, "created": 12, "failed": 7}
    logged = errors(tables, job["id"])
    assert set(logged) == {f"NOSITE{n}" for n in range(7)}
    assert all("OperationalSiteId" in row["Reasons"] and '"scm"' in row["Reasons"] for row in logged.values())
    assert len(rows(tables, "Warehouses", "SCM")) == 12


def test_a_five_level_asset_tree_stored_children_first(api: Api, tables: TableServiceClient) -> None:
    """Ids sort children before parents, so the source partition lists every child before its parent."""
    slug = "customer-assets"
    records, parent = [], None
    for level, letter in enumerate("ZYXWV"):  # Z is the root, V the deepest level
        for n in range(3):
            ident = f"{letter}{level}-{n}"
            records.append({**sample(slug, "scm", ident, level), "ParentMaintenanceAssetId": parent})
        parent = f"{letter}{level}-0"
    cycle = [
        {**sample(slug, "scm", "C1", 1), "ParentMaintenanceAssetId": "C2"},
        {**sample(slug, "scm", "C2", 1), "ParentMaintenanceAssetId": "C1"},
        {**sample(slug, "scm", "C3", 1), "ParentMaintenanceAssetId": "C2"},  # hangs below the loop
    ]
    hold(tables, slug, "scm", records + cycle)
    job = finished(api, initial_sync(api, slug, **{"from": "scm"}))
    assert counts(job, "read", "created", "failed") == {"read": 18, "created": 15, "failed": 3}
    assert job["report"]["passes"] >= 4  # one level a pass: each child waited for its parent
    logged = errors(tables, job["id"])
    assert set(logged) == {"C1", "C2", "C3"}
    assert '"no_cycle"' in logged["C1"]["Reasons"] and '"no_cycle"' in logged["C2"]["Reasons"]
    fs = rows(tables, "CustomerAssets", "FS")
    assert len(fs) == 15 and fs[key("V4-2")]["msdyn_parentasset"] == "W3-0"


def test_warehouses_naming_each_other_come_across_whatever_the_order(api: Api, tables: TableServiceClient) -> None:
    """Every warehouse names another; the named ones sort after those that name them."""
    slug = "warehouses"
    base = {"dataAreaId": "USMF", "OperationalSiteId": "1"}
    held = [
        {**base, "WarehouseId": "A-MAIN", "QuarantineWarehouseId": "Q-1", "TransitWarehouseId": "T-1"},
        {**base, "WarehouseId": "B-SHOP", "MainRefillingWarehouseId": "A-MAIN", "QuarantineWarehouseId": "Q-1"},
        {**base, "WarehouseId": "Q-1", "WarehouseType": "Quarantine", "MainRefillingWarehouseId": "Z-HUB"},
        {**base, "WarehouseId": "T-1", "WarehouseType": "Transit", "MainRefillingWarehouseId": "Z-HUB"},
        {**base, "WarehouseId": "Z-HUB", "MainRefillingWarehouseId": "ZZ-PORT"},
        {**base, "WarehouseId": "ZZ-PORT"},
    ]
    hold(tables, slug, "scm", held)
    job = finished(api, initial_sync(api, slug, **{"from": "scm"}))
    assert counts(job, "read", "created", "failed") == {"read": 6, "created": 6, "failed": 0}
    fs = rows(tables, "Warehouses", "FS")
    assert fs[key("B-SHOP")]["msdyn_mainrefillingwarehouse"] == "A-MAIN"
    for ident in ("A-MAIN", "B-SHOP", "Q-1", "T-1", "Z-HUB", "ZZ-PORT"):
        assert assert_both_or_neither(tables, ENTITIES[slug], key(ident)) is not None


def test_warehouses_in_a_loop_fail_alone_as_no_cycle(api: Api, tables: TableServiceClient) -> None:
    """WA's quarantine warehouse WQ is refilled from WZ, which is refilled from WA: a loop across fields.
    Those three fail as no_cycle; WB, refilled from WA, fails as its rule says; the rest come across."""
    slug = "warehouses"
    base = {"dataAreaId": "USMF", "OperationalSiteId": "1"}
    held = [
        {**base, "WarehouseId": "WA", "QuarantineWarehouseId": "WQ"},
        {**base, "WarehouseId": "WB", "MainRefillingWarehouseId": "WA"},
        {**base, "WarehouseId": "WQ", "WarehouseType": "Quarantine", "MainRefillingWarehouseId": "WZ"},
        {**base, "WarehouseId": "WZ", "MainRefillingWarehouseId": "WA"},
        {**base, "WarehouseId": "FINE", "MainRefillingWarehouseId": "HUB"},
        {**base, "WarehouseId": "HUB"},
    ]
    hold(tables, slug, "scm", held)
    job = finished(api, initial_sync(api, slug, **{"from": "scm"}))
    assert counts(job, "read", "created", "failed") == {"read": 6, "created": 2, "failed": 4}
    logged = errors(tables, job["id"])
    assert set(logged) == {"WA", "WB", "WQ", "WZ"}
    for ident in ("WA", "WQ", "WZ"):
        assert '"no_cycle"' in logged[ident]["Reasons"], logged[ident]["Reasons"]
    assert '"main_refilling_warehouse"' in logged["WB"]["Reasons"]
    assert set(rows(tables, "Warehouses", "FS")) == {key("FINE"), key("HUB")}


def test_one_company_only(api: Api, tables: TableServiceClient) -> None:
    slug = "ship-via"
    hold(tables, slug, "fs", [sample(slug, "fs", "A", 1), sample(slug, "fs", "B", 1, company="DEMF")])
    job = finished(api, initial_sync(api, slug, **{"from": "fs", "company": "demf"}))
    assert counts(job, "read", "created") == {"read": 1, "created": 1}
    assert set(rows(tables, "ShipVia", "SCM")) == {key("B", "DEMF")}


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({}, id="no-from"),
        pytest.param({"from": "erp"}, id="bad-from"),
        pytest.param({"from": "fs", "conflicts": "mine"}, id="bad-conflicts"),
        pytest.param({"from": "fs", "colour": "red"}, id="unknown-field"),
    ],
)
def test_a_bad_request_is_422_and_starts_nothing(body: dict[str, Any], api: Api, tables: TableServiceClient) -> None:
    answer = initial_sync(api, "ship-via", **body)
    assert answer.status_code == 422, answer.text
    assert api.get("sync/jobs").json()["items"] == []


def test_unknown_entity_company_or_job_is_404(api: Api) -> None:
    assert initial_sync(api, "trucks", **{"from": "fs"}).status_code == 404
    assert initial_sync(api, "ship-via", **{"from": "fs", "company": "XXXX"}).status_code == 404
    assert api.get("sync/jobs/0000000000000-nothing").status_code == 404


def test_a_live_change_during_a_job_is_kept(api: Api, tables: TableServiceClient) -> None:
    """Records synced live while the job runs, and after: the newer version stays on both sides."""
    slug = "payment-terms"
    hold(tables, slug, "scm", [sample(slug, "scm", f"P{n:04}", 1) for n in range(600)])
    started = initial_sync(api, slug, **{"from": "scm"})
    live = [api.post("fs", slug, sample(slug, "fs", f"P{n:04}", 7)) for n in range(0, 600, 50)]
    assert all(answer.status_code in (200, 201) for answer in live)
    job = finished(api, started)
    assert job["counts"]["read"] == 600 and job["counts"]["failed"] == 0
    scm = rows(tables, "PaymentTerms", "SCM")
    assert all(scm[key(f"P{n:04}")]["NumberOfDays"] == 7 for n in range(0, 600, 50))
    for n in range(0, 600, 37):
        assert assert_both_or_neither(tables, ENTITIES[slug], key(f"P{n:04}")) is not None


@pytest.mark.parametrize(
    ("nth", "after"),
    [
        pytest.param(5, False, id="fs-transaction-not-sent"),
        pytest.param(5, True, id="fs-transaction-answer-lost"),
        pytest.param(6, True, id="scm-transaction-answer-lost"),
    ],
)
def test_a_storage_fault_mid_chunk_then_recovery(nth: int, after: bool, api: Api, tables: TableServiceClient) -> None:
    """A chunk broken at one of its transactions (FS rows with intents, or SCM rows) fails; the queue
    runs it again, and after recovery every record is on both sides or neither, with the counts of a
    clean run. The chunk's requests: the count, the source page, the two range reads, the FS
    transaction, the SCM transaction."""
    slug = "ship-via"
    rows_held = 60
    hold(tables, slug, "scm", [sample(slug, "scm", f"S{n:03}", n) for n in range(rows_held)])
    fault = Fault(ENTITIES[slug].table)
    with policy(fault):
        fault.arm(nth, after=after)
        job = finished(api, initial_sync(api, slug, **{"from": "scm"}), timeout=90)
        fired = fault.disarm()
    assert fired
    assert counts(job, "read", "created", "failed") == {"read": rows_held, "created": rows_held, "failed": 0}
    assert api.session.post(f"{api.base}/operations/recover", params={"grace_seconds": "0"}).status_code == 200
    for n in range(rows_held):
        assert assert_both_or_neither(tables, ENTITIES[slug], key(f"S{n:03}")) is not None


def test_a_row_of_a_company_not_configured_fails_alone(api: Api, tables: TableServiceClient) -> None:
    """A row written straight into FS's partition for company XXXX (not configured): no route could reach its
    copy, so the job fails that row, says why in the error log, writes nothing for it, and brings the rest."""
    slug, spec = "ship-via", ENTITIES["ship-via"]
    hold(tables, slug, "fs", [sample(slug, "fs", f"S{n:02}", n) for n in range(12)])
    stray = {"PartitionKey": "FS", "RowKey": key("STRAY", "XXXX"), **sample(slug, "fs", "STRAY", 1, company="XXXX")}
    tables.get_table_client(spec.table).create_entity(stray)
    job = finished(api, initial_sync(api, slug, **{"from": "fs"}))
    assert counts(job, "read", "created", "failed") == {"read": 13, "created": 12, "failed": 1}
    logged = errors(tables, job["id"])
    assert set(logged) == {"STRAY"}
    entry = logged["STRAY"]
    assert (entry["Source"], entry["JobId"], entry["Company"], entry["Code"]) == (
        "job",
        job["id"],
        "XXXX",
        "validation_failed",
    )
    reasons = jsonio.loads(entry["Reasons"])
    assert [(r["field"], r["rule"], r["side"]) for r in reasons] == [("msdyn_company", "known_company", "fs")]
    assert "XXXX" in reasons[0]["message"]
    assert pair(tables, spec, key("STRAY", "XXXX"))["scm"] is None
    assert set(rows(tables, "ShipVia", "SCM")) == {key(f"S{n:02}") for n in range(12)}
