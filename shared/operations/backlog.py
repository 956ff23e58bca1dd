"""The durable backlog of a paused entity: table `SyncBacklog`, PartitionKey = entity, one row per held
change, RowKey sortable in arrival order, so that catch-up (catchup.py) applies them as they came.

A row keeps what the pipeline needs later and nothing that authenticates a caller: where the change
came from (an HTTP route or a queue message), the side, the method, the key as far as it was read,
the body (split across columns `Body0`, `Body1`, … of at most 30,000 characters each: a string column
holds 32K), the delete's time as the caller gave it, and the arrival time — a change with no time of
its own is applied as of its arrival, not as of the catch-up.
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any, Literal, TypeVar

from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import TableClient

from shared import jsonio, tablebatch
from shared.entities.spec import Side
from shared.errors import PayloadTooLargeError
from shared.jobs.writes import in_parallel  # four transactions in flight, as a job writes
from shared.storage import Table, WriteConflictError, row_absent, stored_time

T = TypeVar("T")
TABLE = "SyncBacklog"
PIECE = 30_000  # characters per body column (a string column holds at most 32K UTF-16 characters)
MAX_BATCH = 100  # operations in one transaction
MAX_PIECES = 15  # 450,000 characters: an entity row holds at most 1 MB
Origin = Literal["http", "queue"]

_INSTANCE = os.urandom(3).hex()  # two instances' arrivals in one nanosecond still get distinct keys
_counter = itertools.count()
_last_ns = 0
_key_lock = threading.Lock()


def arrival_key() -> str:
    """A RowKey that sorts in arrival order: nanoseconds (never repeating nor going back in this
    process), a per-process counter, the instance."""
    global _last_ns
    with _key_lock:
        _last_ns = max(time.time_ns(), _last_ns + 1)
        return f"{_last_ns:020d}-{next(_counter) % 10**6:06d}-{_INSTANCE}"


@dataclass(frozen=True)
class Held:
    """One change waiting for its entity's catch-up."""

    entity: str
    origin: Origin
    side: Side
    method: str  # POST or DELETE (a queue message: POST)
    body: bytes
    arrived: dt.datetime
    company: str | None = None
    ident: str | None = None
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)  # only the ones the parsers read (no credentials)
    modified: Any = None  # a DELETE's time as the caller gave it (query `modified=` or body)
    message_id: str | None = None
    dequeue_count: int = 0
    row_key: str = ""

    def columns(self) -> dict[str, Any]:
        text, encoding = _text(self.body)
        pieces = [text[at : at + PIECE] for at in range(0, len(text), PIECE)] or [""]
        if len(pieces) > MAX_PIECES:
            raise PayloadTooLargeError(
                f"body is {len(text)} characters; a paused entity's backlog holds at most {PIECE * MAX_PIECES}"
            )
        values = {
            "PartitionKey": self.entity,
            "RowKey": self.row_key,
            "Origin": self.origin,
            "Side": self.side,
            "Method": self.method,
            "Company": self.company,
            "Id": self.ident,
            "ContentType": self.content_type,
            "Headers": jsonio.dumps(self.headers).decode(),
            "Modified": None if self.modified is None else jsonio.dumps(self.modified).decode(),
            "ArrivedAt": self.arrived,
            "MessageId": self.message_id,
            "DequeueCount": self.dequeue_count,
            "Encoding": encoding,
            "Pieces": len(pieces),
            **{f"Body{index}": piece for index, piece in enumerate(pieces)},
        }
        return {name: value for name, value in values.items() if value is not None}

    @classmethod
    def from_entity(cls, row: Any) -> Held:
        text = "".join(row.get(f"Body{index}", "") for index in range(row.get("Pieces", 0)))
        body = base64.b64decode(text) if row.get("Encoding") == "base64" else text.encode()
        modified = row.get("Modified")
        return cls(
            entity=row["PartitionKey"],
            origin=row["Origin"],
            side=row["Side"],
            method=row["Method"],
            body=body,
            arrived=stored_time(row["ArrivedAt"]),
            company=row.get("Company"),
            ident=row.get("Id"),
            content_type=row.get("ContentType"),
            headers=jsonio.loads_object(row.get("Headers", "{}")),
            modified=None if modified is None else jsonio.loads(modified),
            message_id=row.get("MessageId"),
            dequeue_count=row.get("DequeueCount", 0),
            row_key=row["RowKey"],
        )


def _text(body: bytes) -> tuple[str, str]:
    try:
        return body.decode(), "utf-8"
    except UnicodeDecodeError:
        return base64.b64encode(body).decode("ascii"), "base64"


class Backlog:
    """Held changes per entity. Thread-safe; creates its table on first use (and again if dropped)."""

    def __init__(self, client: TableClient) -> None:
        self._table = Table(client)

    def add(self, held: Held) -> Held:
        """Store a change (a new row, never overwriting one); the stored change with its RowKey."""
        stored = replace(held, row_key=arrival_key())
        self._call("hold a change of a paused entity", lambda c: c.create_entity(stored.columns()))
        return stored

    def first(self, entity: str, limit: int, after: str | None = None) -> list[Held]:
        """The oldest held changes of an entity (after a RowKey), in arrival order."""
        query, params = "PartitionKey eq @pk", {"pk": entity}
        if after is not None:
            query += " and RowKey gt @after"
            params["after"] = after

        def read(client: TableClient) -> list[Held]:
            pages = client.query_entities(query, parameters=params, results_per_page=limit).by_page()
            return [Held.from_entity(row) for row in next(pages, [])]

        return self._call("read the backlog", read)

    def remove(self, held: Held) -> None:
        """Drop an applied change (already gone: nothing to do)."""

        def drop(client: TableClient) -> None:
            try:
                client.delete_entity(held.entity, held.row_key)
            except ResourceNotFoundError as exc:
                row_absent(exc)

        self._call("drop an applied change", drop)

    def remove_many(self, held: Sequence[Held]) -> None:
        """Drop applied changes of one entity, a hundred to a transaction (one partition), four transactions in
        flight; a transaction that finds one of its rows gone already (a chunk run again) drops its rows one
        by one."""

        def drop(part: Sequence[Held]) -> None:
            operations = [("delete", {"PartitionKey": h.entity, "RowKey": h.row_key}) for h in part]
            try:
                self._call("drop applied changes", lambda client: tablebatch.submit(client, operations))
            except WriteConflictError:
                for one in part:
                    self.remove(one)

        parts = [held[start : start + MAX_BATCH] for start in range(0, len(held), MAX_BATCH)]
        in_parallel([partial(drop, part) for part in parts])

    def count(self, entity: str) -> int:
        """Held changes of an entity. Selects the keys only: ~1,000 rows a page, so 100,000 held changes
        cost 100 round trips (a few seconds against Table Storage)."""
        query = "PartitionKey eq @pk"
        return self._call(
            "count the backlog",
            lambda c: sum(1 for _ in c.query_entities(query, parameters={"pk": entity}, select=["RowKey"])),
        )

    def _call(self, action: str, call: Callable[[TableClient], T]) -> T:
        return self._table.call(action, call)
