"""Drift between the two sides of one key, judged on rows already read: pure, no storage.

A key is in step when neither side holds a record (tombstones are no records), or both hold one
and the SCM content the FS record maps to equals the SCM record on every field the map carries
both ways (the key's company and the modification time aside). Otherwise it is missing on one
side, differs (naming the fields), or is in doubt: the lead row carries an operation that has not
reached the follower yet (shared/sync/journal.py), which recovery or the next writer finishes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from shared.entities.spec import EntitySpec, Side
from shared.jobs.coupling import time_of
from shared.keys import Key
from shared.sync.journal import FOLLOWER, LEAD, Pair, in_doubt
from shared.sync.mapping import map_fields
from shared.sync.rows import Row
from shared.sync.translate import translate

Kind = Literal["missing_in_fs", "missing_in_scm", "differ", "in_doubt"]
KINDS: tuple[Kind, ...] = ("missing_in_fs", "missing_in_scm", "differ", "in_doubt")
Repair = Literal["fs", "scm", "newest"]


@dataclass(frozen=True)
class Finding:
    key: Key
    kind: Kind
    fields: list[str] = field(default_factory=list)  # the differing fields, in SCM's names

    def sample(self) -> dict[str, Any]:
        return {"key": self.key.as_dict(), "kind": self.kind, "fields": self.fields}


def classify(spec: EntitySpec, key: Key, pair: Pair) -> Finding | None:
    """What is wrong with the key's two rows (None: in step). `pair` may hold tombstones."""
    lead = pair[LEAD]
    if lead is not None and in_doubt(lead, pair[FOLLOWER]):
        return Finding(key, "in_doubt")
    fs, scm = _live(pair["fs"]), _live(pair["scm"])
    if fs is None and scm is None:
        return None
    if fs is None:
        return Finding(key, "missing_in_fs")
    if scm is None:
        return Finding(key, "missing_in_scm")
    fields = differing(spec, fs.record, scm.record)
    return Finding(key, "differ", fields) if fields else None


def differing(spec: EntitySpec, fs: Mapping[str, Any], scm: Mapping[str, Any]) -> list[str]:
    """The two-way fields (SCM names) on which the FS record, mapped, and the SCM record disagree. Most
    pairs agree as stored; only those that seem not to are validated and normalised before judging."""
    skip = {spec.scm.company_field, spec.scm.modified_field}
    names = [pair.scm for pair in spec.two_way() if pair.scm and pair.scm not in skip]
    if _agree_as_stored(spec, fs, scm, names):
        return []
    expected, actual = _as_scm(spec, "fs", fs), _as_scm(spec, "scm", scm)
    return [name for name in names if expected.get(name) != actual.get(name)]


def _agree_as_stored(spec: EntitySpec, fs: Mapping[str, Any], scm: Mapping[str, Any], names: list[str]) -> bool:
    try:
        mapped, failures = map_fields(spec, "fs", fs)
    except Exception:  # a value of a type the converter does not take: judged after validation
        return False
    return not failures and all(mapped.get(name) == scm.get(name) for name in names)


def _as_scm(spec: EntitySpec, side: Side, record: Mapping[str, Any]) -> dict[str, Any]:
    """A stored record as SCM content, normalised as the sync writes it; a record that breaks a rule
    is compared by what its fields map to, as they are."""
    records, failures = translate(spec, side, record)
    if not failures:
        return records["scm"]
    if side == "scm":
        return dict(record)
    mapped, _ = map_fields(spec, side, record)
    return mapped


def source_of(spec: EntitySpec, pair: Pair, repair: Repair, primary: Side) -> Side:
    """The side whose record a repair sends through the engine. A record held only by the side that was
    not chosen is copied across, never deleted: repair adds and updates, it removes nothing."""
    fs, scm = _live(pair["fs"]), _live(pair["scm"])
    if fs is None or scm is None:
        return "scm" if fs is None else "fs"
    if repair != "newest":
        return repair
    fs_time, scm_time = time_of(spec, "fs", fs), time_of(spec, "scm", scm)
    if fs_time == scm_time:
        return primary
    return "fs" if fs_time > scm_time else "scm"


def _live(row: Row | None) -> Row | None:
    return row.live if row is not None else None
