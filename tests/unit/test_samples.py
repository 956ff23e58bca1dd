"""tests/samples.py: every entity has a valid record of each side, the two sides agree, versions differ."""

from __future__ import annotations

from typing import Any

import pytest

from shared.entities import ENTITIES
from shared.sync.translate import translate
from tests.samples import BUILDERS, sample


def _set(record: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in record.items() if value is not None and name not in ("modifiedon",)}


def test_every_entity_has_builders() -> None:
    assert set(BUILDERS) == set(ENTITIES)


@pytest.mark.parametrize("slug", sorted(ENTITIES))
@pytest.mark.parametrize("version", [0, 1, 7])
def test_samples_are_valid_and_the_two_sides_agree(slug: str, version: int) -> None:
    spec = ENTITIES[slug]
    fs, scm = sample(slug, "fs", "S1", version), sample(slug, "scm", "S1", version)
    from_fs, failures = translate(spec, "fs", fs)
    assert failures == []
    from_scm, failures = translate(spec, "scm", scm)
    assert failures == []
    assert _set(from_fs["scm"]) == _set(from_scm["scm"])
    assert _set(from_fs["fs"]) == _set(from_scm["fs"])


@pytest.mark.parametrize("slug", sorted(ENTITIES))
def test_versions_differ_in_two_way_content(slug: str) -> None:
    spec = ENTITIES[slug]
    contents = [
        {
            pair.scm: translate(spec, "fs", sample(slug, "fs", "S1", v))[0]["scm"].get(pair.scm)
            for pair in spec.two_way()
        }
        for v in range(3)
    ]
    assert contents[0] != contents[1] != contents[2] != contents[0]
