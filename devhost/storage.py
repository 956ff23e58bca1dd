"""Queue clients and the message encoding the Functions host applies to queue text.

Clients get no encode/decode policy: the host sees the raw text, so it can tell a message that is
not base64 from one that is, and can copy a poison message unchanged.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import re
import threading

from azure.core.exceptions import ResourceExistsError
from azure.storage.queue import LinearRetry, QueueClient

from .failures import HostConfigError

_WHITESPACE = re.compile(r"\s+")


def queue_client(connection: str, queue: str) -> QueueClient:
    # The SDK's default retry waits 15 s and more between attempts: with the emulator stopped, a
    # single poll would then hold up the host's shutdown for a minute. The poller retries anyway.
    retry = LinearRetry(backoff=0.5, random_jitter_range=0.2, retry_total=3)  # type: ignore[arg-type]
    try:
        return QueueClient.from_connection_string(connection, queue, retry_policy=retry)
    except ValueError as exc:  # the SDK's messages quote no part of the string
        raise HostConfigError(f"the storage SDK refuses the connection string of queue '{queue}': {exc}") from exc


def ensure_queue(client: QueueClient) -> None:
    with contextlib.suppress(ResourceExistsError):
        client.create_queue()


def encode(body: bytes, encoding: str) -> str:
    if encoding == "base64":
        return base64.b64encode(body).decode("ascii")
    return body.decode("utf-8")


def decode(text: str, encoding: str) -> bytes | None:
    """The message body, or None when it should be base64 and is not."""
    if encoding != "base64":
        return text.encode("utf-8")
    try:
        # .NET's Convert.FromBase64String, which the host uses, skips whitespace.
        return base64.b64decode(_WHITESPACE.sub("", text), validate=True)
    except (binascii.Error, ValueError):
        return None


class Senders:
    """Queue clients for sending, one per (connection, queue), creating each queue once."""

    def __init__(self) -> None:
        self._clients: dict[tuple[str, str], QueueClient] = {}
        self._lock = threading.Lock()

    def get(self, connection: str, queue: str) -> QueueClient:
        with self._lock:
            key = (connection, queue)
            if key not in self._clients:
                client = queue_client(connection, queue)
                ensure_queue(client)
                self._clients[key] = client
            return self._clients[key]

    def close(self) -> None:
        with self._lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()
