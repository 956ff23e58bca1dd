"""The sync engine: one change from one side, checked against both sides' rules, written to both.

upsert reads top to bottom: key → settle both sides (journal.py) → validate and map with both
sides' field rules → unchanged? → stale? → the company's guard, if a rule that reads other records
applies → those rules → write the lead row (with the follower's intent), then the follower.
A lost race (ETag) re-runs the whole decision.
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
from typing import Any, Literal

from shared.errors import Failure, NotFoundError, ReferencedError, RejectedError, StaleError, TransientError
from shared.journal import FOLLOWER, LEAD, Journal, OperationLookup, Pair
from shared.keys import Key, normalise
from shared.mapping import content_hash
from shared.rows import Guard, Intent, Row, SyncMeta, WriteConflictError
from shared.settings import Settings
from shared.spec import SIDES, EntitySpec, Side, other
from shared.store import EntityStore
from shared.translate import Records, translate
from shared.validation import check_context, check_fields

log = logging.getLogger(__name__)

Status = Literal["created", "updated", "unchanged", "deleted"]
MAX_ATTEMPTS = 30  # lost ETag races before a 503; writers of one company's related records queue on its guard
MAX_ROW_KEY = 512  # Table Storage's key limit, in UTF-16 units
MAX_CLOCK_SKEW = dt.timedelta(days=1)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Attempt:
    """One change's operation id, kept across retries, and what it has written so far."""

    operation_id: str
    status: Status | None = None  # set once the lead row is written: the change is decided


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
    ) -> None:
        self.spec = spec
        self.store = store
        self.settings = settings
        self.clock = clock
        self.journal = Journal(spec, store)
        self._locks: dict[str, threading.Lock] = {}  # per company: see _guarded

    # -- writes ---------------------------------------------------------------------------------

    def upsert(self, source: Side, body: Mapping[str, Any]) -> Outcome:
        """Apply a created-or-changed record reported by `source` to both sides."""
        key = self._key_of(source, body)
        modified = self.spec.side(source).modified_field
        if body.get(modified) is None:  # stamped on arrival, once: every retry decides on the same time
            body = {**body, modified: self.clock()}
        return self._with_retries(key, lambda attempt: self._upsert_once(source, key, body, attempt))

    def delete(self, source: Side, company: str, ident: str) -> Outcome:
        """Delete a record on both sides, after `source` reported it deleted."""
        key = self._known_key(company, ident)
        return self._with_retries(key, lambda attempt: self._delete_once(source, key, attempt))

    def _upsert_once(self, source: Side, key: Key, body: Mapping[str, Any], attempt: Attempt) -> Outcome:
        stored = self.journal.settle(key)
        records = self._validate_and_map(source, key, body, stored)
        return self._commit(source, key, records, stored, attempt)

    def _delete_once(self, source: Side, key: Key, attempt: Attempt) -> Outcome:
        stored = self.journal.settle(key)
        gone = Outcome("deleted", self.spec.slug, key, {"fs": None, "scm": None}, attempt.operation_id)
        if not any(stored.values()):
            if attempt.status:  # our own tombstone was finished by another writer or by recovery
                return gone
            raise NotFoundError(f"{self.spec.title} {key} does not exist on either side")
        lead, follower = stored[LEAD], stored[FOLLOWER]
        meta = SyncMeta(
            source_time=self.clock(),
            origin=source,
            created_by=_created_by(stored, source),
            content_hash="",
            operation_id=attempt.operation_id,
        )
        intent = Intent(follower.etag if follower else None, record=None)
        with self._guarded(key.company, bool(self.spec.references)) as guard:
            self._check_unreferenced(key)
            tombstone = self.store.write(
                LEAD, key, {}, meta, lead.etag if lead else None, intent=intent, deleted=True, guard=guard
            )  # from here on the delete is decided: recovery finishes it
        attempt.status = "deleted"
        self.journal.finish_delete(key, tombstone, follower)
        log.info("%s %s deleted from %s (op %s)", self.spec.slug, key, source, attempt.operation_id)
        return gone

    def _with_retries(self, key: Key, run: Callable[[Attempt], Outcome]) -> Outcome:
        attempt = Attempt(uuid.uuid4().hex)
        for tries in range(1, MAX_ATTEMPTS + 1):
            try:
                return run(attempt)
            except WriteConflictError:
                log.info("%s %s: concurrent write, deciding again (try %d)", self.spec.slug, key, tries)
                time.sleep(random.uniform(0, min(0.25, 0.005 * 2**tries)))
        raise TransientError(f"{self.spec.title} {key} is being changed by others; retry the change")

    # -- stages ---------------------------------------------------------------------------------

    def _key_of(self, source: Side, body: Mapping[str, Any]) -> Key:
        side = self.spec.side(source)
        company, ident = body.get(side.company_field), body.get(side.id_field)
        if not (isinstance(company, str) and company.strip() and isinstance(ident, str) and ident.strip()):
            raise self._rejected(None, self._key_failures(source, body))
        key = Key(company, ident)
        if len(key.row_key) > MAX_ROW_KEY:
            raise self._rejected(None, [Failure(side.id_field, "max_length", source, "key is too long")])
        if normalise(company) not in self.settings.companies:
            known = ", ".join(self.settings.companies)
            failure = Failure(side.company_field, "known_company", source, f"company is not one of {known}")
            raise self._rejected(key, [failure])
        return key

    def _key_failures(self, source: Side, body: Mapping[str, Any]) -> list[Failure]:
        """Why a body has no usable key: its fields' own failures, and blank key fields."""
        side = self.spec.side(source)
        failures = check_fields(side, body).failures
        reported = {failure.field for failure in failures}
        for name in (side.company_field, side.id_field):
            value = body.get(name)
            if name not in reported and not (isinstance(value, str) and value.strip()):
                failures.append(Failure(name, "required", source, "a key field must be non-blank text"))
        return failures

    def _known_key(self, company: str, ident: str) -> Key:
        key = Key(company, ident)
        if normalise(company) not in self.settings.companies or len(key.row_key) > MAX_ROW_KEY:
            raise NotFoundError(f"{self.spec.title} {key} does not exist: unknown company or key")
        return key

    def _validate_and_map(self, source: Side, key: Key, body: Mapping[str, Any], stored: Pair) -> Records:
        """Both sides' records for this change, or RejectedError listing every failure of either side."""
        modified = self.spec.side(source).modified_field
        raw = {**_record(stored[source], drop=modified), **body}  # a partial update keeps the rest
        records, failures = translate(self.spec, source, raw, _record(stored[other(source)]))
        if not failures and _time(records[source][modified]) > self.clock() + MAX_CLOCK_SKEW:
            # a far-future time would make every later change look stale, forever
            failures = [Failure(modified, "not_in_future", source, "modification time is more than a day ahead")]
        if failures:
            raise self._rejected(key, failures)
        return records

    def _guard_needed(self, records: Records, stored: Pair) -> bool:
        """Whether a rule that reads other records applies to this change, in its new or stored version."""
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
        if failures:
            raise self._rejected(key, failures)

    def _commit(self, source: Side, key: Key, records: Records, stored: Pair, attempt: Attempt) -> Outcome:
        changed = [side for side in SIDES if _differs(self.spec, side, stored[side], records[side])]
        if not changed:
            if attempt.status:  # our own write, finished by another writer or by recovery
                return Outcome(attempt.status, self.spec.slug, key, dict(stored), attempt.operation_id)
            log.info("%s %s from %s unchanged: nothing written", self.spec.slug, key, source)
            return Outcome("unchanged", self.spec.slug, key, dict(stored), attempt.operation_id)
        source_time = _time(records[source][self.spec.side(source).modified_field])
        self._check_fresh(source, key, source_time, stored)
        meta = SyncMeta(
            source_time=source_time,
            origin=source,
            created_by=_created_by(stored, source),
            content_hash=content_hash(self.spec, records["scm"]),
            operation_id=attempt.operation_id,
        )
        lead, follower = stored[LEAD], stored[FOLLOWER]
        # The lead row is written first, always: that serialises writers on one row's ETag. When the
        # follower changes too, the lead row carries the intent to write it, for recovery to finish.
        intent = Intent(follower.etag if follower else None, records[FOLLOWER]) if FOLLOWER in changed else None
        written: Pair = dict(stored)
        with self._guarded(key.company, self._guard_needed(records, stored)) as guard:
            self._check_context(key, records, stored)  # after the cheap decisions: these rules may read
            lead_etag = lead.etag if lead else None
            written[LEAD] = self.store.write(LEAD, key, records[LEAD], meta, lead_etag, intent=intent, guard=guard)
        attempt.status = "updated" if lead or follower else "created"
        if intent is not None:
            written[FOLLOWER] = self.store.write(FOLLOWER, key, records[FOLLOWER], meta, intent.follower_etag)
        log.info(
            "%s %s %s from %s, wrote %s (op %s)",
            self.spec.slug,
            key,
            attempt.status,
            source,
            "+".join(changed),
            attempt.operation_id,
        )
        return Outcome(attempt.status, self.spec.slug, key, written, attempt.operation_id)

    def _check_fresh(self, source: Side, key: Key, source_time: dt.datetime, stored: Pair) -> None:
        rows = [row for row in stored.values() if row]
        if not rows:
            return
        newest = max(rows, key=lambda row: row.meta.source_time).meta
        if source_time < newest.source_time or (
            source_time == newest.source_time and newest.origin != source and source != self.settings.primary_side
        ):
            raise StaleError(
                f"{self.spec.title} {key}: this change ({source}, modified {source_time.isoformat()}) is not newer "
                f"than the stored version ({newest.origin}, modified {newest.source_time.isoformat()}); not applied",
                details=[
                    {
                        "stored_source_time": newest.source_time.isoformat(),
                        "stored_origin": newest.origin,
                        "primary_side": self.settings.primary_side,
                    }
                ],
            )

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

    def _rejected(self, key: Key | None, failures: list[Failure]) -> RejectedError:
        what = str(key) if key else "record"
        count = len(failures)
        return RejectedError(
            f"{self.spec.title} {what} was rejected: {count} rule{'s' * (count != 1)} failed; nothing was written",
            failures,
        )

    # -- reads ----------------------------------------------------------------------------------

    def get(self, side: Side, company: str, ident: str) -> dict[str, Any]:
        key = self._known_key(company, ident)
        row = self.store.read(side, key)
        if row is None or row.deleted:
            raise NotFoundError(f"{self.spec.title} {key} does not exist in {side.upper()}")
        return {"key": key.as_dict(), **row.as_dict()}


def _created_by(stored: Pair, source: Side) -> Side:
    existing = [row for row in stored.values() if row]
    return existing[0].meta.created_by if existing else source


def _record(row: Row | None, drop: str | None = None) -> dict[str, Any]:
    if row is None:
        return {}
    return {name: value for name, value in row.record.items() if name != drop}


def _differs(spec: EntitySpec, side: Side, row: Row | None, record: Mapping[str, Any]) -> bool:
    if row is None:
        return True
    modified = spec.side(side).modified_field
    new = {name: value for name, value in record.items() if value is not None and name != modified}
    return new != _record(row, drop=modified)


def _time(value: Any) -> dt.datetime:
    parsed = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)
    return parsed.astimezone(dt.UTC)
