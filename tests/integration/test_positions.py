"""The position index (shared/sync/geo.py): a `near=` list reads the index rows of the circle, not the records.

Each warehouse with a position has an index row in its side's partition, written in the same transaction
as the row; a move, a position removed and a delete take the old one away in that transaction too. The
fault and kill suites check the index of every key they touch (storage.assert_both_or_neither); here,
each kind of write through the public routes, what a list reads, an import, and the operator's pass that
gives a record changed outside the sync its index row.
"""

from __future__ import annotations

from typing import Any

import pytest
from azure.data.tables import TableServiceClient

from functions import runtime
from shared.entities import ENTITIES
from shared.jobs import importer
from shared.keys import GEO_PREFIX, Key
from shared.sync import geo
from tests.integration.storage import assert_both_or_neither, pair, policy
from tests.integration.support import Api, held
from tests.integration.test_recovery_index import Requests
from tests.integration.test_scenarios import COORDINATES, listed, sites, warehouse


@pytest.fixture(autouse=True)
def scenario_sites(api: Api) -> None:
    """The sites the scenario's warehouses name, created first."""
    sites(api)


SPEC = ENTITIES["warehouses"]
SEATTLE, TACOMA, PORTLAND = (47.61, -122.33), (47.25, -122.44), (45.52, -122.68)


def index(tables: TableServiceClient, partition: str) -> dict[str, tuple[float, float]]:
    client = tables.get_table_client(SPEC.table)
    low, high = geo.everything()
    found = client.query_entities(
        "PartitionKey eq @pk and RowKey ge @lo and RowKey lt @hi", parameters={"pk": partition, "lo": low, "hi": high}
    )
    return {geo.record_key(row["RowKey"]): (row["Lat"], row["Lon"]) for row in found}


def post(api: Api, side: str, record: dict[str, Any]) -> None:
    answer = api.post(side, SPEC.slug, record)
    assert answer.status_code in (200, 201), answer.text


def test_the_index_row_moves_with_the_warehouse(api: Api, tables: TableServiceClient) -> None:
    row_key = Key("USMF", "MOVER").row_key
    post(api, "fs", warehouse("fs", "MOVER", SEATTLE))
    assert index(tables, "FS") == {row_key: SEATTLE} and index(tables, "SCM") == {row_key: SEATTLE}
    post(api, "scm", warehouse("scm", "MOVER", PORTLAND))  # another band of the index
    assert index(tables, "FS") == {row_key: PORTLAND} and index(tables, "SCM") == {row_key: PORTLAND}
    assert_both_or_neither(tables, SPEC, row_key)
    nowhere = {**warehouse("fs", "MOVER", None), **dict.fromkeys(COORDINATES["fs"], 0)}  # 0, 0: no position
    post(api, "fs", nowhere)
    assert index(tables, "FS") == {} and index(tables, "SCM") == {}
    post(api, "fs", warehouse("fs", "MOVER", TACOMA))
    assert api.delete(f"fs/{SPEC.slug}/USMF/MOVER").status_code == 200
    assert index(tables, "FS") == {} and index(tables, "SCM") == {}
    assert_both_or_neither(tables, SPEC, row_key)


def test_a_near_list_reads_the_circle_and_the_page_only(api: Api, tables: TableServiceClient) -> None:
    for n in range(30):  # far away: in no range the list reads
        post(api, "fs", warehouse("fs", f"FAR-{n}", (-33.87 + n / 100, 151.21)))
    post(api, "fs", warehouse("fs", "SEA", SEATTLE))
    post(api, "scm", warehouse("scm", "TAC", TACOMA))
    with policy(Requests(SPEC.table)) as reads:
        items = listed(api, f"fs/{SPEC.slug}", company="USMF", near="47.61,-122.33", radius_km="50")["items"]
    assert [item["key"]["id"] for item in items] == ["SEA", "TAC"]
    queries = [sent for sent in reads.sent if "$filter" in sent]
    assert queries and all(GEO_PREFIX in query for query in queries), queries  # the index only, never the records
    assert len(queries) == len(geo.ranges(SEATTLE, 50) or [None])
    point_reads = [sent for sent in reads.sent if "$filter" not in sent]
    assert len(point_reads) == 2  # the page's records


def test_imported_warehouses_are_found_near(api: Api, tables: TableServiceClient) -> None:
    report = load(tables, [warehouse("scm", "IMP-1", SEATTLE), warehouse("scm", "IMP-2", None)])
    assert report.loaded == 2 and not report.refused
    assert index(tables, "SCM") == {Key("USMF", "IMP-1").row_key: SEATTLE}
    items = listed(api, f"scm/{SPEC.slug}", company="USMF", near="47.61,-122.33", radius_km="5")["items"]
    assert [item["key"]["id"] for item in items] == ["IMP-1"]


def test_a_position_changed_outside_the_sync_is_indexed_by_the_operators_pass(
    api: Api, tables: TableServiceClient
) -> None:
    """Written in storage directly, as a version from before the index (or a hand edit) leaves it: the
    record is not listed at a position its index does not hold; the operator's recovery pass indexes it."""
    post(api, "fs", warehouse("fs", "HAND", SEATTLE))
    client = tables.get_table_client(SPEC.table)
    row_key = Key("USMF", "HAND").row_key
    row = client.get_entity("SCM", row_key)
    row.update(zip(COORDINATES["scm"], PORTLAND, strict=True))
    client.update_entity(row)  # moved, its index row and SyncGeo left as they were

    def near(point: tuple[float, float]) -> list[str]:
        params = {"company": "USMF", "near": f"{point[0]},{point[1]}", "radius_km": "5"}
        return [item["key"]["id"] for item in listed(api, f"scm/{SPEC.slug}", **params)["items"]]

    assert near(SEATTLE) == [] and near(PORTLAND) == []  # the stale index row names a position it no longer has
    answer = api.session.post(f"{api.base}/operations/recover", timeout=60)
    assert answer.status_code == 200, answer.text
    report = next(entry for entry in answer.json()["entities"] if entry["entity"] == SPEC.slug)
    assert report["located"] == 1
    assert near(PORTLAND) == ["HAND"] and near(SEATTLE) == []
    assert index(tables, "SCM") == {row_key: PORTLAND} and index(tables, "FS") == {row_key: SEATTLE}
    assert pair(tables, SPEC, row_key)["scm"]["SyncGeo"] == geo.stamp(PORTLAND)  # type: ignore[index]


def recover(api: Api) -> dict[str, Any]:
    answer = api.session.post(f"{api.base}/operations/recover", timeout=60)
    assert answer.status_code == 200, answer.text
    return next(entry for entry in answer.json()["entities"] if entry["entity"] == SPEC.slug)


def near_ids(api: Api, side: str, point: tuple[float, float], radius_km: float = 5) -> list[str]:
    params = {"company": "USMF", "near": f"{point[0]},{point[1]}", "radius_km": str(radius_km)}
    return [item["key"]["id"] for item in listed(api, f"{side}/{SPEC.slug}", **params)["items"]]


def load(tables: TableServiceClient, records: list[dict[str, Any]]) -> importer.ImportReport:
    """Records SCM holds, loaded as the import loads them (shared/jobs/importer.py)."""
    return held(tables, SPEC.slug, "scm", records)


def test_a_warehouse_imported_again_is_left_where_it_stands(api: Api, tables: TableServiceClient) -> None:
    """An import never replaces a record the side holds: the record, its position and its index row stay."""
    row_key = Key("USMF", "AGAIN").row_key
    assert load(tables, [warehouse("scm", "AGAIN", SEATTLE)]).loaded == 1
    assert index(tables, "SCM") == {row_key: SEATTLE}
    again = load(tables, [warehouse("scm", "AGAIN", PORTLAND)])  # another band
    assert (again.loaded, again.exists) == (0, 1)
    assert index(tables, "SCM") == {row_key: SEATTLE}
    assert near_ids(api, "scm", SEATTLE) == ["AGAIN"] and near_ids(api, "scm", PORTLAND) == []
    # Twice in one file: both refused, nothing written.
    twice = load(tables, [warehouse("scm", "TWICE", TACOMA), warehouse("scm", "twice", None)])
    assert (twice.loaded, [refusal.line for refusal in twice.refused]) == (0, [1, 2])
    assert index(tables, "SCM") == {row_key: SEATTLE}
    assert recover(api)["unlocated"] == 0  # nothing left behind for the operator's pass


def test_the_operators_pass_makes_the_index_its_records_positions(api: Api, tables: TableServiceClient) -> None:
    """Index rows changed in storage by hand: one naming no record, one naming a record where it does
    not stand, one deleted. The operator's pass removes the first two and writes the third again."""
    post(api, "fs", warehouse("fs", "KEPT", SEATTLE))
    post(api, "fs", warehouse("fs", "LOST", TACOMA))
    client = tables.get_table_client(SPEC.table)
    kept, lost = Key("USMF", "KEPT").row_key, Key("USMF", "LOST").row_key
    client.upsert_entity(geo.index_row("FS", Key("USMF", "NOBODY").row_key, SEATTLE))
    client.upsert_entity(geo.index_row("FS", kept, PORTLAND))
    client.delete_entity("FS", geo.index_key(TACOMA, lost))
    assert near_ids(api, "fs", PORTLAND) == [] and near_ids(api, "fs", TACOMA) == []

    report = recover(api)
    assert (report["unlocated"], report["located"], report["busy"]) == (2, 1, 0)
    assert index(tables, "FS") == {kept: SEATTLE, lost: TACOMA} == index(tables, "SCM")
    assert near_ids(api, "fs", TACOMA) == ["LOST"] and near_ids(api, "fs", PORTLAND) == []
    assert near_ids(api, "fs", SEATTLE, 50) == ["KEPT", "LOST"]
    assert (recover(api)["unlocated"], recover(api)["located"]) == (0, 0)  # exact: a second pass finds nothing
    for row_key in (kept, lost):
        assert_both_or_neither(tables, SPEC, row_key)


def test_a_move_between_the_passes_index_read_and_its_scan_keeps_the_new_index_row(
    api: Api, tables: TableServiceClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pass reads the index, then the records: a warehouse moved in between is seen moved, and the
    index row its move wrote stays (the old one is gone, and not deleted twice)."""
    post(api, "fs", warehouse("fs", "RACER", SEATTLE))
    store = runtime.engine(SPEC.slug).store
    read = store.positions_held

    def read_then_move(side: str) -> dict[str, str]:
        held = read(side)  # type: ignore[arg-type]
        if side == "fs":
            post(api, "fs", warehouse("fs", "RACER", PORTLAND))
        return held

    monkeypatch.setattr(store, "positions_held", read_then_move)
    report = recover(api)
    assert report["busy"] == 0 and report["unlocated"] == 0
    row_key = Key("USMF", "RACER").row_key
    assert index(tables, "FS") == {row_key: PORTLAND} == index(tables, "SCM")
    assert near_ids(api, "fs", PORTLAND) == ["RACER"] and near_ids(api, "scm", PORTLAND) == ["RACER"]
    assert_both_or_neither(tables, SPEC, row_key)


def test_an_index_row_naming_no_record_does_not_stop_an_import(api: Api, tables: TableServiceClient) -> None:
    """An index row left behind with no record (a hand edit) at the very key a new record's index row
    takes is written over: only a record created in the same transaction gets an index row."""
    row_key = Key("USMF", "GONE").row_key
    client = tables.get_table_client(SPEC.table)
    client.upsert_entity({**geo.index_row("SCM", row_key, PORTLAND), "Lat": 0.0})
    report = load(tables, [warehouse("scm", "GONE", PORTLAND), warehouse("scm", "OTHER", TACOMA)])
    assert (report.loaded, report.refused) == (2, [])
    assert index(tables, "SCM") == {row_key: PORTLAND, Key("USMF", "OTHER").row_key: TACOMA}
