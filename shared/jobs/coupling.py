"""One source record against what the other side holds: create, couple, update, or a conflict.

Pure decisions over rows already read; the chunk (initial_sync.py) reads and writes. As docs/operating.md,
"Initial sync", says: a record missing on the target is created there; one whose content is
the same after mapping is coupled (both marked as one synced pair); one that differs is decided by
`conflicts`: skip (listed, nothing written), fs / scm (that side's version wins on both), newest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from shared.entities.spec import EntitySpec, Side, other
from shared.errors import Failure
from shared.keys import Key
from shared.sync.journal import LEAD, OperationLookup, Pair
from shared.sync.outcome import differs
from shared.sync.rows import Row
from shared.sync.translate import Records, translate

Kind = Literal["created", "coupled", "updated", "unchanged", "conflicts", "failed", "deferred"]
WRITES: tuple[Kind, ...] = ("created", "coupled", "updated")


@dataclass
class Decision:
    key: Key
    kind: Kind
    records: Records | None = None  # both sides' records to write (created, coupled, updated)
    winner: Side | None = None  # whose version the written pair is
    source_time: dt.datetime | None = None
    failures: list[Failure] = field(default_factory=list)
    differing: list[str] = field(default_factory=list)  # a conflict's fields, in the target's names


def decide(spec: EntitySpec, source: Side, key: Key, pair: Pair, conflicts: str) -> Decision:
    """What to do with the source side's record of `key`, given both sides' rows as read."""
    target = other(source)
    src, tgt = pair[source], pair[target]
    assert src is not None and not src.deleted, "the source of a decision is a record"
    live_target = tgt.live if tgt else None
    records, failures = translate(spec, source, src.record, live_target.record if live_target else None)
    if failures:
        return Decision(key, "failed", failures=failures)
    if live_target is None:
        if tgt is not None and tgt.meta.source_time > time_of(spec, source, src):
            return Decision(key, "conflicts", differing=["(deleted)"], failures=[_deleted(spec, target)])
        return Decision(key, "created", records, source, time_of(spec, source, src))
    if not differs(spec, target, live_target, records[target]):
        newer: Side = source if time_of(spec, source, src) >= time_of(spec, target, live_target) else target
        return Decision(key, "coupled", records, newer, time_of(spec, newer, pair[newer]))
    differing = _differing(spec, target, live_target.record, records[target])
    winner = _winner(spec, source, pair, conflicts)
    if winner is None:
        reason = f"{', '.join(differing)} differ between FS and SCM; conflicts=skip leaves both as they are"
        return Decision(
            key, "conflicts", differing=differing, failures=[Failure(differing[0], "conflict", target, reason)]
        )
    if winner == target:
        records, failures = translate(spec, target, live_target.record, src.record)
        if failures:
            return Decision(key, "failed", failures=failures)
    return Decision(key, "updated", records, winner, time_of(spec, winner, pair[winner]), differing=differing)


def time_of(spec: EntitySpec, side: Side, row: Row | None) -> dt.datetime:
    """A row's version: the modification time its system gave it, else the one its sync metadata says (a row
    written outside the sync without a time of its own is older than any timed change, shared/sync/rows.py)."""
    if row is None:
        return dt.datetime.min.replace(tzinfo=dt.UTC)
    value = row.record.get(spec.side(side).modified_field)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC)
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value).astimezone(dt.UTC)
        except ValueError:
            pass
    return row.meta.source_time


def _winner(spec: EntitySpec, source: Side, pair: Pair, conflicts: str) -> Side | None:
    if conflicts in ("fs", "scm"):
        return "fs" if conflicts == "fs" else "scm"
    if conflicts == "newest":
        target = other(source)
        return source if time_of(spec, source, pair[source]) >= time_of(spec, target, pair[target]) else target
    return None


def _differing(spec: EntitySpec, side: Side, stored: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    modified = spec.side(side).modified_field
    names = sorted((set(stored) | {n for n, v in new.items() if v is not None}) - {modified})
    return [name for name in names if stored.get(name) != new.get(name)] or ["(record)"]


def _deleted(spec: EntitySpec, side: Side) -> Failure:
    return Failure(spec.side(side).id_field, "conflict", side, f"deleted in {side.upper()} after this version")


class ChunkLookup(OperationLookup):
    """Rule lookups during a job's chunk. A record named by another counts as there once it is on the
    target side (synced, or held there already) or was decided earlier in this chunk (not written
    yet) — not merely because the source system holds it: the target must get it first."""

    def __init__(
        self, spec: EntitySpec, store: Any, key: Key, stored: Pair, decided: dict[str, Records], source: Side
    ) -> None:
        super().__init__(spec, store, key, stored)
        self._decided, self._target = decided, other(source)

    def get(self, side: Side, company: str, ident: str) -> dict[str, Any] | None:
        key = Key(company, ident)
        records = self._decided.get(key.row_key)
        if records is not None:
            return records[side]
        if key.row_key != self._key.row_key and self._store.get(self._target, company, ident) is None:
            return None
        return super().get(side, company, ident)

    def find(self, side: Side, company: str, equals: Mapping[str, Any]) -> list[dict[str, Any]]:
        prefix = Key(company, "x").row_key.split("|")[0] + "|"
        mine = {
            row_key: records[side]
            for row_key, records in self._decided.items()
            if row_key.startswith(prefix) and all(records[side].get(name) == value for name, value in equals.items())
        }
        id_field = self._spec.side(side).id_field
        stored = [r for r in super().find(side, company, equals) if Key(company, r[id_field]).row_key not in mine]
        return stored + list(mine.values())

    def referring(self, side: Side, company: str, fields: tuple[str, ...], ident: str) -> list[str]:
        found = set(super().referring(side, company, fields, ident))
        lead_names = {reference.name(side): reference.name(LEAD) for reference in self._spec.references}
        wanted = Key(company, ident).row_key
        for records in self._decided.values():
            record = records[LEAD]
            named = [record.get(lead_names.get(name, name)) for name in fields]
            own = record[self._spec.side(LEAD).id_field]
            if Key(company, own).row_key != wanted and any(
                isinstance(value, str) and Key(company, value).row_key == wanted for value in named
            ):
                found.add(own)
        return sorted(found)
