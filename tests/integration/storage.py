"""Looking at storage from inside the app: a pipeline policy that counts the app's storage requests,
one that injects a fault at the n-th, and checks of the pair invariant (both sides, or neither)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote, urlparse

from azure.core.exceptions import ServiceRequestError, ServiceResponseError
from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import SansIOHTTPPolicy
from azure.data.tables import TableServiceClient

from functions import runtime
from shared.entities.spec import EntitySpec
from shared.sync import geo
from shared.sync.mapping import content_hash
from shared.sync.store import calling_thread
from shared.sync.translate import translate

TIMER_THREADS = "devhost-timer-"  # devhost/timers.py names each timer's thread so


def _is_for(request: PipelineRequest[Any], table: str) -> bool:
    """`/PaymentTerms(PartitionKey='FS',...)` and `/PaymentTerms()` are for PaymentTerms, `/Tables` is not;
    a transaction (`/$batch`) names its table in the requests it carries (a change set's parts)."""
    return table in _tables(request.http_request)


def _tables(request: Any) -> set[str]:
    path = urlparse(request.url).path.rsplit("/", 1)[-1]
    parts = (getattr(request, "multipart_mixed_info", None) or ((),))[0]
    if path != "$batch" and not parts:
        return {_table(request.url)}
    if not parts and isinstance(request.body, bytes):  # written by shared/tablebatch.py: its parts' request lines
        return {_table(url.decode()) for url in PART_LINE.findall(request.body)} or {"$batch"}
    return {table for part in parts for table in _tables(part)} or {"$batch"}


PART_LINE = re.compile(rb"^(?:POST|PUT|PATCH|DELETE|MERGE) (\S+) HTTP/1\.1\r?$", re.MULTILINE)


def _table(url: str) -> str:
    return urlparse(url).path.rsplit("/", 1)[-1].split("(", 1)[0]


class StorageRequests(SansIOHTTPPolicy[Any, Any]):
    """Counts the app's requests to one table, split into reads (GET) and writes (everything else).

    Requests from the host's timers are not counted: the recovery sweep reads every entity table at
    each minute's start, and a change that runs across that second would seem to cost its reads."""

    def __init__(self, table: str) -> None:
        self.table = table
        self.sent: list[str] = []
        self._lock = threading.Lock()

    def on_request(self, request: PipelineRequest[Any]) -> None:
        if _is_for(request, self.table) and not calling_thread().startswith(TIMER_THREADS):
            with self._lock:
                self.sent.append(request.http_request.method)

    def take(self) -> tuple[int, int]:
        """(requests, writes) since the last take."""
        with self._lock:
            sent, self.sent = self.sent, []
        return len(sent), sum(method != "GET" for method in sent)


class Fault(SansIOHTTPPolicy[Any, Any]):
    """Fails the n-th request to a table once: before it is sent, or after storage applied it (the
    answer is lost on the way back — the nastier case, since the write happened)."""

    def __init__(self, table: str) -> None:
        self.table = table
        self.countdown = 0
        self.after = False
        self.fired = False

    def arm(self, nth: int, after: bool) -> None:
        self.countdown, self.after, self.fired = nth, after, False

    def disarm(self) -> bool:
        """Stop; whether the fault fired."""
        self.countdown = 0
        return self.fired

    def _hit(self, request: PipelineRequest[Any]) -> bool:
        if self.countdown <= 0 or not _is_for(request, self.table):
            return False
        self.countdown -= 1
        return self.countdown == 0

    def on_request(self, request: PipelineRequest[Any]) -> None:
        if self._hit(request):
            if not self.after:
                self.fired = True
                raise ServiceRequestError("injected fault: request not sent")
            request.context["fault"] = True

    def on_response(self, request: PipelineRequest[Any], response: PipelineResponse[Any, Any]) -> None:
        if request.context.get("fault"):
            self.fired = True
            _release(response)
            raise ServiceResponseError("injected fault: answer lost after storage applied the request")


def _release(response: PipelineResponse[Any, Any]) -> None:
    """Close the answer a fault throws away: a streamed one (a transaction's) still holds its connection,
    whose socket would otherwise be left to the garbage collector (a ResourceWarning in a later test)."""
    internal = getattr(response.http_response, "internal_response", None)
    close = getattr(internal, "close", None) or getattr(response.http_response, "close", None)
    if close is not None:
        close()


class Pause(SansIOHTTPPolicy[Any, Any]):
    """Holds the answer of the `nth` request whose URL contains `marker` until released: the writer
    that sent it goes on deciding on what it read, while the test lets another writer commit."""

    def __init__(self, marker: str, nth: int = 1) -> None:
        self.marker, self.countdown = marker, nth
        self.reached, self.released = threading.Event(), threading.Event()
        self._lock = threading.Lock()

    def on_response(self, request: PipelineRequest[Any], response: PipelineResponse[Any, Any]) -> None:
        if self.marker not in unquote(request.http_request.url):
            return
        with self._lock:
            self.countdown -= 1
            hold = self.countdown == 0
        if hold:
            self.reached.set()
            self.released.wait(30)


@contextmanager
def policy(installed: Any) -> Iterator[Any]:
    """The policy on every storage client the app makes while the block runs."""
    runtime.add_request_policy(installed)
    try:
        yield installed
    finally:
        runtime.remove_request_policy(installed)


def pair(tables: TableServiceClient, spec: EntitySpec, row_key: str) -> dict[str, dict[str, Any] | None]:
    client = tables.get_table_client(spec.table)
    found = {
        row["PartitionKey"]: dict(row) for row in client.query_entities("RowKey eq @rk", parameters={"rk": row_key})
    }
    return {"fs": found.get("FS"), "scm": found.get("SCM")}


def _record(row: dict[str, Any]) -> dict[str, Any]:
    return {
        name: value
        for name, value in row.items()
        if name not in ("PartitionKey", "RowKey") and not name.startswith("Sync")
    }


def assert_both_or_neither(tables: TableServiceClient, spec: EntitySpec, row_key: str) -> str | None:
    """The pair is on both sides, mapped from one version, or on neither, each side's position index
    exactly as its row says; returns that version's hash."""
    rows = pair(tables, spec, row_key)
    assert_located(tables, spec, row_key, rows)
    fs, scm = (None if row is None or row.get("SyncDeleted") else row for row in (rows["fs"], rows["scm"]))
    if fs is None and scm is None:  # on neither side, or deleted on both (tombstones are no records)
        return None
    assert fs is not None and scm is not None, f"{row_key} is on one side only: {rows}"
    if fs.get("SyncPending"):  # an intent stays until recovery confirms it; its operation reached SCM
        assert fs["SyncOperationId"] == scm["SyncOperationId"], f"{row_key} is left half done: {rows}"
    from_fs, failures = translate(spec, "fs", _record(fs), _record(scm))
    assert not failures, failures
    stored_hash = content_hash(spec, _record(scm))
    assert content_hash(spec, from_fs["scm"]) == stored_hash == scm["SyncHash"] == fs["SyncHash"], rows
    return stored_hash


def assert_located(
    tables: TableServiceClient, spec: EntitySpec, row_key: str, rows: dict[str, dict[str, Any] | None]
) -> None:
    """On each side, the record's position index rows (shared/sync/geo.py) are exactly the one its position
    calls for (none for a record without one, a tombstone, or no row), and the row names that position."""
    if spec.geo is None:
        return
    client = tables.get_table_client(spec.table)
    low, high = geo.everything()
    for side, partition in (("fs", "FS"), ("scm", "SCM")):
        query = "PartitionKey eq @pk and RowKey ge @lo and RowKey lt @hi"
        found = {
            entity["RowKey"]: (entity["Lat"], entity["Lon"])
            for entity in client.query_entities(query, parameters={"pk": partition, "lo": low, "hi": high})
            if geo.record_key(entity["RowKey"]) == row_key
        }
        row = rows[side]
        point = None if row is None or row.get("SyncDeleted") else geo.coordinates(spec, side, _record(row))  # type: ignore[arg-type]
        assert found == ({} if point is None else {geo.index_key(point, row_key): point}), (side, row_key, found, row)
        assert (row or {}).get("SyncGeo") == (geo.stamp(point) if point else None), (side, row)


def version_hash(spec: EntitySpec, side: str, record: dict[str, Any]) -> str:
    """The content hash both sides carry once `record` (sent by `side`) is synced."""
    records, failures = translate(spec, side, record)  # type: ignore[arg-type]
    assert not failures, failures
    return content_hash(spec, records["scm"])
