"""`GET /api/sync/status` (docs/operating.md, "Pause, resume and status"): per entity its state, records per
side, backlog, half-done operations, errors and last sync; and the recent jobs.

What it costs: every count is a query that selects keys and a few sync columns (never a record's
fields), ~1,000 rows a page. Each side's partition is read once, for its records and for the
half-done operations (a lead row's intent compared with its follower's operation id); at 100,000
records per side that is ~200 pages per entity, a few seconds against Table Storage. The backlog
and the error rows cost one page per 1,000 of them. The operator asks for it; nothing else does.

`last_sync` is kept in a small row per entity (SyncControl, partition `last-sync`), written by
`touch` after a successful change at most once every TOUCH_SECONDS per process — never a write per
change.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from typing import Any

from azure.core.exceptions import AzureError, ResourceNotFoundError
from azure.data.tables import TableClient, TableServiceClient, UpdateMode

from shared.entities import ENTITIES
from shared.entities.spec import SIDES
from shared.errors import TransientError
from shared.keys import is_record_key
from shared.operations.backlog import Backlog
from shared.operations.states import TABLE as STATES_TABLE
from shared.operations.states import EntityState, PauseStates
from shared.sync.errorlog import state_of
from shared.sync.journal import FOLLOWER, LEAD
from shared.sync.store import PARTITION

log = logging.getLogger(__name__)

STATS_PARTITION = "last-sync"
TOUCH_SECONDS = 5.0


class StatusBoard:
    """Each entity's status, and the last-sync note every successful change may touch."""

    def __init__(self, tables: TableServiceClient, states: PauseStates, backlog: Backlog, error_table: str) -> None:
        self.tables, self.states, self.backlog, self.error_table = tables, states, backlog, error_table
        self._touched: dict[str, float] = {}
        self._touch_lock = threading.Lock()

    def touch(self, slug: str) -> None:
        """Note that the entity synced a change now (written at most every TOUCH_SECONDS; never fails a change)."""
        now = time.monotonic()
        with self._touch_lock:
            if now - self._touched.get(slug, -TOUCH_SECONDS) < TOUCH_SECONDS:
                return
            self._touched[slug] = now
        row = {"PartitionKey": STATS_PARTITION, "RowKey": slug, "LastSync": dt.datetime.now(dt.UTC)}
        try:
            self._stats().upsert_entity(row, mode=UpdateMode.MERGE)
        except AzureError:  # the pause-state table appears on first pause or status; the next touch writes it
            log.debug("could not note the last sync of %s", slug)

    def _stats(self) -> TableClient:
        return self.tables.get_table_client(STATES_TABLE)

    def entries_of(self, slugs: list[str]) -> list[dict[str, Any]]:
        states = self.states.states()
        last = self._last_syncs()
        return [self.entry(slug, states.get(slug) or EntityState(slug), last.get(slug)) for slug in slugs]

    def entry(self, slug: str, state: EntityState, last_sync: dt.datetime | None) -> dict[str, Any]:
        client = self.tables.get_table_client(ENTITIES[slug].table)
        sides = {side: _query(client, "PartitionKey eq @pk", {"pk": PARTITION[side]}, _COLUMNS) for side in SIDES}
        return {
            "entity": slug,
            "state": "running" if state.catching_up or not state.paused else "paused",
            "catching_up": state.catching_up,
            "catch_up_job": state.catch_up_job,  # the job applying the backlog after a resume, while it runs
            "reason": state.reason,
            "pauses": [hold.as_dict() for hold in state.holds],  # who holds it, why and since when
            "since": state.since,
            "rows": {"fs": _records(sides["fs"]), "scm": _records(sides["scm"])},
            "backlog": self.backlog.count(slug),
            "pending": _pending(sides[LEAD], sides[FOLLOWER]),
            "errors": self._errors(slug),
            "last_sync": last_sync,
        }

    def _errors(self, slug: str) -> dict[str, int]:
        """Entries of the entity: open (neither resolved nor dismissed), and failed in the last hour."""
        client = self.tables.get_table_client(self.error_table)
        hour_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
        rows = _query(client, "PartitionKey eq @pk", {"pk": slug}, ["RowKey", "State", "LoggedAt"])
        open_rows = last_hour = 0
        for row in rows:
            open_rows += state_of(row) == "open"
            logged = row.get("LoggedAt")
            last_hour += logged is not None and logged >= hour_ago
        return {"open": open_rows, "last_hour": last_hour}

    def _last_syncs(self) -> dict[str, dt.datetime]:
        rows = _query(self._stats(), "PartitionKey eq @pk", {"pk": STATS_PARTITION}, ["RowKey", "LastSync"])
        return {row["RowKey"]: row["LastSync"] for row in rows if row.get("LastSync")}


_COLUMNS = ["RowKey", "SyncDeleted", "SyncPending", "SyncOperationId"]  # never a record's own fields


def _records(rows: list[Any]) -> int:
    """Records of a side: not a guard or index row, not a tombstone (a delete in progress)."""
    return sum(1 for row in rows if is_record_key(row["RowKey"]) and not row.get("SyncDeleted"))


def _pending(leads: list[Any], followers: list[Any]) -> int:
    """Operations a crash may have left half done: a lead row whose intent's operation is not the one its
    follower row carries (journal.in_doubt); recovery finishes them."""
    done = {row["RowKey"]: row.get("SyncOperationId") for row in followers}
    return sum(
        1
        for row in leads
        if row.get("SyncPending") and (row["RowKey"] not in done or done[row["RowKey"]] != row.get("SyncOperationId"))
    )


def _query(client: TableClient, query: str, params: dict[str, Any], select: list[str]) -> list[Any]:
    """Every matching row's selected columns; a table not made yet has none."""
    try:
        return list(client.query_entities(query, parameters=params, select=select, results_per_page=1000))
    except ResourceNotFoundError:
        return []
    except AzureError as exc:
        raise TransientError("storage failed while reading the status; retry") from exc
