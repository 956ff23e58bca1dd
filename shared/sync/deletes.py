"""A delete, from one side to both: the lead row becomes a tombstone with the intent to leave one on the
follower, as every change is written; a delete of a key that holds nothing still leaves (or moves forward)
its tombstones, so that an older change arriving after it stays out; a record others still name stays."""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial

from shared.entities.spec import EntitySpec, Side
from shared.errors import NotFoundError, ReferencedError
from shared.keys import Key, normalise
from shared.settings import Settings
from shared.sync.guards import CompanyGuards
from shared.sync.journal import FOLLOWER, LEAD, Journal, Pair
from shared.sync.neighbours import Neighbours
from shared.sync.outcome import Attempt, Outcome, as_read, created_by, is_tombstone, live
from shared.sync.rows import Guard, Intent, Row, SyncMeta
from shared.sync.store import EntityStore
from shared.sync.versions import check_fresh, newer

log = logging.getLogger(__name__)


class Deletes:
    """The delete path of one entity's engine."""

    def __init__(
        self,
        spec: EntitySpec,
        store: EntityStore,
        settings: Settings,
        journal: Journal,
        guards: CompanyGuards,
        neighbours: Neighbours | None,
    ) -> None:
        self.spec, self.store, self.settings, self.journal = spec, store, settings, journal
        self.guards, self.neighbours = guards, neighbours

    def once(self, source: Side, key: Key, at: dt.datetime, attempt: Attempt) -> Outcome:
        stored = self.journal.settle(key)
        gone = Outcome("deleted", self.spec.slug, key, {"fs": None, "scm": None}, attempt.operation_id)
        if not any(live(stored).values()):
            if attempt.status:  # our own delete, finished by another writer or by recovery
                return gone
            self._keep_out_older(source, key, at, stored, attempt)
            raise NotFoundError(f"{self.spec.title} {key} does not exist on either side")
        check_fresh(self.spec, self.settings, source, key, at, stored)
        neighbours = self.neighbours
        # the guards of the entities whose records may name this one, read before anyone looks for them
        # (shared/sync/neighbours.py); a record the lead does not hold was named by no write that passed its rules
        guards = neighbours.guards(self.spec, key.company) if neighbours and live(stored)[LEAD] else []
        with self.guards.held(key.company, bool(self.spec.references)) as guard:
            self._check_unreferenced(key)
            if neighbours is not None:
                neighbours.refuse_if_named(self.spec, key)
            tombstone = self._lead_tombstone(source, key, at, stored, attempt, guard)
        if neighbours is not None and guards:
            put_back = partial(self.journal.put_back, key, stored, tombstone)
            neighbours.keep_unnamed(self.spec, key, guards, attempt.operation_id, put_back)
        attempt.status = "deleted"
        self.journal.complete(key, tombstone, stored[FOLLOWER])
        fields = attempt.log_fields(self.spec.slug, key, source, "deleted")
        log.info(
            "%s %s deleted from %s in %s ms (op %s)",
            self.spec.slug,
            key,
            source,
            fields["duration_ms"],
            attempt.operation_id,
            extra=fields,
        )
        return gone

    def _keep_out_older(self, source: Side, key: Key, at: dt.datetime, stored: Pair, attempt: Attempt) -> None:
        """A delete of a key that holds no record (never there, or deleted already) still leaves its tombstone
        pair, or moves it forward to its time, never back: webhooks arrive out of order, and the older create
        that comes after it must be stale. Written as every delete is, lead row with its intent first."""
        if not newer(at, stored):
            return
        self.journal.complete(key, self._lead_tombstone(source, key, at, stored, attempt, None), stored[FOLLOWER])
        fields = attempt.log_fields(self.spec.slug, key, source, "absent")
        log.info(
            "%s %s: nothing to delete from %s; its tombstone keeps older changes out (%s ms, op %s)",
            self.spec.slug,
            key,
            source,
            fields["duration_ms"],
            attempt.operation_id,
            extra=fields,
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
            created_by=created_by(live(stored), source),
            content_hash="",
            operation_id=attempt.operation_id,
        )
        intent = Intent(follower.etag if follower else None, record=None, over_tombstone=is_tombstone(follower))
        etag, indexed, located, searched = as_read(lead)
        return self.store.write(
            LEAD,
            key,
            {},
            meta,
            etag,
            intent=intent,
            deleted=True,
            guard=guard,
            indexed=indexed,
            located=located,
            searched=searched,
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
