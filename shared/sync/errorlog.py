"""The error log: changes that failed for good, one row each in table `SyncErrors`.

A row names the entity, direction, key, message id and the reasons (field, rule, side), and keeps
the change itself (the queue message or HTTP body) in binary columns `Change0..n` so that it can be
retried. The change stays in storage: it is never logged and never shown by the routes. Keyed by
message id, so a redelivered message updates its row instead of adding another. Rows stay until
they are resolved (no purge).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import TableClient, TableServiceClient, UpdateMode

from shared import jsonio
from shared.errors import SyncError
from shared.storage import Table, row_absent

_MAX_TEXT = 30_000  # Table Storage string columns hold at most 32K characters
CHUNK_BYTES = 60_000  # binary columns hold at most 64 KiB
SAFE_ROW_KEY = re.compile(r"[A-Za-z0-9._-]{1,200}")
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
    def __init__(
        self, service: TableServiceClient, table: str, after_record: Callable[[ErrorEntry], None] | None = None
    ) -> None:
        self.table = table
        self._table = Table(service.get_table_client(table))
        self._after_record = after_record  # e.g. the alert that pauses an entity failing too often

    def record(self, entry: ErrorEntry) -> None:
        row = {
            "PartitionKey": entry.entity,
            "RowKey": row_key(entry.message_id),
            "Direction": entry.direction,
            "Company": entry.company,
            "Id": entry.id,
            **reason_columns(entry.error),
            "DequeueCount": entry.dequeue_count,
            "Attempts": max(entry.dequeue_count, 1),
            "State": "open",
            "Source": entry.source,
            "JobId": entry.job_id,
            "MessageId": entry.message_id[:1000],
            "LoggedAt": dt.datetime.now(dt.UTC),
            **change_columns(entry.change),
        }
        self._table.call(
            "write the error log", lambda client: client.upsert_entity(_present(row), mode=UpdateMode.REPLACE)
        )
        if self._after_record is not None:
            self._after_record(entry)

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
