"""What one change attempt is and what it ends as (Attempt, Outcome), and how the engine reads a stored pair."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from shared.entities.spec import EntitySpec, Side
from shared.errors import SyncError
from shared.keys import Key
from shared.logs import log_fields
from shared.sync.journal import Pair
from shared.sync.rows import Row

log = logging.getLogger(__name__)

Status = Literal["created", "updated", "unchanged", "deleted"]


@dataclass
class Attempt:
    """One change's operation id, kept across retries, and what it has written so far."""

    operation_id: str
    status: Status | None = None  # set once the lead row is written: the change is decided
    copy_of: str | None = None  # a repair's copy: the ETag of the source row it copies, as the repair read it
    started: float = field(default_factory=time.monotonic)  # for the duration its log line gives

    def elapsed_ms(self) -> float:
        return round((time.monotonic() - self.started) * 1000, 1)

    def log_fields(self, entity: str, key: Key, source: Side, outcome: str) -> dict[str, Any]:
        """The `extra=` of the one line that says how the change ended: outcome and duration (ms) included."""
        return log_fields(entity, key, source, self.operation_id, outcome=outcome, duration_ms=self.elapsed_ms())


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


def live(stored: Pair) -> Pair:
    """The pair as records: a tombstone counts as no record."""
    return {side: row.live if row else None for side, row in stored.items()}


def as_read(lead: Row | None) -> tuple[str | None, bool, str | None, str | None]:
    """What a write of the lead row must know of it as read: its ETag (None: create), whether an index
    row goes with its intent (store.write then removes it, unless the write brings an intent of its own),
    the position its index row is at and the search fields its words' index rows hold (store.write
    moves or removes them)."""
    return (lead.etag, lead.indexed, lead.geo, lead.search) if lead else (None, False, None, None)


def is_tombstone(row: Row | None) -> bool:
    return row is not None and row.deleted


def created_by(live: Pair, source: Side) -> Side:
    existing = [row for row in live.values() if row]
    return existing[0].meta.created_by if existing else source


def record_of(row: Row | None, drop: str | None = None) -> dict[str, Any]:
    if row is None:
        return {}
    return {name: value for name, value in row.record.items() if name != drop}


def differs(spec: EntitySpec, side: Side, row: Row | None, record: Mapping[str, Any]) -> bool:
    if row is None:
        return True
    modified = spec.side(side).modified_field
    new = {name: value for name, value in record.items() if value is not None and name != modified}
    return new != record_of(row, drop=modified)


def written(after_write: Callable[[Side, Outcome], None] | None, source: Side, outcome: Outcome) -> Outcome:
    """Tell `after_write` (the engine's) of a change that wrote. The change is done whatever happens there:
    a storage failure in it is logged, never the change's."""
    if after_write is not None and outcome.status != "unchanged":
        try:
            after_write(source, outcome)
        except SyncError as exc:
            log.warning(
                "%s %s: written, but what follows a write failed: %s",
                outcome.entity,
                outcome.key,
                exc.code,
                extra=log_fields(outcome.entity, outcome.key, source, outcome.operation_id),
            )
    return outcome
