"""The status view's pauses in a real headless Chromium against the app on real Azurite: an entity the failure
alert paused and an operator paused again shows both holds, each with who, since when and why; an entity
whose backlog a catch-up job applies links to that job's detail."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from devtools.azurite import Azurite
from functions import runtime
from tests.browser.conftest import open_with_key, problems, screenshot
from tests.integration.support import Api, eventually, send
from tests.integration.test_pause_holds import alerting  # noqa: F401 (the alert at the second failure; all resumed after)
from tests.samples import sample

expect.set_options(timeout=15_000)  # the page refreshes every 3 s

ASSETS, QUEUE = "customer-assets", "fs-to-scm-customer-assets"
SINCE = re.compile(r"^paused by (alert|operator) since \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$")
TODAY = re.compile(r"^\d\d:\d\d:\d\dZ$")  # a hold of today shows its time of day


def pauses(api: Api) -> list[dict[str, Any]]:
    entry = next(item for item in api.get("sync/status").json()["entities"] if item["entity"] == ASSETS)
    return list(entry["pauses"])


def holds(api: Api) -> list[str]:
    return [hold["by"] for hold in pauses(api)]


@pytest.mark.usefixtures("alerting")
def test_the_alerts_and_an_operators_holds_are_both_shown(
    page: Page, api: Api, azurite: Azurite, capsys: pytest.CaptureFixture[str]
) -> None:
    for ident in ("F1", "F2"):  # a parent that exists nowhere: each fails, and the second trips the alert
        send(
            azurite.connection_string,
            QUEUE,
            {"operation": "upsert", "record": {**sample(ASSETS, "fs", ident), "msdyn_parentasset": "NOPE"}},
        )
    eventually(lambda: holds(api) == ["alert"])
    paused = api.session.post(f"{api.base}/sync/{ASSETS}/pause", json={"reason": "release 4.2"}, timeout=30)
    assert paused.status_code == 200, paused.text
    assert holds(api) == ["alert", "operator"]

    open_with_key(page)
    row = page.locator(f'#entities tr[data-entity="{ASSETS}"]')
    expect(row.locator(".state")).to_have_text("paused")
    expect(row.locator(".hold")).to_have_count(2)
    alert, operator = row.locator('.hold[data-by="alert"]'), row.locator('.hold[data-by="operator"]')
    expect(alert.locator(".hold-who")).to_have_text("alert")
    expect(alert.locator(".reason")).to_contain_text("2 failures in 5 minutes (more than 1)")
    expect(alert.locator(".reason .clip-text")).to_have_attribute("title", pauses(api)[0]["reason"])  # the whole
    expect(operator.locator(".hold-who")).to_have_text("operator")
    expect(operator.locator(".reason")).to_have_text("release 4.2")
    for hold in (alert, operator):  # since when: a time of day shown, the whole moment in the title
        expect(hold.locator(".hold-by")).to_have_attribute("title", SINCE)
        expect(hold.locator(".hold-by .muted")).to_have_text(TODAY)

    screenshot(page, "operator-holds", capsys)
    page.set_viewport_size({"width": 800, "height": 800})
    resume = row.locator("button[data-action=resume]").bounding_box()
    assert resume is not None and resume["x"] + resume["width"] <= 800, resume  # still in sight beside two holds

    row.locator("button[data-action=resume]").click()  # a resume ends both
    expect(row.locator(".state")).to_have_text("running")
    expect(row.locator(".hold")).to_have_count(0)
    assert problems(page) == []


@pytest.mark.usefixtures("alerting")
def test_a_catch_up_job_is_a_link_to_its_detail(page: Page, api: Api) -> None:
    started = api.session.post(f"{api.base}/sync/ship-via/reconcile", json={}, timeout=30)
    assert started.status_code == 202, started.text
    job = started.json()["job"]["id"]
    runtime.pause_states().catch_up("ship-via", job)  # held while that job applies the backlog, as a resume does

    open_with_key(page)
    row = page.locator('#entities tr[data-entity="ship-via"]')
    expect(row.locator(".state")).to_have_text("running")
    row.get_by_role("link", name="Catch-up job of ship-via").click()
    expect(page.locator("#job-detail")).to_have_attribute("data-job-id", job)
    assert page.url.endswith(f"#jobs/{job}")
    assert problems(page) == []
