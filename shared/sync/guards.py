"""A company's guard row, for the changes that rules reading other records apply to: they commit one at a
time per company and entity (shared/sync/neighbours.py for references across entities)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from shared.keys import normalise
from shared.sync.journal import LEAD
from shared.sync.rows import Guard
from shared.sync.store import EntityStore


class CompanyGuards:
    """The guards of one entity's companies, and a lock per company for this instance's threads."""

    def __init__(self, store: EntityStore) -> None:
        self.store = store
        self._locks: dict[str, threading.Lock] = {}

    @contextmanager
    def held(self, company: str, needed: bool) -> Iterator[Guard | None]:
        """The company's guard, read before the rules look (it dates what they see), for the lead write
        to commit with: such changes commit one at a time per company and entity. Threads of this
        instance queue on a lock first, so that they wait instead of losing the guard's ETag race to
        each other; other instances are kept out by the ETag alone."""
        if not needed:
            yield None
            return
        with self._locks.setdefault(normalise(company), threading.Lock()):
            yield self.store.read_guard(LEAD, company)
