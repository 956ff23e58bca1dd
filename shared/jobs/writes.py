"""Writing an initial-sync chunk's decisions: the lead's rows with their intents, then the follower's.

FS rows (the lead) go in transactions of at most 49 rows (24 where records have positions, whose
index rows go along), each with its intent (SCM's new record and SCM's ETag as read) and the
intent's index row; a company whose rows a rule that reads other records may be about commits its
transactions one after the other, each with its guard row, chaining the guard's ETag. Other
transactions, and then the SCM rows' transactions of 100 (33), run four at a time. Every row is
ETag-conditional on what the chunk read; whatever reached the lead is written to the follower even
when a later lead transaction failed, so nothing is left for recovery that need not be; then the
leads' intents are cleared, fifty to a transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress

from shared.jobs.coupling import WRITES, Decision
from shared.keys import normalise
from shared.storage import WriteConflictError
from shared.sync.engine import Engine
from shared.sync.journal import FOLLOWER, LEAD, Pair
from shared.sync.rows import Guard, Intent, Row, SyncMeta
from shared.sync.store import Write

# Rows per transaction (at most 100 operations): a lead row goes with its intent's index row and one
# operation is left for the guard; where records have positions, each may also move its position's
# index row (two operations: the old one removed, the new one written).
LEAD_BATCH, LEAD_BATCH_GEO = 49, 24
FOLLOWER_BATCH, FOLLOWER_BATCH_GEO = 100, 33


class ChunkWriter:
    def __init__(self, engine: Engine, meta: Callable[[Decision, Pair], SyncMeta]) -> None:
        self.engine, self.store, self._meta = engine, engine.store, meta
        located = engine.spec.geo is not None
        self.lead_batch = LEAD_BATCH_GEO if located else LEAD_BATCH
        self.follower_batch = FOLLOWER_BATCH_GEO if located else FOLLOWER_BATCH

    def write(self, decisions: list[Decision], stored: dict[str, Pair], guards: dict[str, Guard]) -> None:
        """Lead transactions (a company under its guard commits its batches in a row, chaining the
        guard's ETag; others in parallel), then the followers' transactions in parallel."""
        writes = [d for d in decisions if d.kind in WRITES and d.records is not None]
        metas = {d.key.row_key: self._meta(d, stored[d.key.row_key]) for d in writes}
        by_company: dict[str, list[Decision]] = defaultdict(list)
        for decision in writes:
            by_company[normalise(decision.key.company)].append(decision)
        chains: list[tuple[Guard | None, list[list[Decision]]]] = []
        for company, group in by_company.items():
            size = self.lead_batch
            batches = [group[start : start + size] for start in range(0, len(group), size)]
            guard = guards.get(company)
            chains += [(guard, batches)] if guard is not None else [(None, [batch]) for batch in batches]
        leads: list[tuple[Decision, Row]] = []  # as written

        def chain(guard: Guard | None, batches: list[list[Decision]]) -> None:
            for batch in batches:
                written, guard_etag = self._write_leads(batch, stored, metas, guard)
                leads.extend(zip(batch, written, strict=True))  # list.extend is atomic under the GIL
                if guard is not None:
                    guard = Guard(guard.company, guard_etag)

        try:
            _in_parallel([lambda g=guard, b=batches: chain(g, b) for guard, batches in chains])  # type: ignore[misc]
        finally:  # what reached the lead must reach the follower
            size = self.follower_batch
            followers = [leads[start : start + size] for start in range(0, len(leads), size)]
            _in_parallel([lambda b=batch: self._write_followers(b, stored, metas) for batch in followers])  # type: ignore[misc]

    def _write_leads(
        self, batch: list[Decision], stored: dict[str, Pair], metas: dict[str, SyncMeta], guard: Guard | None
    ) -> tuple[list[Row], str | None]:
        """The batch's lead rows as written, and the guard row's new ETag (None without a guard)."""
        writes: list[Write] = []
        for decision in batch:
            assert decision.records is not None
            pair = stored[decision.key.row_key]
            lead, follower = pair[LEAD], pair[FOLLOWER]
            intent = Intent(
                follower.etag if follower else None, decision.records[FOLLOWER], bool(follower and follower.deleted)
            )
            meta = metas[decision.key.row_key]
            etag, located = (lead.etag, lead.geo) if lead else (None, None)
            writes.append(Write(decision.key, decision.records[LEAD], meta, etag, intent, located))
        rows, guard_etags = self.store.write_many(LEAD, writes, [guard] if guard else [])
        return rows, (guard_etags[0] if guard else None)

    def _write_followers(
        self, batch: list[tuple[Decision, Row]], stored: dict[str, Pair], metas: dict[str, SyncMeta]
    ) -> None:
        """The followers' rows; then the leads' intents are cleared (shared/sync/confirmations.py), as the live
        path's writer does, so that recovery has nothing to confirm."""
        writes: list[Write] = []
        for decision, _ in batch:
            assert decision.records is not None
            follower = stored[decision.key.row_key][FOLLOWER]
            meta = metas[decision.key.row_key]
            etag, located = (follower.etag, follower.geo) if follower else (None, None)
            writes.append(Write(decision.key, decision.records[FOLLOWER], meta, etag, None, located))
        try:
            self.store.write_many(FOLLOWER, writes)
        except WriteConflictError:  # a live writer finished some of these for us: settle them one by one
            for decision, _ in batch:
                with suppress(WriteConflictError):  # a newer live write is under way: it settles the key
                    self.engine.journal.settle(decision.key)
            return
        self.engine.journal.confirmations.send([(decision.key, lead) for decision, lead in batch])


WRITERS = 4  # transactions in flight at once: Azurite and the SDK's encoding overlap


def _in_parallel(tasks: list[Callable[[], None]]) -> None:
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
