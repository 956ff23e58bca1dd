"""Import through `POST /api/sync/{entity}/import` and `fs-scm-sync import`, and the command that starts and
follows an initial sync."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from azure.data.tables import TableServiceClient
from azure.storage.blob import BlobServiceClient

from devhost import LocalHost
from shared.edge import job_routes
from shared.entities import ENTITIES
from shared.errors import TransientError
from shared.jobs import importer, importing
from shared.jobs.import_files import CONTAINER
from shared.keys import Key
from tests.integration import test_writing_jobs as writing
from tests.integration.support import Api, eventually, held, rows
from tests.integration.test_initial_sync import hold, initial_sync
from tests.processes import ROOT
from tests.samples import sample

COMMAND = Path(sys.executable).parent / "fs-scm-sync"  # the console script `make install` puts in .venv/bin
SLUG = "payment-terms"
HEADER = "dataAreaId,Name,NumberOfDays,Description\n"


def cli(*args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(COMMAND), *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout, env={**os.environ, **env}
    )


def upload(api: Api, data: bytes, side: str = "scm", kind: str = "csv", slug: str = SLUG) -> requests.Response:
    params = {"side": side, "format": kind}
    return api.session.post(f"{api.base}/sync/{slug}/import", params=params, data=data, timeout=60)


def imported(api: Api, answer: requests.Response, timeout: float = 60) -> dict[str, Any]:
    """The import job the answer started, once it has ended (it must succeed)."""
    assert answer.status_code == 202, answer.text
    job_id = answer.json()["job"]["id"]

    def ended() -> dict[str, Any] | None:
        job: dict[str, Any] = api.get(f"sync/jobs/{job_id}").json()
        return job if job["state"] not in ("queued", "running") else None

    job = eventually(ended, timeout)
    assert job["state"] == "succeeded", job
    return job


def terms(*rows: str) -> bytes:
    return (HEADER + "".join(f"{row}\n" for row in rows)).encode()


def side_rows(tables: TableServiceClient, side: str) -> dict[str, dict[str, Any]]:
    return rows(tables, ENTITIES[SLUG].table, side.upper())


def job_errors(tables: TableServiceClient, job_id: str) -> list[dict[str, Any]]:
    found = tables.get_table_client("SyncErrors").query_entities("JobId eq @job", parameters={"job": job_id})
    return [dict(row) for row in found]


def refused(job: dict[str, Any]) -> dict[int, set[str]]:
    return {row["line"]: {reason["rule"] for reason in row["reasons"]} for row in job["report"]["refused"]}


def nothing_written(api: Api, tables: TableServiceClient) -> None:
    assert side_rows(tables, "scm") == {} and side_rows(tables, "fs") == {}
    assert api.get("sync/jobs").json()["items"] == []


CSV = """dataAreaId,NAME,numberofdays,PaymentMethodType,IsCashPayment,Description
USMF,Net10,10,Net,No,Ten days
USMF,Net20,abc,Net,No,A typo in the days
usmf,Net30,30,currentmth,Yes,Month end
USMF,,40,Net,No,No name
USMF,WAYTOOLONGNAME,50,Net,No,
"""


def test_a_csv_export_goes_in_through_the_command_and_bad_rows_are_reported_by_line(
    tmp_path: Path, host: LocalHost, tables: TableServiceClient, api: Api
) -> None:
    export = tmp_path / "PaymentTerms.csv"
    export.write_text(CSV, encoding="utf-8")
    done = cli("--url", host.base_url, "import", SLUG, str(export), "--side", "scm", COLUMNS="80")
    assert done.returncode == 2, done.stdout + done.stderr  # some rows were refused
    for line, field, rule in ((3, "NumberOfDays", "type"), (5, "Name", "required"), (6, "Name", "max_length")):
        assert re.search(rf"^ *{line} +{field} +{rule} ", done.stdout, re.MULTILINE), done.stdout  # refused rows
    assert all(len(line) <= 80 for line in done.stdout.splitlines()), done.stdout  # at 80 columns
    job = api.get("sync/jobs").json()["items"][0]
    assert (job["kind"], job["counts"]) == ("import", {"read": 5, "loaded": 2, "exists": 0, "refused": 3})
    assert job["report"]["listed"] == 3 and set(refused(job)) == {3, 5, 6}
    stored = side_rows(tables, "scm")
    assert set(stored) == {Key("USMF", "Net10").row_key, Key("USMF", "Net30").row_key}
    net30 = stored[Key("USMF", "Net30").row_key]
    assert net30["PaymentMethodType"] == "CurrentMth" and net30["NumberOfDays"] == 30
    # a record SCM holds, not one the sync wrote: no sync metadata (only the job that imported it)
    assert {name for name in net30 if name.startswith("Sync")} == {importer.MARK}
    entries = job_errors(tables, job["id"])
    assert len(entries) == 3 and {entry["Source"] for entry in entries} == {"job"}
    assert {entry["Code"] for entry in entries} == {"validation_failed"}


def test_the_command_shows_progress_also_through_a_pipe(tmp_path: Path, host: LocalHost, api: Api) -> None:
    """Was: piped (a log, tee), the upload and the job printed nothing until the job had ended."""
    export = tmp_path / "PaymentTerms.csv"
    export.write_bytes(terms(*(f"USMF,P{n:04},{n % 60},Term {n}" for n in range(2000))))
    done = cli("--url", host.base_url, "import", SLUG, str(export), "--side", "scm", COLUMNS="80")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"upload: sending {export.stat().st_size:,} bytes of PaymentTerms.csv", done.stdout
    assert lines[1] == "upload: sent and checked by the app"
    progress = [line for line in lines if line.startswith(f"import {SLUG}: ")]
    assert progress[-1].startswith(f"import {SLUG}: 2000/2000 (100%) succeeded, "), done.stdout
    assert len(progress) >= 2 and "/2000 (" in progress[0]  # seen while it ran, not only at the end
    assert all(len(line) <= 80 for line in lines), done.stdout


def test_json_lines_go_in_and_a_broken_line_refuses_the_file(api: Api, tables: TableServiceClient) -> None:
    good = b'{"msdyn_company": "USMF", "msdyn_name": "Air", "msdyn_description": "By air"}\n\n'
    broken = good + b'{not json\n{"msdyn_company": "USMF", "msdyn_name": "Sea"}\n'
    answer = upload(api, broken, "fs", "jsonl", "ship-via")
    assert answer.status_code == 400, answer.text
    detail = answer.json()["error"]["details"][0]
    assert (detail["line"], detail["field"], detail["rule"]) == (3, "(file)", "json")
    assert rows(tables, "ShipVia", "FS") == {} and api.get("sync/jobs").json()["items"] == []
    sea = b'{"msdyn_company": "USMF", "msdyn_name": "Sea"}\n'
    job = imported(api, upload(api, good + sea, "fs", "jsonl", "ship-via"))
    assert job["counts"] == {"read": 2, "loaded": 2, "exists": 0, "refused": 0}
    assert set(rows(tables, "ShipVia", "FS")) == {Key("USMF", "Air").row_key, Key("USMF", "Sea").row_key}


def test_a_synced_pair_is_not_replaced(api: Api, tables: TableServiceClient) -> None:
    """Was: FS kept 9 days and SCM took the file's 77 — one side of a pair replaced."""
    posted = api.post("fs", SLUG, sample(SLUG, "fs", "N9", 9))
    assert posted.status_code == 201, posted.text
    job = imported(api, upload(api, terms("USMF,n9,77,Seventy-seven", "USMF,N10,10,Ten")))
    assert job["counts"] == {"read": 2, "loaded": 1, "exists": 1, "refused": 0}
    row_key = Key("USMF", "N9").row_key
    assert side_rows(tables, "scm")[row_key]["NumberOfDays"] == 9
    assert side_rows(tables, "fs")[row_key]["msdyn_days"] == 9


def test_a_deleted_key_keeps_its_tombstone(api: Api, tables: TableServiceClient) -> None:
    """Was: the import made the record live on SCM against FS's tombstone, and recovery then abandoned
    the keys' pending changes."""
    assert api.post("fs", SLUG, sample(SLUG, "fs", "GONE", 5)).status_code == 201
    assert api.delete(f"fs/{SLUG}/USMF/GONE").status_code == 200
    job = imported(api, upload(api, terms("USMF,GONE,5,Back from the dead")))
    assert job["counts"] == {"read": 1, "loaded": 0, "exists": 1, "refused": 0}
    assert api.get(f"scm/{SLUG}/USMF/GONE").status_code == 404
    assert side_rows(tables, "scm") == {} and side_rows(tables, "fs") == {}
    recovered = api.session.post(f"{api.base}/operations/recover", timeout=60).json()["entities"]
    assert {report["entity"]: report["abandoned"] for report in recovered}[SLUG] == 0


def test_an_unknown_company_is_refused_and_never_copied_across(api: Api, tables: TableServiceClient) -> None:
    """Was: a row of company XXXX was loaded, then copied to FS by the initial sync."""
    job = imported(api, upload(api, terms("XXXX,N30,30,Not ours", "USMF,N30,30,Ours")))
    assert job["counts"] == {"read": 2, "loaded": 1, "exists": 0, "refused": 1}
    assert refused(job) == {2: {"known_company"}}
    synced = api.session.post(f"{api.base}/sync/{SLUG}/initial-sync", json={"from": "scm"}, timeout=30)
    assert imported_sync(api, synced)["counts"]["created"] == 1
    assert set(side_rows(tables, "fs")) == {Key("USMF", "N30").row_key}


def imported_sync(api: Api, answer: requests.Response) -> dict[str, Any]:
    assert answer.status_code == 202, answer.text
    job_id = answer.json()["job"]["id"]
    job = eventually(lambda: (found := api.get(f"sync/jobs/{job_id}").json())["state"] == "succeeded" and found, 60)
    return dict(job)


def test_a_key_spelled_twice_is_refused_on_both_lines(api: Api, tables: TableServiceClient) -> None:
    """Was: `DUPK` and `dupk` reported "2 loaded" and left one row."""
    job = imported(api, upload(api, terms("USMF,DUPK,5,First", "USMF,OTHER,6,Other", " usmf , dupk ,7,Second")))
    assert job["counts"] == {"read": 3, "loaded": 1, "exists": 0, "refused": 2}
    assert refused(job) == {2: {"duplicate_key"}, 4: {"duplicate_key"}}
    assert "line 4" in job["report"]["refused"][0]["reasons"][0]["message"]
    assert set(side_rows(tables, "scm")) == {Key("USMF", "OTHER").row_key}


@pytest.mark.parametrize(
    ("data", "line", "rule"),
    [
        pytest.param(terms("USMF,N10,10,Ten", 'USMF,N30,30,"Thirty days', "USMF,N60,60,Sixty"), 3, "quote", id="open"),
        pytest.param(terms('USMF,N30,30,"Thirty days', 'USMF,N60,60,"Sixty" days'), 2, "csv", id="swallowing"),
        pytest.param(terms("USMF,N10,10,Ten", "USMF,N30,30,Thirty,extra"), 3, "columns", id="cells"),
        pytest.param(
            terms("USMF,N10,10,Ten", "USMF,N30,30,Caf\xe9").replace(b"\xc3\xa9", b"\xe9"), 3, "utf8", id="latin1"
        ),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", 1, "utf8", id="binary"),
        pytest.param(b"PK\x03\x04\x14\x00\x00\x00", 1, "binary", id="nul"),
        pytest.param(
            terms(*(f"USMF,T{n},1,ok" for n in range(250)), "USMF,BIG,1," + "x" * 131_073), 252, "cell_size", id="cell"
        ),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_whole(
    api: Api, tables: TableServiceClient, data: bytes, line: int, rule: str
) -> None:
    """Was: an open quote swallowed the next record; a Latin-1 byte or a binary file, a UnicodeDecodeError
    traceback; a cell over 131,072 characters, a _csv.Error traceback after 200 rows were written."""
    answer = upload(api, data)
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert (error["code"], error["details"][0]["line"], error["details"][0]["rule"]) == ("bad_request", line, rule)
    assert f"line {line}:" in error["message"] and "nothing was written" in error["message"]
    nothing_written(api, tables)


def test_the_command_says_why_a_file_is_refused_in_one_line(
    tmp_path: Path, host: LocalHost, tables: TableServiceClient, api: Api
) -> None:
    export = tmp_path / "latin1.csv"
    export.write_bytes(terms("USMF,N30,30,Caf\xe9").replace(b"\xc3\xa9", b"\xe9"))
    done = cli("--url", host.base_url, "import", SLUG, str(export), "--side", "scm")
    assert done.returncode == 1 and "Traceback" not in done.stdout + done.stderr, done.stdout + done.stderr
    assert "400 bad_request: the file is refused at line 2: byte 0xe9" in done.stdout
    nothing_written(api, tables)


def test_the_command_imports_into_the_instance_its_url_names(
    tmp_path: Path, host: LocalHost, tables: TableServiceClient, api: Api
) -> None:
    """Was: without --connection the command wrote to UseDevelopmentStorage=true (port 10002), whatever
    ports the app ran on. Now it has no storage connection at all: the file goes to --url's app, whose
    storage here is the test's Azurite on ports of its own."""
    export = tmp_path / "ShipVia.jsonl"
    export.write_text('{"dataAreaId": "USMF", "ModeCode": "AIR"}\n', encoding="utf-8")
    elsewhere = {"AzureWebJobsStorage": "UseDevelopmentStorage=true"}
    done = cli("--url", host.base_url, "import", "ship-via", str(export), "--side", "scm", **elsewhere)
    assert done.returncode == 0, done.stdout + done.stderr
    assert set(rows(tables, "ShipVia", "SCM")) == {Key("USMF", "AIR").row_key}
    gone = cli("--url", host.base_url, "import", "ship-via", str(export), "--side", "scm", "--connection", "x")
    assert gone.returncode == 2 and "unrecognized arguments: --connection" in gone.stderr


def test_bad_options_and_sizes_are_refused(
    api: Api, tables: TableServiceClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = terms("USMF,N10,10,Ten")
    answer = api.session.post(f"{api.base}/sync/{SLUG}/import", params={"side": "sap"}, data=data, timeout=30)
    assert answer.status_code == 422
    assert {detail["field"] for detail in answer.json()["error"]["details"]} == {"side", "format"}
    assert upload(api, data, slug="trucks").status_code == 404
    assert upload(api, b"").status_code == 400
    monkeypatch.setattr(job_routes, "MAX_FILE_BYTES", len(data) - 1)
    assert upload(api, data).json()["error"]["code"] == "payload_too_large"
    nothing_written(api, tables)


def test_a_chunk_run_again_after_a_crash_counts_as_the_first_run(
    api: Api, tables: TableServiceClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages of 50 records; the third page's writes land, then its run dies before the checkpoint. The
    queue runs the chunk again: the rows it had created are counted loaded (they name the job), its
    refused rows keep one error log entry each, and the job ends as an uninterrupted one would."""
    monkeypatch.setattr(importing, "PAGE_ROWS", 50)
    real, runs = importer.load, []

    def load_then_die(*args: Any, **kwargs: Any) -> importer.ImportReport:
        report = real(*args, **kwargs)
        runs.append(report.loaded)
        if len(runs) == 3:
            raise TransientError("the host died after the page's writes")
        return report

    monkeypatch.setattr(importer, "load", load_then_die)
    lines = [f"USMF,T{n:03},{n % 60},ok" if n % 40 else f"USMF,T{n:03},-1,bad" for n in range(1, 301)]
    answer = upload(api, terms(*lines))
    assert answer.json()["job"]["total"] == 300
    seen: set[int] = set()

    def ended() -> dict[str, Any] | None:
        job = api.get(f"sync/jobs/{answer.json()['job']['id']}").json()
        seen.add(job["counts"]["read"])
        return job if job["state"] not in ("queued", "running") else None

    job = eventually(ended, timeout=60)
    assert job["state"] == "succeeded", job
    assert job["counts"] == {"read": 300, "loaded": 293, "exists": 0, "refused": 7}
    assert len(runs) == 7 and runs[2] == runs[3] == 49  # the third page ran twice and loaded the same
    assert any(0 < read < 300 for read in seen), seen  # progress, as it goes
    assert len(side_rows(tables, "scm")) == 293
    assert sorted(entry["MessageId"] for entry in job_errors(tables, job["id"])) == sorted(
        f"job-{job['id']}-line-{n + 1}" for n in range(40, 301, 40)
    )


def test_a_sync_write_between_the_check_and_the_write_is_kept(
    api: Api, tables: TableServiceClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A live change of one of the file's keys lands after the file was read and before its transaction:
    the transaction's create meets it, fails whole, and goes again without it (`exists`)."""
    real = importer._submit
    raced: list[int] = []

    def live_change_first(client: Any, operations: list[Any]) -> None:
        if not raced:
            raced.append(api.post("fs", SLUG, sample(SLUG, "fs", "R2", 2)).status_code)
        real(client, operations)

    monkeypatch.setattr(importer, "_submit", live_change_first)
    job = imported(api, upload(api, terms(*(f"USMF,R{n},{n + 40},from the file" for n in range(1, 6)))))
    assert raced == [201]
    assert job["counts"] == {"read": 5, "loaded": 4, "exists": 1, "refused": 0}
    row_key = Key("USMF", "R2").row_key
    assert side_rows(tables, "scm")[row_key]["NumberOfDays"] == 2
    assert side_rows(tables, "fs")[row_key]["msdyn_days"] == 2


def test_an_import_beside_another_job_that_writes_is_refused(
    api: Api, tables: TableServiceClient, connection: str
) -> None:
    """Another job that writes the entity is running: 409 `job_running` naming it, and the file the route
    had kept is removed again (no job will read it)."""
    container = BlobServiceClient.from_connection_string(connection).get_container_client(CONTAINER)

    def kept() -> set[str]:
        return {blob.name for blob in container.list_blobs()} if container.exists() else set()

    before = kept()
    hold(tables, writing.SLUG, "fs", [sample(writing.SLUG, "fs", "HELD", 1)])
    with writing.first_job_held() as held:
        first = writing.started(initial_sync(api, writing.SLUG, **{"from": "fs"}), held)
        answer = upload(api, b'{"dataAreaId": "USMF", "ModeCode": "AIR"}\n', "scm", "jsonl", writing.SLUG)
        writing.refused_for(answer, first, "initial-sync")
        assert writing.job_ids(api) == {first} and kept() == before
    writing.ended(api, first)


def held_terms(tables: TableServiceClient, count: int) -> None:
    spec = ENTITIES[SLUG]
    records = [{"dataAreaId": "USMF", "Name": f"T{n:04}", "NumberOfDays": n % 60} for n in range(1, count + 1)]
    report = held(tables, spec.slug, "scm", records)
    assert report.loaded == count


def test_initial_sync_from_the_command_line(host: LocalHost, tables: TableServiceClient, api: Api) -> None:
    held_terms(tables, 250)
    done = cli("--url", host.base_url, "initial-sync", SLUG, "--from", "scm")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "succeeded" in done.stdout and "250" in done.stdout
    assert len(rows(tables, "PaymentTerms", "FS")) == 250


def test_ctrl_c_stops_following_not_the_job(host: LocalHost, tables: TableServiceClient, api: Api) -> None:
    held_terms(tables, 1500)
    follow = subprocess.Popen(
        [str(COMMAND), "--url", host.base_url, "initial-sync", SLUG, "--from", "scm"],
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


@pytest.mark.parametrize("path", ["/nonexistent.csv", "/tmp"], ids=["missing", "directory"])
def test_an_unreadable_file_is_one_line(path: str) -> None:
    done = cli("--url", "http://127.0.0.1:9", "import", "ship-via", path, "--side", "fs", "--format", "csv")
    assert done.returncode == 1 and "cannot read" in done.stdout and "Traceback" not in done.stderr, done
    assert len(done.stdout.strip().splitlines()) == 1
