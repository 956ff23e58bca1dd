"""The sync engine: one change from one side, checked against both sides' rules, written to both.

upsert reads top to bottom: key → settle both sides (journal.py) → validate and map with both
sides' field rules → unchanged? → stale? → the company's guard, if a rule that reads other records
applies → those rules → write the lead row (with the follower's intent), then the follower.
A lost race (ETag) re-runs the whole decision.

Time decides (shared/sync/versions.py): a change's version is its source time; each side's row keeps the
newest time seen, also for a change that left the content as it was, and a delete leaves a tombstone
with its time — also a delete that finds nothing to delete — so that an older change can never win
over either, whatever order they arrive in.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from shared.entities.spec import SIDES, EntitySpec, Side, other
from shared.errors import NotFoundError, TransientError, rejected
from shared.keys import Key
from shared.logs import log_fields
from shared.settings import Settings
from shared.storage import WriteConflictError
from shared.sync.deletes import Deletes
from shared.sync.guards import CompanyGuards
from shared.sync.identity import change_key, known_key
from shared.sync.journal import FOLLOWER, LEAD, Journal, OperationLookup, Pair
from shared.sync.mapping import content_hash
from shared.sync.neighbours import Neighbours, names_anew
from shared.sync.outcome import (
    Attempt,
    Outcome,
    Status,
    as_read,
    created_by,
    differs,
    is_tombstone,
    live,
    record_of,
    written,
)
from shared.sync.rows import Intent, SyncMeta
from shared.sync.store import EntityStore
from shared.sync.translate import Records, translate
from shared.sync.validation import check_context
from shared.sync.versions import as_judged, as_time, check_fresh, delete_time, future, newer

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 30  # lost ETag races before a 503; writers of one company's related records queue on its guard


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Engine:
    """Syncs one entity. Safe to share between threads; correctness never relies on one instance."""

    def __init__(
        self,
        spec: EntitySpec,
        store: EntityStore,
        settings: Settings,
        clock: Callable[[], dt.datetime] = utcnow,
        neighbours: Neighbours | None = None,
        after_write: Callable[[Side, Outcome], None] | None = None,
    ) -> None:
        """`neighbours`: the other entities' stores, for an entity whose records name records of another
        (spec.foreign) or that another's records name; such an entity's engine cannot run without them.
        `after_write`: told of every change that wrote, whatever path it came by (outcome.written)."""
        self.after_write = after_write
        self.spec = spec
        self.store = store
        self.settings = settings
        self.clock = clock
        self.neighbours = neighbours
        self.journal = Journal(spec, store)
        self._guards = CompanyGuards(store)
        self._deletes = Deletes(spec, store, settings, self.journal, self._guards, neighbours)
        if neighbours is None and spec.foreign:
            raise ValueError(f"{spec.slug} names records of {spec.foreign[0].entity}: give its engine their stores")

    # -- writes ---------------------------------------------------------------------------------

    def upsert(self, source: Side, body: Mapping[str, Any], stamp: dt.datetime | None = None) -> Outcome:
        """Apply a created-or-changed record reported by `source` to both sides. A record without a time
        of its own takes `stamp` (a signed request's time), else its arrival."""
        key, body, stamped = self._arrived(source, body, stamp)
        outcome = self._with_retries(key, lambda attempt: self._upsert_once(source, key, body, stamped, attempt))
        return written(self.after_write, source, outcome)

    def delete(
        self, source: Side, company: str, ident: str, modified: Any = None, stamp: dt.datetime | None = None
    ) -> Outcome:
        """Delete a record on both sides, after `source` reported it deleted at `modified` (else at `stamp`,
        a signed request's time, else now)."""
        key = known_key(self.spec, self.settings, company, ident)
        at = (
            (stamp or self.clock())
            if modified is None
            else delete_time(self.spec, self.settings, source, key, modified, self.clock())
        )
        outcome = self._with_retries(key, lambda attempt: self._deletes.once(source, key, at, attempt))
        return written(self.after_write, source, outcome)

    def copy(self, source: Side, record: Mapping[str, Any], etag: str) -> Outcome:
        """Copy a record that only `source` holds (its row at `etag`) to the other side: a repair. It is judged
        against the other side's row alone (versions.as_judged). A record without a time of its own is
        stamped now, so that the copy carries one."""
        key, body, stamped = self._arrived(source, record)
        outcome = self._with_retries(key, lambda attempt: self._upsert_once(source, key, body, stamped, attempt), etag)
        return written(self.after_write, source, outcome)

    def _arrived(
        self, source: Side, body: Mapping[str, Any], stamp: dt.datetime | None = None
    ) -> tuple[Key, Mapping[str, Any], bool]:
        """The change's key and record, and whether it carried no time of its own: then it is stamped, once,
        with `stamp` (a signed request's time), else now, so that every retry decides on the same time."""
        key, body = change_key(self.spec, self.settings, source, body)
        modified = self.spec.side(source).modified_field
        stamped = body.get(modified) is None
        if stamped:
            body = {**body, modified: stamp or self.clock()}
        return key, body, stamped

    def _upsert_once(self, source: Side, key: Key, body: Mapping[str, Any], stamped: bool, attempt: Attempt) -> Outcome:
        stored = self.journal.settle(key)
        records = self._validate_and_map(source, key, body, stored)
        return self._commit(source, key, records, stored, stamped, attempt)

    def _with_retries(self, key: Key, run: Callable[[Attempt], Outcome], copy_of: str | None = None) -> Outcome:
        attempt = Attempt(uuid.uuid4().hex, copy_of=copy_of)
        for tries in range(1, MAX_ATTEMPTS + 1):
            try:
                return run(attempt)
            except WriteConflictError:
                log.debug(
                    "%s %s: concurrent write, deciding again (try %d)",
                    self.spec.slug,
                    key,
                    tries,
                    extra=log_fields(self.spec.slug, key, operation_id=attempt.operation_id),
                )
                time.sleep(random.uniform(0, min(0.25, 0.005 * 2**tries)))
        raise TransientError(
            f"{self.spec.title} {key} is being changed by others ({MAX_ATTEMPTS} tries lost); retry the change"
        )

    # -- stages ---------------------------------------------------------------------------------

    def _validate_and_map(self, source: Side, key: Key, body: Mapping[str, Any], stored: Pair) -> Records:
        """Both sides' records for this change, or RejectedError listing every failure of either side."""
        modified = self.spec.side(source).modified_field
        live_pair = live(stored)
        raw = {**record_of(live_pair[source], drop=modified), **body}  # a partial update keeps the rest
        records, failures = translate(self.spec, source, raw, record_of(live_pair[other(source)]))
        if not failures and (
            late := future(self.spec, self.settings, source, as_time(records[source][modified]), self.clock())
        ):
            failures = [late]
        if failures:
            raise rejected(self.spec.title, key, failures)
        return records

    def _guard_needed(self, records: Records, stored: Pair) -> bool:
        """Whether a rule that reads other records applies to this change, in its new or stored version, or
        the change makes the record name a record of another entity (shared/sync/neighbours.py)."""
        lead = stored[LEAD]
        if names_anew(self.spec, records[LEAD], lead.record if lead is not None else None):
            return True
        for rule in self.spec.context_rules:
            row = stored[rule.side]
            if rule.applies(records[rule.side]) or (row is not None and rule.applies(row.record)):
                return True
        return False

    def _check_context(self, key: Key, records: Mapping[Side, Mapping[str, Any]], stored: Pair) -> None:
        failures = check_context(self.spec, records, OperationLookup(self.spec, self.store, key, stored))
        if self.neighbours is not None:
            failures += self.neighbours.missing(self.spec, records)
        if failures:
            raise rejected(self.spec.title, key, failures)

    def _commit(
        self, source: Side, key: Key, records: Records, stored: Pair, stamped: bool, attempt: Attempt
    ) -> Outcome:
        """Decide and write. `stamped`: the change carried no time of its own (its time is its arrival),
        so with unchanged content it is an echo or a redelivery, never a newer version to record."""
        live_pair = live(stored)
        changed = [side for side in SIDES if differs(self.spec, side, live_pair[side], records[side])]
        source_time = as_time(records[source][self.spec.side(source).modified_field])
        status: Status = "updated" if any(live_pair.values()) else "created"
        if not changed:
            if attempt.status:  # our own write, finished by another writer or by recovery
                return Outcome(attempt.status, self.spec.slug, key, dict(stored), attempt.operation_id)
            if stamped or not newer(source_time, stored):  # an echo: same content, same or older time
                fields = attempt.log_fields(self.spec.slug, key, source, "unchanged")
                log.info(
                    "%s %s from %s unchanged: nothing written (%s ms)",
                    self.spec.slug,
                    key,
                    source,
                    fields["duration_ms"],
                    extra=fields,
                )
                return Outcome("unchanged", self.spec.slug, key, dict(stored), attempt.operation_id)
            changed, status = list(SIDES), "unchanged"  # same content, newer time: both sides keep the time
        check_fresh(
            self.spec, self.settings, source, key, *as_judged(source, source_time, stamped, stored, attempt.copy_of)
        )
        meta = SyncMeta(
            source_time=source_time,
            origin=source,
            created_by=created_by(live_pair, source),
            content_hash=content_hash(self.spec, records["scm"]),
            operation_id=attempt.operation_id,
        )
        lead, follower = stored[LEAD], stored[FOLLOWER]
        # The lead row is written first, always: that serialises writers on one row's ETag. When the
        # follower changes too, the lead row carries the intent to write it, for recovery to finish.
        intent = (
            Intent(follower.etag if follower else None, records[FOLLOWER], over_tombstone=is_tombstone(follower))
            if FOLLOWER in changed
            else None
        )
        written: Pair = dict(stored)
        with self._guards.held(key.company, self._guard_needed(records, live_pair)) as guard:
            self._check_context(key, records, live_pair)  # after the cheap decisions: these rules may read
            etag, indexed, located, searched = as_read(lead)
            new_lead = self.store.write(
                LEAD,
                key,
                records[LEAD],
                meta,
                etag,
                intent=intent,
                guard=guard,
                indexed=indexed,
                located=located,
                searched=searched,
            )
        attempt.status = status
        written[LEAD] = new_lead
        if intent is not None:
            written[FOLLOWER] = self.journal.complete(key, new_lead, follower)
        fields = attempt.log_fields(self.spec.slug, key, source, status)
        log.info(
            "%s %s %s from %s, wrote %s in %s ms (op %s)",
            self.spec.slug,
            key,
            status,
            source,
            "+".join(changed),
            fields["duration_ms"],
            attempt.operation_id,
            extra=fields,
        )
        return Outcome(status, self.spec.slug, key, written, attempt.operation_id)

    # -- reads ----------------------------------------------------------------------------------

    def get(self, side: Side, company: str, ident: str) -> dict[str, Any]:
        key = known_key(self.spec, self.settings, company, ident)
        row = self.store.read(side, key)
        if row is None or row.deleted:
            raise NotFoundError(f"{self.spec.title} {key} does not exist in {side.upper()}")
        return {"key": key.as_dict(), **row.as_dict()}
