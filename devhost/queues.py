"""Queue triggers: poll a queue, run the function per message, retry and poison like the host.

Each trigger has one thread that fetches a batch and hands its messages to a small pool; the
next batch is fetched once this one is done. Polling starts fast and backs off to
maxPollingInterval while the queue is empty, and is fast again as soon as work arrives, or at once
when this process sends the queue a message (watch.py).

Retries follow the host's QueueProcessor: a failed message is made visible again after
visibilityTimeout (whole seconds, as the Storage API takes it); one that has failed with dequeue
count maxDequeueCount, or arrives with a higher count (its host died while running it), is copied
unchanged to `<queue>-poison` and deleted.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from azure.core.exceptions import AzureError
from azure.functions.queue import QueueMessage as TriggerMessage
from azure.storage.queue import QueueMessage

from .failures import StorageError
from .hostconfig import QueueSettings
from .invoke import Invoking
from .loader import FunctionInfo
from .storage import decode, ensure_queue, queue_client
from .watch import forget, listen

log = logging.getLogger("devhost")

MIN_POLL = 0.05  # seconds
MAX_WORKERS = 8  # Azurite is single-threaded: more threads than this buy nothing locally
POISON_SUFFIX = "-poison"


class QueuePoller:
    def __init__(
        self,
        info: FunctionInfo,
        queue: str,
        connection: str,
        settings: QueueSettings,
        invoker: Invoking,
        lease_seconds: int,
    ) -> None:
        self.info = info
        self.queue = queue
        self._settings = settings
        self._invoker = invoker
        self._lease = lease_seconds  # how long a received message stays hidden while it runs
        self._client = queue_client(connection, queue)
        self._poison = queue_client(connection, queue + POISON_SUFFIX)
        self._poison_ready = False
        self._stop = threading.Event()
        self._woken = threading.Event()  # set by wake(), and by stop() to end a back-off at once
        self._pool = ThreadPoolExecutor(min(settings.batch_size, MAX_WORKERS), f"devhost-{queue}")
        self._thread = threading.Thread(target=self._run, name=f"devhost-queue-{queue}", daemon=True)

    def start(self) -> None:
        try:
            ensure_queue(self._client)  # before returning, so messages sent after start() are seen
        except AzureError as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise StorageError(f"queue '{self.queue}' cannot be reached or created: {reason}") from exc
        listen(self.queue, self.wake)
        self._thread.start()

    def wake(self) -> None:
        """A message was just sent to this queue: end the back-off now."""
        self._woken.set()

    def stop(self, timeout: float = 30.0) -> None:
        forget(self.queue, self.wake)
        self._stop.set()
        self._woken.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._pool.shutdown(wait=True)
        self._client.close()
        self._poison.close()

    def _run(self) -> None:
        delay = MIN_POLL
        while not self._stop.is_set():
            try:
                worked = self.poll_once()
            except AzureError as exc:
                log.warning("Polling queue '%s' failed, retrying: %s", self.queue, type(exc).__name__)
                worked = False
            except Exception:
                log.exception("Polling queue '%s' failed, retrying", self.queue)
                worked = False
            delay = MIN_POLL if worked else min(delay * 2, max(self._settings.max_polling_interval, MIN_POLL))
            if not worked:
                self._wait(delay)

    def _wait(self, seconds: float) -> None:
        """The back-off before the next poll of an idle queue, cut short by wake() and stop()."""
        self._woken.wait(seconds)
        self._woken.clear()

    def poll_once(self) -> bool:
        """Fetch one batch and process it; True if there was anything."""
        batch = self._receive()
        list(self._pool.map(self._handle, batch))
        return bool(batch)

    def _receive(self) -> list[QueueMessage]:
        pages = self._client.receive_messages(
            messages_per_page=self._settings.batch_size, visibility_timeout=self._lease
        ).by_page()
        return list(next(pages, []))  # one round trip: the first page only

    def _handle(self, message: QueueMessage) -> None:
        # Runs on the pool: nothing may escape, or the batch and the poller would die with it.
        try:
            self._process(message)
        except Exception:
            log.exception("Queue '%s': handling message %s failed", self.queue, message.id)

    def _process(self, message: QueueMessage) -> None:
        if (message.dequeue_count or 0) > self._settings.max_dequeue_count:
            log.error(
                "Queue '%s': message %s was dequeued %d times without finishing; moving it to '%s%s'",
                self.queue, message.id, message.dequeue_count, self.queue, POISON_SUFFIX,
            )  # fmt: skip
            self._move_to_poison(message)
            return
        body = decode(message.content or "", self._settings.message_encoding)
        if body is None:
            log.error("Queue '%s': message %s is not base64; moving it to poison", self.queue, message.id)
            self._move_to_poison(message)
            return
        try:
            self._invoker.invoke(self.info, f"New queue message detected on '{self.queue}'.", _trigger(message, body))
        except Exception:
            self._after_failure(message)
            return
        self._client.delete_message(message.id, message.pop_receipt)

    def _after_failure(self, message: QueueMessage) -> None:
        if message.dequeue_count >= self._settings.max_dequeue_count:
            log.error(
                "Queue '%s': message %s failed %d times; moving it to '%s%s'",
                self.queue, message.id, message.dequeue_count, self.queue, POISON_SUFFIX,
            )  # fmt: skip
            self._move_to_poison(message)
            return
        # Whole seconds, truncated as the .NET SDK does: the Update Message API takes an integer.
        self._client.update_message(
            message.id, message.pop_receipt, visibility_timeout=int(self._settings.visibility_timeout)
        )

    def _move_to_poison(self, message: QueueMessage) -> None:
        if not self._poison_ready:
            ensure_queue(self._poison)
            self._poison_ready = True
        self._poison.send_message(message.content)  # the raw text, unchanged
        self._client.delete_message(message.id, message.pop_receipt)


def _trigger(message: QueueMessage, body: bytes) -> TriggerMessage:
    # `func.QueueMessage` has no dequeue count: the worker passes this subclass.
    return TriggerMessage(
        id=message.id,
        body=body,
        dequeue_count=message.dequeue_count,
        insertion_time=message.inserted_on,
        expiration_time=message.expires_on,
        time_next_visible=message.next_visible_on,
        pop_receipt=message.pop_receipt,
    )
