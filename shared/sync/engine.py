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
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal

from shared.entities.spec import SIDES, EntitySpec, Side, other
from shared.errors import NotFoundError, ReferencedError, TransientError, rejected
from shared.keys import Key, normalise
from shared.logs import log_fields
from shared.settings import Settings
from shared.storage import WriteConflictError
from shared.sync.identity import change_key, known_key
from shared.sync.journal import FOLLOWER, LEAD, Journal, OperationLookup, Pair
from shared.sync.mapping import content_hash
from shared.sync.neighbours import Neighbours, names_anew
from shared.sync.rows import Guard, Intent, Row, SyncMeta
from shared.sync.store import EntityStore
from shared.sync.translate import Records, translate
from shared.sync.validation import check_context
from shared.sync.versions import as_judged, as_time, check_fresh, delete_time, future, newer

log = logging.getLogger(__name__)

Status = Literal["created", "updated", "unchanged", "deleted"]
MAX_ATTEMPTS = 30  # lost ETag races before a 503; writers of one company's related records queue on its guard


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Attempt:
    """One change's operation id, kept across retries, and what it has written so far."""

    operation_id: str
    status: Status | None = None  # set once the lead row is written: the change is decided
    copy_of: str | None = None  # a repair's copy: the ETag of the source row it copies, as the repair read it


@dataclass(frozen=True)
class Outcome:
    status: Status
    entity: str
    key: Key
    rows: Pair
    operation_id: str

    def as_dict(self) -> dict[str, Any]:
        fs, scm = self.rows["fs"], self.rows["scm"]
        return {
            "status": self.status,
            "entity": self.entity,
            "key": self.key.as_dict(),
            "operation_id": self.operation_id,
            "fs": fs.as_dict() if fs else None,
            "scm": scm.as_dict() if scm else None,
        }


class Engine:
    """Syncs one entity. Safe to share between threads; correctness never relies on one instance."""

    def __init__(
        self,
        spec: EntitySpec,
        store: EntityStore,
        settings: Settings,
        clock: Callable[[], dt.datetime] = utcnow,
        neighbours: Neighbours | None = None,
    ) -> None:
        """`neighbours`: the other entities' stores, for an entity whose records name records of another
        (spec.foreign) or that another's records name; such an entity's engine cannot run without them."""
        self.spec = spec
        self.store = store
        self.settings = settings
        self.clock = clock
        self.neighbours = neighbours
        self.journal = Journal(spec, store)
        self._locks: dict[str, threading.Lock] = {}  # per company: see _guarded
        if neighbours is None and spec.foreign:
            raise ValueError(f"{spec.slug} names records of {spec.foreign[0].entity}: give its engine their stores")

    # -- writes ---------------------------------------------------------------------------------

    def upsert(self, source: Side, body: Mapping[str, Any], stamp: dt.datetime | None = None) -> Outcome:
        """Apply a created-or-changed record reported by `source` to both sides. A record without a time
        of its own takes `stamp` (a signed request's time), else its arrival."""
        key, body, stamped = self._arrived(source, body, stamp)
        return self._with_retries(key, lambda attempt: self._upsert_once(source, key, body, stamped, attempt))

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
        return self._with_retries(key, lambda attempt: self._delete_once(source, key, at, attempt))

    def copy(self, source: Side, record: Mapping[str, Any], etag: str) -> Outcome:
        """Copy a record that only `source` holds (its row at `etag`) to the other side: a repair. It is judged
        against the other side's row alone (versions.as_judged). A record without a time of its own is
        stamped now, so that the copy carries one."""
        key, body, stamped = self._arrived(source, record)
        return self._with_retries(
            key, lambda attempt: self._upsert_once(source, key, body, stamped, attempt), copy_of=etag
        )

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

    def _delete_once(self, source: Side, key: Key, at: dt.datetime, attempt: Attempt) -> Outcome:
        stored = self.journal.settle(key)
        gone = Outcome("deleted", self.spec.slug, key, {"fs": None, "scm": None}, attempt.operation_id)
        if not any(_live(stored).values()):
            if attempt.status:  # our own delete, finished by another writer or by recovery
                return gone
            self._keep_out_older(source, key, at, stored, attempt)
            raise NotFoundError(f"{self.spec.title} {key} does not exist on either side")
        check_fresh(self.spec, self.settings, source, key, at, stored)
        neighbours = self.neighbours
        # the guards of the entities whose records may name this one, read before anyone looks for them
        # (shared/sync/neighbours.py); a record the lead does not hold was named by no write that passed its rules
        guards = neighbours.guards(self.spec, key.company) if neighbours and _live(stored)[LEAD] else []
        with self._guarded(key.company, bool(self.spec.references)) as guard:
            self._check_unreferenced(key)
            if neighbours is not None:
                neighbours.refuse_if_named(self.spec, key)
            tombstone = self._lead_tombstone(source, key, at, stored, attempt, guard)
        if neighbours is not None and guards:
            put_back = partial(self.journal.put_back, key, stored, tombstone)
            neighbours.keep_unnamed(self.spec, key, guards, attempt.operation_id, put_back)
        attempt.status = "deleted"
        self.journal.complete(key, tombstone, stored[FOLLOWER])
        log.info(
            "%s %s deleted from %s (op %s)",
            self.spec.slug,
            key,
            source,
            attempt.operation_id,
            extra=log_fields(self.spec.slug, key, source, attempt.operation_id),
        )
        return gone

    def _keep_out_older(self, source: Side, key: Key, at: dt.datetime, stored: Pair, attempt: Attempt) -> None:
        """A delete of a key that holds no record (never there, or deleted already) still leaves its tombstone
        pair, or moves it forward to its time, never back: webhooks arrive out of order, and the older create
        that comes after it must be stale. Written as every delete is, lead row with its intent first."""
        if not newer(at, stored):
            return
        self.journal.complete(key, self._lead_tombstone(source, key, at, stored, attempt, None), stored[FOLLOWER])
        log.info(
            "%s %s: nothing to delete from %s; its tombstone keeps older changes out (op %s)",
            self.spec.slug,
            key,
            source,
            attempt.operation_id,
            extra=log_fields(self.spec.slug, key, source, attempt.operation_id),
        )

    def _lead_tombstone(
        self, source: Side, key: Key, at: dt.datetime, stored: Pair, attempt: Attempt, guard: Guard | None
    ) -> Row:
        """Write the lead row as a tombstone dated `at`, with the intent to leave one on the follower: from
        here on the delete is decided, and recovery finishes it."""
        lead, follower = stored[LEAD], stored[FOLLOWER]
        meta = SyncMeta(
            source_time=at,
            origin=source,
            created_by=_created_by(_live(stored), source),
            content_hash="",
            operation_id=attempt.operation_id,
        )
        intent = Intent(follower.etag if follower else None, record=None, over_tombstone=_is_tombstone(follower))
        etag, indexed, located = _as_read(lead)
        return self.store.write(
            LEAD, key, {}, meta, etag, intent=intent, deleted=True, guard=guard, indexed=indexed, located=located
        )

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
        live = _live(stored)
        raw = {**_record(live[source], drop=modified), **body}  # a partial update keeps the rest
        records, failures = translate(self.spec, source, raw, _record(live[other(source)]))
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

    @contextmanager
    def _guarded(self, company: str, needed: bool) -> Iterator[Guard | None]:
        """The company's guard, read before the rules look (it dates what they see), for the lead write
        to commit with: such changes commit one at a time per company and entity. Threads of this
        instance queue on a lock first, so that they wait instead of losing the guard's ETag race to
        each other; other instances are kept out by the ETag alone."""
        if not needed:
            yield None
            return
        with self._locks.setdefault(normalise(company), threading.Lock()):
            yield self.store.read_guard(LEAD, company)

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
        live = _live(stored)
        changed = [side for side in SIDES if differs(self.spec, side, live[side], records[side])]
        source_time = as_time(records[source][self.spec.side(source).modified_field])
        status: Status = "updated" if any(live.values()) else "created"
        if not changed:
            if attempt.status:  # our own write, finished by another writer or by recovery
                return Outcome(attempt.status, self.spec.slug, key, dict(stored), attempt.operation_id)
            if stamped or not newer(source_time, stored):  # an echo: same content, same or older time
                log.info(
                    "%s %s from %s unchanged: nothing written",
                    self.spec.slug,
                    key,
                    source,
                    extra=log_fields(self.spec.slug, key, source, attempt.operation_id),
                )
                return Outcome("unchanged", self.spec.slug, key, dict(stored), attempt.operation_id)
            changed, status = list(SIDES), "unchanged"  # same content, newer time: both sides keep the time
        check_fresh(
            self.spec, self.settings, source, key, *as_judged(source, source_time, stamped, stored, attempt.copy_of)
        )
        meta = SyncMeta(
            source_time=source_time,
            origin=source,
            created_by=_created_by(live, source),
            content_hash=content_hash(self.spec, records["scm"]),
            operation_id=attempt.operation_id,
        )
        lead, follower = stored[LEAD], stored[FOLLOWER]
        # The lead row is written first, always: that serialises writers on one row's ETag. When the
        # follower changes too, the lead row carries the intent to write it, for recovery to finish.
        intent = (
            Intent(follower.etag if follower else None, records[FOLLOWER], over_tombstone=_is_tombstone(follower))
            if FOLLOWER in changed
            else None
        )
        written: Pair = dict(stored)
        with self._guarded(key.company, self._guard_needed(records, live)) as guard:
            self._check_context(key, records, live)  # after the cheap decisions: these rules may read
            etag, indexed, located = _as_read(lead)
            new_lead = self.store.write(
                LEAD, key, records[LEAD], meta, etag, intent=intent, guard=guard, indexed=indexed, located=located
            )
        attempt.status = status
        written[LEAD] = new_lead
        if intent is not None:
            written[FOLLOWER] = self.journal.complete(key, new_lead, follower)
        log.info(
            "%s %s %s from %s, wrote %s (op %s)",
            self.spec.slug,
            key,
            status,
            source,
            "+".join(changed),
            attempt.operation_id,
            extra=log_fields(self.spec.slug, key, source, attempt.operation_id),
        )
        return Outcome(status, self.spec.slug, key, written, attempt.operation_id)

    def _check_unreferenced(self, key: Key) -> None:
        """A record that others of its company still name (as parent, quarantine warehouse, …) stays.

        Asked of the lead side, which every change reaches first: a reference still being synced counts.
        """
        if not self.spec.references:
            return
        fields = tuple(reference.name(LEAD) for reference in self.spec.references)
        referring = sorted(self.store.referring(LEAD, key.company, fields, key.id), key=normalise)
        if referring:
            names = ", ".join(reference.name("scm") for reference in self.spec.references)
            raise ReferencedError(
                f"{self.spec.title} {key} is still named by {len(referring)} other record(s) of company "
                f"{normalise(key.company)} ({names}); nothing was deleted",
                details=[{"company": normalise(key.company), "id": ident, "side": "scm"} for ident in referring],
            )

    # -- reads ----------------------------------------------------------------------------------

    def get(self, side: Side, company: str, ident: str) -> dict[str, Any]:
        key = known_key(self.spec, self.settings, company, ident)
        row = self.store.read(side, key)
        if row is None or row.deleted:
            raise NotFoundError(f"{self.spec.title} {key} does not exist in {side.upper()}")
        return {"key": key.as_dict(), **row.as_dict()}


def _live(stored: Pair) -> Pair:
    """The pair as records: a tombstone counts as no record."""
    return {side: row.live if row else None for side, row in stored.items()}


def _as_read(lead: Row | None) -> tuple[str | None, bool, str | None]:
    """What a write of the lead row must know of it as read: its ETag (None: create), whether an index
    row goes with its intent (store.write then removes it, unless the write brings an intent of its own),
    and the position its index row is at (store.write moves or removes it)."""
    return (lead.etag, lead.indexed, lead.geo) if lead else (None, False, None)


def _is_tombstone(row: Row | None) -> bool:
    return row is not None and row.deleted


def _created_by(live: Pair, source: Side) -> Side:
    existing = [row for row in live.values() if row]
    return existing[0].meta.created_by if existing else source


def _record(row: Row | None, drop: str | None = None) -> dict[str, Any]:
    if row is None:
        return {}
    return {name: value for name, value in row.record.items() if name != drop}


def differs(spec: EntitySpec, side: Side, row: Row | None, record: Mapping[str, Any]) -> bool:
    if row is None:
        return True
    modified = spec.side(side).modified_field
    new = {name: value for name, value in record.items() if value is not None and name != modified}
    return new != _record(row, drop=modified)
