"""The one wrapper for storage calls: a table made on first use (and again if it is dropped while the app runs),
and the storage SDK's errors said as the sync's — a lost conditional write, a missing table, or a transient
failure to retry."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any, TypeVar, overload

from azure.core.exceptions import AzureError, ResourceExistsError, ResourceModifiedError, ResourceNotFoundError
from azure.data.tables import TableClient, TableTransactionError

from shared.errors import TransientError

log = logging.getLogger(__name__)
T = TypeVar("T")


class WriteConflictError(Exception):
    """A conditional write lost to a concurrent writer (ETag mismatch, row created or deleted meanwhile)."""


class TableMissingError(Exception):
    """The table itself is gone (dropped while the app runs): create it again, then retry once."""


@overload
def stored_time(value: dt.datetime) -> dt.datetime: ...
@overload
def stored_time(value: object) -> dt.datetime | None: ...
def stored_time(value: object) -> dt.datetime | None:
    """A time column as read back: the SDK's own datetime subclass as a plain UTC datetime (the subclass is
    answered in another JSON format than the times this process makes); None stays None."""
    return dt.datetime.fromisoformat(value.astimezone(dt.UTC).isoformat()) if isinstance(value, dt.datetime) else None


def table_missing(exc: Exception) -> bool:
    return getattr(exc, "error_code", None) == "TableNotFound" or "TableNotFound" in str(exc)


def row_absent(exc: ResourceNotFoundError) -> None:
    """A 404 that means "no such row" (the caller returns None); a missing table is raised on, to be made again."""
    if table_missing(exc):
        raise exc


def failed(action: str) -> TransientError:
    return TransientError(f"storage failed while trying to {action}; nothing more was done, retry")


@contextmanager
def storage(action: str) -> Iterator[None]:
    """The storage SDK's errors as the sync's: a lost race, a missing table, or a transient failure."""
    try:
        yield
    except (ResourceExistsError, ResourceModifiedError) as exc:
        raise WriteConflictError(action) from exc
    except TableTransactionError as exc:
        if table_missing(exc):
            raise TableMissingError(action) from exc
        if exc.status_code in (404, 409, 412):  # a row in the batch changed since it was read
            raise WriteConflictError(action) from exc
        raise failed(action) from exc
    except ResourceNotFoundError as exc:
        if table_missing(exc):
            raise TableMissingError(action) from exc
        raise WriteConflictError(action) from exc  # the row was deleted since it was read
    except AzureError as exc:
        raise failed(action) from exc


class Table:
    """One table's client and every call made through it. Thread-safe."""

    def __init__(self, client: TableClient) -> None:
        self._client = client
        self.name = client.table_name
        self._ready = False
        self._lock = threading.Lock()

    def client(self) -> TableClient:
        """The table's client, the table made on first use."""
        if not self._ready:
            with self._lock, storage(f"create table {self.name}"):
                with suppress(ResourceExistsError):
                    self._client.create_table()
                self._ready = True
        return self._client

    def call(self, action: str, call: Callable[[TableClient], T]) -> T:
        """Run one storage call; if the table is missing, create it again and run the call once more."""
        for retry in (False, True):
            try:
                with storage(action):
                    return call(self.client())
            except TableMissingError:
                if retry:
                    break
                self._lost()
        raise TransientError(
            f"storage failed while trying to {action}: table {self.name} is missing and could not be created "
            "again; retry"
        )

    def query(self, action: str, query: str, params: dict[str, Any], **options: Any) -> Iterator[Any]:
        """Entities matching a filter, page by page; a missing table holds none (it is created again)."""
        try:
            with storage(action):
                yield from self.client().query_entities(query, parameters=params, **options)
        except TableMissingError:
            self._lost()
            self.call(f"create table {self.name}", lambda client: None)

    def _lost(self) -> None:
        log.warning("table %s is missing: creating it again", self.name, extra={"table": self.name})
        self._ready = False
