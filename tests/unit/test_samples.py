"""tests/samples/: every entity has all its samples, each valid on both sides; the two sides agree, versions
differ, and an entity without samples fails loudly."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from shared.edge.callers.fno import PREFIX
from shared.entities import ENTITIES
from shared.sync.translate import translate
from tests.samples import SAMPLES, needs, sample, samples_of
from tests.samples.model import EntitySamples


def _set(record: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in record.items() if value is not None and name not in ("modifiedon",)}


def test_every_entity_has_all_its_samples() -> None:
    assert set(SAMPLES) == set(ENTITIES), "declare the samples of every entity in the registry (tests/samples/)"
    required = {field.name for field in dataclasses.fields(EntitySamples) if field.default is dataclasses.MISSING}
    for slug, samples in SAMPLES.items():
        assert all(callable(getattr(samples, name)) for name in required - {"text"}), slug
        fs_text, scm_text = samples.text
        assert fs_text in ENTITIES[slug].fs.model.model_fields and scm_text in ENTITIES[slug].scm.model.model_fields


def test_an_entity_without_samples_fails_loudly() -> None:
    with pytest.raises(KeyError, match="'stock-levels' has no test samples: declare its EntitySamples"):
        samples_of("stock-levels")
    with pytest.raises(KeyError, match="has no test samples"):
        sample("stock-levels", "fs", "S1")


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


@pytest.mark.parametrize("slug", sorted(ENTITIES))
def test_native_columns_carry_the_key_under_the_real_names(slug: str) -> None:
    spec, samples = ENTITIES[slug], samples_of(slug)
    columns = samples.dataverse("N1", 1, "USMF")
    assert columns[spec.fs.id_field] == "N1" and spec.fs.company_field in columns
    row, _ = samples.fno("N1", 1, "USMF")
    assert row[PREFIX + spec.scm.id_field.lower()] == "N1" and row[PREFIX + "dataareaid"] == "usmf"


@pytest.mark.parametrize("slug", sorted(ENTITIES))
def test_what_samples_name_is_declared_and_sampled(slug: str) -> None:
    """Every record a sample names is one of its `needs`, and each need is an entity with samples."""
    for entity, record in needs(slug):
        assert entity in ENTITIES and translate(ENTITIES[entity], "fs", record)[1] == []
    named = {(ref.entity, sample(slug, "fs", "S1")[ref.fs]) for ref in ENTITIES[slug].foreign}
    assert named <= set(samples_of(slug).needs)
