"""Confirmations: the intents of operations this process saw finish, cleared many to a request.

A change leaves an intent (and its index row) on the lead row until someone confirms that the
follower has the operation (journal.py). The writer knows that as soon as its follower write
succeeds. Rather than spend a request of its own per change on it, or leave it to recovery (which
reads the follower and rewrites the lead, two to three requests per change, a minute later), the
writer hands the lead row as written to its entity's `Confirmations`, which clears the intents of up
to 50 keys, with their index rows, in one transaction: once 50 are waiting, or when the oldest has
waited `linger` seconds and another change comes by. Nothing runs in the background: the thread
that adds the one that makes a batch due sends it.

Every clear is conditional on the lead row's ETag as written, so a row written again since is left
to its new writer (who carries the intent on or clears it). Whatever is not cleared here (the process
stopped, storage failed, a lost race) recovery confirms as before: this only saves work, it is never
needed for correctness.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence

from shared.errors import TransientError
from shared.keys import Key
from shared.rows import Row, RowConflictError, WriteConflictError
from shared.spec import Side
from shared.store import MAX_BATCH, EntityStore

log = logging.getLogger(__name__)

BATCH = MAX_BATCH // 2  # keys per transaction: each key's row and its index row
LINGER = 2.0  # seconds the oldest waits for a full batch; far below recovery's grace period (60 s)
RESENDS = 3  # lost races in one batch before the rest is left to recovery


class Confirmations:
    """Lead rows whose operations reached the follower, waiting to have their intents cleared."""

    def __init__(
        self,
        store: EntityStore,
        side: Side,
        *,
        batch: int = BATCH,
        linger: float = LINGER,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store, self._side = store, side
        self._batch, self._linger, self._clock = batch, linger, clock
        self._waiting: dict[str, tuple[Key, Row, float]] = {}  # by RowKey, oldest first; the latest write wins
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._waiting)

    def add(self, key: Key, lead: Row) -> None:
        """The operation `lead` (the lead row as written, with its intent) has reached the follower."""
        if lead.intent is None:
            return
        now = self._clock()
        with self._lock:
            self._waiting.pop(key.row_key, None)  # an earlier write of the key: its ETag is stale now
            self._waiting[key.row_key] = (key, lead, now)
            oldest = next(iter(self._waiting.values()))[2]
            due = len(self._waiting) >= self._batch or now - oldest >= self._linger
            taken = self._take() if due else []
        if taken:
            self.send(taken)

    def flush(self) -> int:
        """Clear everything waiting now (a job's end, a host's shutdown); how many intents were cleared."""
        cleared = 0
        while True:
            with self._lock:
                taken = self._take()
            if not taken:
                return cleared
            cleared += len(self.send(taken))

    def send(self, rows: Sequence[tuple[Key, Row]]) -> set[str]:
        """Clear these rows' intents in transactions of up to `batch` keys; the RowKeys cleared. A row written
        again since is dropped from its transaction and the rest sent again; a failure of storage leaves
        the rest to recovery."""
        cleared: set[str] = set()
        for start in range(0, len(rows), self._batch):
            cleared.update(key.row_key for key, _ in self._send_one(list(rows[start : start + self._batch])))
        return cleared

    def _send_one(self, rows: list[tuple[Key, Row]]) -> list[tuple[Key, Row]]:
        reason = "rows written again since"
        for _ in range(RESENDS + 1):
            if not rows:
                return []
            try:
                self._store.clear_intents(self._side, rows)
                return rows
            except RowConflictError as exc:
                del rows[exc.position]  # written again since: its new writer carries it on
            except (WriteConflictError, TransientError) as exc:
                reason = "storage failed" if isinstance(exc, TransientError) else "a lost race"
                break
        if rows:
            log.info(
                "%d intent(s) of %s left for recovery to confirm: %s",
                len(rows),
                self._store.table,
                reason,
                extra={"table": self._store.table},
            )
        return []

    def _take(self) -> list[tuple[Key, Row]]:
        taken = [(key, row) for key, row, _ in list(self._waiting.values())[: self._batch]]
        for key, _ in taken:
            del self._waiting[key.row_key]
        return taken
