"""The converter registry: every converter is a two-way pair with to_fs(to_scm(x)) == x."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.converters import IDENTITY, NULL_DATE, SCM_NULL_DATE, YES_NO, ConversionError, option_map, value_map


@given(st.none() | st.booleans())
def test_yes_no_round_trip(value: bool | None) -> None:
    assert YES_NO.to_fs(YES_NO.to_scm(value)) == value


@given(st.none() | st.dates(min_value=dt.date(1900, 1, 2)))
def test_null_date_round_trip(value: dt.date | None) -> None:
    assert NULL_DATE.to_fs(NULL_DATE.to_scm(value)) == value


def test_null_date_is_1900_01_01_in_scm() -> None:
    assert NULL_DATE.to_scm(None) == SCM_NULL_DATE
    assert NULL_DATE.to_fs(SCM_NULL_DATE) is None


@given(st.none() | st.integers() | st.text())
def test_identity(value: object) -> None:
    assert IDENTITY.to_fs(IDENTITY.to_scm(value)) == value


def test_value_map_refuses_unknown_values_and_non_bijections() -> None:
    with pytest.raises(ConversionError, match="not one of"):
        YES_NO.to_scm("yes")
    with pytest.raises(ConversionError):
        YES_NO.to_fs(["Yes"])  # unhashable
    with pytest.raises(ValueError, match="one-to-one"):
        value_map("broken", [(1, "A"), (2, "A")])
    with pytest.raises(ValueError, match="one-to-one"):
        value_map("broken", [(1, "A"), (1, "B")])


def test_option_map_pairs_two_literals_in_order_and_spells_its_table() -> None:
    converter = option_map("colour", Literal[1, 2], Literal["Red", "Blue"])
    assert converter.table == ((1, "Red"), (2, "Blue"))
    assert (converter.to_scm(2), converter.to_fs("Red")) == ("Blue", 1)
    assert converter.doc == "1 `Red`, 2 `Blue`"
    with pytest.raises(ValueError):  # one list longer than the other
        option_map("broken", Literal[1, 2], Literal["Red"])
