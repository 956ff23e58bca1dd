"""A message sent from this process wakes the pollers of its queue at once.

The Functions host does so for the messages its own functions add through an output binding: the
queue's listener looks again instead of sleeping out its back-off (up to maxPollingInterval). The
local host runs in the app's own process, so it can hear of every `QueueClient.send_message` made
there — an output binding's, the app's own through the storage SDK (the job runner's next chunk), a
poison move, a test's — and wakes the pollers of that queue name. Polling an idle queue then costs
what host.json says (a look every maxPollingInterval) without the next message waiting for it.
A worker process (devhost/workers.py) reports each message the app sends there, and the host wakes
its pollers the same way. Messages sent from any other process are found by polling, as in Azure.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

from azure.storage.queue import QueueClient

_lock = threading.Lock()
_listeners: dict[str, list[Callable[[], None]]] = {}
_installed = False


def listen(queue: str, wake: Callable[[], None]) -> None:
    """Call `wake` after each message this process sends to `queue` (on any account: a spare wake-up costs
    one receive)."""
    _install()
    with _lock:
        _listeners.setdefault(queue, []).append(wake)


def forget(queue: str, wake: Callable[[], None]) -> None:
    with _lock:
        if wake in _listeners.get(queue, []):
            _listeners[queue].remove(wake)


def notify(queue: str) -> None:
    """Wake the pollers of `queue`: this process sent it a message, or a worker process did (devhost/workers.py)."""
    with _lock:
        wakes = list(_listeners.get(queue, ()))
    for wake in wakes:
        wake()


def _install() -> None:
    """Wrap QueueClient.send_message, once per process."""
    global _installed
    with _lock:
        if _installed:
            return
        original = QueueClient.send_message

        @functools.wraps(original)
        def send_message(self: QueueClient, *args: Any, **kwargs: Any) -> Any:
            sent = original(self, *args, **kwargs)
            notify(self.queue_name)
            return sent

        QueueClient.send_message = send_message  # type: ignore[method-assign]
        _installed = True
