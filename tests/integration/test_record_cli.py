"""`fs-scm-sync show`, `dismiss` and `cancel` through the app's routes, as an operator runs them at 80
columns."""

from __future__ import annotations

import json
import subprocess
import sys

from azure.data.tables import TableServiceClient, UpdateMode

from devhost import LocalHost
from tests.integration.support import Api, eventually, send
from tests.integration.test_initial_sync import finished
from tests.integration.test_job_cancel import SLUG as VIA
from tests.integration.test_job_cancel import unsent
from tests.integration.test_reconcile import reconcile
from tests.integration.test_writing_jobs import held_records
from tests.processes import ROOT
from tests.samples import sample

TERMS, ASSETS, QUEUE = "payment-terms", "customer-assets", "fs-to-scm-customer-assets"


def cli(host: LocalHost, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "cli", "--url", host.base_url, *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60, env={"COLUMNS": "80"})


def narrow(text: str) -> bool:
    return all(len(line) <= 80 for line in text.splitlines())


def test_show_puts_both_sides_side_by_side_and_marks_what_differs(
    api: Api, host: LocalHost, tables: TableServiceClient
) -> None:
    assert api.post("fs", TERMS, sample(TERMS, "fs", "NET30", 30, at=1)).status_code == 201
    same = cli(host, "show", TERMS, "usmf", "net30")
    assert same.returncode == 0 and same.stdout.startswith(f"{TERMS} USMF/NET30: in step"), same.stdout + same.stderr
    client = tables.get_table_client("PaymentTerms")
    client.update_entity({"PartitionKey": "SCM", "RowKey": "USMF|NET30", "NumberOfDays": 45}, mode=UpdateMode.MERGE)

    shown = cli(host, "show", TERMS, "USMF", "NET30")
    assert shown.returncode == 2, shown.stdout + shown.stderr  # not in step, as reconcile says drift
    assert shown.stdout.startswith(f"{TERMS} USMF/NET30: not in step: NumberOfDays")
    lines = shown.stdout.splitlines()
    [days] = [line for line in lines if "NumberOfDays" in line and "not in step" not in line]
    assert days.split() == ["≠", "NumberOfDays", "30", "45"], days
    [name] = [line for line in lines if " Name " in f"{line} "]
    assert name.split() == ["Name", "NET30", "NET30"]  # no mark
    assert any(line.split()[:2] == ["origin", "fs"] for line in lines) and "open errors: none" in shown.stdout
    assert narrow(shown.stdout), shown.stdout
    as_json = json.loads(cli(host, "show", TERMS, "USMF", "NET30", "--json").stdout)
    assert as_json["differ"] == ["NumberOfDays"] and as_json["scm"]["record"]["NumberOfDays"] == 45

    bad = cli(host, "show", TERMS, "XX", "NET30")
    assert bad.returncode == 1 and "422 validation_failed" in bad.stdout and "company known_company" in bad.stdout


def test_show_a_key_only_the_error_log_knows_then_dismiss_its_entry(api: Api, host: LocalHost, connection: str) -> None:
    send(
        connection, QUEUE, {"operation": "upsert", "record": {**sample(ASSETS, "fs", "KID"), "msdyn_parentasset": "P"}}
    )
    [entry] = eventually(lambda: api.get("sync/errors").json()["items"])
    shown = cli(host, "show", ASSETS, "USMF", "KID")
    assert shown.returncode == 1 and "404 not_found" in shown.stdout and "open errors: 1" in shown.stdout
    short = entry["id"].partition("~")[2][:8]
    assert any(line.startswith(short) for line in shown.stdout.splitlines()), shown.stdout
    assert "parent_exists" in shown.stdout and narrow(shown.stdout)

    missing = cli(host, "dismiss", short)
    assert missing.returncode == 2 and "--note" in missing.stderr  # a note is required
    done = cli(host, "dismiss", short, "--note", "parent created by hand in SCM; ticket 4711")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith(f"{entry['id']}: dismissed at ") and "ticket 4711" in done.stdout
    listed = cli(host, "errors", "--state", "dismissed")
    assert "1 entries" in listed.stdout and "note: parent created by hand" in listed.stdout
    again = cli(host, "retry", entry["id"])
    assert again.returncode == 1 and again.stdout.startswith("error: 409 entry_dismissed:"), again.stdout
    assert api.get("sync/errors", id="KID").json()["items"][0]["state"] == "dismissed"


def test_cancel_stops_a_job_and_says_what_it_did(api: Api, host: LocalHost, tables: TableServiceClient) -> None:
    held_records(tables)
    waiting = unsent("initial-sync", {"from": "fs", "conflicts": "skip"})
    done = cli(host, "cancel", waiting.id)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith(f"job {waiting.id}: initial-sync of {VIA} cancelled; so far read 0")
    assert api.get(f"sync/jobs/{waiting.id}").json()["state"] == "cancelled"
    as_json = json.loads(cli(host, "cancel", waiting.id, "--json").stdout)
    assert as_json["state"] == "cancelled"

    ended = finished(api, reconcile(api, {}, slug=VIA))
    late = cli(host, "cancel", ended["id"])
    assert late.returncode == 1 and late.stdout.startswith("error: 409 job_finished:"), late.stdout
    unknown = cli(host, "cancel", "0000000000000-nothing")
    assert unknown.returncode == 1 and unknown.stdout.startswith("error: 404 not_found:")
    for command in ("show", "dismiss", "cancel", "check"):
        helped = cli(host, command, "--help")
        assert helped.returncode == 0 and narrow(helped.stdout), helped.stdout
