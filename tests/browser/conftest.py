"""A real headless Chromium (Debian's package, driven by Playwright) and the app on the local host, with an
admin secret set so that the page has to ask for it.

Playwright's own browser builds are never downloaded: it launches /usr/bin/chromium, which the setup
installs with apt-get when it is missing (as root, on a fresh machine; a test run that is not root skips
the browser tests and says why). The host here lives for this folder's tests only, so that the
integration tests never share the app with a second host.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from azure.data.tables import TableServiceClient
from azure.storage.queue import QueueServiceClient
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

from devhost import LocalHost
from devtools.azurite import Azurite
from functions import runtime
from shared.entities import ENTITIES
from tests.integration.support import Api

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
OUTPUT = ROOT / "test-output"
ADMIN_KEY = "operator-page-admin-secret-0123456789"
PAGE = "/api/sync/ui"
SETTINGS = {"SYNC_ADMIN_SECRETS": ADMIN_KEY, "SYNC_COMPANIES": None, "SYNC_PRIMARY_SIDE": None}
TABLES = [spec.table for spec in ENTITIES.values()] + ["SyncErrors", "SyncJobs", "SyncControl"]  # made if missing


def install_chromium() -> Path:
    """Debian's chromium, installed with apt-get when it is missing (the index is refreshed first)."""
    if CHROMIUM.exists():
        return CHROMIUM
    if os.geteuid() != 0:
        pytest.skip(f"{CHROMIUM} is missing and this run is not root: `apt-get install -y chromium` as root first")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "--no-install-recommends", "chromium"]):
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900, check=False)
        assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stderr[-3000:]}"
    assert CHROMIUM.exists(), f"apt-get installed chromium, but not as {CHROMIUM}"
    return CHROMIUM


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    executable = install_chromium()
    with sync_playwright() as playwright:
        # As root, Chromium runs only without its sandbox; /dev/shm is small in containers.
        args = ["--no-sandbox", "--disable-dev-shm-usage"] if os.geteuid() == 0 else ["--disable-dev-shm-usage"]
        browser = playwright.chromium.launch(executable_path=str(executable), headless=True, args=args)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def host(azurite: Azurite) -> Iterator[LocalHost]:
    """The app with an admin secret, on the session's Azurite; the settings are put back afterwards."""
    values = SETTINGS | {"AzureWebJobsStorage": azurite.connection_string}
    saved = {name: os.environ.get(name) for name in values}
    for name, value in values.items():
        os.environ.pop(name, None) if value is None else os.environ.__setitem__(name, value)
    runtime.reset()
    overrides = {"maxPollingInterval": 0.2, "visibilityTimeout": 1}
    try:
        with LocalHost.from_module("function_app", host_json=ROOT / "host.json", queue_overrides=overrides) as served:
            yield served
    finally:
        for name, value in saved.items():
            os.environ.pop(name, None) if value is None else os.environ.__setitem__(name, value)
        runtime.reset()


@pytest.fixture
def tables(host: LocalHost, azurite: Azurite) -> Iterator[TableServiceClient]:
    with TableServiceClient.from_connection_string(azurite.connection_string) as client:
        yield client


@pytest.fixture
def queues(host: LocalHost, azurite: Azurite) -> Iterator[QueueServiceClient]:
    with QueueServiceClient.from_connection_string(azurite.connection_string) as client:
        yield client


@pytest.fixture
def api(host: LocalHost, tables: TableServiceClient, queues: QueueServiceClient) -> Api:
    """A caller with the admin key, after emptying every table (entities, error log, jobs, pause states...) and
    queue of the session's Azurite."""
    present = {table.name for table in tables.list_tables()}
    for table in present | set(TABLES):  # also the tables of other operations (backlog...) that runs made
        client = tables.create_table_if_not_exists(table)
        for row in client.list_entities(select=["PartitionKey", "RowKey"]):
            client.delete_entity(row["PartitionKey"], row["RowKey"])
    for queue in queues.list_queues():
        queues.get_queue_client(queue.name).clear_messages()
    runtime.reset()  # the pause states cached in this process go with their rows
    caller = Api(host.base_url)
    caller.session.headers["x-sync-key"] = ADMIN_KEY
    return caller


@pytest.fixture
def page(chromium: Browser, host: LocalHost) -> Iterator[Page]:
    """A fresh tab (its own sessionStorage); `page.problems` collects script errors and what the policy refused."""
    context = chromium.new_context(base_url=host.base_url, viewport={"width": 1280, "height": 800})
    tab = context.new_page()
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        # A refused load or inline code (Content-Security-Policy) or a script error; failed API calls are the
        # page's own business: it shows them, and the tests look there.
        if message.type == "error" and "Failed to load resource" not in message.text:
            problems.append(message.text)

    tab.on("console", on_console)
    tab.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    tab.problems = problems  # type: ignore[attr-defined]
    yield tab
    context.close()


def screenshot(page: Page, name: str, capsys: pytest.CaptureFixture[str]) -> Path:
    """A full-page screenshot in test-output/, its path printed."""
    OUTPUT.mkdir(exist_ok=True)
    path = OUTPUT / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    with capsys.disabled():
        print(f"\n  screenshot: {path.relative_to(ROOT)} ({path.stat().st_size:,} bytes)")
    return path


def open_with_key(page: Page, view: str = "status") -> None:
    """Load the page on `view`, give it the admin key, and wait until its first status has come."""
    page.goto(f"{PAGE}#{view}")
    page.fill("#admin-key", ADMIN_KEY)
    page.click("#key-form button[type=submit]")
    expect(page.locator("#key-form")).to_be_hidden()
    expect(page.locator("#entities tbody tr").first).to_be_attached()


def problems(page: Page) -> list[str]:
    """What the console and the page's script reported (see the `page` fixture)."""
    return list(page.problems)  # type: ignore[attr-defined]


def anonymous(host: LocalHost, path: str) -> requests.Response:
    return requests.get(f"{host.base_url}{path}", timeout=30)
