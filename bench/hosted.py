"""The app behind the local host: HTTP POSTs and queue messages, with the app's storage requests counted.

The app builds its own clients. Its table clients take pipeline policies from functions.runtime, so the
counter goes in through `runtime.add_request_policy` for the block. The queue SDK takes no policies:
devhost's `queue_client` is replaced by a counting stand-in for the block. Only this process is affected.
The app's recovery timer is not run: once a minute it scans every table, requests that belong to no
measured operation (its own cost is one query per side and entity, whatever the load).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import requests
from azure.storage.queue import TextBase64EncodePolicy

import devhost.queues
from bench.counting import RequestCounter, counted_queue, replaced
from bench.inprocess import deferred_work
from bench.measure import BenchError, Result, expect, result, timed
from bench.queued import wait_for_scm
from bench.records import batch, payment_term, times
from devhost import LocalHost
from devhost.hostconfig import HostConfig
from devhost.loader import describe, import_app
from functions import runtime
from functions.entities import queue_name
from shared import jsonio
from shared.entities.payment_terms import SPEC

ROOT = Path(__file__).resolve().parent.parent
QUEUE = queue_name(SPEC, "fs")
WARM_UP = 20  # POSTs before the HTTP scenario, not measured


class Hosted:
    def __init__(self, connection: str, host: LocalHost, tables: RequestCounter, queue: RequestCounter | None):
        self.connection = connection
        self.url = f"{host.base_url}/api/fs/{SPEC.slug}"
        self.tables, self.queue = tables, queue
        self.session = requests.Session()
        _, self.created, _ = times()

    def warm_up(self, n: int) -> None:
        """Not measured: the app's first client and table check, the host's first requests."""
        for index in range(n):
            self._post(payment_term("HW", index, self.created))

    def http_create(self, n: int) -> Result:
        records = batch("WEB", n, self.created)
        return self._deferred(timed("HTTP create via local host", records, self._post, self.tables))

    def queue_create(self, n: int) -> Result:
        bodies = [jsonio.dumps({"operation": "upsert", "record": r}).decode() for r in batch("QUE", n, self.created)]
        before = self._requests()
        start, sent_at = time.perf_counter(), {}
        with counted_queue(self.connection, QUEUE, self.queue or RequestCounter(), **_BASE64) as sender:
            for index, body in enumerate(bodies):
                sent_at[f"QUE{index}"] = time.time()
                sender.send_message(body)
        stored_at = wait_for_scm(self.connection, "QUE", n, timeout=max(30.0, n * 0.2))
        seconds = time.perf_counter() - start
        latencies = [(stored_at[name] - sent_at[name]) * 1000 for name in sent_at]
        after = self._requests()
        requests_sent = None if before is None or after is None else after - before
        return self._deferred(result("queue create (send → processed)", seconds, latencies, requests_sent))

    def _deferred(self, measured: Result) -> Result:
        """With the requests the app's changes left for later (bench/inprocess.py, deferred_work)."""
        before = self.tables.count
        seconds = deferred_work(runtime.engine(SPEC.slug))
        return dataclasses.replace(measured, deferred=self.tables.count - before, recovery_seconds=seconds)

    def _post(self, record: dict[str, Any]) -> None:
        answer = self.session.post(self.url, data=jsonio.dumps(record), headers=_JSON, timeout=30)
        expect("HTTP POST", answer.status_code, 201)

    def _requests(self) -> int | None:
        return None if self.queue is None else self.tables.count + self.queue.count


_JSON = {"content-type": "application/json"}
_BASE64: dict[str, Any] = {"message_encode_policy": TextBase64EncodePolicy()}


@contextlib.contextmanager
def serving(connection: str) -> Iterator[Hosted]:
    """The app on a free port, its settings pointing at this run's Azurite, its requests counted."""
    tables, queue = RequestCounter(), RequestCounter(url_part=f"/{QUEUE}")
    with contextlib.ExitStack() as stack:
        stack.enter_context(pointed_at(connection))
        if not hasattr(runtime, "add_request_policy"):
            raise BenchError("functions.runtime no longer takes request policies: update bench/hosted.py")
        runtime.add_request_policy(tables)  # resets the runtime: every table client from now on counts
        stack.callback(runtime.remove_request_policy, tables)
        queue_counted = stack.enter_context(replaced(devhost.queues, "queue_client", _queue_factory(queue)))
        host = stack.enter_context(host_without_timers())
        hosted = Hosted(connection, host, tables, queue if queue_counted else None)
        hosted.warm_up(WARM_UP)
        yield hosted


def _queue_factory(counter: RequestCounter) -> Any:
    return lambda connection, queue: counted_queue(connection, queue, counter)


def host_without_timers() -> LocalHost:
    """The app's HTTP routes and queue triggers, not its timers (see the module's docstring), polling as
    host.json says (as deployed): the 17 idle queues' polls would otherwise take Azurite's time from
    the measured changes (at 0.2 s, 85 polls a second)."""
    functions = tuple(info for info in describe(import_app("function_app")) if info.kind != "timer")
    config = HostConfig.load(ROOT / "host.json")
    return LocalHost(functions, config, port=0)


@contextlib.contextmanager
def pointed_at(connection: str) -> Iterator[None]:
    """The app's settings (and its clients, made anew) point at this run's Azurite for the block."""
    saved = os.environ.get("AzureWebJobsStorage")
    os.environ["AzureWebJobsStorage"] = connection
    runtime.reset()
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("AzureWebJobsStorage", None)
        else:
            os.environ["AzureWebJobsStorage"] = saved
        runtime.reset()
