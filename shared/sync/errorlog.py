"""The error log: changes that failed for good, in table `SyncErrors` (partition: the entity).

An entry names the entity, direction, key and the reasons (field, rule, side), and keeps the latest
failed change itself (the queue message or HTTP body) in binary columns `Change0..n` so that it can be
retried. The change stays in storage: it is never logged and never shown by the routes.

One key has at most one open entry per direction, at a RowKey made from the two (`open_row_key`): a new
failure of the key updates it (one more attempt, the latest reasons and change) instead of adding
another, and a later change of the key that goes through resolves it (`resolve`, `resolve_keys`). A
resolved or dismissed entry stays where it is until the key fails again: then it moves to a history
RowKey and a fresh open entry takes its place, in one transaction. Every step is ETag-conditional, so
failures of one key on several instances at once still make one open entry. A failure that names no key
(a body that never parsed) is an entry of its own, keyed by its message id, as every entry was before
(such older entries stay as they are: listed, retried and dismissed the same way). Nothing is purged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import TableClient, UpdateMode

from shared import jsonio, tablebatch
from shared.entities.spec import Side, other
from shared.errors import SyncError, TransientError
from shared.keys import Key, normalise
from shared.storage import Table, WriteConflictError, row_absent
from shared.sync.outcome import Outcome

_MAX_TEXT = 30_000  # Table Storage string columns hold at most 32K characters
CHUNK_BYTES = 60_000  # binary columns hold at most 64 KiB
SAFE_ROW_KEY = re.compile(r"[A-Za-z0-9._-]{1,200}")
TRIES = 10  # lost races on one entry before the write is given up as contended
SOURCES = ("queue", "poison", "catch-up", "job", "webhook")
STATES = ("open", "resolved", "dismissed")
SUMMARY = [  # the columns a listing shows: all but the change itself
    *("PartitionKey", "RowKey", "Direction", "Company", "Id", "Code", "Message", "Reasons", "DequeueCount"),
    *("Attempts", "State", "Source", "JobId", "LoggedAt", "FirstAt", "ResolvedAt", "ResolvedBy", "ChangeParts"),
    *("Note", "DismissedAt"),
]


@dataclass(frozen=True)
class ErrorEntry:
    entity: str
    direction: str
    company: str | None
    id: str | None
    message_id: str
    dequeue_count: int
    error: SyncError
    source: str = "queue"  # queue | poison | catch-up | job | webhook (docs/operating.md, "Error log, retry, …")
    job_id: str | None = None
    change: bytes | None = None  # the message or HTTP body, kept for a retry


def row_key(message_id: str) -> str:
    """The entry's RowKey: the message id when it is safe in a URL path, else a readable, stable stand-in."""
    if SAFE_ROW_KEY.fullmatch(message_id):
        return message_id
    readable = re.sub(r"[^A-Za-z0-9._-]", "_", message_id)[:120]
    return f"{readable}-{hashlib.sha256(message_id.encode()).hexdigest()[:16]}"


def state_of(row: Mapping[str, Any]) -> str:
    """An entry's state: `open`, `resolved` or `dismissed` (rows written before states were kept are open)."""
    return str(row.get("State") or "open")


def open_row_key(direction: str, company: str, ident: str) -> str:
    """The RowKey of a key's open entry of one direction: the direction's side and a hash of the key as
    compared (shared/keys.py), short enough to show and safe in a URL, e.g. `fs-3f9a2b1c4d5e6f70`."""
    digest = hashlib.sha256(Key(company, ident).row_key.encode("ascii")).hexdigest()[:16]
    return f"{direction.partition('-')[0]}-{digest}"


def entry_row_key(entry: ErrorEntry) -> str:
    """Where a failure is logged: its key's open entry of its direction, or (no key) an entry of its own."""
    if entry.company is None or entry.id is None:
        return row_key(entry.message_id)
    return open_row_key(entry.direction, entry.company, entry.id)


def history_row_key(closed: Mapping[str, Any]) -> str:
    """Where a resolved or dismissed entry goes when its key fails again: its open RowKey and when it first
    failed (the same for whoever moves it, so two movers cannot both succeed)."""
    first = closed.get("FirstAt") or closed.get("LoggedAt")
    millis = int(first.timestamp() * 1000) if isinstance(first, dt.datetime) else 0
    return f"{closed['RowKey']}.{millis:x}"


def failure_columns(entry: ErrorEntry, now: dt.datetime) -> dict[str, Any]:
    """A failure as an open entry's columns (its RowKey aside): a first attempt, first failed now."""
    compared = {"Company": entry.company, "Id": entry.id}
    if entry.company is not None and entry.id is not None:  # the key as compared, what the filters name
        compared = {"Company": normalise(entry.company), "Id": normalise(entry.id)}
    return {
        "PartitionKey": entry.entity,
        "Direction": entry.direction,
        **compared,
        **reason_columns(entry.error),
        "DequeueCount": entry.dequeue_count,
        "Attempts": max(entry.dequeue_count, 1),
        "State": "open",
        "Source": entry.source,
        "JobId": entry.job_id,
        "MessageId": entry.message_id[:1000],
        "LoggedAt": now,
        "FirstAt": now,
        **change_columns(entry.change),
    }


def again(stored: Mapping[str, Any], failure: dict[str, Any]) -> dict[str, Any]:
    """An open entry after one more failure of its key: the latest reasons, source and change, one more
    attempt (none for the same message delivered again), first failed when it first did."""
    attempts = int(stored.get("Attempts") or stored.get("DequeueCount") or 1)
    repeated = stored.get("MessageId") == failure["MessageId"]
    first = stored.get("FirstAt") or stored.get("LoggedAt") or failure["FirstAt"]
    return {**failure, "Attempts": attempts if repeated else attempts + 1, "FirstAt": first}


def resolution(entity: str, key: str, operation_id: str) -> dict[str, Any]:
    """The columns that resolve an entry: when, and by which operation."""
    now = dt.datetime.now(dt.UTC)
    return {"PartitionKey": entity, "RowKey": key, "State": "resolved", "ResolvedAt": now, "ResolvedBy": operation_id}


def change_columns(change: bytes | None) -> dict[str, Any]:
    if change is None:
        return {}
    parts = [change[i : i + CHUNK_BYTES] for i in range(0, len(change), CHUNK_BYTES)] or [b""]
    return {"ChangeParts": len(parts), **{f"Change{n}": part for n, part in enumerate(parts)}}


def stored_change(row: dict[str, Any]) -> bytes | None:
    """The change an entry keeps, joined again from its columns; None when it keeps none."""
    parts = row.get("ChangeParts")
    if not isinstance(parts, int):
        return None
    return b"".join(bytes(row.get(f"Change{n}") or b"") for n in range(parts))


def reason_columns(error: SyncError) -> dict[str, Any]:
    return {
        "Code": error.code,
        "Message": error.message[:_MAX_TEXT],
        "Reasons": jsonio.dumps(error.details).decode()[:_MAX_TEXT],
    }


class ErrorLog:
    def __init__(self, client: TableClient, after_record: Callable[[ErrorEntry], None] | None = None) -> None:
        self.table = client.table_name
        self._table = Table(client)
        self._after_record = after_record  # e.g. the alert that pauses an entity failing too often

    def record(self, entry: ErrorEntry) -> None:
        """Log a failure: into its key's open entry of that direction (opened if there is none), or as an
        entry of its own when it names no key."""
        row = {**failure_columns(entry, dt.datetime.now(dt.UTC)), "RowKey": entry_row_key(entry)}
        if entry.company is None or entry.id is None:
            self._table.call(
                "write the error log", lambda client: client.upsert_entity(_present(row), mode=UpdateMode.REPLACE)
            )
        else:
            self._into_open_entry(row)
        if self._after_record is not None:
            self._after_record(entry)

    def _into_open_entry(self, row: dict[str, Any]) -> None:
        for _ in range(TRIES):  # a lost race with another writer of the entry: look at it again
            found = self.read(row["PartitionKey"], row["RowKey"])
            try:
                if found is None:
                    self._table.call("write the error log", lambda client: client.create_entity(_present(row)))
                elif state_of(found[0]) == "open":
                    self._replace(again(found[0], row), found[1])
                else:
                    self._reopen(found[0], found[1], row)
                return
            except WriteConflictError:
                continue
        raise TransientError("the error log entry kept changing while a failure was written to it; retried later")

    def _replace(self, row: dict[str, Any], etag: str) -> None:
        def write(client: TableClient) -> Any:
            match = MatchConditions.IfNotModified
            return client.update_entity(_present(row), mode=UpdateMode.REPLACE, etag=etag, match_condition=match)

        self._table.call("write the error log", write)

    def _reopen(self, closed: dict[str, Any], etag: str, row: dict[str, Any]) -> None:
        """A resolved or dismissed entry moves to its history RowKey and the new failure takes its place."""
        kept = {**closed, "RowKey": history_row_key(closed)}
        update = {"etag": etag, "match_condition": MatchConditions.IfNotModified, "mode": UpdateMode.REPLACE}
        operations: list[Any] = [("create", _present(kept)), ("update", _present(row), update)]
        self._table.call("write the error log", lambda client: tablebatch.submit(client, operations))

    def resolve(self, entity: str, direction: str, company: str, ident: str, operation_id: str) -> None:
        """A change of the key went through in `direction`: its open entry of that direction, if any, is
        resolved by that operation. One point read when there is none."""
        key = open_row_key(direction, company, ident)
        for _ in range(TRIES):
            found = self.read(entity, key)
            if found is None or state_of(found[0]) != "open":
                return
            try:
                self.update(resolution(entity, key, operation_id), found[1])
                return
            except WriteConflictError:  # a failure or a retry wrote it meanwhile: look again
                continue

    def resolve_written(self, source: Side, outcome: Outcome) -> None:
        """The engine's `after_write`: a change from `source` went through, and resolves its key's open entry."""
        key = outcome.key
        self.resolve(outcome.entity, f"{source}-to-{other(source)}", key.company, key.id, outcome.operation_id)

    def resolve_keys(self, entity: str, direction: str, keys: list[tuple[str, str]], operation_id: str) -> int:
        """Changes of many keys went through (a job's chunk): their open entries of `direction` are resolved,
        found with one query of the entity's open entries; how many."""
        if not keys:
            return 0
        wanted = {open_row_key(direction, company, ident) for company, ident in keys}
        odata = "PartitionKey eq @entity and State eq 'open' and Direction eq @direction"
        found = self._table.query(
            "read the error log", odata, {"entity": entity, "direction": direction}, select=["RowKey"]
        )
        resolved = 0
        for row in [row for row in found if row["RowKey"] in wanted]:
            try:
                self.update(resolution(entity, row["RowKey"], operation_id), row.metadata["etag"])
                resolved += 1
            except WriteConflictError:  # failed again meanwhile: that failure is the newer news
                continue
        return resolved

    def get(self, entity: str, key: str) -> dict[str, Any] | None:
        found = self.read(entity, key)
        return found[0] if found is not None else None

    def read(self, entity: str, key: str) -> tuple[dict[str, Any], str] | None:
        """An entry and its ETag, to write it back only if nobody changed it meanwhile; None if absent."""

        def read(client: TableClient) -> tuple[dict[str, Any], str] | None:
            try:
                entity_row = client.get_entity(entity, key)
            except ResourceNotFoundError as exc:
                row_absent(exc)
                return None
            return dict(entity_row), str(entity_row.metadata["etag"])

        return self._table.call("read the error log", read)

    def update(self, row: dict[str, Any], etag: str | None = None) -> None:
        """Merge changed columns into an entry (a retry's outcome, a dismissal); with `etag`, only if the
        entry is still as read (WriteConflictError otherwise)."""
        match = MatchConditions.IfNotModified if etag else MatchConditions.Unconditionally
        self._table.call(
            "update the error log",
            lambda client: client.update_entity(_present(row), mode=UpdateMode.MERGE, etag=etag, match_condition=match),
        )

    def query(
        self, odata: str, parameters: dict[str, Any], per_page: int, token: Any = None, select: list[str] | None = None
    ) -> Any:
        """One page of entries matching an OData filter (only the `select` columns), and the token of the next."""

        def read(client: TableClient) -> tuple[list[dict[str, Any]], Any]:
            found = client.query_entities(odata, parameters=parameters, results_per_page=per_page, select=select)
            pager = found.by_page(continuation_token=token)
            page = [dict(row) for row in next(pager, [])]
            return page, pager.continuation_token  # type: ignore[attr-defined]

        return self._table.call("read the error log", read)


def _present(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if v is not None}
