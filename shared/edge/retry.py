"""Retry: an entry's stored change runs again through the normal pipeline.

The change is a queue message (`{"operation": ...}`) or a side route's HTTP body (a record, a
Dataverse webhook, an F&O event); either goes the way it would have gone the first time. A change
that goes through resolves the entry; one that fails again leaves it open with the new reasons and
one more attempt. A transient failure (storage) changes nothing and answers 503.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from shared import jsonio
from shared.edge.callers import native
from shared.edge.callers.changes import Delete
from shared.edge.messages import DeleteMessage, apply_message, parse_message
from shared.edge.services import Services
from shared.entities.spec import Side
from shared.errors import BadRequestError, ConflictError, NotFoundError, RejectedError, SyncError
from shared.operations.error_entries import (
    DismissedEntryError,
    ResolvedEntryError,
    item,
    matching,
    parse,
    read_entry,
)
from shared.sync.engine import Engine
from shared.sync.errorlog import ErrorLog, reason_columns, state_of, stored_change
from shared.sync.outcome import Outcome

PERMANENT = (BadRequestError, RejectedError, ConflictError, NotFoundError)


def retry_entry(services: Services, entry_id: str) -> dict[str, Any]:
    """`POST /api/sync/errors/{id}/retry`: the entry afterwards, the sync outcome or the new failure."""
    log = services.error_log()
    entity, _, row, _ = read_entry(log, entry_id)
    if state_of(row) == "resolved":
        raise ResolvedEntryError(f"error log entry {entry_id} is already resolved; nothing to retry")
    if state_of(row) == "dismissed":
        raise DismissedEntryError(f"error log entry {entry_id} was dismissed; a dismissed entry is never retried")
    _check_runnable(services, entity, row)
    return _retry(services, log, row)


def retry_matching(services: Services, params: Mapping[str, str]) -> dict[str, int]:
    """`POST /api/sync/errors/retry`: every open entry the filters match; entries of a paused entity
    and entries that keep no change are skipped (and counted so)."""
    log, states = services.error_log(), services.pause_states()
    query = parse(params, state="open")
    if (entity := query.parameters.get("entity")) and states.is_paused(entity):
        raise ConflictError(f"{entity} is paused; resume it before retrying its errors")
    counts = {"retried": 0, "resolved": 0, "failed": 0, "skipped": 0}
    for found in list(matching(log, query)):
        row = log.get(found["PartitionKey"], found["RowKey"])
        if row is None or state_of(row) != "open":
            continue  # resolved or dismissed meanwhile
        if states.is_paused(row["PartitionKey"]) or stored_change(row) is None:
            counts["skipped"] += 1
            continue
        try:
            resolved = _retry(services, log, row)["entry"]["state"] == "resolved"
        except SyncError:  # storage failed for this one: it stays open, the others go on
            resolved = False
        counts["retried"] += 1
        counts["resolved" if resolved else "failed"] += 1
    return counts


def _check_runnable(services: Services, entity: str, row: Mapping[str, Any]) -> None:
    if services.pause_states().is_paused(entity):
        raise ConflictError(f"{entity} is paused; resume it before retrying its errors (nothing was run)")
    if stored_change(dict(row)) is None:
        raise ConflictError(
            f"error log entry {entity}~{row['RowKey']} keeps no change to run again (source "
            f"{row.get('Source', 'queue')}): send the record again from its system, or re-run the job"
        )


def _retry(services: Services, log: ErrorLog, row: dict[str, Any]) -> dict[str, Any]:
    entity, change = row["PartitionKey"], stored_change(row) or b""
    source: Side = "scm" if str(row.get("Direction", "")).startswith("scm") else "fs"
    now = dt.datetime.now(dt.UTC)
    update: dict[str, Any] = {
        "PartitionKey": entity,
        "RowKey": row["RowKey"],
        "Attempts": int(row.get("Attempts") or row.get("DequeueCount") or 1) + 1,
        "LastTriedAt": now,
    }
    outcome: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    try:
        outcome = run(services.engine(entity), source, change)
        update |= {"State": "resolved", "ResolvedAt": now, "ResolvedBy": outcome.get("operation_id")}
    except PERMANENT as exc:
        update |= {"State": "open", **reason_columns(exc)}
        error = exc.payload()["error"]
    log.update(update)
    return {"entry": item({**row, **update}), "outcome": outcome, "error": error}


def run(engine: Engine, source: Side, change: bytes) -> dict[str, Any]:
    """Apply a stored change: a queue message, or a side route's body (native shapes included)."""
    body = jsonio.loads_object(change)
    if body.get("operation") in ("upsert", "delete"):
        message = parse_message(change)
        try:
            return _outcome(apply_message(engine, source, message))
        except NotFoundError:
            if isinstance(message, DeleteMessage):  # already gone: the delete is done
                return {"status": "absent"}
            raise
    parsed = native.parse(engine, source, body, {})
    if isinstance(parsed, Delete):
        return _outcome(engine.delete(source, parsed.company, parsed.ident, parsed.modified))
    return _outcome(engine.upsert(source, parsed.record))


def _outcome(outcome: Outcome) -> dict[str, Any]:
    return dict(outcome.as_dict())
