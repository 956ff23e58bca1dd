"""Confirmations: the intents of operations this process saw finish, cleared many to a request.

A change leaves an intent (and its index row) on the lead row until someone confirms that the
follower has the operation (journal.py). The writer knows that as soon as its follower write
succeeds. Rather than spend a request of its own per change on it, or leave it to recovery (which
reads the follower and rewrites the lead, three requests per change, a minute later), the writer
hands the lead row as written to its entity's `Confirmations`, which clear the intents of up to 50
keys, with their index rows, in one transaction.

They are cleared as late as is safe, not at once: an intent still in place when its key is written
again is carried on by that write, which then needs no index row of its own (one single-row write
instead of a transaction; a record is often changed several times in a row). So an intent waits
`linger` seconds (well below recovery's grace period of a minute, after which recovery would confirm
it itself), and a thread of its own sends what is due; when more than `limit` wait, the oldest go at
once, so the memory held stays bounded.

Every clear is conditional on the lead row's ETag as written. When a batch meets a row written again
since (another host writing the same keys, the usual case with several instances), the batch's rows
are read again: those another operation took over are left to their new writer, and those that still
carry their operation's intent are cleared with their new ETag. Whatever is not cleared here (the
process stopped, storage failed, races lost RESENDS times in a row) recovery confirms as before: this
only saves work, it is never needed for correctness.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from itertools import islice

from shared.entities.spec import Side
from shared.errors import TransientError
from shared.keys import Key
from shared.storage import WriteConflictError
from shared.sync.rows import Row, RowConflictError
from shared.sync.store import MAX_BATCH, EntityStore

log = logging.getLogger(__name__)

BATCH = MAX_BATCH // 2  # keys per transaction: each key's row and its index row
LINGER = 20.0  # seconds an intent waits for its key's next write; recovery's grace period is 60 s
LIMIT = 2_000  # intents waiting at most (a lead row each, a few KB): beyond, the oldest are cleared at once
POLL = 1.0  # seconds between the sending thread's looks at the oldest, at most
RESENDS = 3  # lost races in one batch (each followed by reading its rows again) before the rest is left to recovery


class Confirmations:
    """Lead rows whose operations reached the follower, waiting to have their intents cleared."""

    def __init__(
        self,
        store: EntityStore,
        side: Side,
        *,
        batch: int = BATCH,
        linger: float = LINGER,
        limit: int = LIMIT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store, self._side = store, side
        self._batch, self._linger, self._limit, self._clock = batch, linger, limit, clock
        self._waiting: dict[str, tuple[Key, Row, float]] = {}  # by RowKey, oldest first; the latest write wins
        self._lock = threading.Lock()
        self._sender: threading.Thread | None = None  # runs while anything waits

    def __len__(self) -> int:
        return len(self._waiting)

    def add(self, key: Key, lead: Row) -> None:
        """The operation `lead` (the lead row as written, with its intent) has reached the follower."""
        if lead.intent is None:
            return
        with self._lock:
            self._waiting.pop(key.row_key, None)  # an earlier write of the key: its ETag is stale now
            self._waiting[key.row_key] = (key, lead, self._clock())
            taken = self._take(self._batch) if len(self._waiting) > self._limit else []
            if self._sender is None:
                self._sender = threading.Thread(target=self._run, name=f"confirm-{self._store.table}", daemon=True)
                self._sender.start()
        if taken:
            self.send(taken)

    def flush(self) -> int:
        """Clear everything waiting now (tests, benchmarks, an orderly stop); how many intents were cleared."""
        cleared = 0
        while True:
            with self._lock:
                taken = self._take(self._batch)
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
            except RowConflictError:
                pass  # a row written again since: read them all again, below
            except (WriteConflictError, TransientError) as exc:
                reason = "storage failed" if isinstance(exc, TransientError) else "a lost race"
                break
            try:
                rows = self._still_ours(rows)
            except TransientError:
                reason = "storage failed"
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

    def _still_ours(self, rows: list[tuple[Key, Row]]) -> list[tuple[Key, Row]]:
        """The rows as they are now, of those that still carry the intent of the operation handed here: a row
        another writer took over (another operation, or none) is its new writer's to confirm, and is dropped;
        one written again with the same intent (recovery mending its position index row) is cleared with its
        new ETag. One conflict tells that others write these keys (other hosts, on keys they share): the whole
        batch is read again at once, rather than losing a transaction per row written again."""
        now = self._store.read_many(self._side, [key for key, _ in rows])
        kept = [
            (key, fresh) for key, row in rows if (fresh := now[key.row_key]) is not None and same_intent(row, fresh)
        ]
        if len(kept) < len(rows):
            log.debug("%d intent(s) of %s taken over by other writers", len(rows) - len(kept), self._store.table)
        return kept

    def _run(self) -> None:
        """Send what has waited `linger` seconds; end when nothing waits (the next `add` starts another)."""
        while True:
            with self._lock:
                if not self._waiting or not threading.main_thread().is_alive():  # nothing left, or exiting
                    self._sender = None
                    return
                oldest = next(iter(self._waiting.values()))[2]
                wait = oldest + self._linger - self._clock()
                # the oldest is due: a whole batch goes with it (those not due yet only lose their chance
                # of being carried on), so that a steady stream costs a request per fifty, not one each
                taken = self._take(self._batch) if wait <= 0 else []
            try:
                if taken:
                    self.send(taken)
                else:
                    time.sleep(min(wait, POLL))
            except Exception:  # a bug, not storage (send handles that): seen in the log, the rest left to recovery
                if threading.main_thread().is_alive():  # else the interpreter is exiting: recovery takes the rest
                    log.exception("confirming the intents of %s failed", self._store.table)
                with self._lock:
                    self._sender = None
                return

    def _take(self, most: int) -> list[tuple[Key, Row]]:
        """Up to `most` of the oldest waiting, removed."""
        taken = [(key, row) for key, row, _ in islice(self._waiting.values(), most)]
        for key, _ in taken:
            del self._waiting[key.row_key]
        return taken


def same_intent(handed: Row, now: Row) -> bool:
    """Whether the row as it is now carries the intent of the operation `handed` was written by: the same
    operation, with the same follower as read (an operation's intent names the follower's ETag it read)."""
    if handed.intent is None or now.intent is None:
        return False
    return now.meta.operation_id == handed.meta.operation_id and now.intent.follower_etag == handed.intent.follower_etag
