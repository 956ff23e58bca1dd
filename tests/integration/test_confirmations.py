"""A change's intent is cleared together with other changes' (shared/sync/confirmations.py), by its writer.

The writer that saw its follower write succeed hands the lead row as written to its entity's
confirmations, which clear up to 50 intents and their index rows in one transaction, each only if the
lead row is still as written. Recovery confirms only what is left (a stopped process, a failed or lost
clear): the changes below go through the public routes; recovery through the operator's route.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Iterator

import pytest
from azure.data.tables import TableServiceClient

from functions import runtime
from shared.entities import ENTITIES
from shared.keys import Key
from shared.settings import get_settings
from shared.sync import confirmations, journal
from shared.sync.confirmations import Confirmations
from shared.sync.engine import Engine
from shared.sync.store import EntityStore
from tests.integration.storage import Fault, StorageRequests, assert_both_or_neither, pair, policy
from tests.integration.support import Api, eventually
from tests.integration.test_recovery_index import Requests, index_rows, recover
from tests.samples import sample

SPEC = ENTITIES["payment-terms"]
BATCH = confirmations.BATCH


class Clock:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    """The app's confirmations, on a clock that stands still unless the test moves it (for every engine
    made while the test runs: installing a request policy makes new ones)."""
    moved = Clock()
    monkeypatch.setattr(journal, "Confirmations", functools.partial(Confirmations, clock=moved, limit=BATCH))
    runtime.reset()
    yield moved
    monkeypatch.undo()
    runtime.reset()


def pending(tables: TableServiceClient) -> list[str]:
    """The FS records that still carry an intent."""
    client = tables.get_table_client(SPEC.table)
    return sorted(row["RowKey"] for row in client.query_entities("PartitionKey eq 'FS' and SyncPending eq true"))


def create(api: Api, ident: str, n: int) -> None:
    assert api.post("fs", SPEC.slug, sample(SPEC.slug, "fs", ident, n, at=n)).status_code == 201


def test_beyond_the_limit_the_oldest_fifty_go_in_one_request(
    api: Api, tables: TableServiceClient, clock: Clock
) -> None:
    """Here the limit is 50 waiting: the 51st change sends the oldest fifty's clears, one transaction."""
    api.get(f"fs/{SPEC.slug}", company="USMF")  # the table exists before counting starts
    with policy(StorageRequests(SPEC.table)) as requests:
        for n in range(BATCH + 10):
            create(api, f"CONF-{n}", n + 1)
        sent, writes = requests.take()
    assert (sent, writes) == (4 * (BATCH + 10) + 1, 2 * (BATCH + 10) + 1)  # 4 per change, 1 per 50 confirmed
    assert len(pending(tables)) == 10 and len(index_rows(tables)) == 10  # the last ten are still waiting
    report = recover(api)
    assert (report["confirmed"], report["completed"], report["busy"]) == (10, 0, 0)
    assert pending(tables) == [] and index_rows(tables) == []
    for n in range(BATCH + 10):
        assert_both_or_neither(tables, SPEC, Key("USMF", f"CONF-{n}").row_key)


def test_an_intent_waits_the_linger_time_then_goes_without_another_change(
    api: Api, tables: TableServiceClient, clock: Clock
) -> None:
    """Sent by the confirmations' own thread when the oldest is due, with the younger ones in its
    transaction (a steady stream of changes then costs one request per fifty)."""
    with policy(StorageRequests(SPEC.table)) as requests:  # made before the changes: the app's new engine counts
        create(api, "LINGER-1", 1)
        clock.now += confirmations.LINGER - 1
        create(api, "LINGER-2", 2)
        requests.take()
        time.sleep(confirmations.POLL + 0.5)  # the sending thread has looked at least once
        assert len(pending(tables)) == 2  # neither has waited long enough
        clock.now += 1
        assert eventually(lambda: pending(tables) == [] and index_rows(tables) == [])
        assert requests.take() == (1, 1)  # both in one transaction


def test_the_next_write_of_a_key_carries_its_intent_on(api: Api, tables: TableServiceClient, clock: Clock) -> None:
    """An update while the create's intent still waits: its lead write is one row, no transaction (the
    index row is there already); then one clear confirms the update, and none is sent for the create."""
    create(api, "NEXT-1", 1)
    with policy(Requests()) as requests:
        assert api.post("scm", SPEC.slug, sample(SPEC.slug, "scm", "NEXT-1", 2, at=2)).status_code == 200
        waiting = runtime.engine(SPEC.slug).journal.confirmations  # the policy made the app a new engine
    assert not any("$batch" in request for request in requests.sent), requests.sent
    assert len(requests.sent) == 4
    assert waiting.flush() == 1
    assert pending(tables) == [] and index_rows(tables) == []
    assert_both_or_neither(tables, SPEC, Key("USMF", "NEXT-1").row_key)


def test_a_delete_is_confirmed_too(api: Api, tables: TableServiceClient, clock: Clock) -> None:
    create(api, "GONE-1", 1)
    assert api.delete(f"fs/{SPEC.slug}/USMF/GONE-1").status_code == 200
    assert runtime.engine(SPEC.slug).journal.confirmations.flush() == 1  # the create's intent was replaced
    lead = pair(tables, SPEC, Key("USMF", "GONE-1").row_key)["fs"]
    assert lead is not None and lead["SyncDeleted"] and not lead.get("SyncPending")
    assert index_rows(tables) == []


def test_a_row_written_again_with_its_intent_is_cleared_with_its_new_etag(
    api: Api, tables: TableServiceClient, clock: Clock
) -> None:
    """A lead row rewritten after its write but still carrying its operation's intent (here behind the app's
    back, as recovery mending a position index row does): read again, and cleared with the others."""
    for n in range(3):
        create(api, f"RACE-{n}", n + 1)
    client = tables.get_table_client(SPEC.table)
    row = client.get_entity("FS", Key("USMF", "RACE-1").row_key)
    client.update_entity(row)  # same content, new ETag
    assert runtime.engine(SPEC.slug).journal.confirmations.flush() == 3
    assert pending(tables) == [] and index_rows(tables) == []


def test_two_engines_writing_the_same_keys_each_confirm_what_is_still_theirs(
    api: Api, tables: TableServiceClient, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    """Two engines on one storage account, as two hosts are: the app's writes ten keys, the other writes
    five of them again. The app's batch meets five rows taken over by another operation: it leaves those to
    the other engine and clears the other five (it used to give up on the whole batch after three lost
    races, leaving all ten to recovery); the other engine clears its five."""
    other = Engine(SPEC, EntityStore(runtime.table_client(SPEC.table)), get_settings())
    for n in range(10):
        create(api, f"SHARED-{n}", n + 1)
    taken = [Key("USMF", f"SHARED-{n}").row_key for n in range(0, 10, 2)]
    for n in range(0, 10, 2):
        assert other.upsert("scm", sample(SPEC.slug, "scm", f"SHARED-{n}", n + 20, at=n + 20)).status == "updated"
    caplog.set_level(logging.INFO, logger=confirmations.__name__)
    assert runtime.engine(SPEC.slug).journal.confirmations.flush() == 5
    assert pending(tables) == sorted(taken)  # the other engine's intents, left to it
    assert other.journal.confirmations.flush() == 5
    assert pending(tables) == [] and index_rows(tables) == []
    assert not [r.getMessage() for r in caplog.records if "left for recovery" in r.getMessage()]
    assert recover(api)["confirmed"] == 0
    for n in range(10):
        assert_both_or_neither(tables, SPEC, Key("USMF", f"SHARED-{n}").row_key)


@pytest.mark.parametrize("after", [False, True], ids=["not-sent", "answer-lost"])
def test_a_failed_clear_leaves_the_intents_to_recovery(
    after: bool, api: Api, tables: TableServiceClient, clock: Clock
) -> None:
    fault = Fault(SPEC.table)
    with policy(fault):
        for n in range(3):
            create(api, f"FAIL-{n}", n + 1)
        fault.arm(1, after=after)
        assert runtime.engine(SPEC.slug).journal.confirmations.flush() == 0
        assert fault.disarm()
    assert len(runtime.engine(SPEC.slug).journal.confirmations) == 0  # given up, not kept in memory
    assert len(pending(tables)) == (0 if after else 3)  # a lost answer: storage had cleared them
    report = recover(api)
    assert report["confirmed"] == (0 if after else 3)
    assert pending(tables) == [] and index_rows(tables) == []
    for n in range(3):
        assert_both_or_neither(tables, SPEC, Key("USMF", f"FAIL-{n}").row_key)
