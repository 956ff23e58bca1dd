"""Search as Dataverse Quick Find does it (`q=` on customer assets), through the list route: begins-with on
the words of name, id and serial number, all words in one field, `*word` inside a field; served from the
word index that every write path keeps in the record's own transaction, so that what a search reads does
not grow with the company."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from azure.data.tables import TableServiceClient, UpdateMode

from bench.counting import RowsRead
from shared import jsonio
from shared.keys import SEARCH_PREFIX, Key
from tests.integration.storage import policy
from tests.integration.support import Api, held
from tests.integration.test_import_and_cli import imported, upload
from tests.integration.test_initial_sync import finished, initial_sync
from tests.integration.test_scenarios import asset, create, every_page, ids, listed

ASSETS, TABLE = "customer-assets", "CustomerAssets"
PATH = f"fs/{ASSETS}"


def _later() -> str:
    """A source time after the fixture's writes (stamped now), within what a change may be ahead of now."""
    return (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=60)).strftime("%Y-%m-%dT%H:%M:%SZ")


def found(api: Api, q: str, side: str = "fs", **params: Any) -> list[str]:
    return ids(listed(api, f"{side}/{ASSETS}", company="USMF", q=q, **params)["items"])


def index_rows(tables: TableServiceClient, partition: str, ident: str) -> list[str]:
    """The RowKeys of the word index rows of one record (shared/sync/search.py)."""
    client = tables.get_table_client(TABLE)
    query = "PartitionKey eq @pk and RowKey ge @lo and RowKey lt @hi"
    params = {"pk": partition, "lo": SEARCH_PREFIX, "hi": SEARCH_PREFIX[:-1] + "}"}
    named = f"!{Key('USMF', ident).row_key}|"
    return sorted(e["RowKey"] for e in client.query_entities(query, parameters=params) if named in e["RowKey"])


@pytest.fixture
def assets(api: Api) -> Api:
    create(api, "fs", ASSETS, asset("fs", "PUMP-1", "Main pump, rebuilt", msdyn_serialid="SN-100"))
    create(api, "scm", ASSETS, asset("scm", "V-2", "Valve/Pump-3 housing", SerialId="X_77"))
    create(api, "fs", ASSETS, asset("fs", "C-3", "Compressor", msdyn_serialid="PU-9 main"))
    create(api, "fs", ASSETS, asset("fs", "D-4", "Pumpkin pusher"))
    return api


def test_each_word_begins_a_word_of_a_field(assets: Api) -> None:
    assert found(assets, "pum") == ["PUMP-1", "V-2", "D-4"]  # by the word they begin (pump, pumpkin), then by key
    assert found(assets, "ump") == []  # inside a word is no beginning
    assert found(assets, "pumpk") == ["D-4"]
    assert found(assets, "PUMP") == found(assets, "pump") == found(assets, "Pump", side="scm")  # any letter case


def test_all_words_within_one_field_in_any_order(assets: Api) -> None:
    assert found(assets, "main pump") == ["PUMP-1"]
    assert found(assets, "pump main") == ["PUMP-1"]
    assert found(assets, "main compressor") == []  # "main" is C-3's serial number, "compressor" its name
    assert found(assets, "pu main") == ["C-3", "PUMP-1"]  # C-3 by its serial number, PUMP-1 by its name


def test_words_split_at_punctuation_on_both_sides(assets: Api) -> None:
    assert found(assets, "valve 3") == ["V-2"]  # "Valve/Pump-3 housing"
    assert found(assets, "sn-1") == ["PUMP-1"]  # "SN-100": the words "sn" and "100"
    assert found(assets, "x") == ["V-2"] and found(assets, "77") == ["V-2"]  # "X_77": '_' splits too
    assert found(assets, "p-1") == ["PUMP-1"]  # its id


def test_a_star_word_matches_inside_a_field(assets: Api) -> None:
    assert found(assets, "*ump") == ["D-4", "PUMP-1", "V-2"]  # in key order: a scan of the company's rows
    assert found(assets, "*n-10") == ["PUMP-1"]  # punctuation is kept inside a `*` word
    assert found(assets, "housing *mp-3") == ["V-2"]  # with a plain word: served from the index
    assert found(assets, "compressor *ump") == []


def test_a_record_whose_words_begin_twice_is_listed_once_and_pages_hold(assets: Api) -> None:
    create(assets, "fs", ASSETS, asset("fs", "E-5", "Pump pump PUMPS", msdyn_serialid="PU-1"))
    expected = ["C-3", "E-5", "PUMP-1", "V-2", "D-4"]  # "pu" (C-3, E-5), "pump", "pumpkin"
    assert found(assets, "pu") == expected
    pages = every_page(assets, PATH, company="USMF", q="pu", limit=1)
    assert [ids(page) for page in pages] == [[ident] for ident in expected]
    everywhere = ids(listed(assets, PATH, q="pu")["items"])  # no company: every company's index in turn
    assert everywhere == expected


def test_a_page_does_not_shift_when_other_records_change(assets: Api) -> None:
    first = listed(assets, PATH, company="USMF", q="pump", limit=1)
    assert ids(first["items"]) == ["PUMP-1"]
    create(assets, "fs", ASSETS, asset("fs", "A-0", "Pump ahead"))  # sorts before the page just read
    rest = listed(assets, PATH, company="USMF", q="pump", limit=5, continuation=first["continuation"])
    assert ids(rest["items"]) == ["V-2", "D-4"]  # "pump", then "pumpkin"


def test_a_renamed_record_is_found_by_its_new_words_only(assets: Api, tables: TableServiceClient) -> None:
    before = index_rows(tables, "FS", "PUMP-1")
    renamed = asset("fs", "PUMP-1", "Boiler", msdyn_serialid="SN-100", modifiedon=_later())
    create(assets, "fs", ASSETS, renamed)
    assert found(assets, "main") == ["C-3"] and found(assets, "boiler") == ["PUMP-1"]
    assert found(assets, "boiler", side="scm") == ["PUMP-1"]  # the follower's words moved with it
    after = index_rows(tables, "FS", "PUMP-1")
    assert len(after) == 5 and not any("|main!" in key or "|rebuilt!" in key for key in after)  # boiler pump 1 sn 100
    assert before != after


def test_a_deleted_record_leaves_no_index_rows(assets: Api, tables: TableServiceClient) -> None:
    assert index_rows(tables, "FS", "D-4") and index_rows(tables, "SCM", "D-4")
    assert assets.delete(f"scm/{ASSETS}/USMF/D-4").status_code == 200
    assert found(assets, "pumpkin") == [] and found(assets, "pumpkin", side="scm") == []
    assert index_rows(tables, "FS", "D-4") == [] and index_rows(tables, "SCM", "D-4") == []


def test_imported_and_initial_synced_records_are_found(api: Api, tables: TableServiceClient) -> None:
    lines = b"".join(
        jsonio.dumps(asset("fs", ident, name, msdyn_serialid=serial)) + b"\n"
        for ident, name, serial in (("IMP-1", "Imported pump", "IS-1"), ("IMP-2", "Imported valve", "IS-2"))
    )
    job = imported(api, upload(api, lines, "fs", "jsonl", ASSETS))
    assert job["counts"]["loaded"] == 2
    assert found(api, "imported pump") == ["IMP-1"] and found(api, "imported", side="scm") == []
    finished(api, initial_sync(api, ASSETS, source="fs"))
    assert found(api, "imported", side="scm") == ["IMP-1", "IMP-2"]
    assert found(api, "is-2", side="scm") == ["IMP-2"]


def test_rows_written_before_the_index_are_indexed_by_an_operators_recovery(
    assets: Api, tables: TableServiceClient
) -> None:
    client = tables.get_table_client(TABLE)
    for partition in ("FS", "SCM"):  # as a version from before the index left them: no index rows, no SyncSearch
        for row_key in index_rows(tables, partition, "D-4"):
            client.delete_entity(partition, row_key)
        row = client.get_entity(partition, Key("USMF", "D-4").row_key)
        client.update_entity({k: v for k, v in row.items() if k != "SyncSearch"}, mode=UpdateMode.REPLACE)
    assert found(assets, "pumpkin") == []  # a begins-with search reads the index alone
    assert found(assets, "*umpkin") == ["D-4"]  # a `*` search reads the records
    answer = assets.session.post(f"{assets.base}/operations/recover")
    assert answer.status_code == 200, answer.text
    report = next(item for item in answer.json()["entities"] if item["entity"] == ASSETS)
    assert report["indexed"] == 2  # one row on each side
    assert found(assets, "pumpkin") == ["D-4"] and found(assets, "pumpkin", side="scm") == ["D-4"]
    answer = assets.session.post(f"{assets.base}/operations/recover")
    assert next(item for item in answer.json()["entities"] if item["entity"] == ASSETS)["indexed"] == 0


@pytest.mark.parametrize("q", ["", "*", "pump *", "--", "x" * 201, "a b c d e f g h i j k"])
def test_an_unusable_q_is_422_naming_q_and_reads_nothing(assets: Api, q: str) -> None:
    answer = assets.get(PATH, company="USMF", q=q)
    assert answer.status_code == 422, answer.text
    assert [detail["field"] for detail in answer.json()["error"]["details"]] == ["q"]


def test_what_a_search_reads_does_not_grow_with_the_company(api: Api, tables: TableServiceClient) -> None:
    """1,000 assets and then 4,000 in one company (as an import writes them, with their index rows): a
    begins-with search reads the same rows at both sizes; a `*` search reads the company's rows."""
    wanted = {"rare": "SN-00000500", "page": "pump 7", "star": "*n-0000050"}
    counted: dict[int, dict[str, int]] = {}
    reads = RowsRead(TABLE)
    filled = 0
    for size in (1000, 4000):
        records = [
            asset("fs", f"B{number:05d}", f"Pump {number % 97}", msdyn_serialid=f"SN-{number:08d}")
            for number in range(filled, size)
        ]
        assert held(tables, ASSETS, "fs", records).loaded == size - filled
        filled = size
        with policy(reads):
            counted[size] = {}
            for name, q in wanted.items():
                reads.take()
                items = ids(listed(api, PATH, company="USMF", q=q, limit=20)["items"])
                counted[size][name] = reads.take()
                assert items, name
    assert counted[1000]["rare"] == counted[4000]["rare"] <= 3  # one index row, one record
    assert counted[4000]["page"] <= counted[1000]["page"] * 1.5  # a page of 20 and what it skipped
    assert counted[4000]["star"] >= 4000 > 3 * counted[1000]["star"]  # the scan grows with the company


def _many(first: str, count: int) -> str:
    """`count` distinct two-letter words starting at letter `first`: 33 fill a 100-character name."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    start = letters.index(first)
    return " ".join(letters[(start + n // 26) % 26] + letters[n % 26] for n in range(count))


def test_records_with_the_most_words_fit_every_transaction(api: Api, tables: TableServiceClient) -> None:
    """Assets of 33 + 9 words: each indexed by its first 40 (on a rename, its old index rows removed and
    every new one written in one transaction); an initial sync packs them by the operations each takes."""
    ident = "W-{}-A-B-C-D-E-F-G"  # 9 words; the last two are past the first 40
    lines = b"".join(jsonio.dumps(asset("fs", ident.format(n), _many("a", 33))) + b"\n" for n in range(5))
    assert imported(api, upload(api, lines, "fs", "jsonl", ASSETS))["counts"]["loaded"] == 5
    finished(api, initial_sync(api, ASSETS, source="fs"))
    assert len(index_rows(tables, "SCM", ident.format(0))) == 40
    assert found(api, "aa ba", side="scm") == [ident.format(n) for n in range(5)]
    assert found(api, "g", side="scm") == []  # "g" is past the first 40 words: no index row begins with it
    assert len(found(api, "w g", side="scm")) == 5  # read through "w", checked on the whole field
    assert len(found(api, "*-g", side="scm")) == 5  # ... and found by `*`
    create(api, "fs", ASSETS, asset("fs", ident.format(0), _many("h", 33), modifiedon=_later()))
    assert found(api, "aa") == [ident.format(n) for n in range(1, 5)]
    assert found(api, "ha ia", side="scm") == [ident.format(0)]
    assert len(index_rows(tables, "FS", ident.format(0))) == 40 == len(index_rows(tables, "SCM", ident.format(0)))
