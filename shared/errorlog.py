"""The error log: queue messages that failed for good, one row each in table `SyncErrors`.

A row names the entity, direction, key, message id and the reasons (field, rule, side) —
never the record itself and never a secret. Keyed by message id, so a redelivered message
updates its row instead of adding another.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

from azure.core.exceptions import AzureError, ResourceNotFoundError
from azure.data.tables import TableServiceClient, UpdateMode

from shared import jsonio
from shared.errors import SyncError, TransientError

_MAX_TEXT = 30_000  # Table Storage string columns hold at most 32K characters


@dataclass(frozen=True)
class ErrorEntry:
    entity: str
    direction: str
    company: str | None
    id: str | None
    message_id: str
    dequeue_count: int
    error: SyncError
    source: str = "queue"  # queue | job (DESIGN.md, "Error log and retry")
    job_id: str | None = None


class ErrorLog:
    def __init__(self, service: TableServiceClient, table: str) -> None:
        self._service = service
        self.table = table
        self._client = service.get_table_client(table)
        self._ready = False
        self._lock = threading.Lock()

    def record(self, entry: ErrorEntry) -> None:
        row = {
            "PartitionKey": entry.entity,
            "RowKey": entry.message_id,
            "Direction": entry.direction,
            "Company": entry.company,
            "Id": entry.id,
            "Code": entry.error.code,
            "Message": entry.error.message[:_MAX_TEXT],
            "Reasons": jsonio.dumps(entry.error.details).decode()[:_MAX_TEXT],
            "DequeueCount": entry.dequeue_count,
            "Source": entry.source,
            "JobId": entry.job_id,
            "LoggedAt": dt.datetime.now(dt.UTC),
        }
        entity = {k: v for k, v in row.items() if v is not None}
        for retry in (False, True):
            try:
                self._ensure()
                self._client.upsert_entity(entity, mode=UpdateMode.REPLACE)
                return
            except ResourceNotFoundError:  # the table was dropped while the app runs: create it again, once
                self._ready = False
                if retry:
                    break
            except AzureError as exc:
                raise TransientError("could not write the error log; the message will be retried") from exc
        raise TransientError(
            f"could not write the error log: table {self.table} is missing; the message will be retried"
        )

    def _ensure(self) -> None:
        if not self._ready:
            with self._lock:
                self._service.create_table_if_not_exists(self.table)
                self._ready = True
