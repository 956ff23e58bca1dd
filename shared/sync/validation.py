"""Validation that reports every failure at once, each with its field, rule and side."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache, partial
from typing import Annotated, Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from shared.entities.spec import EntitySpec, Lookup, Side, SideSpec
from shared.errors import Failure, failures_of

# pydantic's error types, in the words of the rules they enforce


@dataclass
class Checked:
    """A side's record after field validation: what failed, or its typed values and its validated model
    (what `dump` writes). A rejected record's values that did pass are `passed`'s to work out."""

    values: dict[str, Any] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    model: BaseModel | None = None

    @property
    def failed_fields(self) -> set[str]:
        return {failure.field for failure in self.failures}

    @property
    def ok(self) -> bool:
        return not self.failures


def check_fields(side: SideSpec, raw: Mapping[str, Any]) -> Checked:
    """Validate a raw record against its side's model, once."""
    try:
        model = side.model.model_validate(raw)
    except ValidationError as exc:
        required = partial(_required, side)
        return Checked(failures=failures_of(exc, side.side, whole="(record)", required=required))
    return Checked(values=dict(model), model=model)


def passed(side: SideSpec, raw: Mapping[str, Any], checked: Checked) -> dict[str, Any]:
    """The typed values of the record's fields that passed: all of them, or after a failure each passing
    declared field's, validated again on its own (only a rejected source needs them: they are mapped, so
    that the target's failures are reported too)."""
    if checked.ok:
        return checked.values
    usable = side.model.model_fields.keys() - checked.failed_fields
    return {name: _field_value(side.model, name, value) for name, value in raw.items() if name in usable}


def check_rules(side: SideSpec, record: Mapping[str, Any]) -> list[Failure]:
    """The side's record rules; run only on a record whose every field passed."""
    return [
        Failure(rule.field, rule.name, side.side, reason)
        for rule in side.rules
        if (reason := rule.check(record)) is not None
    ]


def check_context(spec: EntitySpec, records: Mapping[Side, Mapping[str, Any]], lookup: Lookup) -> list[Failure]:
    """Rules that consult other stored records, each on its own side's record."""
    return [
        Failure(rule.field, rule.name, rule.side, reason)
        for rule in spec.context_rules
        if (reason := rule.check(records[rule.side], lookup)) is not None
    ]


def dump(model: BaseModel) -> dict[str, Any]:
    """The exact record the sync writes: every declared field, JSON-ready (dates as ISO text)."""
    return model.model_dump(mode="json")


def replaced(side: SideSpec, model: BaseModel, values: Mapping[str, Any]) -> BaseModel:
    """`model` with `values` in place of its own: each is validated as its field alone, the rest passed
    with the model."""
    if not values:
        return model
    adapted = {
        name: field_adapter(side.model, name).validate_python(value, strict=True) for name, value in values.items()
    }
    return model.model_copy(update=adapted)


@cache
def field_adapter(model: type[BaseModel], name: str) -> TypeAdapter[Any]:
    info = model.model_fields[name]
    return TypeAdapter(Annotated[info.annotation, info])  # type: ignore[arg-type]  # built at run time


def _field_value(model: type[BaseModel], name: str, value: Any) -> Any:
    # a value that passed the whole-model validation passes its own field's adapter
    return field_adapter(model, name).validate_python(value)


def _required(side: SideSpec, location: str) -> str:
    return f"{side.side.upper()} ({side.entity_name}) requires a value for {location}"
