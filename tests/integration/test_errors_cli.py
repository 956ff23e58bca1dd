"""`fs-scm-sync errors` and `fs-scm-sync retry` against the app served over HTTP, as an operator runs them
at 80 columns."""

from __future__ import annotations

import json
import re
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
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60, env={"COLUMNS": "80"})


def orphan(ident: str, parent: str) -> dict[str, object]:
    return {"operation": "upsert", "record": {**sample(ASSETS, "fs", ident), "msdyn_parentasset": parent}}


def words(text: str) -> str:
    return " ".join(text.split())


def test_list_retry_one_and_retry_all(api: Api, host: LocalHost, connection: str, tables: TableServiceClient) -> None:
    for ident, parent in (("KID", "ROOT"), ("K2", "ROOT"), ("K3", "GONE")):
        send(connection, QUEUE, orphan(ident, parent))
    eventually(lambda: len(api.get("sync/errors").json()["items"]) == 3)

    shown = cli(host, "errors", "--entity", ASSETS, "--since", "1h")
    assert shown.returncode == 0, shown.stderr
    assert "parent_exists" in shown.stdout and "USMF/KID" in shown.stdout and "3 entries" in shown.stdout
    assert all(len(line) <= 80 for line in shown.stdout.splitlines()), shown.stdout
    listed = json.loads(cli(host, "errors", "--json", "--id", "KID").stdout)
    [entry] = listed["items"]
    tail = entry["id"].partition("~")[2]
    [head] = [line for line in shown.stdout.splitlines() if "  USMF/KID  " in line]
    short = head.split()[0]
    assert 8 <= len(short) < len(tail) and tail.startswith(short), head  # a prefix `retry` takes
    assert words(entry["message"]) in words(shown.stdout)  # the whole message, wrapped, not cut
    assert all(words(reason["message"]) in words(shown.stdout) for reason in entry["reasons"])

    still = cli(host, "retry", short)
    assert still.returncode == 1 and "still open after 2 attempts: validation_failed" in still.stdout
    assert still.stdout.startswith(f"{entry['id']}: ")  # the prefix said in full

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
    everything = cli(host, "errors", "--state", "all")
    assert "3 entries" in everything.stdout and all(len(line) <= 80 for line in everything.stdout.splitlines())


def test_a_prefix_names_one_entry_or_says_which(api: Api, host: LocalHost, connection: str) -> None:
    for ident in ("A1", "A2"):
        send(connection, QUEUE, orphan(ident, "ROOT"))
    eventually(lambda: len(api.get("sync/errors").json()["items"]) == 2)
    ids = [entry["id"] for entry in api.get("sync/errors").json()["items"]]

    several = cli(host, "retry", f"{ASSETS}~")
    assert several.returncode == 1 and "is the start of 2 entries; give more of the id:" in several.stdout
    assert all(entry_id in several.stdout for entry_id in ids), several.stdout
    missing = cli(host, "retry", "zz-no-such-entry")
    assert missing.returncode == 1 and missing.stdout.startswith("error: no such entry: 'zz-no-such-entry'")
    unknown = cli(host, "retry", f"{ASSETS}~nothing-here")
    assert unknown.returncode == 1 and "no such entry" in unknown.stdout
    assert [entry["attempts"] for entry in api.get("sync/errors").json()["items"]] == [1, 1]  # nothing was run


def test_plain_errors_and_help(api: Api, host: LocalHost) -> None:
    for since in ("yesterday", "30m", "2d", "2026-11-29T03:00:00Z"):
        listed = cli(host, "errors", "--since", since)
        assert listed.returncode == 0 and "0 entries" in listed.stdout, (since, listed.stdout + listed.stderr)
    typo = cli(host, "errors", "--since", "yesterdya")
    assert typo.returncode == 2 and "argument --since: 'yesterdya' is not a time" in typo.stderr
    bad = cli(host, "errors", "--limit", "0")
    assert bad.returncode == 1 and bad.stdout.startswith("error: 422 validation_failed:"), bad.stdout
    assert re.search(r"^  - limit range \(request\): limit must be a whole number", bad.stdout, re.MULTILINE)
    assert "{" not in bad.stdout and "Traceback" not in bad.stdout + bad.stderr
    neither = cli(host, "retry")
    assert neither.returncode == 1 and "give one entry id, or --all" in neither.stdout
    for command in ("errors", "retry"):
        helped = cli(host, command, "--help")
        assert helped.returncode == 0 and "--entity" in helped.stdout
