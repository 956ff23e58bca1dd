"""`GET /api/sync/errors`: the error log's entries, filtered and paged, as docs/operating.md lists their fields.

Entries come in table order (entity, then entry id), `limit` at a time; `continuation` carries on.
Every bad filter is a 422 naming the parameter. The stored change is never part of an item.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from shared import jsonio
from shared.entities import ENTITIES
from shared.errors import BadRequestError, ConflictError, Failure, NotFoundError, rejected
from shared.keys import normalise
from shared.storage import WriteConflictError
from shared.sync.errorlog import SAFE_ROW_KEY, SOURCES, STATES, SUMMARY, ErrorLog, state_of, stored_change

DEFAULT_LIMIT = 50
MAX_LIMIT = 1000
DIRECTIONS = ("fs-to-scm", "scm-to-fs")
FILTERS = ("entity", "company", "id", "direction", "source", "state", "code", "job", "since")
_COLUMNS = {"entity": "PartitionKey", "company": "Company", "id": "Id", "direction": "Direction"}
_COLUMNS |= {"source": "Source", "state": "State", "code": "Code", "job": "JobId"}
MAX_NOTE = 1000


@dataclass(frozen=True)
class Query:
    odata: str
    parameters: dict[str, Any]
    limit: int
    token: dict[str, str] | None


def parse(params: Mapping[str, str], *, state: str | None = None) -> Query:
    """The OData filter for the query parameters; one 422 listing every bad one."""
    failures: list[Failure] = []
    values = {name: params[name] for name in FILTERS if params.get(name) not in (None, "")}
    if state is not None:
        values["state"] = state
    for name, allowed in (("entity", tuple(ENTITIES)), ("direction", DIRECTIONS), ("source", SOURCES)):
        if name in values and values[name] not in allowed:
            failures.append(_bad(name, "one_of", f"{name} must be one of {', '.join(allowed)}"))
    if "state" in values and values["state"] not in STATES:
        failures.append(_bad("state", "one_of", f"state must be one of {', '.join(STATES)}"))
    for name in ("company", "id", "code", "job"):
        if name in values and len(values[name]) > 256:
            failures.append(_bad(name, "max_length", f"{name} is longer than 256 characters"))
    for name in ("company", "id"):  # entries keep the key as compared (shared/keys.py)
        if name in values:
            values[name] = normalise(values[name])
    since = _since(values.pop("since", None), failures)
    limit = _limit(params.get("limit"), failures)
    token = _token(params.get("continuation"), failures)
    if failures:
        raise rejected("error log filter", None, failures)
    clauses = [f"{_COLUMNS[name]} eq @{name}" for name in values]
    parameters: dict[str, Any] = dict(values)
    if since is not None:
        clauses.append("LoggedAt ge @since")
        parameters["since"] = since
    return Query(" and ".join(clauses) or "PartitionKey ne ''", parameters, limit, token)


def list_entries(log: ErrorLog, params: Mapping[str, str]) -> dict[str, Any]:
    query = parse(params)
    rows, token = log.query(query.odata, query.parameters, query.limit, query.token, SUMMARY)
    return {"items": [item(row) for row in rows], "continuation": _encode(token)}


def matching(log: ErrorLog, query: Query) -> Iterator[dict[str, Any]]:
    """Every entry the query matches, page after page: their keys and whether they keep a change."""
    token = query.token
    while True:
        rows, token = log.query(
            query.odata, query.parameters, query.limit, token, ["PartitionKey", "RowKey", "ChangeParts"]
        )
        yield from rows
        if not token:
            return


def item(row: Mapping[str, Any]) -> dict[str, Any]:
    company, ident = row.get("Company"), row.get("Id")
    return {
        "id": entry_id(row["PartitionKey"], row["RowKey"]),
        "entity": row["PartitionKey"],
        "direction": row.get("Direction"),
        "key": {"company": company, "id": ident} if company is not None or ident is not None else None,
        "source": row.get("Source") or "queue",  # a column a select names but a row lacks reads as None
        "at": _iso(row.get("LoggedAt")),
        "attempts": row.get("Attempts") or row.get("DequeueCount") or 1,
        "state": state_of(row),
        "first_at": _iso(row.get("FirstAt") or row.get("LoggedAt")),
        "resolved_at": _iso(row.get("ResolvedAt")),
        "resolved_by": row.get("ResolvedBy"),
        "dismissed_at": _iso(row.get("DismissedAt")),
        "note": row.get("Note"),
        "job": row.get("JobId"),
        "code": row.get("Code"),
        "message": row.get("Message"),
        "reasons": _reasons(row.get("Reasons")),
        "retryable": isinstance(row.get("ChangeParts"), int),
    }


class ResolvedEntryError(ConflictError):
    """The entry's change went through already: there is nothing left to dismiss or retry."""

    code = "entry_resolved"


class DismissedEntryError(ConflictError):
    """An operator dismissed the entry: it is kept, never run again."""

    code = "entry_dismissed"


def dismiss(log: ErrorLog, value: str, note: str) -> dict[str, Any]:
    """Mark an entry dealt with outside the sync: kept, never retried. Dismissing it again keeps the first
    dismissal; a resolved entry is refused (409)."""
    for _ in range(5):  # a retry or a new failure may write the entry meanwhile: decide again on what it is now
        entity, key, row, etag = read_entry(log, value)
        state = state_of(row)
        if state == "dismissed":
            return item(row)
        if state == "resolved":
            raise ResolvedEntryError(f"error log entry {value} is resolved already; there is nothing to dismiss")
        now = dt.datetime.now(dt.UTC)
        update = {"PartitionKey": entity, "RowKey": key, "State": "dismissed", "Note": note, "DismissedAt": now}
        try:
            log.update(update, etag)
        except WriteConflictError:
            continue
        return item({**row, **update})
    raise ConflictError(f"error log entry {value} kept changing while it was dismissed; try again")


def detail(log: ErrorLog, value: str) -> dict[str, Any]:
    """`GET /api/sync/errors/{id}`: the entry as listed, and the change it keeps as it was received (a JSON
    value, or the text when it is not JSON). Only this admin route shows it; it is never logged."""
    row = read_entry(log, value)[2]
    change = stored_change(row)
    shown: dict[str, Any] = {"change": None}
    if change is not None:
        try:
            shown["change"] = jsonio.loads(change)
        except BadRequestError:  # a body that was never JSON (that may be why it failed): its text
            shown["change_text"] = change.decode("utf-8", errors="replace")
    return item(row) | shown


def read_entry(log: ErrorLog, value: str) -> tuple[str, str, dict[str, Any], str]:
    """The entry an id names: its entity, RowKey, row and ETag; 404 for an id no entry has."""
    entity, key = split_id(value)
    found = log.read(entity, key)
    if found is None:
        raise NotFoundError(f"no error log entry {value}")
    return entity, key, *found


def entry_id(entity: str, row_key: str) -> str:
    return f"{entity}~{row_key}"


def split_id(value: str) -> tuple[str, str]:
    """An entry id's entity and RowKey; 404 for anything that is not an id this API gave out."""
    entity, sep, key = value.partition("~")
    if not sep or entity not in ENTITIES or not SAFE_ROW_KEY.fullmatch(key):
        raise NotFoundError(
            "no such error log entry: ids look like <entity>~<message id>, as GET /api/sync/errors lists"
        )
    return entity, key


def _reasons(raw: Any) -> list[Any]:
    try:
        reasons = jsonio.loads(raw) if isinstance(raw, str) else []
    except BadRequestError:  # a truncated column: no reasons rather than a failed list
        return []
    return reasons if isinstance(reasons, list) else []


def _iso(value: Any) -> str | None:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if isinstance(value, dt.datetime) else None


def _bad(name: str, rule: str, message: str) -> Failure:
    return Failure(field=name, rule=rule, side="request", message=message)


def _since(raw: str | None, failures: list[Failure]) -> dt.datetime | None:
    if raw is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        failures.append(_bad("since", "datetime", "since must be an ISO 8601 time, e.g. 2026-11-29T03:00:00Z"))
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _limit(raw: str | None, failures: list[Failure]) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    if not re.fullmatch(r"[0-9]{1,9}", raw) or not 1 <= int(raw) <= MAX_LIMIT:
        failures.append(_bad("limit", "range", f"limit must be a whole number from 1 to {MAX_LIMIT}"))
        return DEFAULT_LIMIT
    return int(raw)


def _token(raw: str | None, failures: list[Failure]) -> dict[str, str] | None:
    if not raw:
        return None
    try:
        token = jsonio.loads(base64.urlsafe_b64decode(raw.encode("ascii") + b"=" * (-len(raw) % 4)))
    except (ValueError, binascii.Error, BadRequestError):  # UnicodeEncodeError is a ValueError
        token = None
    if not (isinstance(token, dict) and token and all(isinstance(v, str) for v in token.values())):
        failures.append(_bad("continuation", "token", "continuation is not a token this API gave out"))
        return None
    return token


def _encode(token: Any) -> str | None:
    return base64.urlsafe_b64encode(jsonio.dumps(token)).decode("ascii").rstrip("=") if token else None
