"""Reaching one entity table: the calls every part of the store makes, and how storage errors leave it.

Every Azure error leaves as one of two things: `WriteConflictError` (someone else wrote first: re-read
and decide again) or `TransientError` (storage failed: the caller may retry). A table dropped while
the app runs is created again and the call retried once; it is never taken for a missing row.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextvars import ContextVar, copy_context
from typing import Any, TypeVar

from azure.core import MatchConditions
from azure.core.exceptions import (
    ResourceNotFoundError,
)
from azure.data.tables import TableClient

from shared.entities.spec import Side
from shared.keys import (
    Key,
    guard_row_key,
    normalise,
)
from shared.storage import Table, row_absent
from shared.sync import geo, search
from shared.sync.rows import Guard, Row
from shared.sync.store.entities import PARTITION

log = logging.getLogger(__name__)
T = TypeVar("T")


# Reads issued beside the calling thread's own (EntityStore.read_pair). Each runs in a copy of the
# caller's context, which also names the calling thread (`calling_thread`).
_READERS = ThreadPoolExecutor(max_workers=32, thread_name_prefix="store-read")
_CALLER: ContextVar[str] = ContextVar("calling_thread")


def in_parallel(call: Callable[..., T], *args: Any) -> Future[T]:
    """Run `call(*args)` on a pool thread, in a copy of this thread's context."""
    context = copy_context()
    context.run(_CALLER.set, calling_thread())
    return _READERS.submit(context.run, call, *args)


def calling_thread() -> str:
    """The name of the thread a storage call is made for: this one, or the one that handed it to the pool."""
    return _CALLER.get(threading.current_thread().name)


class TableAccess:
    """One entity table's client, the calls made through it, and the point reads."""

    def __init__(
        self, client: TableClient, locate: geo.Locate | None = None, stamp: search.Stamp | None = None
    ) -> None:
        self._storage = Table(client)
        self._locate = locate  # where a record stands, for its index row (shared/sync/geo.py); None: no positions
        self._stamp = stamp  # a record's search fields, for its words' index rows (shared/sync/search.py)
        self.table = client.table_name

    def client(self) -> TableClient:
        """The table's client, the table made on first use: for a writer that sends requests of its own
        (the import's creates)."""
        return self._storage.client()

    def _call(self, action: str, call: Callable[[TableClient], T]) -> T:
        return self._storage.call(action, call)

    def _query(self, action: str, query: str, params: dict[str, Any], **options: Any) -> Iterator[Any]:
        return self._storage.query(action, query, params, **options)

    def read(self, side: Side, key: Key) -> Row | None:
        def get(client: TableClient) -> Row | None:
            try:
                return Row.from_entity(client.get_entity(PARTITION[side], key.row_key))
            except ResourceNotFoundError as exc:
                row_absent(exc)
                return None

        return self._call(f"read {self.table} {key}", get)

    def read_many(self, side: Side, keys: Sequence[Key]) -> dict[str, Row | None]:
        """Rows of a side by key, read at once (on the pool), by RowKey."""
        futures = [(key.row_key, in_parallel(self.read, side, key)) for key in keys]
        return {row_key: future.result() for row_key, future in futures}

    def read_pair(self, key: Key) -> dict[Side, Row | None]:
        """Both sides' rows of a key, read at once: the two reads are independent, so a change waits
        on one round trip for both (the second runs on a pool thread)."""
        other = in_parallel(self.read, "scm", key)
        try:
            fs = self.read("fs", key)
        finally:
            scm = other.result()  # waited for even when the first read failed: nothing is left running
        return {"fs": fs, "scm": scm}

    def read_guard(self, side: Side, company: str) -> Guard:
        def get(client: TableClient) -> Guard:
            try:
                entity = client.get_entity(PARTITION[side], guard_row_key(company), select=["RowKey"])
            except ResourceNotFoundError as exc:
                row_absent(exc)
                return Guard(company, None)
            return Guard(company, entity.metadata["etag"])

        return self._call(f"read the guard of {self.table} {normalise(company)}", get)

    def get(self, side: Side, company: str, ident: str) -> dict[str, Any] | None:
        row = self.read(side, Key(company, ident))
        return row.record if row and not row.deleted else None

    def delete(self, side: Side, key: Key, etag: str) -> None:
        """Delete the row only if it is unchanged since it was read; a row already gone is a lost race."""
        self._call(
            f"delete {self.table} {key}",
            lambda client: client.delete_entity(
                PARTITION[side], key.row_key, etag=etag, match_condition=MatchConditions.IfNotModified
            ),
        )
