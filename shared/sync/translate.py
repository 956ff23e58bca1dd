"""One record of one side in, both sides' records out: validate, map, check both sides' rules.

Pure: no storage, no clock. The engine supplies the source record (already merged with what is
stored) and the target side's stored record, whose one-side fields survive the update.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from typing import Any

from shared.entities.spec import EntitySpec, Side, other
from shared.errors import Failure
from shared.sync.mapping import derived_fs, map_fields
from shared.sync.validation import check_fields, check_rules, dump, passed, replaced

Records = dict[Side, dict[str, Any]]


def translate(
    spec: EntitySpec, source: Side, raw: Mapping[str, Any], target_base: Mapping[str, Any] | None = None
) -> tuple[Records, list[Failure]]:
    """Both sides' exact records for `raw`, or every failure of either side (then records are empty)."""
    target = other(source)
    src_side, tgt_side = spec.side(source), spec.side(target)
    src = check_fields(src_side, raw)
    values = passed(src_side, raw, src)
    mapped, map_failures = map_fields(spec, source, values)
    tgt_raw = {
        **(target_base or {}),
        **mapped,
        tgt_side.company_field: raw.get(src_side.company_field),
        tgt_side.modified_field: values.get(src_side.modified_field),
    }
    tgt = check_fields(tgt_side, tgt_raw)
    echoes = _echoes(spec, source, src.failed_fields) if tgt.failures else set()
    failures = src.failures + map_failures + [f for f in tgt.failures if f.field not in echoes]
    if src.ok:
        failures += check_rules(src_side, src.values)
    if tgt.ok:
        failures += check_rules(tgt_side, tgt.values)
    if failures:
        return {}, failures
    checked = {source: src, target: tgt}
    fs, scm = checked["fs"].model, checked["scm"].model
    assert fs is not None and scm is not None, "a record that failed nothing has its model"
    # written as validated; only the FS fields filled from SCM's record are validated now, on their own
    fs = replaced(spec.fs, fs, derived_fs(spec, checked["scm"].values))
    return {"fs": dump(fs), "scm": dump(scm)}, []


def _echoes(spec: EntitySpec, source: Side, failed: AbstractSet[str]) -> set[str | None]:
    """The target's names of fields already reported on the source side: not reported again for the target."""
    target = other(source)
    return {pair.name(target) for pair in spec.fields if pair.name(source) in failed}
