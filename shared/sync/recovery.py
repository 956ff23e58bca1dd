"""Recovery: finish every operation that a crash or a storage fault left half done.

The journal is the lead side's rows themselves: a lead row written by a two-sided operation carries
an intent (the follower's new record and the follower ETag it was decided on) until it is confirmed,
and an index row beside it in the same partition (written and removed in the same transaction), so
that recovery reads the operations in flight by one range read instead of scanning the table.
Recovery walks those operations, finishes each operation whose follower has not caught up (or deletes
what a tombstone says to delete), and clears the intents of the operations done, fifty to a transaction
(most were cleared already by their writers, shared/sync/confirmations.py), so that the next run has less to
read.
Every write is ETag-conditional: recovery never overwrites a newer write, and it is safe to run on
several instances at once, beside live traffic. The timer runs it with a grace period so that it
leaves operations in flight to their own writer; run on demand it may take everything.

A pass may also purge the tombstones whose retention (`SYNC_TOMBSTONE_DAYS`) is over: that scans the
partition, so the timer purges in its first pass of each hour only, an operator's pass always. Entities are
recovered one by one: a storage failure in one is reported for that one, and the others go on.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from shared.errors import SyncError
from shared.keys import Key
from shared.logs import log_fields
from shared.storage import WriteConflictError
from shared.sync.confirmations import BATCH
from shared.sync.engine import Engine, utcnow
from shared.sync.journal import FOLLOWER, LEAD, in_doubt
from shared.sync.rows import Row

log = logging.getLogger(__name__)

TIMER_GRACE = dt.timedelta(seconds=60)  # an operation younger than this is left to its own writer


@dataclass
class Report:
    """What one recovery run did for one entity. Counts by outcome:

    completed: the follower was written from the intent · deleted: a tombstone's delete was finished ·
    confirmed: the follower had the operation already; the intent was cleared · abandoned: the follower
    had changed outside the sync; the newer write was kept · busy: another writer got there first ·
    young: left to the writer still in flight (younger than the grace period) · purged: tombstones
    past their retention, removed · located: records given the position index row they lacked ·
    unlocated: position index rows that named no record where it stands, removed · indexed: records
    given the index rows of their words (shared/sync/search.py) they lacked, e.g. written before those
    existed (all three: full passes only). `error`: the pass failed for this entity (storage), what it said.
    """

    entity: str
    counts: Counter[str] = field(default_factory=Counter)
    error: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        counts = {name: self.counts[name] for name in _OUTCOMES}
        return {"entity": self.entity, **counts, **({"error": self.error} if self.error else {})}


_OUTCOMES = (
    "completed",
    "deleted",
    "confirmed",
    "abandoned",
    "busy",
    "young",
    "purged",
    "located",
    "unlocated",
    "indexed",
)
_DONE = ("completed", "deleted", "confirmed")  # the operation has reached the follower: its intent goes


def recover(
    engine: Engine,
    grace: dt.timedelta = dt.timedelta(0),
    clock: Callable[[], dt.datetime] = utcnow,
    *,
    purge: bool = True,
    full: bool = False,
) -> Report:
    """Finish the entity's half-done operations, then (`purge`) purge its expired tombstones.

    Operations in flight are found by their index rows, so a pass costs what is in flight, not what the
    table holds. `full` also scans the partitions for intents written without an index row and for records
    whose position has no index row as it is (written by a version from before index rows, or changed in
    storage outside the sync): an operator's pass does, the timer's does not."""
    report = Report(engine.spec.slug)
    try:
        cutoff = clock() - grace if grace else None
        _finish_indexed(engine, report, cutoff)
        if full:
            _finish_unindexed(engine, report, cutoff)
            _relocate(engine, report)
        if purge:
            _purge_tombstones(engine, report, clock() - dt.timedelta(days=engine.settings.tombstone_days))
    except SyncError as exc:
        report.error = exc.payload()["error"]
        log.error("recovery of %s failed: %s", engine.spec.slug, exc.message, extra=log_fields(engine.spec.slug))
    return report


def _finish_indexed(engine: Engine, report: Report, cutoff: dt.datetime | None) -> None:
    done: list[tuple[Key, Row, str]] = []  # operations finished or found done: their intents to clear
    for pending in engine.store.pending(LEAD):
        if _young(pending.written_at, cutoff):  # written with the key's first intent: the latest is younger
            report.counts["young"] += 1
            continue
        try:
            pair = engine.journal.read_pair(pending.key)
            lead = pair[LEAD]
            if lead is None or not lead.indexed:  # names no intent (cannot happen by the protocol): drop it
                engine.store.drop_index(LEAD, pending)
                report.counts["confirmed"] += 1
            elif _young(lead.written_at, cutoff):  # a later operation on the key, still with its writer
                report.counts["young"] += 1
            elif (outcome := _finish(engine, pending.key, lead, pair[FOLLOWER])) in _DONE:
                done.append((pending.key, lead, outcome))
            else:
                report.counts[outcome] += 1
        except WriteConflictError:
            report.counts["busy"] += 1  # a live writer changed the row since we read it; it settles it itself
        if len(done) >= BATCH:
            _clear(engine, report, done)
    _clear(engine, report, done)


def _finish_unindexed(engine: Engine, report: Report, cutoff: dt.datetime | None) -> None:
    for key, lead in engine.store.unindexed(LEAD):
        if _young(lead.written_at, cutoff):
            report.counts["young"] += 1
            continue
        try:
            outcome = _finish(engine, key, lead, engine.store.read(FOLLOWER, key))
            if outcome in _DONE:
                engine.journal.clear(key, lead)
        except WriteConflictError:
            outcome = "busy"
        report.counts[outcome] += 1


def _clear(engine: Engine, report: Report, done: list[tuple[Key, Row, str]]) -> None:
    """Clear the intents of the operations done, many to a transaction (shared/sync/confirmations.py); one
    whose lead row changed meanwhile counts as busy: its new writer settles it."""
    cleared = engine.journal.confirmations.send([(key, lead) for key, lead, _ in done])
    for key, _, outcome in done:
        report.counts[outcome if key.row_key in cleared else "busy"] += 1
    done.clear()


def _relocate(engine: Engine, report: Report) -> None:
    """Make each side's position index (shared/sync/geo.py) its records' positions exactly: give each record
    whose index row is missing or names another position its own, then remove the index rows that
    name no record where it stands. The index is read before the records: a record moved after that
    read is seen moved, and its old index row's delete is conditional on the ETag read, so a row
    written again meanwhile (a record put back there) stays. A record whose row names other search
    fields than it has (none: written before the word index) is written again with its words' index
    rows (shared/sync/search.py)."""
    for side in (LEAD, FOLLOWER):
        held = engine.store.positions_held(side)
        needed: set[str] = set()
        for found in engine.store.locations(side, held):
            if found.needed is not None:
                needed.add(found.needed)
            if not (found.amiss or found.unsearched):
                continue
            try:
                removed = engine.store.relocate(side, found.key, found.row, held)
                report.counts["located" if found.amiss else "indexed"] += 1
                held.pop(removed or "", None)
            except WriteConflictError:
                report.counts["busy"] += 1  # written meanwhile: that write indexed it
        for row_key, etag in held.items():
            if row_key not in needed and engine.store.drop_position(side, row_key, etag):
                report.counts["unlocated"] += 1


def _young(written_at: dt.datetime | None, cutoff: dt.datetime | None) -> bool:
    return cutoff is not None and written_at is not None and written_at > cutoff


def _finish(engine: Engine, key: Key, lead: Row, follower: Row | None) -> str:
    """Finish the operation whose intent `lead` carries, or find it done; its intent is left to clear."""
    if not in_doubt(lead, follower):
        return "confirmed"
    outcome = engine.journal.finish(key, lead, follower)
    log.warning(
        "recovery: %s %s op %s %s",
        engine.spec.slug,
        key,
        lead.meta.operation_id,
        outcome,
        extra=log_fields(engine.spec.slug, key, LEAD, lead.meta.operation_id),
    )
    return outcome


def _purge_tombstones(engine: Engine, report: Report, written_before: dt.datetime) -> None:
    """Remove tombstones older than the retention: the lead's once its delete is confirmed, then the
    follower's. Each removal is ETag-conditional, so a record created again meanwhile stays."""
    store = engine.store
    for side, key, row in store.tombstones(written_before):  # the lead's first (LEAD's partition sorts first)
        if row.intent is not None:  # not confirmed yet: recovery clears it first
            continue
        try:
            store.delete(side, key, row.etag)
            report.counts["purged"] += 1
        except WriteConflictError:
            report.counts["busy"] += 1


def recover_all(
    engines: Iterable[Engine], grace: dt.timedelta = dt.timedelta(0), *, purge: bool = True, full: bool = False
) -> list[Report]:
    """Recover every entity, each on its own: one that fails does not stop the others."""
    reports = [recover(engine, grace, purge=purge, full=full) for engine in engines]
    for report in reports:
        done = {name: count for name, count in report.counts.items() if count}
        if not report.error:
            log.info("recovery of %s: %s", report.entity, done or "nothing to do", extra={"entity": report.entity})
    return reports
