"""The Ship Via map: golden cases both ways and every field rule."""

from __future__ import annotations

from typing import Any

import pytest

from shared.entities.ship_via import SPEC
from shared.sync.translate import translate

T0 = "2026-03-01T12:30:00Z"
FS = {"msdyn_company": "USMF", "modifiedon": T0, "msdyn_name": "Truck", "msdyn_description": "Truck delivery"}
SCM = {"dataAreaId": "USMF", "ModifiedDateTime": T0, "ModeCode": "Truck", "ModeDescription": "Truck delivery"}


@pytest.mark.parametrize(
    ("source", "record", "expected"),
    [
        pytest.param("fs", FS, SCM, id="fs-full"),
        pytest.param("scm", SCM, FS, id="scm-full"),
        pytest.param(
            "scm",
            {"dataAreaId": "demf", "ModeCode": "air", "ModeDescription": ""},
            {"msdyn_company": "demf", "msdyn_name": "air"},
            id="scm-blank-description",
        ),
    ],
)
def test_golden_map(source: str, record: dict[str, Any], expected: dict[str, Any]) -> None:
    records, failures = translate(SPEC, source, record)  # type: ignore[arg-type]
    assert failures == []
    target = "scm" if source == "fs" else "fs"
    assert {k: v for k, v in records[target].items() if v is not None} == expected


@pytest.mark.parametrize(
    ("source", "record", "expected"),
    [
        pytest.param("fs", {**FS, "msdyn_name": "ELEVENCHARS"}, ("ModeCode", "max_length", "scm"), id="code-10"),
        pytest.param("scm", {**SCM, "ModeCode": ""}, ("ModeCode", "min_length", "scm"), id="code-empty"),
        pytest.param(
            "fs", {**FS, "msdyn_description": "x" * 61}, ("ModeDescription", "max_length", "scm"), id="description-60"
        ),
        pytest.param("scm", {**SCM, "ModeDescription": 5}, ("ModeDescription", "type", "scm"), id="description-type"),
    ],
)
def test_rules(source: str, record: dict[str, Any], expected: tuple[str, str, str]) -> None:
    records, failures = translate(SPEC, source, record)  # type: ignore[arg-type]
    assert records == {}
    assert [(f.field, f.rule, f.side) for f in failures] == [expected]
