"""Recovery finds operations in flight by their index rows, never by scanning a partition.

Every lead row written with an intent has an index row (`$pending|<RowKey>`) in the same partition,
written in the same transaction, and loses it in the same transaction as the intent. The timer's
pass reads the index by one RowKey range, so its requests depend on the operations in flight, not on
the rows stored; an operator's pass also scans for intents written without an index row (by a version
from before index rows).
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any
from urllib.parse import unquote

from azure.core.pipeline import PipelineRequest
from azure.core.pipeline.policies import SansIOHTTPPolicy
from azure.data.tables import TableClient, TableServiceClient

from functions import runtime
from shared import jsonio
from shared.entities import ENTITIES
from shared.keys import PENDING_PREFIX, Key
from shared.sync import recovery
from tests.integration.storage import Fault, assert_both_or_neither, pair, policy, version_hash
from tests.integration.support import Api
from tests.samples import sample

SPEC = ENTITIES["payment-terms"]


class Requests(SansIOHTTPPolicy[Any, Any]):
    """Every request the app sends to an entity's table (and every transaction), as `METHOD path?query`
    (decoded)."""

    def __init__(self, table: str = SPEC.table) -> None:
        self.table = table
        self.sent: list[str] = []
        self._lock = threading.Lock()

    def on_request(self, request: PipelineRequest[Any]) -> None:
        url = unquote(request.http_request.url)
        if f"/{self.table}" in url or "$batch" in url:
            with self._lock:
                self.sent.append(f"{request.http_request.method} {url.split('/', 3)[-1]}")


def index_rows(tables: TableServiceClient) -> list[str]:
    client = tables.get_table_client(SPEC.table)
    found = client.query_entities("PartitionKey eq 'FS' and RowKey ge @lo", parameters={"lo": PENDING_PREFIX})
    return sorted(row["RowKey"] for row in found if row["RowKey"].startswith(PENDING_PREFIX))


def recover(api: Api) -> dict[str, Any]:
    answer = api.session.post(f"{api.base}/operations/recover", timeout=60)
    assert answer.status_code == 200, answer.text
    return next(entry for entry in answer.json()["entities"] if entry["entity"] == SPEC.slug)


def timer_pass() -> dict[str, Any]:
    """What the recovery timer runs (functions/operations.py) in a minute that is not the hour's first."""
    reports = recovery.recover_all(runtime.engines(), dt.timedelta(0), purge=False)
    return next(report.as_dict() for report in reports if report.entity == SPEC.slug)


def half_done(api: Api, ident: str) -> None:
    """A change whose follower write failed: the lead row carries its intent, SCM has nothing."""
    fault = Fault(SPEC.table)
    with policy(fault):
        fault.arm(4, after=False)  # read, read, lead write, [follower write]
        assert api.post("fs", SPEC.slug, sample(SPEC.slug, "fs", ident, 1, at=1)).status_code == 503


def test_an_intent_and_its_index_row_come_and_go_together(api: Api, tables: TableServiceClient) -> None:
    row_key = Key("USMF", "IDX-1").row_key
    assert api.post("fs", SPEC.slug, sample(SPEC.slug, "fs", "IDX-1", 1, at=1)).status_code == 201
    assert index_rows(tables) == [PENDING_PREFIX + row_key]
    assert pair(tables, SPEC, row_key)["fs"]["SyncPending"]  # type: ignore[index]
    assert recover(api)["confirmed"] == 1
    assert index_rows(tables) == []
    assert not pair(tables, SPEC, row_key)["fs"].get("SyncPending")  # type: ignore[union-attr]

    assert api.post("scm", SPEC.slug, sample(SPEC.slug, "scm", "IDX-1", 2, at=2)).status_code == 200
    assert api.post("fs", SPEC.slug, sample(SPEC.slug, "fs", "IDX-1", 3, at=3)).status_code == 200
    assert index_rows(tables) == [PENDING_PREFIX + row_key]  # one per record, however many changes
    assert api.delete(f"fs/{SPEC.slug}/USMF/IDX-1").status_code == 200
    assert index_rows(tables) == [PENDING_PREFIX + row_key]
    assert recover(api)["confirmed"] == 1
    assert index_rows(tables) == []


def test_the_timer_pass_costs_the_operations_in_flight_not_the_rows_stored(
    api: Api, tables: TableServiceClient
) -> None:
    sent: dict[int, list[str]] = {}
    for stored in (5, 45):  # records stored and confirmed before the pass, then 2 left half done
        for index in range(len(sent) * 5, stored):
            assert api.post("fs", SPEC.slug, sample(SPEC.slug, "fs", f"ROW-{index}", 1, at=1)).status_code == 201
        recover(api)
        half_done(api, f"HALF-{stored}-A")
        half_done(api, f"HALF-{stored}-B")
        with policy(Requests()) as requests:
            report = timer_pass()
        assert report["completed"] == 2, report
        assert index_rows(tables) == []
        sent[stored] = requests.sent
        for ident in (f"HALF-{stored}-A", f"HALF-{stored}-B"):
            assert assert_both_or_neither(tables, SPEC, Key("USMF", ident).row_key) == version_hash(
                SPEC, "fs", sample(SPEC.slug, "fs", ident, 1, at=1)
            )
    assert len(sent[5]) == len(sent[45]), sent
    # one range read of the index, then per operation: the pair's 2 reads and the follower write; then one
    # transaction clearing both intents (shared/sync/confirmations.py)
    assert len(sent[45]) == 1 + 2 * 3 + 1, sent[45]
    assert sum("$batch" in request for request in sent[45]) == 1, sent[45]
    queries = [request for request in sent[45] if "$filter" in request]
    assert len(queries) == 1 and f"RowKey ge '{PENDING_PREFIX}'" in queries[0], queries
    assert not any("SyncPending" in request for request in sent[45])


def test_an_intent_without_an_index_row_is_left_to_the_operators_pass(api: Api, tables: TableServiceClient) -> None:
    """A lead row with an intent as a version from before index rows wrote it (no SyncPendingIndexed)."""
    spec = SPEC
    record = sample(spec.slug, "fs", "OLD-1", 1, at=1)
    assert api.post("fs", spec.slug, record).status_code == 201
    recover(api)
    client: TableClient = tables.get_table_client(spec.table)
    row_key = Key("USMF", "OLD-1").row_key
    lead, follower = client.get_entity("FS", row_key), client.get_entity("SCM", row_key)
    scm_record = {k: v for k, v in follower.items() if k not in ("PartitionKey", "RowKey") and not k.startswith("Sync")}
    client.delete_entity("SCM", row_key)
    client.update_entity(
        {
            **lead,
            "SyncPending": True,
            "SyncPendingEtag": "",
            "SyncPendingRecord0": jsonio.dumps(scm_record).decode(),
        }
    )
    assert timer_pass()["completed"] == 0  # not in the index: the timer does not scan for it
    assert pair(tables, spec, row_key)["scm"] is None
    assert recover(api)["completed"] == 1
    assert assert_both_or_neither(tables, spec, row_key) is not None
    assert index_rows(tables) == []
