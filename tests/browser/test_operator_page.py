"""The operator page (`GET /api/sync/ui`) in a real headless Chromium against the app on real Azurite:
load it, give the key it asks for, pause an entity and see a change wait in its backlog, resume and see the
change arrive, retry an open error from its button, follow a job's progress bar; a screenshot goes to
test-output/. Its files over plain HTTP too: anonymous, typed, under a strict policy, nothing else served."""

from __future__ import annotations

import http.client
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from devhost import LocalHost
from devtools.azurite import Azurite
from shared.edge import ui
from shared.entities import ENTITIES
from tests.browser.conftest import ADMIN_KEY, anonymous, screenshot
from tests.integration.support import Api, eventually, held, post_ok, prepare, send
from tests.samples import sample

expect.set_options(timeout=15_000)  # the page refreshes every 3 s; the app answers in well under a second
PAGE = "/api/sync/ui"


def test_the_page_is_anonymous_its_routes_are_not(host: LocalHost) -> None:
    for path, media_type in [(PAGE, "text/html"), (f"{PAGE}/", "text/html"), (f"{PAGE}/app.js", "text/javascript")]:
        answer = anonymous(host, path)
        assert answer.status_code == 200, (path, answer.text)
        assert answer.headers["Content-Type"] == f"{media_type}; charset=utf-8"
        assert answer.headers["Content-Security-Policy"] == ui.POLICY
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert anonymous(host, f"{PAGE}/app.css").headers["Content-Type"] == "text/css; charset=utf-8"
    assert anonymous(host, "/api/sync/jobs").status_code == 401  # what the page calls needs the admin key


@pytest.mark.parametrize(
    "path",
    [
        f"{PAGE}/../../host.json",
        f"{PAGE}/..%2F..%2Fhost.json",
        f"{PAGE}/%2e%2e/function_app.py",
        f"{PAGE}/app.js/../../../host.json",
        f"{PAGE}/nothing.js",
        f"{PAGE}/app.js/more",
    ],
)
def test_no_path_reaches_another_file(host: LocalHost, path: str) -> None:
    """Sent byte for byte (no client-side clean-up of dot segments): a JSON 404, never a file's content."""
    connection = http.client.HTTPConnection(host.host, int(host.base_url.rsplit(":", 1)[1]), timeout=30)
    connection.request("GET", path)
    answer = connection.getresponse()
    body = answer.read()
    connection.close()
    assert answer.status == 404, (path, answer.status, body[:200])
    assert answer.getheader("Content-Type", "").startswith("application/json")
    assert b'"not_found"' in body and b"extensionBundle" not in body and b"FunctionApp" not in body


def hold(tables: Any, slug: str, records: list[dict[str, Any]]) -> None:
    """Records FS already holds (no sync metadata), written with the import's own code."""
    report = held(tables, slug, "fs", records)
    assert report.refused == [] and report.loaded == len(records), report


def open_with_key(page: Page) -> None:
    """Load the page; it asks for the key (its first calls answer 401); a wrong one is refused visibly."""
    page.goto(PAGE)
    expect(page.locator("#key-form")).to_be_visible()
    page.fill("#admin-key", "not-the-key")
    page.click("#key-form button[type=submit]")
    expect(page.locator('.section-message[data-for="jobs"]')).to_contain_text("401")
    expect(page.locator("#key-form")).to_be_visible()  # asked again
    page.fill("#admin-key", ADMIN_KEY)
    page.click("#key-form button[type=submit]")
    expect(page.locator("#key-form")).to_be_hidden()
    expect(page.locator('.section-message[data-for="jobs"]')).to_be_hidden()


def test_the_key_is_asked_once_and_a_job_shows_its_progress(
    page: Page, api: Api, tables: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    hold(tables, "ship-via", [sample("ship-via", "fs", f"UI-{n:03}", 1) for n in range(40)])
    open_with_key(page)
    expect(page.locator("[data-empty=jobs]")).to_be_visible()
    started = api.session.post(f"{api.base}/sync/ship-via/initial-sync", json={"from": "fs"}, timeout=30)
    assert started.status_code == 202, started.text
    job = page.locator(f'#jobs tr[data-job-id="{started.json()["job"]["id"]}"]')
    expect(job.locator("td").nth(2)).to_have_text("succeeded")  # the page refreshed itself: no reload here
    expect(job.locator("td").nth(0)).to_have_text("initial-sync")
    expect(job.locator("td").nth(1)).to_have_text("ship-via")
    bar = job.locator("progress")
    assert bar.get_attribute("max") == bar.evaluate("b => String(b.value)") == "40"
    expect(job.locator(".progress-text")).to_have_text("40 / 40")
    screenshot(page, "operator-page-job", capsys)
    page.reload()  # the key stays for the tab's session: not asked again
    expect(job.locator("td").nth(2)).to_have_text("succeeded")
    expect(page.locator("#key-form")).to_be_hidden()
    page.click("#forget-key")
    expect(page.locator("#key-form")).to_be_visible()
    assert page.problems == []  # type: ignore[attr-defined]


def test_the_browser_enforces_the_pages_policy(page: Page, host: LocalHost) -> None:
    """Inline script is refused by Chromium itself under the served Content-Security-Policy."""
    page.goto(PAGE)
    expect(page.locator("#key-form")).to_be_visible()  # app.js ran: the page's own script is allowed
    with pytest.raises(Exception, match="Content Security Policy"):
        page.add_script_tag(content="document.body.dataset.injected = 'yes'")
    assert page.evaluate("document.body.dataset.injected") is None
    assert any("Content Security Policy" in problem for problem in page.problems)  # type: ignore[attr-defined]


QUARANTINE = {"dataAreaId": "USMF", "WarehouseId": "WQ", "OperationalSiteId": "1", "WarehouseType": "Quarantine"}
NAMES_QUARANTINE = {
    "msdyn_company": "USMF",
    "msdyn_warehouseidentifier": "W-UI",
    "msdyn_operationalsite": "1",
    "msdyn_quarantinewarehouse": "WQ",
}


def test_pause_a_change_waits_resume_it_arrives_retry_an_error(
    page: Page, api: Api, azurite: Azurite, capsys: pytest.CaptureFixture[str]
) -> None:
    prepare(api, "warehouses")  # the warehouses' site
    open_with_key(page)
    expect(page.locator("#entities tbody tr")).to_have_count(len(ENTITIES))
    terms = page.locator('#entities tr[data-entity="payment-terms"]')
    expect(terms.locator(".state")).to_have_text("running")

    terms.locator("button[data-action=pause]").click()
    expect(terms.locator(".state")).to_have_text("paused")
    expect(page.locator("#message")).to_have_text("payment-terms: paused")
    expect(terms.locator("td").nth(2)).to_have_text("paused on the operator page")  # the reason
    answer = api.post("fs", "payment-terms", sample("payment-terms", "fs", "UI-1", 1))
    assert answer.status_code == 202 and answer.json()["status"] == "queued", answer.text
    expect(terms.locator(".backlog")).to_have_text("1")  # the page refreshed itself
    assert api.get("scm/payment-terms/USMF/UI-1").status_code == 404  # waits: written nowhere

    # a queue message that fails for good: it names a quarantine warehouse that does not exist yet
    send(azurite.connection_string, "fs-to-scm-warehouses", {"operation": "upsert", "record": NAMES_QUARANTINE})
    error = page.locator("#errors tbody tr")
    expect(error).to_have_count(1)
    for text in ("warehouses", "USMF / W-UI", "fs-to-scm", "queue", "quarantine_warehouse"):
        expect(error).to_contain_text(text)
    expect(page.locator('#entities tr[data-entity="warehouses"] td').nth(7)).to_have_text("1")  # open errors
    screenshot(page, "operator-page", capsys)

    terms.locator("button[data-action=resume]").click()
    expect(terms.locator(".state")).to_have_text("running")
    expect(terms.locator(".backlog")).to_have_text("0")
    eventually(lambda: api.get("scm/payment-terms/USMF/UI-1").status_code == 200)  # arrived
    expect(terms.locator("td").nth(4)).to_have_text("1")  # rows on the SCM side

    post_ok(api, "scm", QUARANTINE, entity="warehouses")  # the cause fixed: now the retry goes through
    error.locator("button[data-action=retry]").click()
    expect(page.locator("#message")).to_have_text("retried: the change went through")
    expect(error).to_have_count(0)
    expect(page.locator("[data-empty=errors]")).to_be_visible()
    assert api.get("scm/warehouses/USMF/W-UI").status_code == 200

    page.click("#pause-all")
    expect(page.locator('#entities tr[data-state="paused"]')).to_have_count(len(ENTITIES))
    page.click("#resume-all")
    expect(page.locator('#entities tr[data-state="running"]')).to_have_count(len(ENTITIES))
    expect(page.locator(".section-message:visible")).to_have_count(0)

    page.click("#forget-key")  # an action refused by the app is said on the page, and nothing changes
    page.click("#pause-all")
    expect(page.locator("#message")).to_contain_text("POST /sync/all/pause: 401")
    expect(page.locator("#key-form")).to_be_visible()
    assert {entry["state"] for entry in api.get("sync/status").json()["entities"]} == {"running"}
    assert page.problems == []  # type: ignore[attr-defined]
