"""Import of real export files, and the `fs-scm-sync` command that starts and follows an initial sync."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from azure.data.tables import TableServiceClient

from devhost import LocalHost
from shared import importer
from shared.entities import ENTITIES
from shared.keys import Key
from tests.integration.support import Api, eventually, rows
from tests.processes import ROOT

COMMAND = Path(sys.executable).parent / "fs-scm-sync"  # the console script `make install` puts in .venv/bin


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(COMMAND), *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)


CSV = """dataAreaId,NAME,numberofdays,PaymentMethodType,IsCashPayment,Description
USMF,Net10,10,Net,No,Ten days
USMF,Net20,abc,Net,No,A typo in the days
usmf,Net30,30,currentmth,Yes,Month end
USMF,,40,Net,No,No name
USMF,WAYTOOLONGNAME,50,Net,No,
"""


def test_a_csv_export_goes_in_and_bad_rows_are_reported_by_line(
    tmp_path: Path, connection: str, tables: TableServiceClient, api: Api
) -> None:
    export = tmp_path / "PaymentTerms.csv"
    export.write_text(CSV, encoding="utf-8")
    done = cli("import", "payment-terms", str(export), "--side", "scm", "--connection", connection)
    assert done.returncode == 2, done.stdout + done.stderr  # some rows were refused
    assert "2 SCM records of payment-terms loaded" in done.stdout and "3 refused" in done.stdout
    assert "line 3: NumberOfDays" in done.stdout
    assert "line 5: Name required" in done.stdout
    assert "line 6: Name max_length" in done.stdout
    held = rows(tables, "PaymentTerms", "SCM")
    assert set(held) == {Key("USMF", "Net10").row_key, Key("USMF", "Net30").row_key}
    net30 = held[Key("USMF", "Net30").row_key]
    assert net30["PaymentMethodType"] == "CurrentMth" and net30["NumberOfDays"] == 30
    assert not any(name.startswith("Sync") for name in net30)  # a record SCM holds, not one the sync wrote


def test_json_lines_with_a_broken_line(tables: TableServiceClient, api: Api) -> None:
    data = b'{"msdyn_company": "USMF", "msdyn_name": "Air", "msdyn_description": "By air"}\n{not json\n\n' + (
        b'{"msdyn_company": "USMF", "msdyn_name": "Sea"}\n'
    )
    spec = ENTITIES["ship-via"]
    client = tables.create_table_if_not_exists(spec.table)
    report = importer.load(client, spec, "fs", importer.read_lines(data, "jsonl", spec, "fs"))
    assert report.loaded == 2 and [failed["line"] for failed in report.failed] == [2]
    assert set(rows(tables, "ShipVia", "FS")) == {Key("USMF", "Air").row_key, Key("USMF", "Sea").row_key}


def held_terms(tables: TableServiceClient, count: int) -> None:
    spec = ENTITIES["payment-terms"]
    records: list[Any] = [
        (n, {"dataAreaId": "USMF", "Name": f"T{n:04}", "NumberOfDays": n % 60}) for n in range(1, count + 1)
    ]
    report = importer.load(tables.create_table_if_not_exists(spec.table), spec, "scm", records)
    assert report.loaded == count


def test_initial_sync_from_the_command_line(host: LocalHost, tables: TableServiceClient, api: Api) -> None:
    held_terms(tables, 250)
    done = cli("--url", host.base_url, "initial-sync", "payment-terms", "--from", "scm")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "succeeded" in done.stdout and "250" in done.stdout
    assert len(rows(tables, "PaymentTerms", "FS")) == 250


def test_ctrl_c_stops_following_not_the_job(host: LocalHost, tables: TableServiceClient, api: Api) -> None:
    held_terms(tables, 1500)
    follow = subprocess.Popen(
        [str(COMMAND), "--url", host.base_url, "initial-sync", "payment-terms", "--from", "scm"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        # a shell runs background jobs (`make test &`) with SIGINT ignored, and children inherit that
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert follow.stdout is not None
    first = follow.stdout.readline()
    assert "started" in first, first
    time.sleep(0.5)
    follow.send_signal(signal.SIGINT)
    rest = follow.communicate(timeout=30)[0]
    assert follow.returncode == 130, rest
    assert "the job goes on" in rest
    job_id = first.split()[1].rstrip(":")
    finished = eventually(lambda: api.get(f"sync/jobs/{job_id}").json()["state"] == "succeeded", timeout=90)
    assert finished and len(rows(tables, "PaymentTerms", "FS")) == 1500


def test_errors_are_said_in_one_line(host: LocalHost, api: Api) -> None:
    done = cli("--url", host.base_url, "initial-sync", "trucks", "--from", "fs")
    assert done.returncode == 1 and "404 not_found" in done.stdout
    unreachable = cli("--url", "http://127.0.0.1:9", "jobs")
    assert unreachable.returncode == 1 and "cannot reach" in unreachable.stdout


@pytest.mark.parametrize("args", [["import", "ship-via", "/nonexistent.csv", "--side", "fs", "--connection", "x=y"]])
def test_an_unreadable_file_is_one_line(args: list[str]) -> None:
    done = cli(*args)
    assert done.returncode == 1 and "cannot read" in done.stdout
