"""Log lines a team can search: with SYNC_LOG_FORMAT=json a change through a real route writes one JSON line
holding its entity, key, side, operation id, outcome and duration; a bad log setting stops the app loading."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import requests

from devtools.azurite import free_port
from tests.processes import Running, environment, run_args


def line_with(process: Running, *texts: str, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [line for line in process.lines if all(text in line for text in texts)]
        if found:
            return found[0]
        time.sleep(0.05)
    raise AssertionError(f"no line with {texts}; output:\n{process.output}")


def test_a_change_through_a_route_logs_one_json_line_with_its_fields(tmp_path: Path) -> None:
    port, ports = free_port(), [free_port(), free_port(), free_port()]
    process = Running(run_args(tmp_path, port, ports, app="function_app"), environment(SYNC_LOG_FORMAT="json"))
    try:
        process.wait_for("Host started", timeout=60)
        body = {"msdyn_company": "usmf", "msdyn_name": "Net45", "msdyn_days": 45}
        answer = requests.post(f"http://127.0.0.1:{port}/api/fs/payment-terms", json=body, timeout=30)
        assert answer.status_code == 201, answer.text
        operation_id = answer.json()["operation_id"]
        line = json.loads(line_with(process, operation_id, '"logger":"shared.sync.engine"'))
        assert line["level"] == "INFO"
        assert line["logger"] == "shared.sync.engine"
        assert line["entity"] == "payment-terms"
        assert line["key"] == "USMF/NET45"
        assert line["side"] == "fs"
        assert line["operation_id"] == operation_id
        assert line["outcome"] == "created"
        assert isinstance(line["duration_ms"], float) and 0 < line["duration_ms"] < 30_000
        assert "created from fs, wrote fs+scm" in line["message"]
        assert dt.datetime.fromisoformat(line["time"]).tzinfo is not None
        # the one line of the change: no second line repeats its operation id
        assert len([text for text in process.lines if operation_id in text]) == 1
        # the host's own start-up warning is JSON too, with its level and logger
        warning = json.loads(line_with(process, "no secrets configured"))
        assert (warning["level"], warning["logger"]) == ("WARNING", "shared.edge.callers.credentials")
    finally:
        process.kill()


def test_a_bad_log_level_stops_the_app_loading(tmp_path: Path) -> None:
    args = ["-m", "devhost", "--app", "function_app", "--port", "0", "--no-settings"]
    process = Running([*args, "--host-json", str(tmp_path / "none.json")], environment(SYNC_LOG_LEVEL="LOUD"))
    try:
        assert process.finish(timeout=60) == 1
        assert "SYNC_LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR" in process.output
        assert "Host started" not in process.output
    finally:
        process.kill()
