"""`make run`'s command with the real app, on ports of its own: it serves, syncs a payment term, refuses a
wrong method with 405, and leaves nothing behind."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from azure.data.tables import TableServiceClient

from devtools.azurite import connection_string, free_port
from tests.processes import Running, alive, descendants, environment, run_args


@pytest.fixture
def run(tmp_path: Path) -> Iterator[tuple[Running, int, dict[str, int]]]:
    port, ports = free_port(), {"blob": free_port(), "queue": free_port(), "table": free_port()}
    process = Running(run_args(tmp_path, port, list(ports.values()), app="function_app"), environment())
    yield process, port, ports
    if process.process.poll() is None:
        process.kill()


def test_make_run_serves_the_app_and_syncs(run: tuple[Running, int, dict[str, int]]) -> None:
    process, port, ports = run
    process.wait_for("Host started", timeout=60)
    # text logs (the default): time, level and logger on every line, so a warning reads as one
    assert " WARNING shared.edge.callers.credentials: no secrets configured" in process.output
    for route in ("/api/fs/payment-terms/{company?}/{id?}", "/api/scm/payment-terms/{company?}/{id?}"):
        assert route in process.output
    for queue in ("queue fs-to-scm-payment-terms", "queue scm-to-fs-payment-terms"):
        assert queue in process.output
    body = {"msdyn_company": "USMF", "msdyn_name": "Net30", "msdyn_days": 30}  # the map's own tests cover the rest
    answer = requests.post(f"http://127.0.0.1:{port}/api/fs/payment-terms", json=body, timeout=30)
    assert answer.status_code == 201, answer.text
    assert answer.json()["fs"]["record"]["msdyn_name"] == "Net30"
    assert answer.json()["scm"]["record"]["NumberOfDays"] == 30
    table = TableServiceClient.from_connection_string(connection_string(ports)).get_table_client("PaymentTerms")
    assert table.get_entity("SCM", "USMF|NET30")["NumberOfDays"] == 30
    # A method the entity route does not take is a 405, not the catch-all's "no route".
    refused = requests.put(f"http://127.0.0.1:{port}/api/fs/payment-terms", json=body, timeout=30)
    assert refused.status_code == 405, refused.text
    assert refused.headers["Allow"] == "DELETE, GET, HEAD, POST"
    assert refused.json()["error"]["code"] == "method_not_allowed"
    children = descendants(process.process.pid)
    process.process.send_signal(signal.SIGINT)
    assert process.finish() == 0
    assert [pid for pid in children if alive(pid)] == []
