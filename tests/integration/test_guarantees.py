"""The sync guarantees, for every entity, through the app's routes and queues.

Round trips are counted by an azure-core pipeline policy on the app's own storage clients and printed.
"""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from azure.data.tables import TableServiceClient
from azure.storage.queue import QueueServiceClient

from functions import runtime
from shared.edge.callers.lookups import guid_column
from shared.entities import ENTITIES
from shared.keys import Key
from tests.integration.storage import StorageRequests, assert_both_or_neither, pair, policy, version_hash
from tests.integration.support import Api, eventually, peek, send
from tests.samples import SAMPLES, sample

pytestmark = pytest.mark.usefixtures("prerequisites")  # a warehouse's site, created first

SLUGS = sorted(SAMPLES)


def row_key(ident: str) -> str:
    return Key("USMF", ident).row_key


def synced(rows: dict[str, Any]) -> dict[str, Any] | None:
    """The pair once one operation has reached both sides."""
    fs, scm = rows["fs"], rows["scm"]
    return rows if fs and scm and fs["SyncOperationId"] == scm["SyncOperationId"] else None


@pytest.mark.parametrize("slug", SLUGS)
def test_round_trips_per_change(slug: str, api: Api, capsys: pytest.CaptureFixture[str]) -> None:
    """Requests per change, for a record naming no other one of its entity (each named record costs a read
    more). A warehouse names its site: its create reads the company's guard as well (shared/sync/neighbours.py),
    its reads of the site go to the Sites table."""
    spec = ENTITIES[slug]
    api.get(f"fs/{slug}", company="USMF")  # the table exists before counting starts
    counts: dict[str, tuple[int, int]] = {}
    with policy(StorageRequests(spec.table)) as requests:
        created = api.post("fs", slug, sample(slug, "fs", "RT-1", 1, at=1))
        counts["create"] = requests.take()
        updated = api.post("scm", slug, sample(slug, "scm", "RT-1", 2, at=2))
        counts["update"] = requests.take()
        echo = api.post("fs", slug, updated.json()["fs"]["record"])
        counts["unchanged"] = requests.take()
        deleted = api.delete(f"fs/{slug}/USMF/RT-1")
        counts["delete"] = requests.take()
    assert [created.status_code, updated.status_code, echo.status_code, deleted.status_code] == [201, 200, 200, 200]
    assert echo.json()["status"] == "unchanged"
    with capsys.disabled():
        line = ", ".join(f"{op} {total} ({writes} writes)" for op, (total, writes) in counts.items())
        print(f"\n  storage requests per change, {slug}: {line}")
    assert counts["create"] == (4 + bool(spec.foreign), 2) and counts["update"] == (4, 2)
    assert counts["unchanged"] == (2, 0)
    # with references, a delete also reads the company's guard and scans for records that still name it
    assert counts["delete"] == (4 + 2 * bool(spec.references), 2)  # a tombstone on each side


@pytest.mark.parametrize("slug", SLUGS)
@pytest.mark.parametrize("first", ["fs", "scm"])
def test_an_echo_writes_nothing(slug: str, first: str, api: Api, tables: TableServiceClient) -> None:
    """Each side sends back exactly what the sync wrote to it: `unchanged`, no storage write."""
    spec = ENTITIES[slug]
    written = api.post(first, slug, sample(slug, first, "ECHO", 3)).json()
    before = pair(tables, spec, row_key("ECHO"))
    with policy(StorageRequests(spec.table)) as requests:
        answers = [api.post(side, slug, written[side]["record"]) for side in ("fs", "scm")]
        total, writes = requests.take()
    assert [a.json()["status"] for a in answers] == ["unchanged", "unchanged"]
    assert writes == 0 and total == 4
    assert pair(tables, spec, row_key("ECHO")) == before  # same ETags, same operation id


@pytest.mark.parametrize("slug", SLUGS)
def test_stale_updates_are_refused_and_ties_go_to_the_primary_side(
    slug: str, api: Api, tables: TableServiceClient
) -> None:
    spec = ENTITIES[slug]
    assert api.post("fs", slug, sample(slug, "fs", "ST", 1, at=10)).status_code == 201
    stored = assert_both_or_neither(tables, spec, row_key("ST"))
    older = api.post("scm", slug, sample(slug, "scm", "ST", 2, at=5))
    assert older.status_code == 409 and older.json()["error"]["code"] == "stale"
    assert assert_both_or_neither(tables, spec, row_key("ST")) == stored
    # the same time from both sides: SCM, the default primary side, wins; FS then loses the tie
    tie = api.post("scm", slug, sample(slug, "scm", "ST", 3, at=10))
    assert tie.status_code == 200, tie.text
    lost = api.post("fs", slug, sample(slug, "fs", "ST", 4, at=10))
    assert lost.status_code == 409
    assert assert_both_or_neither(tables, spec, row_key("ST")) == version_hash(
        spec, "scm", sample(slug, "scm", "ST", 3, at=10)
    )


@pytest.mark.parametrize("slug", SLUGS)
def test_a_stale_queue_message_is_dropped_and_logged(
    slug: str, api: Api, connection: str, tables: TableServiceClient, queues: QueueServiceClient
) -> None:
    spec = ENTITIES[slug]
    assert api.post("scm", slug, sample(slug, "scm", "SQ", 1, at=10)).status_code == 201
    stored = pair(tables, spec, row_key("SQ"))
    queue = f"fs-to-scm-{slug}"
    send(connection, queue, {"operation": "upsert", "record": sample(slug, "fs", "SQ", 2, at=5)})
    errors = eventually(lambda: list(tables.get_table_client("SyncErrors").list_entities()))
    assert [(e["PartitionKey"], e["Code"], e["Direction"], e["Id"]) for e in errors] == [
        (slug, "stale", "fs-to-scm", "SQ")
    ]
    eventually(lambda: not peek(queues, queue))
    assert pair(tables, spec, row_key("SQ")) == stored


@pytest.mark.parametrize("slug", SLUGS)
@pytest.mark.parametrize("timed", [True, False], ids=["with-time", "stamped-on-arrival"])
def test_a_message_delivered_five_times_leaves_the_state_of_one(
    slug: str, timed: bool, api: Api, connection: str, tables: TableServiceClient, queues: QueueServiceClient
) -> None:
    spec = ENTITIES[slug]
    record = sample(slug, "scm", "IDEM", 4, at=1 if timed else None)
    message = {"operation": "upsert", "record": record}
    queue = f"scm-to-fs-{slug}"
    send(connection, queue, message)
    eventually(lambda: synced(pair(tables, spec, row_key("IDEM"))))
    eventually(lambda: not peek(queues, queue))
    confirmations = runtime.engine(slug).journal.confirmations

    def confirmed() -> dict[str, Any] | None:
        """The pair once the first delivery's intent is cleared, as it would be within 20 s (a peek does not
        see a message being handled: the handler may still be about to hand its row to the confirmations)."""
        confirmations.flush()
        rows = pair(tables, spec, row_key("IDEM"))
        return rows if rows["fs"] is not None and "SyncPending" not in rows["fs"] else None

    once = eventually(confirmed)
    for _ in range(4):
        send(connection, queue, message)
    eventually(lambda: not peek(queues, queue))
    eventually(lambda: not peek(queues, queue), timeout=2)  # the last one has been handled, not just taken
    assert pair(tables, spec, row_key("IDEM")) == once  # same ETags: nothing was written again
    assert list(tables.get_table_client("SyncErrors").list_entities()) == []


@pytest.mark.parametrize("slug", SLUGS)
def test_concurrent_writers_on_both_sides_converge_on_the_latest(
    slug: str, api: Api, host: Any, tables: TableServiceClient
) -> None:
    """8 threads post updates to the same 2 keys from both sides at once, each with its own time."""
    spec = ENTITIES[slug]
    idents = ["RACE-A", "RACE-B"]
    tick = itertools.count(1)
    lock = threading.Lock()

    def writer(thread: int) -> list[tuple[str, int, str, int]]:
        caller = Api(host.base_url)
        answers = []
        for step in range(12):
            ident = idents[(thread + step) % 2]
            side = ("fs", "scm")[(thread // 2 + step) % 2]
            with lock:
                version = next(tick)
            body = sample(slug, side, ident, version, at=version)
            answers.append((ident, version, side, caller.post(side, slug, body).status_code))
        return answers

    with ThreadPoolExecutor(8) as pool:
        answers = [answer for chunk in pool.map(writer, range(8)) for answer in chunk]
    statuses = Counter(status for *_, status in answers)
    assert set(statuses) <= {200, 201, 409}, statuses
    for ident in idents:
        _, latest, side, status = max((a for a in answers if a[0] == ident), key=lambda a: a[1])
        assert status in (200, 201), f"the latest change of {ident} was answered {status}"
        expected = version_hash(spec, side, sample(slug, side, ident, latest, at=latest))
        assert assert_both_or_neither(tables, spec, row_key(ident)) == expected


MERGING = sorted(slug for slug in SLUGS if ENTITIES[slug].one_side("fs"))


@pytest.mark.parametrize("slug", MERGING)
def test_one_side_fields_survive_the_other_sides_updates(slug: str, api: Api, tables: TableServiceClient) -> None:
    """FS-only fields (a customer asset's account) are kept when SCM updates the record, and never reach SCM."""
    spec = ENTITIES[slug]
    guid = guid_column(spec)  # FS's row GUID is an FS-only field too, and must look like one
    kept = {
        name: "0c0ffee0-0000-4000-8000-00000000beef" if name == guid else f"kept {name}" for name in spec.one_side("fs")
    }
    assert api.post("fs", slug, {**sample(slug, "fs", "MERGE", 1, at=1), **kept}).status_code == 201
    updated = api.post("scm", slug, sample(slug, "scm", "MERGE", 2, at=2))
    assert updated.status_code == 200 and updated.json()["status"] == "updated"
    rows = pair(tables, spec, row_key("MERGE"))
    assert rows["fs"] is not None and rows["scm"] is not None
    assert {name: rows["fs"].get(name) for name in kept} == kept
    assert not any(value in str(rows["scm"]) for value in kept.values())  # not even in sync columns
    assert assert_both_or_neither(tables, spec, row_key("MERGE")) == version_hash(
        spec, "scm", sample(slug, "scm", "MERGE", 2, at=2)
    )
