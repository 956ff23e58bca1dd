"""Recovery: finish every operation that a crash or a storage fault left half done.

The journal is the lead side's rows themselves: a lead row written by a two-sided operation carries
an intent (the follower's new record and the follower ETag it was decided on) until it is confirmed.
Recovery walks those rows, finishes each operation whose follower has not caught up (or deletes what
a tombstone says to delete), and clears confirmed intents so that the next run has less to read.
Every write is ETag-conditional: recovery never overwrites a newer write, and it is safe to run on
several instances at once, beside live traffic. The timer runs it with a grace period so that it
leaves operations in flight to their own writer; run on demand it may take everything.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from shared.engine import Engine, utcnow
from shared.journal import FOLLOWER, LEAD, in_doubt
from shared.rows import WriteConflictError

log = logging.getLogger(__name__)

TIMER_GRACE = dt.timedelta(seconds=60)  # an operation younger than this is left to its own writer


@dataclass
class Report:
    """What one recovery run did for one entity. Counts by outcome:

    completed: the follower was written from the intent · deleted: a tombstone's delete was finished ·
    confirmed: the follower had the operation already; the intent was cleared · abandoned: the follower
    had changed outside the sync; the newer write was kept · busy: another writer got there first ·
    young: left to the writer still in flight (younger than the grace period).
    """

    entity: str
    counts: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {"entity": self.entity, **{name: self.counts[name] for name in _OUTCOMES}}


_OUTCOMES = ("completed", "deleted", "confirmed", "abandoned", "busy", "young")


def recover(engine: Engine, grace: dt.timedelta = dt.timedelta(0), clock: Callable[[], dt.datetime] = utcnow) -> Report:
    report = Report(engine.spec.slug)
    cutoff = clock() - grace
    store = engine.store
    for key, lead in store.pending(LEAD):
        if grace and lead.written_at is not None and lead.written_at > cutoff:
            report.counts["young"] += 1
            continue
        try:
            follower = store.read(FOLLOWER, key)
            if in_doubt(lead, follower):
                outcome = engine.journal.finish(key, lead, follower)
                log.warning("recovery: %s %s op %s %s", engine.spec.slug, key, lead.meta.operation_id, outcome)
            else:
                outcome = "confirmed"
            if outcome in ("completed", "confirmed"):  # this operation is done
                engine.journal.clear(key, lead)
        except WriteConflictError:
            outcome = "busy"  # a live writer changed the row since we read it; it settles it itself
        report.counts[outcome] += 1
    return report


def recover_all(engines: Iterable[Engine], grace: dt.timedelta = dt.timedelta(0)) -> list[Report]:
    reports = [recover(engine, grace) for engine in engines]
    for report in reports:
        done = {name: count for name, count in report.counts.items() if count}
        log.info("recovery of %s: %s", report.entity, done or "nothing to do")
    return reports
