"""Integration keys: one record per key whatever the letter case, and always a legal RowKey."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.keys import Key, company_range, decode_row_key

FORBIDDEN = set("/\\#?") | {chr(c) for c in range(0x20)} | {chr(c) for c in range(0x7F, 0xA0)}


@pytest.mark.parametrize(
    ("a", "b"),
    [
        pytest.param(Key("usmf", "net30"), Key("USMF", "NET30"), id="case"),
        pytest.param(Key(" USMF ", "Net30 "), Key("USMF", "NET30"), id="blanks"),
    ],
)
def test_same_record(a: Key, b: Key) -> None:
    assert a.row_key == b.row_key


def test_row_key_is_readable() -> None:
    assert Key("usmf", "Net 30/A").row_key == "USMF|NET%2030%2FA"


@given(st.text(min_size=1), st.text(min_size=1))
def test_row_key_is_legal_and_reversible(company: str, ident: str) -> None:
    key = Key(company, ident)
    assert not set(key.row_key) & FORBIDDEN
    assert key.row_key.count("|") == 1
    assert decode_row_key(key.row_key).as_dict() == key.as_dict()


@given(st.text(min_size=1), st.text(min_size=1), st.text(min_size=1))
def test_company_range_holds_exactly_that_company(company: str, other: str, ident: str) -> None:
    low, high = company_range(company)
    inside = low <= Key(other, ident).row_key < high
    assert inside == (Key(other, "x").as_dict()["company"] == Key(company, "x").as_dict()["company"])
