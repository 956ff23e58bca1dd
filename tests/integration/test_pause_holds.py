"""An entity the failure alert paused, paused again by an operator (`fs-scm-sync pause all --reason …`): both
holds are kept, each with who and when, status shows both, and resume ends both."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from devhost import LocalHost
from functions import runtime
from shared.entities import ENTITIES
from tests.integration.support import Api, eventually, send
from tests.processes import ROOT
from tests.samples import sample

ASSETS, QUEUE = "customer-assets", "fs-to-scm-customer-assets"


def cli(host: LocalHost, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "cli", "--url", host.base_url, *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60, env={"COLUMNS": "80"})


def entry(api: Api, slug: str) -> dict[str, Any]:
    entries: list[dict[str, Any]] = api.get("sync/status").json()["entities"]
    return next(item for item in entries if item["entity"] == slug)


@pytest.fixture
def alerting(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The alert pauses an entity at its second failure within five minutes; every entity runs afterwards."""
    monkeypatch.setenv("SYNC_ALERT_FAILURES", "1")
    monkeypatch.setenv("SYNC_ALERT_MINUTES", "5")
    runtime.reset()
    yield
    runtime.pause_states().resume(list(ENTITIES))
    monkeypatch.undo()
    runtime.reset()


def test_an_operators_pause_keeps_the_alerts_reason(api: Api, host: LocalHost, connection: str, alerting: None) -> None:
    for ident in ("F1", "F2"):
        record = {**sample(ASSETS, "fs", ident), "msdyn_parentasset": "NOPE"}
        send(connection, QUEUE, {"operation": "upsert", "record": record})
    eventually(lambda: entry(api, ASSETS)["state"] == "paused")
    [alert] = entry(api, ASSETS)["pauses"]
    assert alert["by"] == "alert" and "2 failures in 5 minutes (more than 1)" in alert["reason"]

    paused = cli(host, "pause", "all", "--reason", "release 4.2")
    assert paused.returncode == 0, paused.stdout + paused.stderr
    held = entry(api, ASSETS)
    assert [hold["by"] for hold in held["pauses"]] == ["alert", "operator"]
    assert held["pauses"][0] == alert and held["pauses"][1]["reason"] == "release 4.2"
    assert held["reason"].startswith("alert: 2 failures")
    assert held["reason"].endswith("; operator: release 4.2")
    assert [hold["by"] for hold in entry(api, "ship-via")["pauses"]] == ["operator"]

    shown = cli(host, "status")
    text = " ".join(shown.stdout.split())
    assert f"{ASSETS} paused by alert at " in text and "2 failures in 5 minutes" in text, shown.stdout
    assert f"{ASSETS} paused by operator at " in text and "release 4.2" in text
    assert "ship-via paused by operator at " in text
    assert all(len(line) <= 80 for line in shown.stdout.splitlines() if "━" not in line and "│" not in line)

    again = cli(host, "pause", ASSETS, "--reason", "still releasing")
    assert again.returncode == 0, again.stdout + again.stderr
    assert [hold["reason"] for hold in entry(api, ASSETS)["pauses"]] == [alert["reason"], "still releasing"]

    resumed = cli(host, "resume", "all")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    done = eventually(lambda: all(item["state"] == "running" for item in api.get("sync/status").json()["entities"]))
    assert done and entry(api, ASSETS)["pauses"] == [] and entry(api, ASSETS)["reason"] is None
