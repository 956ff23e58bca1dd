"""The operator page's jobs and record view in a real headless Chromium against the app on real Azurite,
through the page's own forms and buttons: an initial sync followed to its end; a reconcile finding drift
written behind the sync's back, its samples opened in the record view with the differing field marked, then
a repairing reconcile; an import of an uploaded file; a big initial sync cancelled while it runs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from azure.data.tables import TableServiceClient
from playwright.sync_api import Page, expect

from shared.keys import Key
from tests.browser.conftest import open_with_key, problems, screenshot
from tests.integration.support import Api, held
from tests.integration.test_reconcile import change, drop, synced, table
from tests.samples import sample

expect.set_options(timeout=20_000)  # jobs run on the app's queue; the page refreshes every 3 s


def hold(tables: TableServiceClient, slug: str, records: list[dict[str, Any]]) -> None:
    """Records FS already holds (no sync metadata), written with the import's own code."""
    report = held(tables, slug, "fs", records)
    assert report.refused == [] and report.loaded == len(records), report


def start(page: Page, form: str, **fields: str) -> str:
    """Fill a start form on the jobs view, submit it, and wait for the job's detail: the job's id."""
    box = page.locator(f"#start-{form}")
    for name, value in fields.items():
        field = box.locator(f'[name="{name}"]')
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    box.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"#jobs/.+"))
    return page.url.rsplit("/", 1)[1]


def ended(page: Page) -> None:
    expect(page.locator("#job-detail .job-state")).to_have_text("succeeded")


def count(page: Page, table: str, name: str) -> Any:
    return page.locator(f'#job-detail .job-{table} tr[data-name="{name}"] td')


def test_an_initial_sync_started_from_its_form_shows_its_progress(page: Page, api: Api, tables: Any) -> None:
    hold(tables, "ship-via", [sample("ship-via", "fs", f"UI-{n:03}", 1) for n in range(40)])
    open_with_key(page, "jobs")
    job = start(page, "initial-sync", entity="ship-via", **{"from": "fs"})
    ended(page)
    expect(page.locator("#message")).to_contain_text(f"initial-sync of ship-via started: job {job}")
    expect(count(page, "counts", "created")).to_have_text("40")
    expect(count(page, "params", "from")).to_have_text("fs")
    row = page.locator(f'#jobs tr[data-job-id="{job}"]')
    expect(row.locator(".progress-text")).to_have_text("40 / 40")
    bar = row.locator("progress")
    assert bar.get_attribute("max") == bar.evaluate("b => String(b.value)") == "40"
    expect(page.locator("#job-detail .job-errors-empty")).to_be_visible()
    assert problems(page) == []


def test_a_reconcile_shows_its_drift_a_sample_opens_the_record_and_a_repair_mends_it(
    page: Page, api: Api, tables: TableServiceClient, capsys: pytest.CaptureFixture[str]
) -> None:
    synced(api, "A", "B", "C")
    change(tables, "scm", "B", Description="changed in SCM behind the sync's back")
    drop(tables, "scm", "C")
    bad = {**sample("payment-terms", "scm", "BAD", 1), "NumberOfDays": -1}  # the rules refuse it
    table(tables).create_entity({"PartitionKey": "SCM", "RowKey": Key("USMF", "BAD").row_key, **bad})
    open_with_key(page, "jobs")
    start(page, "reconcile", entity="payment-terms")
    ended(page)
    expect(count(page, "report", "differ")).to_have_text("1")
    expect(count(page, "report", "missing_in_scm")).to_have_text("1")
    expect(count(page, "report", "missing_in_fs")).to_have_text("1")
    samples = page.locator("#job-detail .job-samples tbody tr")
    expect(samples).to_have_count(3)
    differ = page.locator('#job-detail .job-samples tr[data-kind="differ"]')
    expect(differ).to_contain_text("USMF / B")
    expect(differ).to_contain_text("Description")
    screenshot(page, "operator-job", capsys)

    differ.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"#record/payment-terms/USMF/B$"))
    record = page.locator("#record-detail")
    expect(record.locator(".record-summary")).to_contain_text("Not in step: 1 field(s) differ (marked): Description")
    marked = record.locator('.side[data-side="scm"] .side-record tr.differs')
    expect(marked).to_have_count(1)
    expect(marked.locator("th")).to_have_text("Description")
    expect(marked.locator("td")).to_have_text("changed in SCM behind the sync's back")
    expect(record.locator('.side[data-side="fs"] .side-meta tr[data-name="origin"] td')).to_have_text("fs")
    expect(record.locator('.side[data-side="fs"] .side-meta tr[data-name="tombstone"] td')).to_have_text("no")
    screenshot(page, "operator-record", capsys)

    page.click('#nav a[data-view="jobs"]')
    start(page, "reconcile", entity="payment-terms", repair="fs")
    ended(page)
    expect(count(page, "report", "repaired")).to_have_text("2")
    expect(count(page, "report", "failed")).to_have_text("1")
    failed = page.locator("#job-detail .job-errors tbody tr")  # BAD, refused by the rules: its entry
    expect(failed).to_have_count(1)
    expect(failed).to_contain_text("USMF / BAD")
    expect(failed).to_contain_text("NumberOfDays: minimum (scm)")
    failed.locator("button[data-action=open-entry]").click()
    expect(page.locator("#entry-detail .entry-title")).to_have_text("payment-terms USMF / BAD")
    expect(page.locator("#entry-detail .entry-reasons")).to_contain_text("NumberOfDays: minimum (scm)")
    page.click('#nav a[data-view="record"]')  # the record form: C was copied to SCM from FS
    form = page.locator("#record-form")
    form.locator('[name="entity"]').select_option("payment-terms")
    form.locator('[name="company"]').fill("usmf")
    form.locator('[name="id"]').fill("c")
    form.locator("button[type=submit]").click()
    expect(record.locator(".record-summary")).to_contain_text("In step")
    expect(record.locator('.side[data-side="scm"] .side-meta tr[data-name="tombstone"] td')).to_have_text("no")
    assert problems(page) == []


def test_an_import_of_an_uploaded_file_lists_its_refused_lines(page: Page, api: Api, tmp_path: Path) -> None:
    export = tmp_path / "ShipVia.jsonl"
    export.write_bytes(
        b'{"msdyn_company": "USMF", "msdyn_name": "Air", "msdyn_description": "By air"}\n'
        b'{"msdyn_company": "NOPE", "msdyn_name": "Sea"}\n'
    )
    open_with_key(page, "jobs")
    page.locator('#start-import [name="file"]').set_input_files(str(export))
    start(page, "import", entity="ship-via", side="fs", format="jsonl")
    ended(page)
    expect(count(page, "counts", "loaded")).to_have_text("1")
    expect(count(page, "counts", "refused")).to_have_text("1")
    refused = page.locator("#job-detail .job-samples tbody tr")
    expect(refused).to_have_count(1)
    expect(refused).to_contain_text("line 2")
    expect(page.locator("#job-detail .job-errors tbody tr")).to_have_count(1)  # its error entry
    assert problems(page) == []


def test_a_running_job_is_cancelled_from_its_button(page: Page, api: Api, tables: TableServiceClient) -> None:
    rows = 2500  # three chunks of 1,000: the cancel lands while the first runs
    hold(tables, "ship-via", [sample("ship-via", "fs", f"BIG-{n:05}", 1) for n in range(rows)])
    open_with_key(page, "jobs")
    job = start(page, "initial-sync", entity="ship-via", **{"from": "fs"})
    page.click("#cancel-job")
    expect(page.locator("#job-detail .job-state")).to_have_text(re.compile(r"cancelled|cancel asked"))
    expect(page.locator("#cancel-job")).to_be_hidden()
    expect(page.locator("#job-detail .job-state")).to_have_text("cancelled", timeout=120_000)  # its chunk ends
    expect(page.locator("#cancel-job")).to_be_hidden()
    done = api.get(f"sync/jobs/{job}").json()
    assert done["state"] == "cancelled" and done["counts"]["read"] < rows, done
    expect(count(page, "counts", "read")).to_have_text(str(done["counts"]["read"]))  # counts so far kept
    assert problems(page) == []
