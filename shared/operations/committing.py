"""Writing a catch-up run's staged rows (shared/operations/staging.py): each key's last staged state over its
rows as read, as an initial-sync chunk writes — lead rows with their intents, then followers, then the
intents cleared — every row conditional on the ETag it was read with."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from shared.jobs.writes import (  # four transactions in flight, as a job writes
    LEAD_BUDGET,
    in_parallel,
    packed,
    write_followers,
)
from shared.keys import Key
from shared.operations.staging import StagedStore
from shared.storage import WriteConflictError
from shared.sync.engine import Engine
from shared.sync.journal import FOLLOWER, LEAD, Pair
from shared.sync.outcome import as_read, is_tombstone
from shared.sync.rows import Intent, Row
from shared.sync.store import MAX_BATCH, Write


def commit(engine: Engine, staged: StagedStore) -> set[str]:
    """Write each key's last staged state over its rows as read (see the module); the RowKeys whose lead
    transaction lost a race to a live writer: nothing of theirs was written."""
    changes = staged.changes()
    written: list[tuple[Key, Pair, Pair, Row]] = []  # list.extend is atomic under the GIL
    lost: set[str] = set()

    def leads(batch: Sequence[tuple[tuple[Key, Pair, Pair], Write]]) -> None:
        try:
            rows, _ = engine.store.write_many(LEAD, [write for _, write in batch])
        except WriteConflictError:
            lost.update(key.row_key for (key, _, _), _ in batch)
            return
        done = zip(batch, rows, strict=True)
        written.extend((key, before, after, row) for ((key, before, after), _), row in done)

    planned = [(change, _lead_write(*change)) for change in changes]
    try:
        in_parallel([partial(leads, batch) for batch in packed(engine.store, LEAD, planned, LEAD_BUDGET)])
    finally:  # what reached the lead must reach the follower
        moved = [change for change in written if change[2][FOLLOWER] is not change[1][FOLLOWER]]
        followers = [(change, _follower_write(change)) for change in moved]
        batches = packed(engine.store, FOLLOWER, followers, MAX_BATCH)
        in_parallel([partial(_followers, engine, batch) for batch in batches])
    return lost


def _lead_write(key: Key, before: Pair, after: Pair) -> Write:
    """The lead row as staged, over the row as read, with the intent to bring the follower from its row as
    read to its row as staged (when that changed)."""
    lead, was, had, follower = after[LEAD], before[LEAD], before[FOLLOWER], after[FOLLOWER]
    assert lead is not None, "every staged change writes the lead row first"
    intent = None
    if follower is not had:
        assert follower is not None
        record = None if follower.deleted else follower.record
        intent = Intent(had.etag if had else None, record, over_tombstone=is_tombstone(had))
    etag, indexed, geo, searched = as_read(was)
    return Write(key, lead.record, lead.meta, etag, intent, geo, searched, deleted=lead.deleted, indexed=indexed)


def _follower_write(change: tuple[Key, Pair, Pair, Row]) -> Write:
    """The follower row as staged, over the row as read."""
    key, before, after, _ = change
    had, follower = before[FOLLOWER], after[FOLLOWER]
    assert follower is not None
    etag, _, geo, searched = as_read(had)  # a follower row has no intent of its own to index
    return Write(key, follower.record, follower.meta, etag, None, geo, searched, deleted=follower.deleted)


def _followers(engine: Engine, batch: Sequence[tuple[tuple[Key, Pair, Pair, Row], Write]]) -> None:
    """The followers' rows as staged; then the leads' intents are cleared, as the live path's writer does."""
    write_followers(engine, [(key, lead) for (key, _, _, lead), _ in batch], [write for _, write in batch])
