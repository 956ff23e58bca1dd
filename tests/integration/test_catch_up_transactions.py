"""Catch-up in transactions (shared/operations/staging.py), through the routes, the catch-up job and Azurite:
several changes to one key in one chunk end as the live path leaves them, with the same outcomes and error
entries; entities and sides mixed; a bad change among good ones; and a chunk stopped between its
transactions, run again, loses nothing and writes nothing twice."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
import requests
from azure.data.tables import TableServiceClient

from shared.entities import ENTITIES
from shared.keys import Key
from tests.integration.storage import Fault, policy
from tests.integration.support import Api, rows
from tests.integration.test_pause_resume import admin, caught_up, entries, forget_pauses
from tests.samples import T0, sample

SLUG = "payment-terms"
Step = tuple[str, str, Any]  # (operation, side, a record or a delete's time in seconds after T0)


@pytest.fixture(autouse=True)
def unpaused(tables: TableServiceClient) -> Any:
    forget_pauses(tables)
    yield
    forget_pauses(tables)


def run(api: Api, slug: str, ident: str, steps: list[Step]) -> list[requests.Response]:
    """Send one key's steps in order (each record's id replaced by `ident`)."""
    spec = ENTITIES[slug]
    answers = []
    for operation, side, value in steps:
        if operation == "delete":
            modified = (T0 + dt.timedelta(seconds=value)).isoformat()
            answers.append(
                api.session.delete(f"{api.base}/{side}/{slug}/USMF/{ident}", params={"modified": modified}, timeout=30)
            )
        else:
            record = {**value, spec.side(side).id_field: ident}
            answers.append(api.post(side, slug, record))
    return answers


def live_outcome(answer: requests.Response) -> str:
    """What the live path's answer says of a change, in the catch-up's words."""
    if answer.status_code in (200, 201):
        return str(answer.json()["status"])
    codes = {404: "absent", 409: "superseded", 422: "failed"}
    assert answer.status_code in codes, answer.text
    return codes[answer.status_code]


def stored(tables: TableServiceClient, slug: str, ident: str) -> dict[str, Any]:
    """Both sides' rows of a key as the sync left them, without what names one operation or one key (the id,
    the content hash over it, the search fields that carry it) and without an intent still waiting for its
    confirmation (the live writer's confirmations linger, the catch-up's go at once)."""
    key = Key("USMF", ident).row_key
    found = {}
    for partition in ("FS", "SCM"):
        row = rows(tables, ENTITIES[slug].table, partition).get(key)
        found[partition] = None
        if row is not None:
            id_field = ENTITIES[slug].side("fs" if partition == "FS" else "scm").id_field
            skip = {"SyncOperationId", "SyncHash", "SyncSearch", "Timestamp", "RowKey", id_field}
            found[partition] = {
                name: value for name, value in row.items() if name not in skip and not name.startswith("SyncPending")
            }
    return found


def entry_states(tables: TableServiceClient, slug: str, ident: str) -> list[str]:
    errors = tables.get_table_client("SyncErrors")
    found = errors.query_entities("PartitionKey eq @pk and Id eq @id", parameters={"pk": slug, "id": ident})
    return sorted(str(row["State"]) for row in found)


def job_counts(api: Api) -> dict[str, int]:
    job = next(job for job in api.get("sync/jobs").json()["items"] if job["kind"] == "catch-up")
    assert job["state"] == "succeeded", job
    return dict(job["counts"])


def at(slug: str, side: str, version: int, seconds: int) -> dict[str, Any]:
    return sample(slug, side, "X", version, at=seconds)


# one key's changes: a create, an update from the other side, a stale change, an echo, a change that breaks
# a rule, the same content at a newer time, deletes from both sides (the second finds nothing), a stale
# create after them, and a create again
HISTORY: list[Step] = [
    ("upsert", "fs", at(SLUG, "fs", 1, 1)),
    ("upsert", "scm", at(SLUG, "scm", 2, 3)),
    ("upsert", "fs", at(SLUG, "fs", 3, 2)),
    ("upsert", "scm", at(SLUG, "scm", 2, 3)),
    ("upsert", "fs", {**at(SLUG, "fs", 4, 4), "msdyn_days": "many"}),
    ("upsert", "scm", at(SLUG, "scm", 2, 5)),
    ("delete", "scm", 6),
    ("delete", "fs", 7),
    ("upsert", "fs", at(SLUG, "fs", 5, 6)),
    ("upsert", "scm", at(SLUG, "scm", 6, 8)),
]


def test_several_changes_to_one_key_in_one_chunk_end_as_the_live_path_leaves_them(
    api: Api, tables: TableServiceClient
) -> None:
    """The same changes sent to keys LIVE… while running and to keys HELD… while paused: after the catch-up
    each HELD key's rows are its LIVE key's, and the job counts each outcome as often as the live path
    answered it."""
    ends = [HISTORY[:count] for count in (2, 5, 8, len(HISTORY))]  # ends updated, failed last, deleted, created
    ends.append([HISTORY[4], HISTORY[0], HISTORY[4], ("upsert", "fs", at(SLUG, "fs", 7, 9))])  # fails, then not
    live: Counter[str] = Counter()
    for number, steps in enumerate(ends):
        live += Counter(live_outcome(answer) for answer in run(api, SLUG, f"LIVE{number}", steps))
    assert set(live) == {"created", "updated", "superseded", "unchanged", "failed", "deleted", "absent"}
    entries(admin(api, SLUG, "pause"))
    for number, steps in enumerate(ends):
        assert all(answer.status_code == 202 for answer in run(api, SLUG, f"HELD{number}", steps))
    entries(admin(api, SLUG, "resume"))
    caught_up(api)
    for number in range(len(ends)):
        assert stored(tables, SLUG, f"HELD{number}") == stored(tables, SLUG, f"LIVE{number}"), number
    # a bad change is an entry of the error log, resolved by a later change of its direction that wrote (as on
    # the live path); changes from the other side, deletes and echoes leave it open
    states = [entry_states(tables, SLUG, f"HELD{number}") for number in range(len(ends))]
    assert states == [[], ["open"], ["open"], ["open"], ["resolved"]]
    assert stored(tables, SLUG, "HELD3")["SCM"]["NumberOfDays"] == 6
    counts = job_counts(api)
    assert {name: counts[name] for name in live} == live and counts["read"] == live.total()


def test_a_change_that_leaves_the_follower_as_an_earlier_one_of_the_run_staged_it(
    api: Api, tables: TableServiceClient
) -> None:
    """A customer asset's account lives in FS only: a change of it alone writes the lead row and leaves the
    follower as the change before it (in the same chunk) wrote it. Both end as on the live path."""
    slug = "customer-assets"
    steps: list[Step] = [
        ("upsert", "fs", at(slug, "fs", 1, 1)),
        ("upsert", "scm", at(slug, "scm", 2, 2)),
        ("upsert", "fs", {**at(slug, "fs", 2, 3), "msdyn_account": "ACME"}),
        ("upsert", "fs", {**at(slug, "fs", 2, 4), "msdyn_account": "ACME"}),
    ]
    live = [live_outcome(answer) for answer in run(api, slug, "LIVE", steps)]
    entries(admin(api, slug, "pause"))
    assert all(answer.status_code == 202 for answer in run(api, slug, "HELD", steps))
    entries(admin(api, slug, "resume"))
    caught_up(api, slug)
    held, expected = stored(tables, slug, "HELD"), stored(tables, slug, "LIVE")
    assert held == expected and held["FS"]["msdyn_account"] == "ACME"
    assert "SyncPending" not in held["FS"]  # the intents are confirmed
    counts = job_counts(api)
    assert {name: counts[name] for name in set(live)} == Counter(live)


def test_entities_and_sides_mixed_in_one_resume(api: Api, tables: TableServiceClient) -> None:
    entries(admin(api, "all", "pause"))
    for number in range(60):
        side = "fs" if number % 2 else "scm"
        for slug in (SLUG, "ship-via"):
            assert api.post(side, slug, sample(slug, side, f"M{number:02}", number % 7 + 1)).status_code == 202
    assert api.delete("fs/ship-via/USMF/M03").status_code == 202
    entries(admin(api, "all", "resume"))
    caught_up(api, SLUG)
    caught_up(api, "ship-via")
    for slug in (SLUG, "ship-via"):
        fs, scm = rows(tables, ENTITIES[slug].table, "FS"), rows(tables, ENTITIES[slug].table, "SCM")
        live = {key for key, row in fs.items() if not row.get("SyncDeleted")}
        assert len(live) == (59 if slug == "ship-via" else 60)
        assert {key for key, row in scm.items() if not row.get("SyncDeleted")} == live
        assert all(fs[key]["SyncOperationId"] == scm[key]["SyncOperationId"] for key in live)
        assert not any(row.get("SyncPending") for row in fs.values())


def test_a_bad_change_among_good_ones_is_its_error_entry_and_the_rest_go_through(
    api: Api, tables: TableServiceClient
) -> None:
    entries(admin(api, SLUG, "pause"))
    for number in range(120):
        record = sample(SLUG, "fs", f"B{number:03}", 1)
        if number in (7, 70):
            record["msdyn_days"] = "many"
        assert api.post("fs", SLUG, record).status_code == 202
    entries(admin(api, SLUG, "resume"))
    done = caught_up(api)
    assert done["rows"] == {"fs": 118, "scm": 118} and done["errors"]["open"] == 2
    assert entry_states(tables, SLUG, "B007") == entry_states(tables, SLUG, "B070") == ["open"]
    counts = job_counts(api)
    assert (counts["read"], counts["created"], counts["failed"]) == (120, 118, 2)


@pytest.mark.parametrize("nth, after", [(3, True), (4, False), (7, True)])
def test_a_chunk_stopped_between_its_transactions_loses_nothing_and_writes_nothing_twice(
    nth: int, after: bool, api: Api, tables: TableServiceClient
) -> None:
    """A fault at the n-th request to the entity's table during the chunk (a range read, a lead or follower
    transaction, a confirmation; before it is sent or with its answer lost after storage applied it) fails
    the chunk, and the runner runs it again: every change is applied once, the changes whose outcome was
    written before the fault read as already there (echoes), and no held change is left or lost."""
    count = 150
    entries(admin(api, SLUG, "pause"))
    for number in range(count):
        assert api.post("fs", SLUG, sample(SLUG, "fs", f"K{number:03}", 1, at=1)).status_code == 202
    assert api.post("fs", SLUG, sample(SLUG, "fs", "K000", 2, at=2)).status_code == 202  # two to one key
    fault = Fault(ENTITIES[SLUG].table)
    with policy(fault):
        fault.arm(nth, after)
        entries(admin(api, SLUG, "resume"))
        done = caught_up(api)
        fired = fault.disarm()
    assert fired
    assert done["rows"] == {"fs": count, "scm": count} and done["errors"]["open"] == 0
    fs, scm = rows(tables, ENTITIES[SLUG].table, "FS"), rows(tables, ENTITIES[SLUG].table, "SCM")
    assert fs.keys() == scm.keys()
    assert all(fs[key]["SyncOperationId"] == scm[key]["SyncOperationId"] for key in fs)
    assert fs[Key("USMF", "K000").row_key]["msdyn_days"] == 2
    counts = job_counts(api)
    assert counts["read"] == count + 1
    # a change whose outcome the first run wrote is an echo, or older than its key's time, when run again
    assert sum(counts[name] for name in ("created", "updated", "unchanged", "superseded")) == count + 1
    assert counts["failed"] == 0
    if after:  # storage applied the request whose answer was lost: what it wrote is not written again
        assert counts["unchanged"] + counts["superseded"] > 0
    backlog = tables.get_table_client("SyncBacklog")
    assert list(backlog.query_entities("PartitionKey eq @pk", parameters={"pk": SLUG})) == []


def test_assets_caught_up_are_found_by_their_words_and_a_rename_moves_them(
    api: Api, tables: TableServiceClient
) -> None:
    """Catch-up writes a customer asset's word index rows in its own transactions, as the live path does: a
    held create is found by its name on both sides, and a held rename after it by its new words only."""
    slug = "customer-assets"
    steps: list[Step] = [
        ("upsert", "fs", {**at(slug, "fs", 1, 1), "msdyn_name": "Heldover flux gauge"}),
        ("upsert", "fs", {**at(slug, "fs", 2, 2), "msdyn_name": "Quiescent boiler"}),
    ]
    entries(admin(api, slug, "pause"))
    assert all(answer.status_code == 202 for answer in run(api, slug, "WORDS-1", steps))
    entries(admin(api, slug, "resume"))
    caught_up(api, slug)

    def found(side: str, q: str) -> list[str]:
        answer = api.get(f"{side}/{slug}", company="USMF", q=q)
        assert answer.status_code == 200, answer.text
        return [item["key"]["id"] for item in answer.json()["items"]]

    assert found("fs", "quiescent") == found("scm", "boil") == ["WORDS-1"]
    assert found("fs", "heldover") == found("scm", "flux") == []
