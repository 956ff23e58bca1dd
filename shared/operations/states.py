"""Whether each entity's sync runs or is paused, and why: table `SyncControl`, one row per entity.

Every change asks `is_paused` first, so the states are read in one query and kept for
`CACHE_SECONDS`; a pause or resume made in this process is seen at once, one made on another
instance within that time.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from azure.data.tables import TableClient, UpdateMode

from shared.storage import Table

T = TypeVar("T")
TABLE = "SyncControl"
PARTITION = "entity"
CACHE_SECONDS = 1.0


@dataclass(frozen=True)
class EntityState:
    entity: str
    paused: bool = False
    reason: str | None = None  # set when the entity paused itself (an alert), or given by the operator
    since: dt.datetime | None = None
    catch_up_job: str | None = None  # the job applying the backlog after a resume: held until it is done

    @property
    def catching_up(self) -> bool:
        return self.paused and self.catch_up_job is not None

    @property
    def state(self) -> str:
        return "paused" if self.paused else "running"


class PauseStates:
    """Pause states of the entities. Thread-safe; creates its table on first use (and again if dropped)."""

    def __init__(self, client: TableClient, clock: Callable[[], float] = time.monotonic) -> None:
        self._table = Table(client)
        self._clock = clock
        self._lock = threading.Lock()
        self._cache: dict[str, EntityState] | None = None
        self._read_at = 0.0

    def state(self, slug: str) -> EntityState:
        return self.states().get(slug) or EntityState(slug)

    def is_paused(self, slug: str) -> bool:
        return self.state(slug).paused

    def states(self) -> dict[str, EntityState]:
        with self._lock:
            if self._cache is not None and self._clock() - self._read_at < CACHE_SECONDS:
                return self._cache
        rows = self._call("read the pause states", lambda c: list(c.query_entities(f"PartitionKey eq '{PARTITION}'")))
        states = {
            row["RowKey"]: EntityState(
                row["RowKey"], bool(row.get("Paused")), row.get("Reason"), row.get("Since"), row.get("CatchUpJob")
            )
            for row in rows
        }
        with self._lock:
            self._cache, self._read_at = states, self._clock()
        return states

    def pause(self, slugs: Iterable[str], reason: str | None = None) -> list[EntityState]:
        now = dt.datetime.now(dt.UTC)
        return [self._put(EntityState(slug, True, reason, now)) for slug in slugs]

    def catch_up(self, slug: str, job_id: str) -> EntityState:
        """Keep the entity held while job `job_id` applies its backlog (status shows it running, catching up)."""
        return self._put(EntityState(slug, True, None, dt.datetime.now(dt.UTC), job_id))

    def resume(self, slugs: Iterable[str]) -> list[EntityState]:
        now = dt.datetime.now(dt.UTC)
        return [self._put(EntityState(slug, False, None, now)) for slug in slugs]

    def _put(self, state: EntityState) -> EntityState:
        row = {"PartitionKey": PARTITION, "RowKey": state.entity, "Paused": state.paused, "Since": state.since}
        if state.reason:
            row["Reason"] = state.reason[:1000]
        if state.catch_up_job:
            row["CatchUpJob"] = state.catch_up_job
        self._call("save a pause state", lambda c: c.upsert_entity(row, mode=UpdateMode.REPLACE))
        with self._lock:
            if self._cache is not None:
                self._cache = {**self._cache, state.entity: state}
        return state

    def _call(self, action: str, call: Callable[[TableClient], T]) -> T:
        return self._table.call(action, call)
