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
from contextlib import suppress
from dataclasses import dataclass
from typing import TypeVar

from azure.core.exceptions import AzureError, ResourceExistsError, ResourceNotFoundError
from azure.data.tables import TableClient, UpdateMode

from shared.errors import TransientError

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

    @property
    def state(self) -> str:
        return "paused" if self.paused else "running"


class Control:
    """Pause states of the entities. Thread-safe; creates its table on first use (and again if dropped)."""

    def __init__(self, client: TableClient, clock: Callable[[], float] = time.monotonic) -> None:
        self._client = client
        self._clock = clock
        self._lock = threading.Lock()
        self._ready = False
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
            row["RowKey"]: EntityState(row["RowKey"], bool(row.get("Paused")), row.get("Reason"), row.get("Since"))
            for row in rows
        }
        with self._lock:
            self._cache, self._read_at = states, self._clock()
        return states

    def pause(self, slugs: Iterable[str], reason: str | None = None) -> list[EntityState]:
        now = dt.datetime.now(dt.UTC)
        return [self._put(EntityState(slug, True, reason, now)) for slug in slugs]

    def resume(self, slugs: Iterable[str]) -> list[EntityState]:
        now = dt.datetime.now(dt.UTC)
        return [self._put(EntityState(slug, False, None, now)) for slug in slugs]

    def _put(self, state: EntityState) -> EntityState:
        row = {"PartitionKey": PARTITION, "RowKey": state.entity, "Paused": state.paused, "Since": state.since}
        if state.reason:
            row["Reason"] = state.reason[:1000]
        self._call("save a pause state", lambda c: c.upsert_entity(row, mode=UpdateMode.REPLACE))
        with self._lock:
            if self._cache is not None:
                self._cache = {**self._cache, state.entity: state}
        return state

    def _call(self, action: str, call: Callable[[TableClient], T]) -> T:
        for retry in (False, True):
            try:
                if not self._ready:
                    with suppress(ResourceExistsError):
                        self._client.create_table()
                    self._ready = True
                return call(self._client)
            except ResourceNotFoundError as exc:
                if "TableNotFound" in str(exc) and not retry:
                    self._ready = False
                    continue
                raise TransientError(f"storage failed while trying to {action}; retry") from exc
            except AzureError as exc:
                raise TransientError(f"storage failed while trying to {action}; retry") from exc
        raise TransientError(f"storage failed while trying to {action}: table {TABLE} is missing")
