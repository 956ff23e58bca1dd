"""Counting the HTTP requests the Azure SDKs send to storage.

Why a request hook and not a pipeline policy: azure-data-tables 12.7 drops the `per_call_policies`
and `per_retry_policies` given to a TableServiceClient (the table clients it hands out are built
from its own policy list, so a counter there sees nothing), and azure-storage-queue ignores them.
The `raw_request_hook` keyword reaches every pipeline of both SDKs: azure-core's CustomHookPolicy
runs after the retry policy, so a retried request counts each time it is sent.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from types import ModuleType
from typing import Any

from azure.core.pipeline import PipelineRequest
from azure.data.tables import TableServiceClient
from azure.storage.queue import QueueClient


class RequestCounter:
    """A `raw_request_hook`: counts the requests whose URL contains `url_part` (all, if empty)."""

    def __init__(self, url_part: str = "") -> None:
        self.url_part = url_part
        self._count = 0
        self._lock = threading.Lock()  # the local host sends from several threads

    def __call__(self, request: PipelineRequest[Any]) -> None:
        if self.url_part in request.http_request.url:
            with self._lock:
                self._count += 1

    @property
    def count(self) -> int:
        return self._count


def counted_tables(connection: str, counter: RequestCounter) -> TableServiceClient:
    return TableServiceClient.from_connection_string(connection, raw_request_hook=counter)


def counted_queue(connection: str, queue: str, counter: RequestCounter, **kwargs: Any) -> QueueClient:
    return QueueClient.from_connection_string(connection, queue, raw_request_hook=counter, **kwargs)


class CountedTableService:
    """Stands in for the TableServiceClient class where the app builds its own client."""

    def __init__(self, counter: RequestCounter) -> None:
        self.counter = counter

    def from_connection_string(self, connection: str, **kwargs: Any) -> TableServiceClient:
        return TableServiceClient.from_connection_string(connection, raw_request_hook=self.counter, **kwargs)


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
