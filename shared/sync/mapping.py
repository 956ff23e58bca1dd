"""Mapping a record from one side's schema to the other's, field pair by field pair."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from shared import jsonio
from shared.converters import ConversionError
from shared.entities.spec import Direction, EntitySpec, Side, other
from shared.errors import Failure


def map_fields(spec: EntitySpec, source: Side, values: Mapping[str, Any]) -> tuple[dict[str, Any], list[Failure]]:
    """The target side's values of every two-way field present in `values`, and what could not convert."""
    target = other(source)
    mapped: dict[str, Any] = {}
    failures: list[Failure] = []
    for pair in spec.two_way():
        src, dst = pair.name(source), pair.name(target)
        if src is None or dst is None or src not in values:
            continue
        convert = pair.converter.to_scm if target == "scm" else pair.converter.to_fs
        try:
            mapped[dst] = convert(values[src])
        except ConversionError as exc:
            failures.append(Failure(src, pair.converter.name, target, f"has no {target.upper()} value: {exc}"))
    return mapped, failures


def derived_fs(spec: EntitySpec, scm_values: Mapping[str, Any]) -> dict[str, Any]:
    """FS fields filled one way from SCM fields (e.g. a warehouse's FS name from its id)."""
    return {
        pair.fs: scm_values.get(pair.scm)
        for pair in spec.fields
        if pair.direction is Direction.TO_FS and pair.fs and pair.scm
    }


def content_hash(spec: EntitySpec, scm_record: Mapping[str, Any]) -> str:
    """Hash of the two-way content in SCM terms: equal for both sides of a synced pair."""
    content = {pair.scm: scm_record.get(pair.scm) for pair in spec.two_way() if pair.scm}
    return hashlib.sha256(jsonio.dumps_canonical(content)).hexdigest()[:32]
