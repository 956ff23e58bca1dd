"""The journal: how a change reaches both sides though they share no transaction (docs/sync-protocol.md).

Every change writes the lead side's row first. When the follower must change too, the lead row
carries an intent — the follower's new record and the follower's ETag as read — until the follower
is written. Anyone who finds an intent whose operation has not reached the follower finishes it,
conditionally, so a newer write is never overwritten: the next writer of the key (`settle`), or
recovery (shared/sync/recovery.py). Rules that read other records read the lead first (`OperationLookup`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from shared.entities.spec import EntitySpec, Side
from shared.keys import Key
from shared.logs import log_fields
from shared.storage import WriteConflictError
from shared.sync.confirmations import Confirmations
from shared.sync.rows import Intent, Row
from shared.sync.store import EntityStore

log = logging.getLogger(__name__)

# Every operation writes the lead side's row first (docs/sync-protocol.md). Fixed, never configured:
# instances that disagreed on it would break the protocol. FS leads because its intent then holds
# the SCM record, which is all mapped content: FS-only fields (a customer asset's account) never
# reach the SCM partition, not even in the journal.
LEAD: Side = "fs"
FOLLOWER: Side = "scm"

Pair = dict[Side, Row | None]


class Journal:
    """Settles and finishes the operations of one entity's table."""

    def __init__(self, spec: EntitySpec, store: EntityStore) -> None:
        self.spec = spec
        self.store = store
        self.confirmations = Confirmations(store, LEAD)

    def read_pair(self, key: Key) -> Pair:
        return self.store.read_pair(key)

    def settle(self, key: Key) -> Pair:
        """Both sides' rows, after finishing an operation that a crash or a fault left half done.

        A settled pair holds no intent in doubt: what it holds (records, or tombstones of a delete) is
        what both sides agree on.
        """
        pair = self.read_pair(key)
        lead = pair[LEAD]
        if lead is not None and in_doubt(lead, pair[FOLLOWER]):
            log.warning(
                "%s %s: finishing operation %s left half done",
                self.spec.slug,
                key,
                lead.meta.operation_id,
                extra=log_fields(self.spec.slug, key, LEAD, lead.meta.operation_id),
            )
            self.finish(key, lead, pair[FOLLOWER])
            pair = self.read_pair(key)
            if (lead := pair[LEAD]) is not None and in_doubt(lead, pair[FOLLOWER]):
                raise WriteConflictError(f"settle {key}")  # someone else started another: decide again
        return pair

    def finish(self, key: Key, lead: Row, follower: Row | None) -> str:
        """Complete the operation whose intent `lead` carries: what was done, for logs and reports.

        Every write is conditional: the follower is written only if it is still as the operation read
        it, so a newer write is never overwritten (a lost race raises WriteConflictError).
        """
        intent = lead.intent
        if intent is None:
            return "settled"
        if not _as_read(intent, follower) and not _carries(follower, lead):
            # The pair's two reads run at once, so the follower may have been read before the lead and be
            # older than what this operation read (a write of an earlier operation not seen yet): read it
            # again, after the lead, before taking it for a newer write.
            follower = self.store.read(FOLLOWER, key)
        if _carries(follower, lead):
            return "settled"
        if _as_read(intent, follower):
            self.write_follower(key, lead, follower)
            return "deleted" if lead.deleted else "completed"
        # The follower changed after the operation read it. Another operation that took the key over wrote
        # the lead row first, so the conditional clear fails: nothing went wrong, the caller decides again.
        # Only when the lead is still as read did a write outside this protocol change the follower.
        try:
            self.clear(key, lead)
        except WriteConflictError:
            log.debug(
                "%s %s: another operation took over the key from operation %s while it was being finished",
                self.spec.slug,
                key,
                lead.meta.operation_id,
                extra=log_fields(self.spec.slug, key, LEAD, lead.meta.operation_id),
            )
            raise
        log.error(
            "%s %s: %s changed outside the sync while operation %s was in progress; kept it, dropped the intent",
            self.spec.slug,
            key,
            FOLLOWER.upper(),
            lead.meta.operation_id,
            extra=log_fields(self.spec.slug, key, FOLLOWER, lead.meta.operation_id),
        )
        return "abandoned"

    def complete(self, key: Key, lead: Row, follower: Row | None) -> Row:
        """A live writer's second write: the follower, as `write_follower`; then the lead row as written goes
        to the confirmations, which clear its intent with others' (shared/sync/confirmations.py)."""
        written = self.write_follower(key, lead, follower)
        self.confirmations.add(key, lead)
        return written

    def write_follower(self, key: Key, lead: Row, follower: Row | None) -> Row:
        """Write what the lead's intent promises the follower (its record, or a tombstone), conditionally,
        over `follower` as the operation read it.

        A follower tombstone that the purge removed meanwhile is no newer write: the row is created.
        """
        intent = lead.intent
        assert intent is not None, "only an operation with an intent writes the follower"
        record, deleted = ({}, True) if intent.record is None else (intent.record, False)
        located, searched = (follower.geo, follower.search) if follower else (None, None)
        try:
            return self.store.write(
                FOLLOWER,
                key,
                record,
                lead.meta,
                intent.follower_etag,
                deleted=deleted,
                located=located,
                searched=searched,
            )
        except WriteConflictError:
            if not intent.over_tombstone or self.store.read(FOLLOWER, key) is not None:
                raise
            return self.store.write(FOLLOWER, key, record, lead.meta, None, deleted=deleted)

    def put_back(self, key: Key, stored: Pair, tombstone: Row) -> None:
        """Undo a delete that the lead's tombstone decided (shared/sync/neighbours.py: a record of another entity
        came to name it meanwhile): the lead row as `stored` held it, written over the tombstone only if that
        is unchanged, with the intent to bring back the follower's record too, over the follower as it is now
        (someone may have finished the delete there meanwhile)."""
        lead, before = stored[LEAD], stored[FOLLOWER]
        assert lead is not None and not lead.deleted, "only a delete of a record is put back"
        follower = self.store.read(FOLLOWER, key)
        intent = None
        if before is not None and not before.deleted:
            over_tombstone = follower is not None and follower.deleted
            intent = Intent(follower.etag if follower else None, before.record, over_tombstone=over_tombstone)
        restored = self.store.write(
            LEAD,
            key,
            lead.record,
            lead.meta,
            tombstone.etag,
            intent=intent,
            indexed=tombstone.indexed and intent is None,  # the index row goes, or is written anew with the intent
            located=tombstone.geo,
            searched=tombstone.search,
        )
        if intent is not None:
            self.complete(key, restored, follower)

    def clear(self, key: Key, lead: Row) -> None:
        """Drop the lead row's intent and its index row (its operation is done, or given up), if the row is
        still as read."""
        self.store.write(
            LEAD,
            key,
            lead.record,
            lead.meta,
            lead.etag,
            deleted=lead.deleted,
            indexed=lead.indexed,
            located=lead.geo,
            searched=lead.search,
        )


class OperationLookup:
    """The store as context rules see it during one operation.

    The record being changed is served from the pair the operation has already read. Other records
    are read from the lead side first, which every change reaches before the follower: a tombstone
    there means deleted, and an intent there holds the follower's record as last decided, whether
    or not it has reached the follower yet. So a rule sees every change committed before the
    company's guard was read, and the guard makes sure nothing it depends on commits after.
    """

    def __init__(self, spec: EntitySpec, store: EntityStore, key: Key, stored: Pair) -> None:
        self._spec, self._store, self._key, self._stored = spec, store, key, stored

    def get(self, side: Side, company: str, ident: str) -> dict[str, Any] | None:
        key = Key(company, ident)
        if key.row_key == self._key.row_key:
            row = self._stored[side]
            return row.record if row else None
        return lead_first(self._store, side, key)

    def find(self, side: Side, company: str, equals: Mapping[str, Any]) -> list[dict[str, Any]]:
        return self._store.find(side, company, equals)

    def referring(self, side: Side, company: str, fields: tuple[str, ...], ident: str) -> list[str]:
        """Asked of the lead side (see the class), under the lead's names of the same references."""
        lead_names = {reference.name(side): reference.name(LEAD) for reference in self._spec.references}
        lead_fields = tuple(lead_names.get(name, name) for name in fields)
        return self._store.referring(LEAD, company, lead_fields, ident)


def lead_first(store: EntityStore, side: Side, key: Key) -> dict[str, Any] | None:
    """A record as a rule sees it (see OperationLookup): the lead read first, a tombstone there is no record
    (deleted, or being deleted), an intent there holds the follower's record as last decided."""
    record: dict[str, Any] | None = as_seen(store, key, (side,))[side]
    return record


def as_seen(store: EntityStore, key: Key, sides: tuple[Side, ...] = (LEAD, FOLLOWER)) -> dict[Side, Any]:
    """The records of `sides` as a rule sees them (lead_first), the lead read once for both."""
    lead = store.read(LEAD, key)
    if lead is not None and lead.deleted:
        return dict.fromkeys(sides)
    seen: dict[Side, Any] = {LEAD: lead.record if lead is not None else None}
    if FOLLOWER in sides:
        pending = lead.intent.record if lead is not None and lead.intent is not None else None
        seen[FOLLOWER] = pending if pending is not None else store.get(FOLLOWER, key.company, key.id)
    return {side: seen[side] for side in sides}


def in_doubt(lead: Row, follower: Row | None) -> bool:
    """Whether the lead row's operation (a change or a delete) may not have reached the follower yet."""
    return lead.intent is not None and not _carries(follower, lead)


def _carries(follower: Row | None, lead: Row) -> bool:
    """Whether the follower has the lead row's operation."""
    return follower is not None and follower.meta.operation_id == lead.meta.operation_id


def _as_read(intent: Intent, follower: Row | None) -> bool:
    """Whether the follower is still as the operation read it (or was a tombstone the purge removed)."""
    if follower is None:
        return intent.follower_etag is None or intent.over_tombstone
    return follower.etag == intent.follower_etag
