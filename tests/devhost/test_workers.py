"""Worker processes (FUNCTIONS_WORKER_PROCESS_COUNT, --workers): one port and one set of queue pollers in the
host, the invocations spread over N processes that each import the app, a killed worker replaced."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from azure.storage.queue import QueueClient, TextBase64EncodePolicy

from devhost import HostConfigError, LocalHost, watch
from devhost.workers import COUNT_SETTING, show
from devtools.azurite import Azurite
from tests.processes import SAMPLE, Running, alive, descendants, environment

FAST = {"maxPollingInterval": 0.2, "visibilityTimeout": 0}
LIMIT = 4 * 1024 * 1024  # a body limit of this host, to send a body of exactly that size


@pytest.fixture
def queue_name(monkeypatch: pytest.MonkeyPatch, azurite: Azurite) -> str:
    name = f"w-{uuid.uuid4().hex[:16]}"
    monkeypatch.setenv("AzureWebJobsStorage", azurite.connection_string)
    monkeypatch.setenv("SAMPLE_QUEUE", name)
    monkeypatch.delenv(COUNT_SETTING, raising=False)
    return name


def hosting(workers: int | None = 2) -> LocalHost:
    return LocalHost.from_module(SAMPLE, host_json=None, queue_overrides=FAST, workers=workers, max_body_bytes=LIMIT)


@pytest.fixture
def two(queue_name: str) -> Iterator[LocalHost]:
    with hosting(2) as host:
        yield host


def wait_for(condition: Callable[[], Any], timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)
    return found


def pid_of(host: LocalHost) -> int:
    answer = requests.get(host.base_url + "/api/worker/pid", timeout=10)
    assert answer.status_code == 200
    return int(answer.json()["pid"])


def send(azurite: Azurite, queue: str, body: dict[str, Any]) -> str:
    encode = TextBase64EncodePolicy()
    with QueueClient.from_connection_string(azurite.connection_string, queue, message_encode_policy=encode) as client:
        return str(client.send_message(json.dumps(body)).id)


def notes(folder: Path) -> dict[str, int]:
    """`<message id>-<dequeue count>` → the pid that ran that delivery (sample_app's work)."""
    return {path.name: int(path.read_text()) for path in folder.iterdir() if path.read_text()}


# --- spreading ------------------------------------------------------------------------------------


def test_one_worker_runs_the_functions_in_the_hosts_own_process(queue_name: str) -> None:
    with hosting(None) as host:
        assert host.worker_pids == []
        assert pid_of(host) == os.getpid()


def test_requests_are_spread_over_the_workers(queue_name: str) -> None:
    with hosting(3) as host:
        pids = set(host.worker_pids)
        assert len(pids) == 3 and os.getpid() not in pids
        # One at a time, every worker is as idle as the others: they take turns.
        assert {pid_of(host) for _ in range(9)} == pids


def test_bodies_and_headers_cross_to_a_worker_unchanged(two: LocalHost) -> None:
    for body in (b"", bytes(range(256)) * 3, b"\xff\xfe not UTF-8 \x00", os.urandom(LIMIT)):
        answer = requests.post(two.base_url + "/api/echo/raw", data=body, headers={"x-sample": "a b;c"}, timeout=60)
        assert answer.status_code == 200
        assert answer.content == body
        assert answer.headers["X-Sample"] == "a b;c"
        assert answer.headers["Content-Type"] == "application/octet-stream"
        assert answer.raw.headers.getlist("Set-Cookie") == ["first=1", "second=2"]  # a repeated header stays two


def test_an_async_function_runs_on_a_workers_event_loop(two: LocalHost) -> None:
    answer = requests.get(two.base_url + "/api/async/there", timeout=10)
    assert (answer.status_code, answer.text) == (200, "hello there from slow_async")


def test_a_failing_function_is_a_500_from_the_host(two: LocalHost) -> None:
    answer = requests.get(two.base_url + "/api/boom", timeout=10)
    assert answer.status_code == 500
    assert answer.json()["error"]["message"] == "Function 'boom' failed; see the host log."


def test_queue_messages_are_handled_by_several_workers(two: LocalHost, azurite: Azurite, tmp_path: Path) -> None:
    sent = [send(azurite, two_queue(), {"note_dir": str(tmp_path), "n": n}) for n in range(12)]
    done = wait_for(lambda: len(notes(tmp_path)) >= 12 and notes(tmp_path))
    assert sorted(done) == sorted(f"{message}-1" for message in sent)  # each once, at its first delivery
    assert set(done.values()) == set(two.worker_pids)


def two_queue() -> str:
    return os.environ["SAMPLE_QUEUE"]


def test_a_workers_queue_output_is_sent_by_the_host(two: LocalHost, tmp_path: Path) -> None:
    body = json.dumps({"note_dir": str(tmp_path)})
    assert requests.post(two.base_url + "/api/enqueue", data=body, timeout=10).status_code == 202
    assert len(wait_for(lambda: notes(tmp_path))) == 1


def test_a_message_a_worker_sends_itself_wakes_the_hosts_poller(two: LocalHost, tmp_path: Path) -> None:
    woken = threading.Event()
    watch.listen(two_queue(), woken.set)  # beside the host's own poller, in this (the host's) process
    try:
        body = json.dumps({"note_dir": str(tmp_path)})
        answer = requests.post(two.base_url + "/api/send", data=body, timeout=10)
        assert int(answer.text) in two.worker_pids  # the SDK call ran in a worker, not here
        assert woken.wait(10)
    finally:
        watch.forget(two_queue(), woken.set)
    wait_for(lambda: notes(tmp_path))


def test_a_workers_json_line_gets_its_name_as_a_field_and_text_a_prefix(capsys: pytest.CaptureFixture[str]) -> None:
    show("worker 2 pid 7", '{"level": "INFO", "message": "créé"}')
    show("worker 2 pid 7", "first line\n  second line")
    lines = capsys.readouterr().err.splitlines()
    assert json.loads(lines[0]) == {"level": "INFO", "message": "créé", "worker": "worker 2 pid 7"}
    assert lines[1:] == ["[worker 2 pid 7] first line", "[worker 2 pid 7]   second line"]


# --- a worker that dies ---------------------------------------------------------------------------


def kill_when_holding(pid_file: Path) -> int:
    pid = int(wait_for(lambda: pid_file.exists() and pid_file.read_text()))
    os.kill(pid, signal.SIGKILL)
    return pid


def test_a_killed_worker_fails_its_request_and_is_replaced(
    two: LocalHost, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    before = set(two.worker_pids)
    pid_file = tmp_path / "holding"
    answers: list[requests.Response] = []
    held = threading.Thread(
        target=lambda: answers.append(
            requests.get(two.base_url + "/api/worker/hold", params={"pid_file": str(pid_file)}, timeout=60)
        )
    )
    held.start()
    killed = kill_when_holding(pid_file)
    held.join(30)
    assert [answer.status_code for answer in answers] == [500]  # failed at once, not after the 60 s hold
    assert killed in before and os.getpid() != killed
    now = set(wait_for(lambda: len(two.worker_pids) == 2 and two.worker_pids, timeout=60))  # it imports the app
    assert killed not in now and len(now - before) == 1
    assert {pid_of(two) for _ in range(6)} == now  # the replacement serves as the survivor does
    messages = [record.getMessage() for record in caplog.records if record.name == "devhost"]
    assert any(f"(pid {killed}) was killed by SIGKILL; starting another" in message for message in messages)


def test_a_killed_workers_queue_message_is_retried_by_another(two: LocalHost, azurite: Azurite, tmp_path: Path) -> None:
    pid_file = tmp_path / "holding"
    notes_dir = tmp_path / "notes"
    notes_dir.mkdir()
    message = send(azurite, two_queue(), {"hold_file": str(pid_file), "note_dir": str(notes_dir)})
    killed = kill_when_holding(pid_file)
    done = wait_for(lambda: f"{message}-2" in notes(notes_dir) and notes(notes_dir), timeout=60)
    assert done[f"{message}-1"] == killed  # the first delivery ran there, and died with it
    assert done[f"{message}-2"] != killed  # the retry ran on a live worker


def test_workers_end_with_a_killed_host(azurite: Azurite) -> None:
    env = environment(AzureWebJobsStorage=azurite.connection_string, SAMPLE_QUEUE=f"w-{uuid.uuid4().hex[:12]}")
    host = Running(["-m", "devhost", "--app", SAMPLE, "--port", "0", "--no-settings", "--workers", "2"], env)
    try:
        host.wait_for("Host started")
        workers = descendants(host.process.pid)
        assert len(workers) == 2
    finally:
        host.process.kill()  # SIGKILL: no chance to stop them; their connection to it closes
        host.finish()
    wait_for(lambda: not any(alive(pid) for pid in workers))


# --- the count ------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["0", "11", "two", "1.5", "-1"])
def test_a_bad_setting_is_refused_at_start(queue_name: str, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(COUNT_SETTING, value)
    host = hosting(None)
    with pytest.raises(HostConfigError, match=f"app setting '{COUNT_SETTING}' must be a whole number from 1 to 10"):
        host.start()


def test_the_setting_alone_gives_the_count(queue_name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(COUNT_SETTING, "3")
    with hosting(None) as host:
        assert len(host.worker_pids) == 3


def test_a_bad_option_is_one_plain_line(azurite: Azurite) -> None:
    env = environment(AzureWebJobsStorage=azurite.connection_string, SAMPLE_QUEUE="unused")
    host = Running(["-m", "devhost", "--app", SAMPLE, "--port", "0", "--no-settings", "--workers", "11"], env)
    assert host.finish() == 1
    assert host.lines == ["--workers 11: the number of worker processes must be 1 to 10"]


def test_the_option_beats_the_setting_and_worker_logs_reach_the_host(azurite: Azurite) -> None:
    env = environment(AzureWebJobsStorage=azurite.connection_string, SAMPLE_QUEUE=f"w-{uuid.uuid4().hex[:12]}")
    env[COUNT_SETTING] = "3"
    host = Running(["-m", "devhost", "--app", SAMPLE, "--port", "0", "--no-settings", "--workers", "2"], env)
    try:
        host.wait_for("Host started")
        url = next(line for line in host.lines if "worker/pid" in line).split("] ", 1)[1].rsplit("/api/", 1)[0]
        pids = {requests.get(url + "/api/worker/pid", timeout=10).json()["pid"] for _ in range(6)}
        assert len(pids) == 2 and host.process.pid not in pids
        assert requests.get(url + "/api/boom", timeout=10).status_code == 500
        host.wait_for("RuntimeError: the sample fails on purpose")
    finally:
        host.process.send_signal(signal.SIGINT)
        assert host.finish() == 0
    assert "Started 2 worker processes" in host.output
    failed = next(line for line in host.lines if "Executed 'Functions.boom' (Failed" in line)
    assert any(failed.startswith(f"[worker {n} pid {pid}] ") for n in (1, 2) for pid in pids)
    assert "Traceback" in host.output and all(line.startswith("[worker ") for line in host.lines if "Traceback" in line)
