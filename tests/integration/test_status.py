"""`GET /api/sync/status` counts what storage holds, and the CLI's `status`, `pause` and `resume`."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Iterator

import pytest
from azure.data.tables import TableServiceClient

from devhost import LocalHost
from shared.entities import ENTITIES
from shared.keys import Key
from tests.integration.support import Api, eventually
from tests.integration.test_pause_resume import SLUG, TABLE, admin, caught_up, entries, forget_pauses, state
from tests.processes import ROOT
from tests.samples import sample


@pytest.fixture(autouse=True)
def unpaused(tables: TableServiceClient) -> Iterator[None]:
    forget_pauses(tables)
    yield
    forget_pauses(tables)


def error_row(tables: TableServiceClient, row_key: str, at: dt.datetime, resolved: bool = False) -> None:
    row = {"PartitionKey": SLUG, "RowKey": row_key, "LoggedAt": at, "Source": "queue"}
    if resolved:
        row["State"] = "resolved"
    tables.create_table_if_not_exists("SyncErrors").upsert_entity(row)


def test_status_counts_records_backlog_pending_errors_and_the_last_sync(api: Api, tables: TableServiceClient) -> None:
    assert state(api)["last_sync"] is None
    for ident in ("S1", "S2", "S3"):
        assert api.post("fs", SLUG, sample(SLUG, "fs", ident, 1)).status_code == 201
    assert api.delete(f"scm/{SLUG}/USMF/S3").status_code == 200  # its tombstones are no records
    # a lead row whose follower write a crash left undone (recovery leaves it to its writer for 60 s)
    intent = {"PartitionKey": "FS", "RowKey": Key("USMF", "HALF").row_key, "SyncPending": True}
    tables.get_table_client(TABLE).upsert_entity({**intent, "msdyn_company": "USMF", "msdyn_name": "HALF"})
    now = dt.datetime.now(dt.UTC)
    error_row(tables, "open-now", now)
    error_row(tables, "resolved-now", now, resolved=True)
    error_row(tables, "open-old", now - dt.timedelta(hours=2))
    entries(admin(api, SLUG, "pause", {"reason": "counting"}))
    assert api.post("scm", SLUG, sample(SLUG, "scm", "S4", 2)).status_code == 202

    answer = api.get("sync/status")
    assert answer.status_code == 200
    body = answer.json()
    assert [entry["entity"] for entry in body["entities"]] == list(ENTITIES)
    entry = next(entry for entry in body["entities"] if entry["entity"] == SLUG)
    assert entry["state"] == "paused" and entry["reason"] == "counting" and entry["catching_up"] is False
    assert entry["rows"] == {"fs": 3, "scm": 2}  # S1, S2, HALF | S1, S2
    assert entry["backlog"] == 1 and entry["pending"] == 1
    assert entry["errors"] == {"open": 2, "last_hour": 2}
    last = dt.datetime.fromisoformat(entry["last_sync"].replace("Z", "+00:00"))
    assert now - dt.timedelta(seconds=30) < last <= dt.datetime.now(dt.UTC)
    other = next(entry for entry in body["entities"] if entry["entity"] == "ship-via")
    assert other == {**other, "state": "running", "backlog": 0, "pending": 0, "last_sync": None}
    assert isinstance(body["jobs"], list)
    tables.get_table_client(TABLE).delete_entity("FS", intent["RowKey"])


def cli(host: LocalHost, *args: str, url: str | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "cli", "--url", url or host.base_url, *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_the_cli_shows_pauses_and_resumes(api: Api, host: LocalHost) -> None:
    shown = cli(host, "status")
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert "backlog" in shown.stdout and all(slug in shown.stdout for slug in ENTITIES)
    paused = cli(host, "pause", SLUG, "--reason", "cutover")
    assert paused.returncode == 0, paused.stdout + paused.stderr
    assert f"{SLUG} paused by operator at " in paused.stdout and "cutover" in paused.stdout
    assert state(api)["state"] == "paused"
    assert api.post("fs", SLUG, sample(SLUG, "fs", "VIA-CLI", 1)).status_code == 202
    resumed = cli(host, "resume", SLUG)
    assert resumed.returncode == 0 and SLUG in resumed.stdout, resumed.stdout + resumed.stderr
    caught_up(api)
    assert api.get(f"scm/{SLUG}/USMF/VIA-CLI").status_code == 200
    as_json = cli(host, "status", "--json")
    assert as_json.returncode == 0 and '"entities"' in as_json.stdout


@pytest.mark.parametrize(
    ("args", "url", "says"),
    [
        pytest.param(("pause", "nope"), None, "404 not_found: unknown entity 'nope'", id="unknown-entity"),
        pytest.param(("resume", "nope"), None, "404 not_found", id="unknown-entity-resume"),
        pytest.param(("status",), "http://127.0.0.1:9", "cannot reach http://127.0.0.1:9/api", id="unreachable"),
    ],
)
def test_the_cli_fails_with_one_plain_line(
    api: Api, host: LocalHost, args: tuple[str, ...], url: str | None, says: str
) -> None:
    failed = cli(host, *args, url=url)
    assert failed.returncode == 1
    assert failed.stdout.strip().count("\n") == 0 and says in failed.stdout, failed.stdout + failed.stderr
    assert "Traceback" not in failed.stderr
    eventually(lambda: state(api)["state"] == "running")
