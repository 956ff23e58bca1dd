"""Last writer wins in every order, for every entity, over HTTP: times, deletes and their tombstones.

Each test here failed on the code before issue #8: an unchanged change's newer time was forgotten, a
delete left no time behind, and a time a day ahead was accepted.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from azure.data.tables import TableServiceClient

from functions import runtime
from shared.entities import ENTITIES
from shared.keys import Key
from tests.integration.storage import Fault, assert_both_or_neither, pair, policy, version_hash
from tests.integration.support import Api, eventually, send
from tests.samples import SAMPLES, T0, sample

pytestmark = pytest.mark.usefixtures("prerequisites")  # a warehouse's site, created first

SLUGS = sorted(SAMPLES)


def row_key(ident: str) -> str:
    return Key("USMF", ident).row_key


def at(seconds: float) -> str:
    return (T0 + dt.timedelta(seconds=seconds)).isoformat()


def same_content(answer: requests.Response, side: str, seconds: float) -> dict[str, Any]:
    """`side`'s record as the sync stored it, sent back with another time: the same content, re-dated."""
    record = dict(answer.json()[side]["record"])
    record[ENTITIES[answer.json()["entity"]].side(side).modified_field] = at(seconds)  # type: ignore[arg-type]
    return record


def delete(api: Api, side: str, slug: str, ident: str, **params: Any) -> requests.Response:
    return api.session.delete(f"{api.base}/{side}/{slug}/USMF/{ident}", params=params, timeout=30)


def recover(api: Api) -> requests.Response:
    return api.session.post(f"{api.base}/operations/recover", params={"grace_seconds": "0"}, timeout=60)


def source_times(tables: TableServiceClient, slug: str, ident: str) -> dict[str, str]:
    rows = pair(tables, ENTITIES[slug], row_key(ident))
    return {side: row["SyncSourceTime"].isoformat() for side, row in rows.items() if row}


@pytest.mark.parametrize("slug", SLUGS)
def test_an_unchanged_change_with_a_newer_time_keeps_that(slug: str, api: Api, tables: TableServiceClient) -> None:
    """FS creates K at T-300; SCM reports the same content at T-100 (200 unchanged, and both sides now
    hold T-100); FS then sends other content dated T-200: older than what both sides have seen, 409."""
    created = api.post("fs", slug, sample(slug, "fs", "K", 30, at=-300))
    assert created.status_code == 201, created.text
    again = api.post("scm", slug, same_content(created, "scm", -100))
    assert again.status_code == 200 and again.json()["status"] == "unchanged", again.text
    assert set(source_times(tables, slug, "K").values()) == {(T0 + dt.timedelta(seconds=-100)).isoformat()}
    late = api.post("fs", slug, sample(slug, "fs", "K", 45, at=-200))
    assert late.status_code == 409 and late.json()["error"]["code"] == "stale", late.text
    expected = version_hash(ENTITIES[slug], "fs", sample(slug, "fs", "K", 30, at=-300))
    assert assert_both_or_neither(tables, ENTITIES[slug], row_key("K")) == expected


@pytest.mark.parametrize("slug", SLUGS)
def test_an_exact_echo_still_writes_nothing(slug: str, api: Api, tables: TableServiceClient) -> None:
    created = api.post("fs", slug, sample(slug, "fs", "ECHO", 1, at=10))
    assert created.status_code == 201, created.text
    before = pair(tables, ENTITIES[slug], row_key("ECHO"))
    for seconds in (10, 5):  # the same time, and an older one
        echo = api.post("scm", slug, same_content(created, "scm", seconds))
        assert echo.status_code == 200 and echo.json()["status"] == "unchanged", echo.text
    assert pair(tables, ENTITIES[slug], row_key("ECHO")) == before  # same ETags


@pytest.mark.parametrize("slug", SLUGS)
def test_a_delete_leaves_a_tombstone_that_keeps_older_changes_out(
    slug: str, api: Api, tables: TableServiceClient
) -> None:
    """Create, delete from FS at T+200, then an SCM change dated T+150: 409, the record stays deleted.
    A change after the delete creates it again."""
    assert api.post("fs", slug, sample(slug, "fs", "TOMB", 1, at=100)).status_code == 201
    gone = delete(api, "fs", slug, "TOMB", modified=at(200))
    assert gone.status_code == 200 and gone.json()["status"] == "deleted", gone.text
    stale = api.post("scm", slug, sample(slug, "scm", "TOMB", 2, at=150))
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale", stale.text
    assert stale.json()["error"]["details"][0]["stored_deleted"] is True
    assert api.get(f"scm/{slug}/USMF/TOMB").status_code == 404
    assert api.get(f"fs/{slug}/USMF/TOMB").status_code == 404
    assert all(item["key"]["id"] != "TOMB" for item in api.get(f"fs/{slug}", company="USMF").json()["items"])
    rows = pair(tables, ENTITIES[slug], row_key("TOMB"))  # a tombstone on each side, with the delete's time
    assert all(row and row["SyncDeleted"] for row in rows.values()), rows
    assert set(source_times(tables, slug, "TOMB").values()) == {(T0 + dt.timedelta(seconds=200)).isoformat()}
    again = api.post("scm", slug, sample(slug, "scm", "TOMB", 3, at=250))
    assert again.status_code == 201 and again.json()["status"] == "created", again.text
    expected = version_hash(ENTITIES[slug], "scm", sample(slug, "scm", "TOMB", 3, at=250))
    assert assert_both_or_neither(tables, ENTITIES[slug], row_key("TOMB")) == expected
    assert api.get(f"fs/{slug}/USMF/TOMB").json()["sync"]["created_by"] == "scm"


@pytest.mark.parametrize("slug", SLUGS)
def test_a_delete_older_than_the_stored_version_is_stale(slug: str, api: Api, tables: TableServiceClient) -> None:
    side = ENTITIES[slug].side("scm")
    assert api.post("fs", slug, sample(slug, "fs", "OLD", 1, at=100)).status_code == 201
    by_parameter = delete(api, "scm", slug, "OLD", modified=at(50))
    assert by_parameter.status_code == 409 and by_parameter.json()["error"]["code"] == "stale", by_parameter.text
    in_body = api.session.delete(
        f"{api.base}/scm/{slug}/USMF/OLD",
        data=f'{{"{side.modified_field}": "{at(60)}"}}',
        headers={"content-type": "application/json"},
        timeout=30,
    )
    assert in_body.status_code == 409, in_body.text
    assert api.get(f"fs/{slug}/USMF/OLD").status_code == 200  # nothing was deleted
    assert assert_both_or_neither(tables, ENTITIES[slug], row_key("OLD")) is not None


def test_a_delete_time_that_is_not_a_time_is_refused(api: Api) -> None:
    assert api.post("fs", "ship-via", sample("ship-via", "fs", "BADT", 1, at=1)).status_code == 201
    for bad in ("yesterday", "12345", "2026-13-01"):
        answer = delete(api, "fs", "ship-via", "BADT", modified=bad)
        assert answer.status_code == 422, (bad, answer.text)
    assert api.get("fs/ship-via/USMF/BADT").status_code == 200


@pytest.fixture
def setting(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Change an app setting for one test: the app reads it again, and the old one is back after."""

    def change(name: str, value: str) -> None:
        monkeypatch.setenv(name, value)
        runtime.reset()

    yield change
    monkeypatch.undo()
    runtime.reset()


def test_tombstones_are_purged_after_their_retention(api: Api, tables: TableServiceClient, setting: Any) -> None:
    slug = "payment-terms"
    assert api.post("fs", slug, sample(slug, "fs", "PURGE", 1, at=1)).status_code == 201
    assert delete(api, "fs", slug, "PURGE").status_code == 200
    kept = recover(api)
    assert kept.status_code == 200, kept.text
    assert all(row for row in pair(tables, ENTITIES[slug], row_key("PURGE")).values())  # 7 days by default
    setting("SYNC_TOMBSTONE_DAYS", "0")
    purged = recover(api)
    assert purged.status_code == 200, purged.text
    report = next(report for report in purged.json()["entities"] if report["entity"] == slug)
    assert report["purged"] == 2
    assert pair(tables, ENTITIES[slug], row_key("PURGE")) == {"fs": None, "scm": None}


@pytest.mark.parametrize("slug", SLUGS)
def test_a_time_too_far_ahead_is_refused(slug: str, api: Api, tables: TableServiceClient) -> None:
    """A time 23 h ahead used to be accepted and lock the other side out for 23 h."""
    modified = ENTITIES[slug].side("fs").modified_field
    now = dt.datetime.now(dt.UTC)
    ahead = {**sample(slug, "fs", "SKEW", 1), modified: (now + dt.timedelta(hours=23)).isoformat()}
    answer = api.post("fs", slug, ahead)
    assert answer.status_code == 422, answer.text
    assert {(d["field"], d["rule"]) for d in answer.json()["error"]["details"]} == {(modified, "future_time")}
    assert pair(tables, ENTITIES[slug], row_key("SKEW")) == {"fs": None, "scm": None}
    within = {**sample(slug, "fs", "SKEW", 1), modified: (now + dt.timedelta(seconds=200)).isoformat()}
    assert api.post("fs", slug, within).status_code == 201  # within SYNC_MAX_CLOCK_SKEW_SECONDS (300)
    future_delete = delete(api, "fs", slug, "SKEW", modified=(now + dt.timedelta(hours=1)).isoformat())
    assert future_delete.status_code == 422 and "future_time" in future_delete.text


def test_the_clock_skew_is_a_setting(api: Api, setting: Any) -> None:
    setting("SYNC_MAX_CLOCK_SKEW_SECONDS", "10")
    body = sample("ship-via", "fs", "SKEW10", 1)
    body["modifiedon"] = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=60)).isoformat()
    answer = api.post("fs", "ship-via", body)
    assert answer.status_code == 422 and "future_time" in answer.text


@pytest.mark.parametrize("slug", SLUGS)
def test_repeated_content_with_jittered_times_loses_no_update(
    slug: str, api: Api, host: Any, tables: TableServiceClient
) -> None:
    """8 threads post to one key from both sides; half the posts repeat the content of an earlier post
    with a new time. Whatever the order of arrival, both sides end with the content of the newest time."""
    spec = ENTITIES[slug]
    tick = itertools.count(1)
    lock = threading.Lock()
    sent: list[tuple[int, int, str]] = []  # (time, version of the content, side)

    def writer(thread: int) -> list[tuple[int, int, str, int]]:
        caller, rng = Api(host.base_url), random.Random(thread)
        answers = []
        for step in range(10):
            side = ("fs", "scm")[(thread + step) % 2]
            with lock:
                time = next(tick)
                version = rng.choice([v for _, v, _ in sent[-4:]]) if sent and rng.random() < 0.5 else time
                sent.append((time, version, side))
            status = caller.post(side, slug, sample(slug, side, "JIT", version, at=time)).status_code
            answers.append((time, version, side, status))
        return answers

    with ThreadPoolExecutor(8) as pool:
        answers = [answer for chunk in pool.map(writer, range(8)) for answer in chunk]
    assert set(Counter(status for *_, status in answers)) <= {200, 201, 409}
    time, version, side, status = max(answers)
    assert status in (200, 201), f"the newest change (time {time}) was answered {status}"
    expected = version_hash(spec, side, sample(slug, side, "JIT", version, at=time))
    assert assert_both_or_neither(tables, spec, row_key("JIT")) == expected
    newest = (T0 + dt.timedelta(seconds=time)).isoformat()
    assert set(source_times(tables, slug, "JIT").values()) == {newest}


# -- a delete of what is not there still leaves its tombstone --------------------------------------------


def tombstone_times(tables: TableServiceClient, slug: str, ident: str) -> dict[str, str | None]:
    """Each side's tombstone time for the key (None: no row); a side holding a record fails the check."""
    rows = pair(tables, ENTITIES[slug], row_key(ident))
    assert all(row is None or row.get("SyncDeleted") for row in rows.values()), rows
    return {side: row["SyncSourceTime"].isoformat() if row else None for side, row in rows.items()}


@pytest.mark.parametrize("slug", SLUGS)
def test_a_delete_of_a_key_already_deleted_moves_its_tombstone_forward(
    slug: str, api: Api, tables: TableServiceClient
) -> None:
    """Create at t0, delete at t1, delete again at t3 (404), then a change dated t2 arrives: it is older than
    the newest delete, so it is stale and the record stays deleted. A delete older than the tombstone
    never moves it back."""
    assert api.post("fs", slug, sample(slug, "fs", "AGAIN", 1, at=0)).status_code == 201
    assert delete(api, "fs", slug, "AGAIN", modified=at(100)).status_code == 200
    again = delete(api, "scm", slug, "AGAIN", modified=at(300))
    assert again.status_code == 404 and again.json()["error"]["code"] == "not_found", again.text
    assert tombstone_times(tables, slug, "AGAIN") == {"fs": at(300), "scm": at(300)}
    older = delete(api, "fs", slug, "AGAIN", modified=at(150))
    assert older.status_code == 404, older.text
    assert tombstone_times(tables, slug, "AGAIN") == {"fs": at(300), "scm": at(300)}
    late = api.post("scm", slug, sample(slug, "scm", "AGAIN", 2, at=200))
    assert late.status_code == 409 and late.json()["error"]["code"] == "stale", late.text
    assert late.json()["error"]["details"][0]["stored_deleted"] is True
    assert api.get(f"fs/{slug}/USMF/AGAIN").status_code == 404
    assert api.get(f"scm/{slug}/USMF/AGAIN").status_code == 404
    newer = api.post("fs", slug, sample(slug, "fs", "AGAIN", 3, at=400))
    assert newer.status_code == 201, newer.text
    expected = version_hash(ENTITIES[slug], "fs", sample(slug, "fs", "AGAIN", 3, at=400))
    assert assert_both_or_neither(tables, ENTITIES[slug], row_key("AGAIN")) == expected


@pytest.mark.parametrize("slug", SLUGS)
def test_a_delete_of_a_key_neither_side_holds_leaves_a_tombstone(
    slug: str, api: Api, tables: TableServiceClient
) -> None:
    """Webhooks arrive out of order: the delete (t3) of a record whose create (t2) comes after it."""
    first = delete(api, "fs", slug, "NEVER", modified=at(300))
    assert first.status_code == 404 and first.json()["error"]["code"] == "not_found", first.text
    assert tombstone_times(tables, slug, "NEVER") == {"fs": at(300), "scm": at(300)}
    assert all(item["key"]["id"] != "NEVER" for item in api.get(f"scm/{slug}", company="USMF").json()["items"])
    late = api.post("scm", slug, sample(slug, "scm", "NEVER", 1, at=200))
    assert late.status_code == 409 and late.json()["error"]["code"] == "stale", late.text
    assert tombstone_times(tables, slug, "NEVER") == {"fs": at(300), "scm": at(300)}
    newer = api.post("scm", slug, sample(slug, "scm", "NEVER", 2, at=400))
    assert newer.status_code == 201 and newer.json()["status"] == "created", newer.text


def test_a_queued_delete_of_a_missing_key_leaves_a_tombstone_and_logs_nothing(
    api: Api, tables: TableServiceClient, connection: str
) -> None:
    slug = "payment-terms"
    message = {"operation": "delete", "key": {"company": "USMF", "id": "QGONE"}, "modified": at(300)}
    send(connection, f"scm-to-fs-{slug}", message)
    expected = {"fs": at(300), "scm": at(300)}
    eventually(lambda: tombstone_times(tables, slug, "QGONE") == expected)
    late = api.post("fs", slug, sample(slug, "fs", "QGONE", 1, at=200))
    assert late.status_code == 409 and late.json()["error"]["code"] == "stale", late.text
    assert list(tables.get_table_client("SyncErrors").list_entities()) == []


@pytest.mark.parametrize("held", ["never-held", "already-deleted"])
def test_a_fault_at_every_storage_call_of_a_tombstone_write_then_recovery(
    held: str, api: Api, tables: TableServiceClient
) -> None:
    """The tombstone pair of a delete that finds nothing is written as every delete's is (the lead row with its
    intent, then the follower): whichever call fails, after recovery both sides hold the same tombstone."""
    slug = "payment-terms"
    fault = Fault(ENTITIES[slug].table)
    seen: list[tuple[int, bool, int]] = []
    with policy(fault):
        for nth, after in itertools.product(range(1, 10), (False, True)):
            ident = f"T{nth}{'A' if after else 'B'}"
            before = None
            if held == "already-deleted":
                assert api.post("fs", slug, sample(slug, "fs", ident, 1, at=0)).status_code == 201
                assert delete(api, "fs", slug, ident, modified=at(100)).status_code == 200
                before = at(100)
            fault.arm(nth, after)
            answer = delete(api, "scm", slug, ident, modified=at(300))
            fired = fault.disarm()
            seen.append((nth, after, answer.status_code))
            assert answer.status_code in (404, 503), answer.text
            if answer.status_code == 404:  # answered: both tombstones are written, before any recovery
                assert tombstone_times(tables, slug, ident) == {"fs": at(300), "scm": at(300)}
            assert recover(api).status_code == 200
            times = tombstone_times(tables, slug, ident)
            assert times["fs"] == times["scm"] in ((at(300), before) if answer.status_code == 503 else (at(300),))
            if not fired:
                break
    assert any(status == 503 for *_, status in seen), seen
    assert seen[-1][2] == 404, seen


@pytest.mark.parametrize("slug", SLUGS)
def test_a_record_written_outside_the_sync_is_dated_by_its_own_time(
    slug: str, api: Api, tables: TableServiceClient
) -> None:
    """SCM wrote a row itself (no sync metadata), modified at T+100, long before storage wrote it: a change
    dated before T+100 is stale, one dated after it wins. When storage wrote the row is no version."""
    spec = ENTITIES[slug]
    client = tables.create_table_if_not_exists(spec.table)
    for ident, modified in (("OWN", at(100)), ("UNTIMED", None)):
        record = sample(slug, "scm", ident, 1, at=100 if modified else None)
        client.create_entity({"PartitionKey": "SCM", "RowKey": row_key(ident), **record})
    older = api.post("fs", slug, sample(slug, "fs", "OWN", 2, at=50))
    assert older.status_code == 409 and older.json()["error"]["code"] == "stale", older.text
    assert older.json()["error"]["details"][0]["stored_source_time"] == at(100)
    newer = api.post("fs", slug, sample(slug, "fs", "OWN", 3, at=200))
    assert newer.status_code == 200 and newer.json()["status"] == "updated", newer.text
    untimed = api.post("fs", slug, sample(slug, "fs", "UNTIMED", 2, at=1))  # a row without a time is the oldest
    assert untimed.status_code == 200 and untimed.json()["status"] == "updated", untimed.text
    for ident, version in (("OWN", 3), ("UNTIMED", 2)):
        expected = version_hash(spec, "fs", sample(slug, "fs", ident, version, at=200 if ident == "OWN" else 1))
        assert assert_both_or_neither(tables, spec, row_key(ident)) == expected
