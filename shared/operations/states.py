"""Whether each entity's sync runs or is paused, and why: table `SyncControl`, one row per entity.

Every change asks `is_paused` first, so the states are read in one query and kept for
`CACHE_SECONDS`; a pause or resume made in this process is seen at once, one made on another
instance (another host, or another worker process) within that time. The window documented for a pause
to reach every instance is PAUSE_WINDOW, the cache's second with room for a request under way.

An entity may be held by the failure alert and by an operator at once: each keeps its own hold (reason
and time, columns `AlertReason`/`AlertAt`, `OperatorReason`/`OperatorAt`), so an operator's pause never
hides why the alert paused it; a second pause by the same holder replaces that holder's hold. Resume
ends every hold.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from azure.data.tables import TableClient, UpdateMode

from shared.storage import Table, stored_time

T = TypeVar("T")
TABLE = "SyncControl"
PARTITION = "entity"
CACHE_SECONDS = 1.0
PAUSE_WINDOW = 5.0  # seconds: a change that reaches any instance this long after a pause answered is held
QUERY = f"PartitionKey eq '{PARTITION}'"


HOLDERS = ("alert", "operator")  # who may pause an entity, each with a hold of its own


@dataclass(frozen=True)
class Hold:
    """One reason an entity is paused: who paused it (the failure alert, an operator), why and when."""

    by: str
    reason: str | None
    at: dt.datetime | None

    def as_dict(self) -> dict[str, object]:
        return {"by": self.by, "reason": self.reason, "at": self.at}


@dataclass(frozen=True)
class EntityState:
    entity: str
    paused: bool = False
    holds: tuple[Hold, ...] = ()  # in HOLDERS order; none while catching up or running
    since: dt.datetime | None = None
    catch_up_job: str | None = None  # the job applying the backlog after a resume: held until it is done

    @property
    def catching_up(self) -> bool:
        return self.paused and self.catch_up_job is not None

    @property
    def state(self) -> str:
        return "paused" if self.paused else "running"

    @property
    def reason(self) -> str | None:
        """Why it is paused, in one line: the one hold's reason, or each holder's with its own."""
        if len(self.holds) == 1:
            return self.holds[0].reason
        return "; ".join(f"{hold.by}: {hold.reason or 'no reason given'}" for hold in self.holds) or None

    def held_by(self, by: str, reason: str | None, now: dt.datetime) -> EntityState:
        """This state paused (again) by `by`: its hold replaced, the other holder's kept."""
        if not self.paused or self.catching_up:  # a pause during a catch-up stops it: a fresh pause
            return EntityState(self.entity, True, (Hold(by, reason, now),), now)
        holds = {hold.by: hold for hold in self.holds} | {by: Hold(by, reason, now)}
        ordered = tuple(holds[holder] for holder in HOLDERS if holder in holds)
        return EntityState(self.entity, True, ordered, self.since or now)


class PauseStates:
    """Pause states of the entities. Thread-safe; creates its table on first use (and again if dropped)."""

    def __init__(self, client: TableClient, clock: Callable[[], float] = time.monotonic) -> None:
        self._table = Table(client)
        self._clock = clock
        self._lock = threading.Lock()
        self._cache: dict[str, EntityState] | None = None
        self._read_at = 0.0
        self._writes = 0  # states this process wrote: a read that started before one must not hide it

    def state(self, slug: str) -> EntityState:
        return self.states().get(slug) or EntityState(slug)

    def is_paused(self, slug: str) -> bool:
        return self.state(slug).paused

    def states(self) -> dict[str, EntityState]:
        with self._lock:
            if self._cache is not None and self._clock() - self._read_at < CACHE_SECONDS:
                return self._cache
        return self._read()

    def fresh(self, slug: str) -> EntityState:
        """The entity's state as stored now, not as cached: for decisions another instance's write may have
        changed within the cache's time (a catch-up chunk asking whether it is still the entity's)."""
        return self._read().get(slug) or EntityState(slug)

    def _read(self) -> dict[str, EntityState]:
        while True:
            with self._lock:
                writes = self._writes
            rows = self._call("read the pause states", lambda c: list(c.query_entities(QUERY)))
            states = {row["RowKey"]: _state(row) for row in rows}
            with self._lock:
                if self._writes == writes:  # else a pause, resume or catch-up of this process landed meanwhile:
                    self._cache, self._read_at = states, self._clock()  # read again rather than cache the old
                    return states

    def pause(self, slugs: Iterable[str], reason: str | None = None, by: str = "operator") -> list[EntityState]:
        """Hold the entities on `by`'s behalf, keeping the other holder's hold (read fresh, not cached)."""
        now, current = dt.datetime.now(dt.UTC), self._read()
        return [self._put((current.get(slug) or EntityState(slug)).held_by(by, reason, now)) for slug in slugs]

    def catch_up(self, slug: str, job_id: str) -> EntityState:
        """Keep the entity held while job `job_id` applies its backlog (status shows it running, catching up)."""
        return self._put(EntityState(slug, True, (), dt.datetime.now(dt.UTC), job_id))

    def resume(self, slugs: Iterable[str]) -> list[EntityState]:
        now = dt.datetime.now(dt.UTC)
        return [self._put(EntityState(slug, False, (), now)) for slug in slugs]

    def _put(self, state: EntityState) -> EntityState:
        row = {"PartitionKey": PARTITION, "RowKey": state.entity, "Paused": state.paused, "Since": state.since}
        for hold in state.holds:
            row[f"{hold.by.title()}At"] = hold.at
            if hold.reason:
                row[f"{hold.by.title()}Reason"] = hold.reason[:1000]
        if state.catch_up_job:
            row["CatchUpJob"] = state.catch_up_job
        self._call("save a pause state", lambda c: c.upsert_entity(row, mode=UpdateMode.REPLACE))
        with self._lock:
            self._writes += 1
            if self._cache is not None:
                self._cache = {**self._cache, state.entity: state}
        return state

    def _call(self, action: str, call: Callable[[TableClient], T]) -> T:
        return self._table.call(action, call)


def _state(row: dict[str, Any]) -> EntityState:
    since = stored_time(row.get("Since"))
    return EntityState(row["RowKey"], bool(row.get("Paused")), _holds(row), since, row.get("CatchUpJob"))


def _holds(row: dict[str, Any]) -> tuple[Hold, ...]:
    """A row's holds; a paused row written before holds were kept apart (`Reason` only) reads as the operator's."""
    holds = tuple(
        Hold(by, row.get(f"{by.title()}Reason"), stored_time(row.get(f"{by.title()}At")))
        for by in HOLDERS
        if row.get(f"{by.title()}At") is not None
    )
    if not holds and row.get("Paused") and not row.get("CatchUpJob"):
        return (Hold("operator", row.get("Reason"), stored_time(row.get("Since"))),)
    return holds
