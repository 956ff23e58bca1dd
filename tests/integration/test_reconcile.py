"""Reconcile through the route and the `sync-jobs` queue, on drift written straight
into the partitions behind the sync's back: a row on one side only, a field changed, a half-done operation."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from azure.core.pipeline import PipelineRequest
from azure.data.tables import TableClient, TableServiceClient, UpdateMode

from devhost import LocalHost
from devtools.azurite import Azurite
from shared import jsonio
from shared.entities import ENTITIES
from shared.jobs import reconcile as reconcile_job
from shared.keys import Key, company_range
from shared.sync.mapping import content_hash
from shared.sync.rows import Intent, SyncMeta
from shared.sync.translate import translate
from tests.integration.storage import Fault, assert_both_or_neither, policy
from tests.integration.support import Api, eventually, held, post_ok
from tests.integration.test_job_resume import job
from tests.processes import app_host
from tests.samples import T0, sample

SLUG = "payment-terms"
SPEC = ENTITIES[SLUG]
ROOT = Path(__file__).resolve().parents[2]
IN_STEP = {"missing_in_fs": 0, "missing_in_scm": 0, "differ": 0, "in_doubt": 0}


def reconcile(api: Api, body: Any = None, slug: str = SLUG) -> requests.Response:
    data = b"" if body is None else body if isinstance(body, bytes) else jsonio.dumps(body)
    headers = {"content-type": "application/json"}
    return api.session.post(f"{api.base}/sync/{slug}/reconcile", data=data, headers=headers, timeout=30)


def finished(api: Api, answer: requests.Response, timeout: float = 60) -> dict[str, Any]:
    assert answer.status_code == 202, answer.text
    job_id = answer.json()["job"]["id"]
    job = eventually(
        lambda: (found := api.get(f"sync/jobs/{job_id}").json())["state"] in ("succeeded", "failed") and found, timeout
    )
    assert job["state"] == "succeeded", job
    return dict(job)


def findings(job: dict[str, Any]) -> dict[str, int]:
    return {kind: job["report"][kind] for kind in IN_STEP}


def table(tables: TableServiceClient) -> TableClient:
    return tables.create_table_if_not_exists(SPEC.table)


def synced(api: Api, *idents: str, company: str = "USMF") -> None:
    """Records synced from FS, their intents confirmed (as the recovery timer does within a minute)."""
    for n, ident in enumerate(idents):
        post_ok(api, "fs", sample(SLUG, "fs", ident, n + 1, company=company, at=n), entity=SLUG)
    assert api.session.post(f"{api.base}/operations/recover", timeout=30).status_code == 200


def change(tables: TableServiceClient, side: str, ident: str, company: str = "USMF", **fields: Any) -> None:
    """A field changed in one system behind the sync's back (its sync columns left as they were)."""
    client = table(tables)
    row = dict(client.get_entity(side.upper(), Key(company, ident).row_key))
    client.update_entity({**row, **fields}, mode=UpdateMode.REPLACE)


def drop(tables: TableServiceClient, side: str, ident: str, company: str = "USMF") -> None:
    table(tables).delete_entity(side.upper(), Key(company, ident).row_key)


def hold(tables: TableServiceClient, side: str, *records: dict[str, Any]) -> None:
    """Records one system holds that never went through the sync."""
    report = held(tables, SLUG, side, records)
    assert report.loaded == len(records), report


def half_done(tables: TableServiceClient, ident: str, description: str) -> None:
    """An operation that wrote the FS row with its intent and crashed before SCM: the state a killed writer
    leaves (the recovery timer leaves it alone for a minute)."""
    client, row_key = table(tables), Key("USMF", ident).row_key
    fs, scm = client.get_entity("FS", row_key), client.get_entity("SCM", row_key)
    record = {k: v for k, v in fs.items() if k not in ("PartitionKey", "RowKey") and not k.startswith("Sync")}
    record["msdyn_description"] = description
    records, failures = translate(SPEC, "fs", record, None)
    assert not failures
    meta = SyncMeta(T0 + dt.timedelta(hours=1), "fs", "fs", content_hash(SPEC, records["scm"]), "op-crashed")
    intent = Intent(scm.metadata["etag"], records["scm"])
    entity = {"PartitionKey": "FS", "RowKey": row_key, **records["fs"], **meta.columns(), **intent.columns()}
    client.update_entity(entity, mode=UpdateMode.REPLACE)


def drift(api: Api, tables: TableServiceClient) -> None:
    """A and E in step at first; A lost its SCM row, B its FS row, C's SCM description changed, D half done,
    F only ever in SCM, G deleted on both sides (tombstones are no records)."""
    synced(api, "A", "B", "C", "D", "E", "G")
    assert api.delete(f"fs/{SLUG}/USMF/G").status_code == 200
    drop(tables, "scm", "A")
    drop(tables, "fs", "B")
    change(tables, "scm", "C", Description="changed in SCM", ModifiedDateTime=T0 + dt.timedelta(minutes=5))
    half_done(tables, "D", "half done")
    hold(tables, "scm", sample(SLUG, "scm", "F", 7))


def snapshot(tables: TableServiceClient) -> dict[tuple[str, str], str]:
    return {(row["PartitionKey"], row["RowKey"]): row.metadata["etag"] for row in table(tables).list_entities()}


def test_the_report_counts_and_samples_each_kind_of_drift_and_writes_nothing(
    api: Api, tables: TableServiceClient
) -> None:
    drift(api, tables)
    before = snapshot(tables)
    job = finished(api, reconcile(api))
    assert job["kind"] == "reconcile" and job["entity"] == SLUG
    assert findings(job) == {"missing_in_fs": 2, "missing_in_scm": 1, "differ": 1, "in_doubt": 1}
    assert job["report"]["samples"] == [
        {"key": {"company": "USMF", "id": "A"}, "kind": "missing_in_scm", "fields": []},
        {"key": {"company": "USMF", "id": "B"}, "kind": "missing_in_fs", "fields": []},
        {"key": {"company": "USMF", "id": "C"}, "kind": "differ", "fields": ["Description"]},
        {"key": {"company": "USMF", "id": "D"}, "kind": "in_doubt", "fields": []},
        {"key": {"company": "USMF", "id": "F"}, "kind": "missing_in_fs", "fields": []},
    ]
    assert "repaired" not in job["report"]
    assert job["counts"]["keys"] == 6 and job["counts"]["read"] == job["total"] == 4 + 5  # tombstones are no rows
    assert snapshot(tables) == before  # a report only reads


@pytest.mark.parametrize(
    ("repair", "c_description"),
    [
        pytest.param("fs", "v3", id="fs-wins"),
        pytest.param("scm", "changed in SCM", id="scm-wins"),
        pytest.param("newest", "changed in SCM", id="newest-is-scm"),
    ],
)
def test_repair_brings_both_sides_in_step_and_a_second_reconcile_finds_nothing(
    api: Api, tables: TableServiceClient, repair: str, c_description: str
) -> None:
    drift(api, tables)
    job = finished(api, reconcile(api, {"repair": repair}))
    assert findings(job) == {"missing_in_fs": 2, "missing_in_scm": 1, "differ": 1, "in_doubt": 1}
    assert {name: job["report"][name] for name in ("repaired", "failed", "in_step")} == {
        "repaired": 5,
        "failed": 0,
        "in_step": 0,
    }
    again = finished(api, reconcile(api))
    assert findings(again) == IN_STEP and again["report"]["samples"] == []
    for ident in "ABDE":
        assert assert_both_or_neither(tables, SPEC, Key("USMF", ident).row_key) is not None  # none deleted
    # F, held by SCM before the sync, reached FS. Where the side that wins already held its record as
    # sent (F; C when SCM wins), the engine writes the other side only, as for a live change.
    assert api.get(f"fs/{SLUG}/USMF/F").json()["record"]["msdyn_description"] == "v7"
    fs_c = api.get(f"fs/{SLUG}/USMF/C").json()["record"]
    scm_c = api.get(f"scm/{SLUG}/USMF/C").json()["record"]
    assert fs_c["msdyn_description"] == scm_c["Description"] == c_description
    assert assert_both_or_neither(tables, SPEC, Key("USMF", "G").row_key) is None  # nor brought back
    d = api.get(f"scm/{SLUG}/USMF/D").json()["record"]
    assert d["Description"] == "half done"  # the crashed operation, finished


@pytest.mark.parametrize(
    ("repair", "description"),
    [
        pytest.param("fs", "edited in FS", id="named-side-wins-as-a-change-made-now"),
        pytest.param("newest", "v2", id="newest-keeps-the-later-time"),
    ],
)
def test_a_side_named_outright_wins_over_a_later_time_and_newest_does_not(
    api: Api, tables: TableServiceClient, repair: str, description: str
) -> None:
    """FS's record was edited behind the sync's back with an older time than the SCM change both rows hold."""
    post_ok(api, "fs", sample(SLUG, "fs", "C", 1, at=0), entity=SLUG)
    post_ok(api, "scm", sample(SLUG, "scm", "C", 2, at=60), entity=SLUG)
    change(tables, "fs", "C", msdyn_description="edited in FS", modifiedon=(T0 + dt.timedelta(seconds=30)).isoformat())
    before = dt.datetime.now(dt.UTC)
    job = finished(api, reconcile(api, {"repair": repair}))
    assert findings(job) == {**IN_STEP, "differ": 1} and job["report"]["repaired"] == 1
    fs, scm = (api.get(f"{side}/{SLUG}/USMF/C").json() for side in ("fs", "scm"))
    assert fs["record"]["msdyn_description"] == scm["record"]["Description"] == description
    stamped = dt.datetime.fromisoformat(scm["sync"]["source_time"]) >= before
    assert stamped == (repair == "fs")  # a named side's repair is a change made now; newest keeps SCM's time
    assert findings(finished(api, reconcile(api))) == IN_STEP


def test_a_record_that_breaks_a_rule_goes_to_the_error_log_and_the_rest_are_repaired(
    api: Api, tables: TableServiceClient
) -> None:
    bad = {**sample(SLUG, "scm", "BAD", 1), "NumberOfDays": -1}
    hold(tables, "scm", sample(SLUG, "scm", "GOOD1", 1), sample(SLUG, "scm", "GOOD2", 2))
    table(tables).create_entity({"PartitionKey": "SCM", "RowKey": Key("USMF", "BAD").row_key, **bad})
    job = finished(api, reconcile(api, {"repair": "scm"}))
    assert findings(job)["missing_in_fs"] == 3
    assert (job["report"]["repaired"], job["report"]["failed"]) == (2, 1)
    logged = list(table_rows(tables, "SyncErrors", job["id"]))
    assert len(logged) == 1
    entry = logged[0]
    assert (entry["Id"], entry["Source"], entry["Direction"], entry["Code"]) == (
        "BAD",
        "job",
        "scm-to-fs",
        "validation_failed",
    )
    assert {(r["field"], r["rule"]) for r in jsonio.loads(entry["Reasons"])} >= {("NumberOfDays", "minimum")}
    again = finished(api, reconcile(api))
    assert findings(again) == {**IN_STEP, "missing_in_fs": 1}
    assert again["report"]["samples"] == [
        {"key": {"company": "USMF", "id": "BAD"}, "kind": "missing_in_fs", "fields": []}
    ]


def test_a_row_of_a_company_not_configured_is_no_drift_and_repair_writes_nothing_for_it(
    api: Api, tables: TableServiceClient
) -> None:
    """A row written straight into SCM's partition for company XXXX (not configured): a report counts it apart
    from the drift; a repair fails it (error log, source `job`), writes nothing for it, and repairs the rest."""
    synced(api, "A")
    hold(tables, "scm", sample(SLUG, "scm", "B", 2))
    stray = Key("XXXX", "STRAY").row_key
    table(tables).create_entity(
        {"PartitionKey": "SCM", "RowKey": stray, **sample(SLUG, "scm", "STRAY", company="XXXX")}
    )
    report = finished(api, reconcile(api))
    assert findings(report) == {**IN_STEP, "missing_in_fs": 1} and report["report"]["unknown_company"] == 1
    assert [s["key"]["id"] for s in report["report"]["samples"]] == ["B"]
    assert table_rows(tables, "SyncErrors", report["id"]) == []  # a report only reads
    job = finished(api, reconcile(api, {"repair": "scm"}))
    assert findings(job) == {**IN_STEP, "missing_in_fs": 1} and job["report"]["unknown_company"] == 1
    assert (job["report"]["repaired"], job["report"]["failed"]) == (1, 1)
    logged = table_rows(tables, "SyncErrors", job["id"])
    assert [(e["Id"], e["Company"], e["Source"], e["Code"]) for e in logged] == [
        ("STRAY", "XXXX", "job", "validation_failed")
    ]
    reasons = jsonio.loads(logged[0]["Reasons"])
    assert [(r["field"], r["rule"], r["side"]) for r in reasons] == [("dataAreaId", "known_company", "scm")]
    held = table(tables).query_entities("RowKey eq @rk", parameters={"rk": stray})
    assert [row["PartitionKey"] for row in held] == ["SCM"]  # nothing written for it
    assert api.get(f"fs/{SLUG}/USMF/B").status_code == 200


def table_rows(tables: TableServiceClient, name: str, job_id: str) -> list[dict[str, Any]]:
    found = tables.get_table_client(name).query_entities("JobId eq @job", parameters={"job": job_id})
    return [dict(row) for row in found]


def test_a_company_filter_reconciles_and_repairs_that_company_only(api: Api, tables: TableServiceClient) -> None:
    synced(api, "A", "B", company="USMF")
    synced(api, "A", "B", company="DEMF")
    drop(tables, "scm", "A", company="USMF")
    drop(tables, "scm", "B", company="DEMF")
    job = finished(api, reconcile(api, {"company": "demf", "repair": "fs"}))
    assert findings(job) == {**IN_STEP, "missing_in_scm": 1} and job["report"]["repaired"] == 1
    assert job["report"]["samples"][0]["key"] == {"company": "DEMF", "id": "B"}
    assert job["counts"]["keys"] == 2
    left = finished(api, reconcile(api))
    assert findings(left) == {**IN_STEP, "missing_in_scm": 1}
    assert left["report"]["samples"][0]["key"] == {"company": "USMF", "id": "A"}


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        pytest.param(b"{", 400, "bad_request", id="not-json"),
        pytest.param(b"[]", 400, "bad_request", id="not-an-object"),
        pytest.param({"repair": "both"}, 422, "validation_failed", id="unknown-direction"),
        pytest.param({"repair": "fs", "dry": True}, 422, "validation_failed", id="unknown-field"),
        pytest.param({"company": 7}, 422, "validation_failed", id="company-not-text"),
        pytest.param({"company": "NOPE"}, 404, "not_found", id="unknown-company"),
    ],
)
def test_a_bad_body_is_refused_in_the_usual_shape(api: Api, body: Any, status: int, code: str) -> None:
    answer = reconcile(api, body)
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["code"] == code
    assert api.get("sync/jobs").json()["items"] == []  # no job started


def test_an_unknown_entity_is_404_and_an_empty_body_reconciles_everything(api: Api) -> None:
    assert reconcile(api, {}, slug="widgets").status_code == 404
    job = finished(api, reconcile(api))
    assert findings(job) == IN_STEP and job["params"] == {}


class WriteFault(Fault):
    """Fails the n-th write (any table's transaction counts too) once, after storage applied it."""

    def _hit(self, request: PipelineRequest[Any]) -> bool:
        return request.http_request.method != "GET" and super()._hit(request)


def test_a_chunk_that_fails_mid_way_runs_again_and_the_job_ends_as_a_clean_run(
    api: Api, tables: TableServiceClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages of 7 rows, counts of 11 keys and repairs of 3, so that every phase crosses many chunks; a write
    in the middle of the repair fails after storage applied it, and the chunk runs again from its checkpoint."""
    monkeypatch.setattr(reconcile_job, "CHUNK_ROWS", 7)
    monkeypatch.setattr(reconcile_job, "REPAIR_ROWS", 3)
    monkeypatch.setattr(reconcile_job, "COUNT_ROWS", 11)
    idents = [f"K{n:02}" for n in range(30)]
    synced(api, *idents)
    for ident in idents[::3]:
        drop(tables, "scm", ident)  # 10 missing in SCM
    hold(tables, "fs", *(sample(SLUG, "fs", f"K{n:02}X", n) for n in range(0, 30, 5)))  # 6 missing in SCM
    hold(tables, "scm", *(sample(SLUG, "scm", f"K{n:02}Y", n) for n in range(0, 30, 4)))  # 8 missing in FS
    with policy(WriteFault(SPEC.table)) as fault:
        fault.arm(12, after=True)
        job = finished(api, reconcile(api, {"repair": "fs"}), timeout=90)
        assert fault.disarm()
    assert findings(job) == {"missing_in_fs": 8, "missing_in_scm": 16, "differ": 0, "in_doubt": 0}
    report = job["report"]
    assert report["failed"] == 0 and report["repaired"] + report["in_step"] == 24
    assert job["counts"]["keys"] == 30 + 6 + 8 and job["counts"]["read"] == job["total"] == (30 + 6) + (30 - 10 + 8)
    assert findings(finished(api, reconcile(api))) == IN_STEP


def run_cli(host: LocalHost, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "cli", "--url", host.base_url, "reconcile", SLUG, *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)


def test_the_command_line_prints_the_drift_and_says_by_its_exit_status(
    host: LocalHost, api: Api, tables: TableServiceClient
) -> None:
    synced(api, "A", "B")
    change(tables, "scm", "B", Description="changed in SCM")
    found = run_cli(host)
    assert found.returncode == 2, found.stderr
    assert "differ" in found.stdout and "Description" in found.stdout and "USMF" in found.stdout
    as_json = run_cli(host, "--json", "--repair", "fs")
    assert as_json.returncode == 0, as_json.stderr
    job = jsonio.loads(as_json.stdout.strip().splitlines()[-1].encode())
    assert job["report"]["differ"] == 1 and job["report"]["repaired"] == 1
    clean = run_cli(host)
    assert clean.returncode == 0 and "0" in clean.stdout
    shown = subprocess.run(
        [sys.executable, "-m", "cli", "--url", host.base_url, "jobs", job["id"]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert shown.returncode == 0 and "1 repaired, 0 already in step, 0 not repaired" in shown.stdout, shown.stderr
    wrong = run_cli(host, "--company", "NOPE")
    assert wrong.returncode == 1
    assert wrong.stdout.strip().splitlines()[0].startswith("error: 404 not_found: unknown company")


# -- 4,000 rows a side (four chunks): a report-only reconcile killed mid-way, and its rate ----------------

ROWS = 4_000


def drifted(company: str) -> dict[str, list[dict[str, Any]]]:
    """Both systems' records of one company, as they held them before the sync: every 100th missing in SCM,
    every odd multiple of 250 differing, and 20 in SCM only."""
    fs = [sample(SLUG, "fs", f"T{n:05}", n % 90, company=company) for n in range(ROWS)]
    scm = [sample(SLUG, "scm", f"T{n:05}", n % 90 + (n % 250 == 0), company=company) for n in range(ROWS) if n % 100]
    scm += [sample(SLUG, "scm", f"U{n:02}", 1, company=company) for n in range(20)]
    return {"fs": fs, "scm": scm}


EXPECTED = {"missing_in_fs": 20, "missing_in_scm": ROWS // 100, "differ": ROWS // 500, "in_doubt": 0}


@pytest.mark.slow
def test_a_reconcile_killed_mid_way_ends_as_a_clean_one_and_its_rate(capsys: pytest.CaptureFixture[str]) -> None:
    with Azurite.on_free_ports() as azurite:
        connection = azurite.connection_string
        tables = TableServiceClient.from_connection_string(connection)
        for company in ("USMF", "DEMF"):
            for side, records in drifted(company).items():
                hold(tables, side, *records)

        def start(url: str, company: str) -> str:
            answer = requests.post(f"{url}/api/sync/{SLUG}/reconcile", json={"company": company}, timeout=30)
            assert answer.status_code == 202, answer.text
            return str(answer.json()["job"]["id"])

        def done(url: str, job_id: str) -> dict[str, Any]:
            found = eventually(lambda: (j := job(url, job_id))["state"] in ("succeeded", "failed") and j, 240)
            assert found["state"] == "succeeded", found
            return dict(found)

        started = time.monotonic()  # the floor: both partitions of one company read raw, page by page
        client = tables.get_table_client(SPEC.table)
        low, high = company_range("DEMF")
        raw = sum(
            1
            for pk in ("FS", "SCM")
            for _ in client.query_entities(
                "PartitionKey eq @pk and RowKey ge @lo and RowKey lt @hi",
                parameters={"pk": pk, "lo": low, "hi": high},
                results_per_page=1000,
            )
        )
        floor = raw / (time.monotonic() - started)
        first, url = app_host(connection)
        try:
            killed = start(url, "USMF")
            eventually(lambda: job(url, killed)["counts"]["read"] >= ROWS // 2, timeout=120)
        finally:
            first.kill()
        second, url = app_host(connection)
        try:
            resumed = done(url, killed)  # carried on by the jobs timer once the lease ran out
            clean = done(url, start(url, "DEMF"))
        finally:
            second.kill()

    def usmf(report: dict[str, Any]) -> dict[str, Any]:
        return {**report, "samples": [{**s, "key": {**s["key"], "company": "USMF"}} for s in report["samples"]]}

    assert findings(clean) == EXPECTED
    assert usmf(resumed["report"]) == usmf(clean["report"])
    assert resumed["counts"] == clean["counts"]
    assert clean["counts"]["read"] == clean["total"] == 2 * ROWS - ROWS // 100 + 20
    seconds = dt.datetime.fromisoformat(clean["finished_at"]) - dt.datetime.fromisoformat(clean["started_at"])
    with capsys.disabled():
        print(
            f"\n  reconcile, report only: {clean['counts']['read']} rows ({clean['counts']['keys']} keys) in "
            f"{seconds.total_seconds():.1f} s = {clean['rows_per_s']} rows/s (floor, a raw read of both partitions: "
            f"{floor:.0f} rows/s); a run killed mid-way resumed with the same report"
        )


# -- records written outside the sync: their own time is their version -----------------------------------


def errors_of(tables: TableServiceClient, slug: str) -> list[dict[str, Any]]:
    found = tables.create_table_if_not_exists("SyncErrors").query_entities(
        "PartitionKey eq @pk", parameters={"pk": slug}
    )
    return [dict(row) for row in found]


@pytest.mark.parametrize("timed", [True, False], ids=["modified-an-hour-ago", "no-time-at-all"])
def test_a_record_scm_held_before_the_sync_is_copied_to_fs(api: Api, tables: TableServiceClient, timed: bool) -> None:
    """A ship-via row SCM wrote itself (no sync metadata), modified an hour ago: its version is that hour-old
    time, never when storage wrote the row, so copying it to FS is no stale change."""
    slug, spec = "ship-via", ENTITIES["ship-via"]
    modified = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).replace(microsecond=0)
    record = {**sample(slug, "scm", "HELD", 1), **({"ModifiedDateTime": modified.isoformat()} if timed else {})}
    client = tables.create_table_if_not_exists(spec.table)
    client.create_entity({"PartitionKey": "SCM", "RowKey": Key("USMF", "HELD").row_key, **record})
    job = finished(api, reconcile(api, {"repair": "scm"}, slug=slug))
    assert findings(job) == {**IN_STEP, "missing_in_fs": 1}
    assert (job["report"]["repaired"], job["report"]["failed"]) == (1, 0), (job, errors_of(tables, slug))
    assert errors_of(tables, slug) == []
    fs = api.get(f"fs/{slug}/USMF/HELD").json()
    assert fs["record"]["msdyn_description"] == "v1"
    if timed:
        assert dt.datetime.fromisoformat(fs["record"]["modifiedon"]) == modified
    assert findings(finished(api, reconcile(api, slug=slug))) == IN_STEP


@pytest.mark.parametrize("origin", ["fs", "scm"])
@pytest.mark.parametrize("repair", ["fs", "scm", "newest"])
def test_a_record_deleted_from_one_side_by_hand_is_copied_back(
    api: Api, tables: TableServiceClient, repair: str, origin: str
) -> None:
    """A synced payment term removed from SCM's storage by hand: FS still holds it, so every repair copies it
    back. The copy is judged against SCM's row only (there is none): the FS row's own stored version, which
    is the record's own, never makes it stale. A second run finds nothing and logs nothing."""
    post_ok(api, origin, sample(SLUG, origin, "BYHAND", 1, at=10), entity=SLUG)
    assert api.session.post(f"{api.base}/operations/recover", timeout=30).status_code == 200
    drop(tables, "scm", "BYHAND")
    job = finished(api, reconcile(api, {"repair": repair}))
    assert findings(job) == {**IN_STEP, "missing_in_scm": 1}
    assert (job["report"]["repaired"], job["report"]["failed"]) == (1, 0), (job, errors_of(tables, SLUG))
    assert errors_of(tables, SLUG) == []
    scm = api.get(f"scm/{SLUG}/USMF/BYHAND").json()
    assert scm["record"]["Description"] == "v1"
    assert dt.datetime.fromisoformat(scm["sync"]["source_time"]) == T0 + dt.timedelta(seconds=10)
    assert assert_both_or_neither(tables, SPEC, Key("USMF", "BYHAND").row_key) is not None
    assert findings(finished(api, reconcile(api))) == IN_STEP


@pytest.mark.parametrize(("seconds", "repaired"), [(15, False), (30, True)], ids=["older-than-the-delete", "newer"])
def test_a_copy_is_judged_against_the_tombstone_of_the_side_that_lacks_it(
    api: Api, tables: TableServiceClient, seconds: int, repaired: bool
) -> None:
    """Deleted at T+20 on both sides, then FS's row put back by hand with its own time: a copy older than SCM's
    tombstone stays out (failed, stale); a newer one is copied."""
    post_ok(api, "fs", sample(SLUG, "fs", "BACK", 1, at=10), entity=SLUG)
    deleted_at = (T0 + dt.timedelta(seconds=20)).isoformat()
    gone = api.session.delete(f"{api.base}/scm/{SLUG}/USMF/BACK", params={"modified": deleted_at}, timeout=30)
    assert gone.status_code == 200, gone.text
    assert api.session.post(f"{api.base}/operations/recover", timeout=30).status_code == 200
    record = sample(SLUG, "fs", "BACK", 2, at=seconds)
    table(tables).upsert_entity(
        {"PartitionKey": "FS", "RowKey": Key("USMF", "BACK").row_key, **record}, mode=UpdateMode.REPLACE
    )
    job = finished(api, reconcile(api, {"repair": "fs"}))
    assert findings(job) == {**IN_STEP, "missing_in_scm": 1}
    assert (job["report"]["repaired"], job["report"]["failed"]) == ((1, 0) if repaired else (0, 1))
    scm = api.get(f"scm/{SLUG}/USMF/BACK")
    if repaired:
        assert scm.status_code == 200 and scm.json()["record"]["Description"] == "v2"
        assert assert_both_or_neither(tables, SPEC, Key("USMF", "BACK").row_key) is not None
        assert errors_of(tables, SLUG) == []
    else:
        assert scm.status_code == 404
        assert [(e["Id"], e["Code"]) for e in errors_of(tables, SLUG)] == [("BACK", "stale")]
