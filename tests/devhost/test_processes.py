"""The command lines: `python -m devhost` and `python -m devtools.run`, as real processes."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from devtools import run as supervisor
from devtools.azurite import Azurite, free_port, port_in_use
from tests.processes import SAMPLE, Running, alive, descendants, environment, run_args

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def running() -> Iterator[list[Running]]:
    """Processes a test starts; killed at the end if the test did not stop them."""
    started: list[Running] = []
    yield started
    for proc in started:
        if proc.process.poll() is None:
            proc.kill()


# --- python -m devhost -------------------------------------------------------------------


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_cli_lists_functions_serves_and_stops_on_signal(
    azurite: Azurite, tmp_path: Path, running: list[Running], stop_signal: signal.Signals
) -> None:
    queue = f"cli-{uuid.uuid4().hex[:12]}"
    settings = tmp_path / "local.settings.json"
    # The file's AzureWebJobsStorage must lose to the environment's; SAMPLE_QUEUE comes from the file.
    values = {"AzureWebJobsStorage": "UseDevelopmentStorage=true", "SAMPLE_QUEUE": queue}
    settings.write_text(json.dumps({"Values": values}))
    env = environment(AzureWebJobsStorage=azurite.connection_string)
    args = ["-m", "devhost", "--app", SAMPLE, "--port", "0", "--settings", str(settings)]
    host = Running([*args, "--host-json", str(ROOT / "host.json")], env)
    running.append(host)
    host.wait_for("Host started")
    assert "Functions:" in host.lines
    assert re.search(r"^\titem: \[GET\] http://127\.0\.0\.1:\d+/api/items/\{id:int\}/\{detail\?\}$", host.output, re.M)
    assert f"\twork: queue {queue}" in host.lines
    assert "\ttick: timer */1 * * * * *" in host.lines
    url = re.search(r"http://127\.0\.0\.1:\d+", host.output)
    assert url is not None
    assert requests.get(url.group(0) + "/api/items/9", timeout=10).json() == {"id": "9", "detail": None}
    host.process.send_signal(stop_signal)
    assert host.finish() == 0
    assert "Traceback" not in host.output


def test_cli_taken_port_is_one_plain_line(azurite: Azurite, running: list[Running]) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        env = environment(AzureWebJobsStorage=azurite.connection_string, SAMPLE_QUEUE="unused")
        host = Running(["-m", "devhost", "--app", SAMPLE, "--port", str(port), "--no-settings"], env)
        running.append(host)
        assert host.finish() == 1
    assert f"port {port} on 127.0.0.1 is already in use — stop what holds it or pass --port" in host.lines
    assert "Traceback" not in host.output


def test_cli_import_error_exits_1(running: list[Running]) -> None:
    host = Running(["-m", "devhost", "--app", "no_such_app_module", "--port", "0"], environment())
    running.append(host)
    assert host.finish() == 1
    assert "cannot import 'no_such_app_module': ModuleNotFoundError" in host.output
    assert "Traceback" not in host.output


# --- python -m devtools.run ----------------------------------------------------------------


def test_run_serves_the_app_and_leaves_nothing_behind(tmp_path: Path, running: list[Running]) -> None:
    port, azurite_ports = free_port(), [free_port() for _ in range(3)]
    run = Running(run_args(tmp_path, port, azurite_ports), environment(SAMPLE_QUEUE=f"run-{uuid.uuid4().hex[:12]}"))
    running.append(run)
    run.wait_for("Host started", timeout=60)
    assert "Created" in run.output and (tmp_path / "local.settings.json").exists()
    assert f"queue  http://127.0.0.1:{azurite_ports[1]}/devstoreaccount1" in run.output
    response = requests.get(f"http://127.0.0.1:{port}/api/items/3", timeout=10)
    assert response.json() == {"id": "3", "detail": None}
    children = descendants(run.process.pid)
    assert len(children) >= 2  # Azurite and the host
    run.process.send_signal(signal.SIGINT)
    assert run.finish() == 0
    assert [pid for pid in children if alive(pid)] == []


def test_run_refuses_taken_ports(tmp_path: Path, running: list[Running]) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        run = Running(run_args(tmp_path, free_port(), [free_port(), free_port(), taken]), environment())
        running.append(run)
        assert run.finish() == 1
    assert f"port {taken} (Azurite table) is already in use on 127.0.0.1" in run.output
    assert not (tmp_path / "azurite").exists()  # nothing was started


def test_run_stops_azurite_when_the_host_dies(tmp_path: Path, running: list[Running]) -> None:
    args = run_args(tmp_path, free_port(), [free_port() for _ in range(3)], app="no_such_app_module")
    run = Running(args, environment())
    running.append(run)
    assert run.finish(timeout=60) == 1
    assert "The host exited with code 1; stopping Azurite." in run.output


def test_run_children_die_with_a_killed_supervisor(tmp_path: Path, running: list[Running]) -> None:
    """SIGKILL gives `make run` no chance to stop its children: the kernel's parent-death signal does."""
    port, azurite_ports = free_port(), [free_port() for _ in range(3)]
    run = Running(run_args(tmp_path, port, azurite_ports), environment(SAMPLE_QUEUE=f"kill-{uuid.uuid4().hex[:12]}"))
    running.append(run)
    run.wait_for("Host started", timeout=60)
    children = descendants(run.process.pid)
    assert len(children) >= 2  # Azurite and the host
    try:
        run.process.kill()
        run.process.wait(10)
        deadline = time.monotonic() + 15
        while any(alive(pid) for pid in children) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [pid for pid in children if alive(pid)] == []
        assert not any(port_in_use(p) for p in (port, *azurite_ports))
    finally:
        for pid in children:  # orphans now: Running.kill() would no longer find them
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


# --- make run's arguments ----------------------------------------------------------------------


def test_make_run_passes_args_to_the_supervisor() -> None:
    args = "--port 7072 --azurite-ports 10010,10011,10012"
    printed = subprocess.run(
        ["make", "--no-print-directory", "-n", "run", f"ARGS={args}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    runs = [line for line in printed if "devtools.run" in line]  # under `make test`, make prints more
    assert runs and runs[-1].endswith(f"-m devtools.run {args}"), printed


def test_run_takes_other_ports() -> None:
    args = supervisor.parse_args(["--port", "7072", "--azurite-ports", "10010,10011,10012"])
    assert (args.port, args.azurite_ports) == (7072, {"blob": 10010, "queue": 10011, "table": 10012})
    defaults = supervisor.parse_args([])
    assert (defaults.port, defaults.azurite_ports) == (7071, {"blob": 10000, "queue": 10001, "table": 10002})


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--port", "0"], "argument --port: '0' is not a port number (1-65535)"),
        (["--port", "70000"], "argument --port: '70000' is not a port number (1-65535)"),
        (["--azurite-ports", "10010,10011"], "expected three ports BLOB,QUEUE,TABLE, got '10010,10011'"),
        (["--azurite-ports", "1,1,2"], "expected three different ports BLOB,QUEUE,TABLE, got '1,1,2'"),
        (["--port", "10011", "--azurite-ports", "10010,10011,10012"], "--port 10011 is also one of Azurite's ports"),
    ],
)
def test_run_refuses_unusable_ports(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        supervisor.parse_args(argv)
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


def test_other_azurite_ports_reach_the_app_as_a_full_connection_string(tmp_path: Path) -> None:
    settings = tmp_path / "local.settings.json"
    settings.write_text(json.dumps({"Values": {"AzureWebJobsStorage": "UseDevelopmentStorage=true"}}))
    azurite = Azurite(ports={"blob": 10010, "queue": 10011, "table": 10012})
    with pytest.MonkeyPatch.context() as env:
        env.delenv("AzureWebJobsStorage", raising=False)
        given = supervisor.host_environment(settings, azurite)["AzureWebJobsStorage"]
    assert "QueueEndpoint=http://127.0.0.1:10011/devstoreaccount1;" in given
    assert "TableEndpoint=http://127.0.0.1:10012/devstoreaccount1;" in given


def test_run_refuses_a_broken_settings_file_before_starting_anything(tmp_path: Path, running: list[Running]) -> None:
    settings = tmp_path / "local.settings.json"
    settings.write_text(json.dumps({"Values": ["a"]}))
    run = Running(run_args(tmp_path, free_port(), [free_port() for _ in range(3)]), environment())
    running.append(run)
    assert run.finish() == 1
    assert run.lines == [f'{settings}: "Values" must be an object of app settings ("NAME": "value"), found a list']
    assert not (tmp_path / "azurite").exists()  # Azurite never started
