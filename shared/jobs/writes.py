"""Writing an initial-sync chunk's decisions: the lead's rows with their intents, then the follower's.

FS rows (the lead) go in transactions of at most 99 operations (49 rows; fewer where records have
positions or words, whose index rows go along), each with its intent (SCM's new record and SCM's ETag
as read) and the intent's index row; a company whose rows a rule that reads other records may be about commits its
transactions one after the other, each with its guard row, chaining the guard's ETag. Other
transactions, and then the SCM rows' transactions of 100 operations, run four at a time. Every row is
ETag-conditional on what the chunk read; whatever reached the lead is written to the follower even
when a later lead transaction failed, so nothing is left for recovery that need not be; then the
leads' intents are cleared, fifty to a transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from typing import TypeVar

from shared.entities.spec import Side
from shared.jobs.coupling import WRITES, Decision
from shared.keys import Key, normalise
from shared.storage import WriteConflictError
from shared.sync.engine import Engine
from shared.sync.journal import FOLLOWER, LEAD, Pair
from shared.sync.outcome import as_read
from shared.sync.rows import Guard, Intent, Row, SyncMeta
from shared.sync.store import MAX_BATCH, EntityStore, Write

T = TypeVar("T")

LEAD_BUDGET = MAX_BATCH - 1  # operations of a lead transaction: one is left for the guard


class ChunkWriter:
    def __init__(self, engine: Engine, meta: Callable[[Decision, Pair], SyncMeta]) -> None:
        self.engine, self.store, self._meta = engine, engine.store, meta

    def write(self, decisions: list[Decision], stored: dict[str, Pair], guards: dict[str, Guard]) -> None:
        """Lead transactions (a company under its guard commits its batches in a row, chaining the
        guard's ETag; others in parallel), then the followers' transactions in parallel."""
        writes = [d for d in decisions if d.kind in WRITES and d.records is not None]
        metas = {d.key.row_key: self._meta(d, stored[d.key.row_key]) for d in writes}
        by_company: dict[str, list[Decision]] = defaultdict(list)
        for decision in writes:
            by_company[normalise(decision.key.company)].append(decision)
        chains: list[tuple[Guard | None, list[list[tuple[Decision, Write]]]]] = []
        for company, group in by_company.items():
            planned = [(decision, self._lead(decision, stored, metas)) for decision in group]
            batches = packed(self.store, LEAD, planned, LEAD_BUDGET)
            guard = guards.get(company)
            chains += [(guard, batches)] if guard is not None else [(None, [batch]) for batch in batches]
        leads: list[tuple[Decision, Row]] = []  # as written

        def chain(guard: Guard | None, batches: list[list[tuple[Decision, Write]]]) -> None:
            for batch in batches:
                written, guard_etags = self.store.write_many(LEAD, [w for _, w in batch], [guard] if guard else [])
                leads.extend(zip([d for d, _ in batch], written, strict=True))  # list.extend is atomic under the GIL
                if guard is not None:
                    guard = Guard(guard.company, guard_etags[0])

        try:
            in_parallel([lambda g=guard, b=batches: chain(g, b) for guard, batches in chains])  # type: ignore[misc]
        finally:  # what reached the lead must reach the follower
            planned_followers = [((d, lead), self._follower(d, stored, metas)) for d, lead in leads]
            followers = packed(self.store, FOLLOWER, planned_followers, MAX_BATCH)
            in_parallel([lambda b=batch: self._write_followers(b) for batch in followers])  # type: ignore[misc]

    def _lead(self, decision: Decision, stored: dict[str, Pair], metas: dict[str, SyncMeta]) -> Write:
        """The lead row of a decision, with its intent (the follower's new record and ETag as read)."""
        assert decision.records is not None
        lead, follower = stored[decision.key.row_key][LEAD], stored[decision.key.row_key][FOLLOWER]
        intent = Intent(
            follower.etag if follower else None, decision.records[FOLLOWER], bool(follower and follower.deleted)
        )
        meta = metas[decision.key.row_key]
        etag, _, located, searched = as_read(lead)
        return Write(decision.key, decision.records[LEAD], meta, etag, intent, located, searched)

    def _follower(self, decision: Decision, stored: dict[str, Pair], metas: dict[str, SyncMeta]) -> Write:
        assert decision.records is not None
        follower = stored[decision.key.row_key][FOLLOWER]
        meta = metas[decision.key.row_key]
        etag, _, located, searched = as_read(follower)
        return Write(decision.key, decision.records[FOLLOWER], meta, etag, None, located, searched)

    def _write_followers(self, batch: list[tuple[tuple[Decision, Row], Write]]) -> None:
        """The followers' rows; then the leads' intents are cleared (shared/sync/confirmations.py), as the live
        path's writer does, so that recovery has nothing to confirm."""
        write_followers(self.engine, [(decision.key, lead) for (decision, lead), _ in batch], [w for _, w in batch])


def write_followers(engine: Engine, leads: Sequence[tuple[Key, Row]], writes: Sequence[Write]) -> None:
    """The followers' rows in one transaction; then their leads' intents are cleared
    (shared/sync/confirmations.py), as the live path's writer does, so that recovery has nothing to confirm. A
    conflict (a live writer finished some of these, or a tombstone was purged) settles each key one by one."""
    try:
        engine.store.write_many(FOLLOWER, writes)
    except WriteConflictError:
        for key, _ in leads:
            with suppress(WriteConflictError):  # a newer live write is under way: it settles the key
                engine.journal.settle(key)
        return
    engine.journal.confirmations.send([(key, lead) for key, lead in leads if lead.intent is not None])


WRITERS = 4  # transactions in flight at once: Azurite and the SDK's encoding overlap


def in_parallel(tasks: list[Callable[[], None]]) -> None:
    """Run the tasks on a few threads; every task runs, then the first error (if any) is raised."""
    if len(tasks) <= 1:
        for task in tasks:
            task()
        return
    with ThreadPoolExecutor(min(WRITERS, len(tasks))) as pool:
        futures = [pool.submit(task) for task in tasks]
    errors = [error for future in futures if (error := future.exception()) is not None]
    if errors:
        raise errors[0]


def packed(store: EntityStore, side: Side, planned: list[tuple[T, Write]], budget: int) -> list[list[tuple[T, Write]]]:
    """The writes in order, in transactions of at most `budget` operations each (a row with its intent's,
    position's and words' index rows: shared/sync/store/writes.py)."""
    batches: list[list[tuple[T, Write]]] = []
    used = budget
    for item in planned:
        cost = store.cost(side, item[1])
        if used + cost > budget:
            batches.append([])
            used = 0
        batches[-1].append(item)
        used += cost
    return batches
