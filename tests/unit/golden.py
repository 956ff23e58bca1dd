"""Golden cases of an entity map: one row per field and value, as the dual-write template gives them,
checked in both directions on a minimal valid record of each side."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pytest
from hypothesis import strategies as st

from shared.entities.common import utf16_units
from shared.entities.spec import Direction, EntitySpec, Side
from shared.sync.translate import translate

Row = tuple[str, Any, str, Any]  # FS field, FS value, SCM field, SCM value (as each side's record holds it)


def params(rows: Iterable[Row]) -> list[Any]:
    return [pytest.param(*row, id=f"{row[0]}={row[1]!r}") for row in rows]


def mapped(spec: EntitySpec, source: Side, record: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Both sides' records for a record that must pass."""
    records, failures = translate(spec, source, record)
    assert failures == [], failures
    return records


def assert_both_ways(spec: EntitySpec, bases: Mapping[Side, Mapping[str, Any]], row: Row) -> None:
    fs_field, fs_value, scm_field, scm_value = row
    assert mapped(spec, "fs", {**bases["fs"], fs_field: fs_value})["scm"][scm_field] == scm_value
    assert mapped(spec, "scm", {**bases["scm"], scm_field: scm_value})["fs"][fs_field] == fs_value


def uncovered(spec: EntitySpec, rows: Iterable[Row]) -> set[tuple[str, Any]]:
    """Two-way fields without a golden row, and option values (of either side) no row shows."""
    rows = list(rows)
    named = {(fs, scm) for fs, _, scm, _ in rows}
    shown = {(fs, fs_value) for fs, fs_value, _, _ in rows} | {(scm, scm_value) for _, _, scm, scm_value in rows}
    missing: set[tuple[str, Any]] = set()
    for pair in spec.fields:
        if pair.direction is not Direction.BOTH or pair.fs is None or pair.scm is None:
            continue
        if (pair.fs, pair.scm) not in named:
            missing.add((pair.fs, pair.scm))
        for fs_value, scm_value in pair.converter.table:
            missing |= {(pair.fs, fs_value), (pair.scm, scm_value)} - shown
    return missing


def text(max_units: int, min_units: int = 0, *, blank: bool = True) -> st.SearchStrategy[str]:
    """Texts that fit a field of `max_units` UTF-16 units (an astral character counts 2); with
    `blank=False` never blank (blank is no value)."""
    drawn = st.text(min_size=min_units, max_size=max_units)
    return drawn.filter(lambda s: min_units <= utf16_units(s) <= max_units and (blank or bool(s.strip())))
