"""The operator page (`GET /api/sync/ui`) in a real headless Chromium against the app on real Azurite, through
its own buttons: the key asked once and before any call, a refused key said by the form; status, pause with a
reason and resume, a long reason that keeps the columns; an error entry opened, retried (a failure shown as one)
and dismissed with a note. Its files over plain HTTP too: anonymous, typed, under a strict policy, nothing else
served. The jobs and the record view: test_operator_jobs.py."""

from __future__ import annotations

import http.client
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from devhost import LocalHost
from devtools.azurite import Azurite
from shared.edge import ui
from shared.entities import ENTITIES
from tests.browser.conftest import ADMIN_KEY, PAGE, anonymous, open_with_key, problems, screenshot
from tests.integration.support import Api, eventually, post_ok, prepare, send
from tests.samples import sample

expect.set_options(timeout=15_000)  # the page refreshes every 3 s; the app answers in well under a second


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


def sync_calls(page: Page) -> list[str]:
    """Every call the tab makes to the admin routes from now on (the page's own files are not calls)."""
    calls: list[str] = []
    page.on("request", lambda request: calls.append(request.url) if "/api/sync/" in request.url else None)
    return calls


def admin_calls(calls: list[str]) -> list[str]:
    return [url for url in calls if "/api/sync/ui" not in url]


def test_first_visit_asks_for_the_key_before_any_call_and_shows_no_error(page: Page, host: LocalHost) -> None:
    calls = sync_calls(page)
    page.goto(PAGE)
    form = page.locator("#key-form")
    expect(form).to_be_visible()
    expect(page.locator("#admin-key")).to_be_focused()
    page.wait_for_timeout(1000)  # a refresh would have run by now
    assert admin_calls(calls) == []
    expect(page.locator("#nav")).to_be_hidden()
    expect(page.locator("#views")).to_be_hidden()
    expect(page.locator("[role=alert]:visible, .section-message:visible")).to_have_count(0)
    expect(page.locator("#refreshed")).to_have_text("")
    label = page.locator('label[for="admin-key"]')
    expect(label).to_have_text("Admin key sent as x-sync-key")
    box = label.bounding_box()
    assert box is not None and box["height"] < 30, box  # one line, not broken around the header's name
    assert problems(page) == []


def test_a_refused_key_is_said_by_the_form_and_nowhere_else(page: Page, host: LocalHost) -> None:
    page.goto(PAGE)
    page.fill("#admin-key", "not-the-key")
    page.click("#key-form button[type=submit]")
    refused = page.locator("#key-refused")
    expect(refused).to_have_text("Key refused (401): give the admin key of this instance.")
    expect(page.locator("#key-form")).to_be_visible()
    expect(page.locator("#views")).to_be_hidden()
    expect(page.locator("[role=alert]:visible")).to_have_count(1)  # that one
    expect(page.locator(".section-message:visible, #message:visible")).to_have_count(0)
    expect(page.locator("#refreshed")).to_have_text("")

    page.fill("#admin-key", ADMIN_KEY)
    page.click("#key-form button[type=submit]")
    expect(page.locator("#entities tbody tr")).to_have_count(len(ENTITIES))
    expect(refused).to_be_hidden()
    page.reload()  # the key stays for the tab's session: not asked again
    expect(page.locator("#entities tbody tr")).to_have_count(len(ENTITIES))
    expect(page.locator("#key-form")).to_be_hidden()
    page.click("#forget-key")
    expect(page.locator("#key-form")).to_be_visible()
    expect(refused).to_be_hidden()
    assert problems(page) == []


def test_the_browser_enforces_the_pages_policy(page: Page, host: LocalHost) -> None:
    """Inline script is refused by Chromium itself under the served Content-Security-Policy."""
    page.goto(PAGE)
    expect(page.locator("#key-form")).to_be_visible()  # app.js ran: the page's own script is allowed
    with pytest.raises(Exception, match="Content Security Policy"):
        page.add_script_tag(content="document.body.dataset.injected = 'yes'")
    assert page.evaluate("document.body.dataset.injected") is None
    assert any("Content Security Policy" in problem for problem in problems(page))


ALERT = (
    "11 failures in 15 minutes (more than 10); last: validation_failed: Customer Asset "
    "USMF/KID-0000000001 was rejected: 3 rules failed; nothing was written: "
    + "; ".join(f"msdyn_parentasset{n} parent_exists (scm) names a parent asset that does not exist" for n in range(9))
    + ". Fix the cause, then resume"
)


def misfits(page: Page, lines: int = 1) -> list[str]:
    """The headers of the entities' table that are cut or on more than `lines` lines, and "table" if it is
    wider than its box."""
    return list(
        page.evaluate(
            """(lines) => {
              const table = document.querySelector('#entities');
              const heads = [...table.querySelectorAll('thead th')];
              const tall = 22 * lines + 14;
              const cut = heads.filter((th) => th.scrollWidth > th.clientWidth + 1 || th.offsetHeight > tall);
              const wide = table.offsetWidth > table.parentElement.clientWidth + 1 ? ['table'] : [];
              return [...cut.map((th) => th.textContent), ...wide];
            }""",
            lines,
        )
    )


def test_pause_with_a_reason_resume_and_a_long_reason_keeps_the_columns(
    page: Page, api: Api, capsys: pytest.CaptureFixture[str]
) -> None:
    paused = api.session.post(f"{api.base}/sync/customer-assets/pause", json={"reason": ALERT}, timeout=30)
    assert paused.status_code == 200, paused.text
    open_with_key(page)
    assets = page.locator('#entities tr[data-entity="customer-assets"]')
    expect(assets.locator(".state")).to_have_text("paused")
    reason = assets.locator(".reason .clip-text")
    expect(reason).to_have_attribute("title", ALERT)  # the whole reason, readable on hover
    assert reason.evaluate("e => e.scrollHeight > e.clientHeight")  # cut to a few lines in the table
    assert misfits(page) == []
    row = assets.bounding_box()
    assert row is not None and row["height"] < 90, row

    terms = page.locator('#entities tr[data-entity="payment-terms"]')
    page.fill("#pause-reason", "SCM maintenance until 06:00")
    terms.locator("button[data-action=pause]").click()
    expect(terms.locator(".state")).to_have_text("paused")
    expect(page.locator("#message")).to_have_text("payment-terms: paused")
    expect(terms.locator(".reason")).to_have_text("SCM maintenance until 06:00")
    answer = api.post("fs", "payment-terms", sample("payment-terms", "fs", "UI-1", 1))
    assert answer.status_code == 202 and answer.json()["status"] == "queued", answer.text
    expect(terms.locator(".backlog")).to_have_text("1")  # the page refreshed itself
    assert api.get("scm/payment-terms/USMF/UI-1").status_code == 404  # waits: written nowhere
    screenshot(page, "operator-status", capsys)

    page.set_viewport_size({"width": 800, "height": 800})  # still usable: the table scrolls in its box
    expect(page.locator("#nav a")).to_have_count(4)
    assert page.evaluate("document.documentElement.scrollWidth <= 800")
    resume = terms.locator("button[data-action=resume]").bounding_box()
    assert resume is not None and resume["x"] + resume["width"] <= 800, resume  # in sight, not scrolled away
    assert misfits(page, lines=2) == []  # headers may take two lines there
    terms.locator("button[data-action=resume]").click()
    expect(terms.locator(".state")).to_have_text("running")
    expect(terms.locator(".backlog")).to_have_text("0")
    eventually(lambda: api.get("scm/payment-terms/USMF/UI-1").status_code == 200)  # arrived
    expect(terms.locator("td").nth(4)).to_have_text("1")  # rows on the SCM side

    page.click("#resume-all")
    expect(page.locator('#entities tr[data-state="running"]')).to_have_count(len(ENTITIES))
    expect(page.locator(".section-message:visible")).to_have_count(0)
    assert problems(page) == []


QUARANTINE = {"dataAreaId": "USMF", "WarehouseId": "WQ", "OperationalSiteId": "1", "WarehouseType": "Quarantine"}


def names_quarantine(ident: str) -> dict[str, Any]:
    """A warehouse that names quarantine warehouse WQ, which fails while WQ does not exist."""
    return {
        "msdyn_company": "USMF",
        "msdyn_warehouseidentifier": ident,
        "msdyn_operationalsite": "1",
        "msdyn_quarantinewarehouse": "WQ",
    }


def test_an_error_entry_retried_failing_then_going_through_and_another_dismissed(
    page: Page, api: Api, azurite: Azurite, capsys: pytest.CaptureFixture[str]
) -> None:
    prepare(api, "warehouses")  # the warehouses' site
    for ident in ("W-UI", "W-GONE"):
        message = {"operation": "upsert", "record": names_quarantine(ident)}
        send(azurite.connection_string, "fs-to-scm-warehouses", message)
    open_with_key(page, "errors")
    rows = page.locator("#errors tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#open-count")).to_have_text("2")
    first = page.locator("#errors tbody tr", has_text="W-UI")
    for text in ("warehouses", "USMF / W-UI", "fs-to-scm", "queue", "QuarantineWarehouseId: quarantine_warehouse"):
        expect(first).to_contain_text(text)

    first.locator("button[data-action=open-entry]").click()
    entry = page.locator("#entry-detail")
    expect(entry.locator(".entry-reasons li")).to_contain_text(["QuarantineWarehouseId: quarantine_warehouse (scm)"])
    expect(entry.locator('tr[data-name="attempts"] td')).to_have_text("1")
    change = entry.locator(".entry-change-body")  # the queue message as it arrived, laid out
    expect(change).to_contain_text('"operation": "upsert"')
    expect(change).to_contain_text('"msdyn_quarantinewarehouse": "WQ"')
    page.click("#retry-entry")  # WQ still missing: fails again, said as a failure
    message = page.locator("#message")
    expect(message).to_contain_text("Retry failed: validation_failed")
    expect(message).to_contain_text("QuarantineWarehouseId: quarantine_warehouse (scm)")  # the new reasons
    expect(message).not_to_have_class("ok")
    expect(message).to_have_attribute("role", "alert")
    expect(entry.locator('tr[data-name="attempts"] td')).to_have_text("2")
    expect(entry.locator(".entry-state")).to_have_text("open")
    screenshot(page, "operator-error-entry", capsys)

    post_ok(api, "scm", QUARANTINE, entity="warehouses")  # the cause fixed: now the retry goes through
    page.click("#retry-entry")
    expect(message).to_have_text("Retried warehouses USMF / W-UI: the change went through (created)")
    expect(message).to_have_class("ok")
    expect(entry.locator(".entry-state")).to_have_text("resolved")
    expect(page.locator("#retry-entry")).to_be_hidden()
    expect(rows).to_have_count(1)  # the open ones: W-GONE
    assert api.get("scm/warehouses/USMF/W-UI").status_code == 200

    rows.first.get_by_role("link").click()  # its key: the record view, held by neither side, with its entry
    record = page.locator("#record-detail")
    expect(record.locator(".record-summary")).to_have_text("warehouses USMF / W-GONE: held by neither side.")
    expect(record.locator(".record-errors tbody tr")).to_have_count(1)
    record.locator(".record-errors button[data-action=open-entry]").click()  # back to the entry in the log
    expect(entry.locator(".entry-title")).to_have_text("warehouses USMF / W-GONE")
    page.click("#dismiss-entry")  # no note: asked for one, nothing sent
    expect(message).to_contain_text("Dismiss needs a note")
    page.fill("#dismiss-note", "W-GONE was closed in FS; nothing to sync")
    page.click("#dismiss-entry")
    expect(message).to_have_text("Dismissed warehouses USMF / W-GONE: kept, never retried")
    expect(entry.locator(".entry-state")).to_have_text("dismissed")
    expect(entry.locator('tr[data-name="note"] td')).to_have_text("W-GONE was closed in FS; nothing to sync")
    expect(rows).to_have_count(0)
    expect(page.locator("[data-empty=errors]")).to_be_visible()

    page.select_option('#error-filters select[name="state"]', "dismissed")
    page.fill('#error-filters input[name="id"]', "w-gone")
    page.click("#error-filters button[type=submit]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("dismissed")
    page.select_option('#error-filters select[name="state"]', "resolved")
    page.fill('#error-filters input[name="id"]', "")
    page.fill('#error-filters input[name="code"]', "validation_failed")
    page.click("#error-filters button[type=submit]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("W-UI")
    assert problems(page) == []
