"""translate's cost: each side's record is validated by its model once per change, and nothing twice."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter

from shared.entities import ENTITIES
from shared.entities.spec import Direction, Side, other
from shared.sync.translate import translate
from tests.samples import sample


@dataclass
class Validations:
    models: list[type[BaseModel]] = field(default_factory=list)  # each model_validate, by its model
    fields: int = 0  # each validation of one field on its own (a field's TypeAdapter)


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> Iterator[Validations]:
    counted = Validations()
    model_validate = BaseModel.model_validate.__func__  # type: ignore[attr-defined]
    adapter_validate = TypeAdapter.validate_python

    def counting_model_validate(cls: type[BaseModel], /, obj: Any, **options: Any) -> BaseModel:
        counted.models.append(cls)
        return model_validate(cls, obj, **options)  # type: ignore[no-any-return]

    def counting_adapter_validate(adapter: TypeAdapter[Any], obj: Any, **options: Any) -> Any:
        counted.fields += 1
        return adapter_validate(adapter, obj, **options)

    monkeypatch.setattr(BaseModel, "model_validate", classmethod(counting_model_validate))
    monkeypatch.setattr(TypeAdapter, "validate_python", counting_adapter_validate)
    yield counted


@pytest.mark.parametrize("source", ["fs", "scm"])
@pytest.mark.parametrize("slug", sorted(ENTITIES))
def test_an_accepted_change_validates_each_side_once(slug: str, source: Side, validations: Validations) -> None:
    spec = ENTITIES[slug]
    records, failures = translate(spec, source, sample(slug, source, "S1", 3, at=60))
    assert failures == [] and set(records) == {"fs", "scm"}
    assert validations.models == [spec.side(source).model, spec.side(other(source)).model]
    # only what FS fills from SCM's record (a warehouse's name) is validated after, each field on its own
    assert validations.fields == sum(pair.direction is Direction.TO_FS for pair in spec.fields)


@pytest.mark.parametrize("source", ["fs", "scm"])
@pytest.mark.parametrize("slug", sorted(ENTITIES))
def test_a_rejected_change_validates_each_side_once(slug: str, source: Side, validations: Validations) -> None:
    spec = ENTITIES[slug]
    side = spec.side(source)
    record = {**sample(slug, source, "S1", 3, at=60), side.company_field: "C" * 11}  # too long on both sides
    records, failures = translate(spec, source, record)
    assert records == {} and {failure.side for failure in failures} == {"fs", "scm"}
    assert validations.models == [side.model, spec.side(other(source)).model]
    # the source's passing fields, validated on their own to be mapped (the target's are not needed)
    assert validations.fields == len(record) - 1
