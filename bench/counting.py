"""Counting the HTTP requests the Azure SDKs send to storage.

Tables: `RequestCounter` is an azure-core pipeline policy, given as `per_call_policies=[counter]` to a
`TableClient.from_connection_string` (in-process scenarios) or through `functions.runtime.add_request_policy`
(the hosted app builds its table clients that way). Only a TableClient made on its own honours it:
azure-data-tables 12.7 drops the `per_call_policies` given to a TableServiceClient (the table clients it
hands out are built from its own policy list), so never count through one. A per-call policy runs
before the retry policy: a request the SDK retries counts once.

Queues: azure-storage-queue ignores `per_call_policies` altogether, so there the same counter is passed
as `raw_request_hook` (it runs after the retry policy: a retried send counts each time).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from types import ModuleType
from typing import Any

from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import SansIOHTTPPolicy
from azure.data.tables import TableClient
from azure.storage.queue import QueueClient

from shared import jsonio
from shared.connections import transport
from shared.settings import Settings


class RequestCounter(SansIOHTTPPolicy[Any, Any]):
    """Counts the requests whose URL contains `url_part` (all, if empty). Thread-safe: the local host
    sends from several threads through one client. Also usable as a `raw_request_hook`."""

    def __init__(self, url_part: str = "") -> None:
        super().__init__()
        self.url_part = url_part
        self._count = 0
        self._lock = threading.Lock()

    def on_request(self, request: PipelineRequest[Any]) -> None:
        if self.url_part in request.http_request.url:
            with self._lock:
                self._count += 1

    __call__ = on_request  # the raw_request_hook form, for the queue SDK

    @property
    def count(self) -> int:
        with self._lock:
            return self._count


class RowsRead(SansIOHTTPPolicy[Any, Any]):
    """The rows the reads of one table return (a query's rows; one for a point read), through
    `functions.runtime.add_request_policy`: what a list costs storage, whatever the page it answers."""

    def __init__(self, table: str) -> None:
        super().__init__()
        self.table, self._count, self._lock = table, 0, threading.Lock()

    def on_response(self, request: PipelineRequest[Any], response: PipelineResponse[Any, Any]) -> None:
        http = request.http_request
        path = http.url.split("?", 1)[0].rsplit("/", 1)[-1]
        if http.method != "GET" or not path.startswith(self.table) or response.http_response.status_code != 200:
            return
        read = len(jsonio.loads(response.http_response.body())["value"]) if path.startswith(f"{self.table}()") else 1
        with self._lock:
            self._count += read

    def take(self) -> int:
        """The rows read since the last take."""
        with self._lock:
            count, self._count = self._count, 0
        return count


def counted_table(connection: str, table: str, counter: RequestCounter) -> TableClient:
    """A counted TableClient on the app's own transport (shared.connections): the baseline's raw upserts
    and the engine's requests go through the same HTTP client settings, so a ratio compares work only."""
    pool = Settings(AzureWebJobsStorage=connection).storage_connections
    return TableClient.from_connection_string(connection, table, per_call_policies=[counter], transport=transport(pool))


def counted_queue(connection: str, queue: str, counter: RequestCounter, **kwargs: Any) -> QueueClient:
    return QueueClient.from_connection_string(connection, queue, raw_request_hook=counter, **kwargs)


@contextlib.contextmanager
def replaced(module: ModuleType, name: str, value: object) -> Iterator[bool]:
    """Replace `module.name` for the block; yields False (and replaces nothing) if there is no such name,
    so a refactored module costs a column of "-", not the whole run."""
    if not hasattr(module, name):
        yield False
        return
    saved = getattr(module, name)
    setattr(module, name, value)
    try:
        yield True
    finally:
        setattr(module, name, saved)
