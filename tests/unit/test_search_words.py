"""The pure parts of Quick Find search: words, `q`'s terms, the index keys and the range a prefix reads."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.errors import RejectedError
from shared.keys import Key
from shared.sync import search
from shared.sync.search import Terms

ROW_KEY = Key("USMF", "PUMP-1").row_key


@pytest.mark.parametrize(
    ("text", "words"),
    [
        pytest.param("Main pump, rebuilt", ["main", "pump", "rebuilt"], id="blanks-and-comma"),
        pytest.param("SN-100/B_7", ["sn", "100", "b", "7"], id="punctuation-and-underscore"),
        pytest.param("ÉCLAIR Straße", ["éclair", "strasse"], id="casefolded"),
        pytest.param("--", [], id="no-word"),
    ],
)
def test_words_split_at_blanks_and_punctuation(text: str, words: list[str]) -> None:
    assert search.words(text) == words


def test_q_is_plain_words_and_star_words() -> None:
    assert search.parse(" Pump  sn-1 *UMP ", "fs") == Terms(("pump", "sn", "1"), ("ump",))
    assert search.parse("pump PUMP", "fs") == Terms(("pump",), ())  # a word twice is one term
    assert search.parse("*n-10", "fs").lead is None  # `*` alone: no index range to read
    assert search.parse("a bcd bc", "fs").lead == "bcd"  # the longest word: likely the fewest rows


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        pytest.param("*", "empty_word", id="lone-star"),
        pytest.param("pump *", "empty_word", id="star-after-a-word"),
        pytest.param(" -- ", "empty_word", id="punctuation-alone"),
        pytest.param("x" * 201, "too_long", id="too-long"),
        pytest.param(" ".join("abcdefghijk"), "too_many_words", id="too-many-words"),
    ],
)
def test_unusable_q_is_422_naming_q(raw: str, rule: str) -> None:
    with pytest.raises(RejectedError) as caught:
        search.parse(raw, "scm")
    assert [(failure.field, failure.rule, failure.side) for failure in caught.value.failures] == [("q", rule, "scm")]


def test_all_words_must_match_within_one_field() -> None:
    terms = search.parse("pump main", "fs")
    assert terms.matches(("Main pump", None, "SN-1"))
    assert terms.matches(("pump, MAIN", None, None))  # any order
    assert not terms.matches(("Main", "PUMP-1", None))  # across two fields: no
    assert not search.parse("ump", "fs").matches(("Main pump", None, None))  # begins a word, not inside one
    assert search.parse("*ump", "fs").matches(("Main pump", None, None))
    assert search.parse("main *n-1", "fs").matches(("Main SN-100", None, None))


def test_a_record_is_listed_at_its_first_matching_index_row() -> None:
    indexed = ("Pump pusher", "PUMP-1", "PU-9")
    terms = search.parse("pu", "fs")
    first = terms.first_key(ROW_KEY, indexed)
    keys = search.index_keys(ROW_KEY, indexed)
    assert first == min(key for key in keys if search.span("USMF", "pu")[0] <= key < search.span("USMF", "pu")[1])
    assert search.record_key(first) == ROW_KEY
    assert search.parse("pu x", "fs").first_key(ROW_KEY, indexed) is None


def test_a_record_has_at_most_max_words_index_rows() -> None:
    many = " ".join(f"w{number}" for number in range(100))
    assert len(search.entries((many, "ID", many))) == search.MAX_WORDS
    assert search.entries(("Pump pump", "PUMP")) == [("pump", 0), ("pump", 1)]  # distinct per field


@given(st.text(min_size=1, max_size=60), st.integers(min_value=1, max_value=60))
def test_every_prefix_range_holds_the_words_it_begins(text: str, cut: int) -> None:
    row_key = Key("usmf", "A/1 ß").row_key
    for word, field in search.entries((text,)):
        low, high = search.span("USMF", word[:cut])
        assert low <= search.index_key(row_key, word, field) < high
        assert search.record_key(search.index_key(row_key, word, field)) == row_key


def test_stamp_round_trips_and_empty_fields_are_no_stamp() -> None:
    assert search.unstamp(search.stamp(("Pump", None, "SN"))) == ("Pump", None, "SN")
    assert search.stamp((None, None)) is None
