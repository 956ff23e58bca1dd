"""Named two-way value converters. Entity maps refer to these by object; none hides an expression string.

Each converter turns a valid FS value into the SCM value (`to_scm`) and back (`to_fs`), with
`to_fs(to_scm(x)) == x` for every valid x. A value it cannot convert raises ConversionError.
`doc` says in a few words what it does, for the map tables of docs/maps.md; a value map also keeps its `table`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, get_args


class ConversionError(ValueError):
    """A value has no counterpart on the other side (e.g. an unknown option value)."""


@dataclass(frozen=True)
class Converter:
    name: str
    to_scm: Callable[[Any], Any]
    to_fs: Callable[[Any], Any]
    doc: str = ""
    table: tuple[tuple[Any, Any], ...] = ()  # (FS value, SCM value) of a value map


def _same(value: Any) -> Any:
    return value


IDENTITY = Converter("identity", _same, _same)


def value_map(name: str, pairs: Iterable[tuple[Any, Any]], doc: str | None = None) -> Converter:
    """A one-to-one table of (FS value, SCM value), e.g. an FS option set to an F&O enum name. None maps to None."""
    table = tuple(pairs)
    fs_to_scm, scm_to_fs = dict(table), {scm: fs for fs, scm in table}
    if not len(table) == len(fs_to_scm) == len(scm_to_fs):
        raise ValueError(f"value map {name} is not one-to-one")

    def lookup(mapping: dict[Any, Any], value: Any) -> Any:
        if value is None:
            return None
        try:
            return mapping[value]
        except (KeyError, TypeError):
            allowed = ", ".join(repr(v) for v in mapping)
            raise ConversionError(f"{value!r} is not one of {allowed}") from None

    spelled = ", ".join(f"{fs} `{scm}`" for fs, scm in table)
    return Converter(name, lambda v: lookup(fs_to_scm, v), lambda v: lookup(scm_to_fs, v), doc or spelled, table)


def option_map(name: str, values: Any, names: Any) -> Converter:
    """A Dataverse option set to an F&O enum, value for name: `values` and `names` are Literals in one order."""
    return value_map(name, zip(get_args(values), get_args(names), strict=True))


YES_NO = value_map("bool_yes_no", [(True, "Yes"), (False, "No")], doc="bool ⇄ `Yes`/`No`")

SCM_NULL_DATE = dt.date(1900, 1, 1)


def _date_to_scm(value: dt.date | None) -> dt.date:
    return SCM_NULL_DATE if value is None else value


def _date_to_fs(value: dt.date | None) -> dt.date | None:
    return None if value in (None, SCM_NULL_DATE) else value


# F&O has no empty date: it stores 1900-01-01 where Dataverse leaves the column empty.
NULL_DATE = Converter("scm_null_date", _date_to_scm, _date_to_fs, "FS empty ⇄ SCM `1900-01-01` (F&O's empty date)")
