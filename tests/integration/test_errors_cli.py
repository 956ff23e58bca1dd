"""`fs-scm-sync errors` and `fs-scm-sync retry` against the app served over HTTP, as an operator runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from azure.data.tables import TableServiceClient

from devhost import LocalHost
from tests.integration.support import Api, eventually, rows, send
from tests.samples import sample

ROOT = Path(__file__).resolve().parents[2]
ASSETS, QUEUE = "customer-assets", "fs-to-scm-customer-assets"


def cli(host: LocalHost, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "cli", "--url", host.base_url, *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60, env={"COLUMNS": "200"})


def orphan(ident: str, parent: str) -> dict[str, object]:
    return {"operation": "upsert", "record": {**sample(ASSETS, "fs", ident), "msdyn_parentasset": parent}}


def test_list_retry_one_and_retry_all(api: Api, host: LocalHost, connection: str, tables: TableServiceClient) -> None:
    for ident, parent in (("KID", "ROOT"), ("K2", "ROOT"), ("K3", "GONE")):
        send(connection, QUEUE, orphan(ident, parent))
    eventually(lambda: len(api.get("sync/errors").json()["items"]) == 3)

    shown = cli(host, "errors", "--entity", ASSETS)
    assert shown.returncode == 0, shown.stderr
    assert "parent_exists" in shown.stdout and "USMF/KID" in shown.stdout and "3 entries" in shown.stdout
    listed = json.loads(cli(host, "errors", "--json", "--id", "KID").stdout)
    [entry] = listed["items"]

    still = cli(host, "retry", entry["id"])
    assert still.returncode == 1 and "still open after 2 attempts: validation_failed" in still.stdout

    assert api.post("fs", ASSETS, sample(ASSETS, "fs", "ROOT")).status_code == 201
    done = cli(host, "retry", entry["id"])
    assert done.returncode == 0 and f"{entry['id']}: resolved (created)" in done.stdout, done.stdout
    again = cli(host, "retry", entry["id"])
    assert again.returncode == 1 and again.stdout.startswith("error: 409 entry_resolved:")
    assert "already resolved" in again.stdout

    bulk = cli(host, "retry", "--all", "--entity", ASSETS)
    assert bulk.returncode == 1 and "retried 2, resolved 1, failed 1" in bulk.stdout, bulk.stdout
    assert {"USMF|KID", "USMF|K2"} <= set(rows(tables, "CustomerAssets", "SCM"))
    assert "1 entries" in cli(host, "errors").stdout  # K3 waits for a parent that never came
    assert "2 entries" in cli(host, "errors", "--state", "resolved").stdout


def test_plain_errors_and_help(api: Api, host: LocalHost) -> None:
    bad = cli(host, "errors", "--since", "yesterday")
    assert bad.returncode == 1 and bad.stdout.startswith("error: 422 validation_failed:"), bad.stdout
    assert "Traceback" not in bad.stdout + bad.stderr
    missing = cli(host, "retry", "customer-assets~nothing-here")
    assert missing.returncode == 1 and missing.stdout.startswith("error: 404 not_found:")
    neither = cli(host, "retry")
    assert neither.returncode == 1 and "give one entry id, or --all" in neither.stdout
    for command in ("errors", "retry"):
        helped = cli(host, command, "--help")
        assert helped.returncode == 0 and "--entity" in helped.stdout
