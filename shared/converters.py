"""Named two-way value converters. Entity maps refer to these by object; none hides an expression string.

Each converter turns a valid FS value into the SCM value (`to_scm`) and back (`to_fs`), with
`to_fs(to_scm(x)) == x` for every valid x. A value it cannot convert raises ConversionError.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


class ConversionError(ValueError):
    """A value has no counterpart on the other side (e.g. an unknown option value)."""


@dataclass(frozen=True)
class Converter:
    name: str
    to_scm: Callable[[Any], Any]
    to_fs: Callable[[Any], Any]


def _same(value: Any) -> Any:
    return value


IDENTITY = Converter("identity", _same, _same)


def value_map(name: str, fs_to_scm: Mapping[Any, Any]) -> Converter:
    """A one-to-one table of values, e.g. an FS option set to an F&O enum name. None maps to None."""
    scm_to_fs = {scm: fs for fs, scm in fs_to_scm.items()}
    if len(scm_to_fs) != len(fs_to_scm):
        raise ValueError(f"value map {name} is not one-to-one")

    def lookup(table: Mapping[Any, Any], value: Any) -> Any:
        if value is None:
            return None
        try:
            return table[value]
        except (KeyError, TypeError):
            allowed = ", ".join(repr(v) for v in table)
            raise ConversionError(f"{value!r} is not one of {allowed}") from None

    return Converter(name, lambda v: lookup(fs_to_scm, v), lambda v: lookup(scm_to_fs, v))


YES_NO = value_map("bool_yes_no", {True: "Yes", False: "No"})

SCM_NULL_DATE = dt.date(1900, 1, 1)


def _date_to_scm(value: dt.date | None) -> dt.date:
    return SCM_NULL_DATE if value is None else value


def _date_to_fs(value: dt.date | None) -> dt.date | None:
    return None if value in (None, SCM_NULL_DATE) else value


# F&O has no empty date: it stores 1900-01-01 where Dataverse leaves the column empty.
NULL_DATE = Converter("scm_null_date", _date_to_scm, _date_to_fs)
