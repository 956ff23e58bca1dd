"""Key identity: simple case mapping, characters no key may hold, and text made safe for logs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.keys import Key, bad_characters, normalise, printable, simple_upper


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        pytest.param("wh-01", "WH-01", True, id="ascii"),
        pytest.param("ärm", "ÄRM", True, id="umlaut"),
        pytest.param("straße", "STRASSE", False, id="sharp-s-upper-cases-to-two"),
        pytest.param("ıd", "ID", False, id="dotless-i-is-not-lower-i"),
        pytest.param("ﬁx", "FIX", False, id="ligature"),
        pytest.param("ς", "Σ", False, id="final-sigma"),
        pytest.param(" a ", "A", True, id="blanks"),
    ],
)
def test_simple_case_mapping(a: str, b: str, same: bool) -> None:
    assert (Key("USMF", a).row_key == Key("USMF", b).row_key) is same


@given(st.text())
def test_simple_upper_keeps_the_length_and_is_idempotent(text: str) -> None:
    upper = simple_upper(text)
    assert len(upper) == len(text)
    assert simple_upper(upper) == upper


@given(st.text(alphabet=st.characters(codec="ascii")))
def test_ascii_is_plain_upper_case(text: str) -> None:
    assert normalise(text) == text.strip().upper()


@pytest.mark.parametrize("char", ["/", "\\", "#", "?", "\n", "\x00", "\x1f", "\x7f", "\x85"])
def test_characters_no_key_may_hold(char: str) -> None:
    assert bad_characters(f"A{char}B{char}") == [char]


def test_ordinary_text_is_a_fine_key() -> None:
    assert bad_characters("Net 30-ÄÖ_ü.~😀") == []


@given(st.text())
def test_printable_text_has_no_line_breaks(text: str) -> None:
    assert "\n" not in printable(text) and "\r" not in printable(text)
    assert str(Key(text or "x", "y")).isprintable()
