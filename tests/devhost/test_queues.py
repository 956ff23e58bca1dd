"""Queue triggers against real Azurite: success, retries, poison, encoding."""

from __future__ import annotations

import base64
import itertools
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from azure.core.exceptions import ResourceNotFoundError
from azure.storage.queue import QueueClient, TextBase64EncodePolicy

from devhost import HostConfigError, LocalHost
from devhost.hostconfig import QueueSettings
from devhost.invoke import Invoker
from devhost.loader import describe, import_app
from devhost.outputs import QueueOutputs
from devhost.queues import QueuePoller
from devhost.storage import Senders
from devtools.azurite import Azurite
from tests.devhost import sample_app

SAMPLE = "tests.devhost.sample_app"
ROOT = Path(__file__).resolve().parents[2]
FAST = {"maxPollingInterval": 0.2, "visibilityTimeout": 0}


@pytest.fixture
def queue_name(monkeypatch: pytest.MonkeyPatch, azurite: Azurite) -> str:
    name = f"q-{uuid.uuid4().hex[:16]}"
    monkeypatch.setenv("AzureWebJobsStorage", azurite.connection_string)
    monkeypatch.setenv("SAMPLE_QUEUE", name)
    return name


@pytest.fixture
def host(queue_name: str) -> Iterator[LocalHost]:
    with LocalHost.from_module(SAMPLE, host_json=None, queue_overrides=FAST) as started:
        yield started


def client(azurite: Azurite, name: str, encoded: bool = True) -> QueueClient:
    policy = TextBase64EncodePolicy() if encoded else None
    return QueueClient.from_connection_string(azurite.connection_string, name, message_encode_policy=policy)


def wait_for(condition: Callable[[], object], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def runs_of(message_id: str) -> list[dict[str, object]]:
    with sample_app.lock:
        return [r for r in sample_app.received if r["id"] == message_id]


def visible_texts(queue: QueueClient) -> list[str]:
    """The visible messages' raw text; none while the queue does not exist yet."""
    try:
        return [m.content for m in queue.peek_messages(max_messages=32)]
    except ResourceNotFoundError:
        return []


def test_start_creates_the_queue(host: LocalHost, azurite: Azurite, queue_name: str) -> None:
    assert client(azurite, queue_name).get_queue_properties().name == queue_name


def test_message_runs_the_function_and_is_deleted(host: LocalHost, azurite: Azurite, queue_name: str) -> None:
    with client(azurite, queue_name) as queue:
        sent = queue.send_message(json.dumps({"n": 1}))
        wait_for(lambda: runs_of(sent.id))
        [run] = runs_of(sent.id)
        assert (run["id"], run["body"], run["dequeue_count"]) == (sent.id, b'{"n": 1}', 1)
        wait_for(lambda: queue.get_queue_properties().approximate_message_count == 0)


def test_failing_message_is_retried_then_poisoned_unchanged(
    host: LocalHost, azurite: Azurite, queue_name: str, caplog: pytest.LogCaptureFixture
) -> None:
    with client(azurite, queue_name) as queue, client(azurite, queue_name + "-poison", encoded=False) as poison:
        sent = queue.send_message('{"fail": true}')
        wait_for(lambda: visible_texts(poison))
        assert [r["dequeue_count"] for r in runs_of(sent.id)] == [1, 2, 3, 4, 5]
        failures = [r for r in caplog.records if r.getMessage().startswith("Executed 'Functions.work' (Failed")]
        assert len(failures) == 5 and all(r.levelno == logging.ERROR and r.exc_info for r in failures)
        assert f"Reason='New queue message detected on '{queue_name}'.'" in failures[0].getMessage()
        assert visible_texts(poison) == [base64.b64encode(b'{"fail": true}').decode()]  # the text as sent
        assert queue.get_queue_properties().approximate_message_count == 0


def test_text_that_is_not_base64_goes_to_poison_without_running(
    azurite: Azurite, queue_name: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="devhost")
    with client(azurite, queue_name, encoded=False) as raw, client(azurite, queue_name + "-poison", False) as poison:
        raw.create_queue()
        sent = raw.send_message("not base64 {!}")
        with LocalHost.from_module(SAMPLE, host_json=None, queue_overrides=FAST):
            wait_for(lambda: visible_texts(poison))
        assert visible_texts(poison) == ["not base64 {!}"]
        assert runs_of(sent.id) == []
        assert raw.get_queue_properties().approximate_message_count == 0
    assert "Executing 'Functions.work'" not in caplog.text


def test_a_batch_of_messages(host: LocalHost, azurite: Azurite, queue_name: str) -> None:
    with client(azurite, queue_name) as queue:
        ids = [queue.send_message(json.dumps({"n": n})).id for n in range(40)]
        wait_for(lambda: all(runs_of(i) for i in ids))
        assert sorted(json.loads(runs_of(i)[0]["body"])["n"] for i in ids) == list(range(40))  # type: ignore[arg-type]


def test_queue_output_binding_feeds_the_trigger(host: LocalHost) -> None:
    # HTTP -> queue output -> queue trigger: the output is encoded the way the trigger decodes it.
    marker = uuid.uuid4().hex
    response = requests.post(host.base_url + "/api/enqueue", data=json.dumps({"marker": marker}), timeout=10)
    assert response.status_code == 202
    wanted = json.dumps({"marker": marker}).encode()
    wait_for(lambda: any(r["body"] == wanted for r in list(sample_app.received)))


def test_queue_invocations_are_logged_at_debug_without_bodies(
    host: LocalHost, azurite: Azurite, queue_name: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="devhost")
    with client(azurite, queue_name) as queue:
        sent = queue.send_message(json.dumps({"card": "s3cr3t"}))
        wait_for(lambda: runs_of(sent.id))
    wait_for(lambda: "Executed 'Functions.work' (Succeeded" in caplog.text)
    assert f"Executing 'Functions.work' (Reason='New queue message detected on '{queue_name}'.', Id=" in caplog.text
    assert "s3cr3t" not in caplog.text


def test_missing_connection_setting_fails_start(monkeypatch: pytest.MonkeyPatch, queue_name: str) -> None:
    monkeypatch.delenv("AzureWebJobsStorage")
    with pytest.raises(HostConfigError, match="AzureWebJobsStorage"):
        LocalHost.from_module(SAMPLE, host_json=None).start()


# --- retries: visibilityTimeout and maxDequeueCount, as the Functions host's QueueProcessor -----------


def test_a_failed_message_comes_back_after_the_visibility_timeout(azurite: Azurite, queue_name: str) -> None:
    overrides = {**FAST, "visibilityTimeout": "00:00:01"}
    with client(azurite, queue_name) as queue, client(azurite, queue_name + "-poison", encoded=False) as poison:
        with LocalHost.from_module(SAMPLE, host_json=None, queue_overrides=overrides):
            sent = queue.send_message('{"fail": true}')
            wait_for(lambda: visible_texts(poison), timeout=20)
        runs = runs_of(sent.id)
        assert [r["dequeue_count"] for r in runs] == [1, 2, 3, 4, 5]
        gaps = [float(b["at"]) - float(a["at"]) for a, b in itertools.pairwise(runs)]  # type: ignore[arg-type]
        # Hidden for the whole second each time, then picked up by the next poll (0.2 s at most).
        assert all(0.95 <= gap < 2.5 for gap in gaps), gaps
        assert queue.get_queue_properties().approximate_message_count == 0


def test_the_repo_host_json_holds_a_failed_message_back(azurite: Azurite, queue_name: str) -> None:
    """host.json's own visibilityTimeout (30 s), not the Functions default 0 that poisoned in ~35 ms."""
    with client(azurite, queue_name) as queue, client(azurite, queue_name + "-poison", encoded=False) as poison:
        with LocalHost.from_module(SAMPLE, host_json=ROOT / "host.json", queue_overrides={"maxPollingInterval": 0.2}):
            sent = queue.send_message('{"fail": true}')
            wait_for(lambda: runs_of(sent.id))
            time.sleep(3)  # 15 polls: each would have taken the message had it been visible
            assert [r["dequeue_count"] for r in runs_of(sent.id)] == [1]
        assert visible_texts(poison) == []
        assert visible_texts(queue) == []  # hidden, not gone:
        assert queue.get_queue_properties().approximate_message_count == 1


def test_a_message_dequeued_more_than_the_maximum_goes_to_poison_without_running(
    azurite: Azurite, queue_name: str
) -> None:
    # As after hosts that died while running it: five receives that never finished.
    with client(azurite, queue_name) as queue, client(azurite, queue_name + "-poison", encoded=False) as poison:
        queue.create_queue()
        sent = queue.send_message('{"n": 6}')
        for _ in range(5):
            taken = queue.receive_message(visibility_timeout=30)
            assert taken is not None and taken.id == sent.id
            queue.update_message(taken.id, taken.pop_receipt, visibility_timeout=0)  # visibility only
        with LocalHost.from_module(SAMPLE, host_json=None, queue_overrides=FAST):
            wait_for(lambda: visible_texts(poison))
        assert runs_of(sent.id) == []
        assert visible_texts(poison) == [base64.b64encode(b'{"n": 6}').decode()]
        assert queue.get_queue_properties().approximate_message_count == 0


# --- polling: the Functions host's exponential back-off ------------------------------------------


class RecordingPoller(QueuePoller):
    """Notes every back-off wait instead of sleeping it, and counts the receives that reach storage."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.waits: list[float] = []
        self.receives = 0
        self.enough = threading.Event()
        receive = self._receive

        def counted() -> Any:
            self.receives += 1
            return receive()

        self._receive = counted  # type: ignore[method-assign]

    def _wait(self, seconds: float) -> None:
        self.waits.append(seconds)
        if len(self.waits) >= 6:
            self.enough.set()
        self._stop.wait(0.01)  # a moment, not the back-off: this test counts, it does not time


def poller(queue_name: str, connection: str, max_polling: float) -> RecordingPoller:
    [info] = [f for f in describe(import_app(SAMPLE)) if f.kind == "queue"]
    settings = QueueSettings.from_json({"maxPollingInterval": max_polling})
    return RecordingPoller(info, queue_name, connection, settings, sample_invoker(), 30)


def sample_invoker() -> Invoker:
    return Invoker(QueueOutputs(Senders(), "base64"))


def test_an_idle_queue_is_polled_less_and_less(azurite: Azurite, queue_name: str) -> None:
    idle = poller(queue_name, azurite.connection_string, max_polling=0.8)
    idle.start()
    try:
        assert idle.enough.wait(10)
    finally:
        idle.stop()
    assert idle.waits[:6] == [0.1, 0.2, 0.4, 0.8, 0.8, 0.8]  # doubling from 50 ms, up to maxPollingInterval
    assert idle.receives == len(idle.waits)  # one receive per wait, no busy loop


def test_a_message_makes_polling_fast_again(azurite: Azurite, queue_name: str) -> None:
    busy = poller(queue_name, azurite.connection_string, max_polling=0.8)
    busy.start()
    try:
        assert busy.enough.wait(10)
        with client(azurite, queue_name) as queue:
            seen = len(busy.waits)
            sent = queue.send_message(json.dumps({"n": 1}))
            wait_for(lambda: runs_of(sent.id))
            wait_for(lambda: 0.1 in busy.waits[seen:])  # after the message: from the start again
    finally:
        busy.stop()


class SleepyPoller(QueuePoller):
    """Backs off 30 s after every empty look, and says when it has begun to."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.backing_off = threading.Event()

    def _wait(self, seconds: float) -> None:
        self.backing_off.set()
        super()._wait(30)


def test_a_message_sent_from_this_process_ends_the_back_off_at_once(azurite: Azurite, queue_name: str) -> None:
    [info] = [f for f in describe(import_app(SAMPLE)) if f.kind == "queue"]
    sleepy = SleepyPoller(info, queue_name, azurite.connection_string, QueueSettings(), sample_invoker(), 30)
    sleepy.start()
    try:
        assert sleepy.backing_off.wait(10)
        with client(azurite, queue_name) as queue:
            started = time.monotonic()
            sent = queue.send_message(json.dumps({"n": 1}))  # the SDK's own call: the host hears of it
            wait_for(lambda: runs_of(sent.id))
        assert time.monotonic() - started < 10  # not the 30 s back-off
    finally:
        sleepy.stop()
