"""The record view: one key as both sides hold it, whether they are in step, and its open error entries
(`GET /api/sync/{entity}/records/{company}/{id}`, docs/operating.md, "Record view").

It only reads: both rows as stored (a half-done operation is shown, never finished here), judged the way
reconcile judges a key (shared/jobs/drift.py), and the key's open entries as the error log lists them.
"""

from __future__ import annotations

from typing import Any

from shared.entities.spec import Side
from shared.errors import Failure, NotFoundError, rejected
from shared.jobs.drift import classify
from shared.keys import Key, bad_characters, normalise, trim
from shared.operations.error_entries import list_entries
from shared.settings import Settings
from shared.sync.engine import Engine
from shared.sync.errorlog import ErrorLog
from shared.sync.identity import MAX_ROW_KEY
from shared.sync.journal import FOLLOWER, LEAD, Pair, in_doubt
from shared.sync.rows import Row

MAX_ERRORS = 100  # open entries shown with a record: one per direction, and older entries kept by message


def view(engine: Engine, log: ErrorLog, settings: Settings, company: str, ident: str) -> dict[str, Any]:
    """The key's two sides and open entries; NotFoundError (its details: the open entries) when neither
    side holds a row or a tombstone of it."""
    spec = engine.spec
    key = route_key(settings, spec.title, company, ident)
    pair = engine.journal.read_pair(key)
    errors = open_entries(log, spec.slug, key)
    if pair["fs"] is None and pair["scm"] is None:
        raise NotFoundError(f"{spec.title} {key} is held by neither side", details=errors)
    finding = classify(spec, key, pair)
    return {
        "key": key.as_dict(),
        "fs": _side(pair, "fs"),
        "scm": _side(pair, "scm"),
        "in_step": finding is None,
        "differ": finding.fields if finding is not None else [],
        "errors": errors,
    }


def route_key(settings: Settings, title: str, company: str, ident: str) -> Key:
    """The key a route names, or a 422 naming each part no key can have (the rules of shared/keys.py)."""
    key = Key(trim(company), trim(ident))
    parts = (("company", key.company), ("id", key.id))
    failures = [Failure(name, "required", "request", f"{name} is blank") for name, part in parts if not part]
    failures += [
        Failure(name, "key_characters", "request", f"{name} holds characters no key can hold (/ \\ # ? or controls)")
        for name, part in parts
        if bad_characters(part)
    ]
    if not failures and len(key.row_key) > MAX_ROW_KEY:
        failures.append(Failure("id", "max_length", "request", "key is too long"))
    if key.company and normalise(key.company) not in settings.companies:
        known = ", ".join(settings.companies)
        failures.append(Failure("company", "known_company", "request", f"company is not one of {known}"))
    if failures:
        raise rejected(title, None, failures)
    return key


def open_entries(log: ErrorLog, slug: str, key: Key) -> list[dict[str, Any]]:
    """The key's open entries, as `GET /api/sync/errors?entity=&company=&id=&state=open` lists them."""
    params = {"entity": slug, **key.as_dict(), "state": "open", "limit": str(MAX_ERRORS)}
    return list(list_entries(log, params)["items"])


def _side(pair: Pair, side: Side) -> dict[str, Any] | None:
    row = pair[side]
    if row is None:
        return None
    return {
        "record": row.record,
        "version": row.meta.source_time,
        "origin": row.meta.origin,
        "operation_id": row.meta.operation_id or None,  # None: written outside the sync
        "deleted": row.deleted,
        "in_flight": _in_flight(row, pair[FOLLOWER]) if side == LEAD else None,
    }


def _in_flight(lead: Row, follower: Row | None) -> dict[str, Any] | None:
    """The operation the lead row carries that has not reached the follower yet (a crash, a fault, or a
    write still under way): recovery or the key's next writer finishes it (shared/sync/journal.py)."""
    if lead.intent is None or not in_doubt(lead, follower):
        return None
    return {
        "operation_id": lead.meta.operation_id,
        "at": lead.written_at,
        "side": FOLLOWER,
        "action": "delete" if lead.intent.record is None else "write",
    }
