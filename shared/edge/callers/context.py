"""The `RemoteExecutionContext` a Dataverse webhook posts (and F&O data events, proxied through Dataverse).

Models of the parts the sync reads — the rest of the context is accepted and ignored — and the typed
values of its entities (`OptionSetValue`, `Money`, `EntityReference`) made plain. Sample and field list:
Power Apps docs, "Use webhooks to create external handlers for server events".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.errors import BadRequestError, failures_of, problems


class _Part(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class KeyValue(_Part):
    """One `{"key": ..., "value": ...}` pair: how the context serialises every collection."""

    key: str
    value: Any = None


class Entity(_Part):
    """A row: `Target` of a Create or Update, or an image. `Attributes` hold only the columns sent."""

    LogicalName: str | None = None
    Id: str | None = None
    Attributes: list[KeyValue] = Field(default_factory=list)
    KeyAttributes: list[KeyValue] = Field(default_factory=list)
    FormattedValues: list[KeyValue] = Field(default_factory=list)


class ExecutionContext(_Part):
    """The webhook body (`Microsoft.Xrm.Sdk.RemoteExecutionContext` as JSON)."""

    MessageName: str = Field(description="Create, Update, Delete; OnExternalCreated/Updated/Deleted for F&O")
    PrimaryEntityName: str = Field(description="logical name of the table, e.g. msdyn_warehouse")
    PrimaryEntityId: str | None = None
    Stage: int | None = Field(default=None, description="40 = PostOperation, the stage to register")
    Depth: int | None = None
    Mode: int | None = None
    CorrelationId: str | None = None
    OperationId: str | None = None
    OrganizationId: str | None = None
    OperationCreatedOn: str | None = Field(default=None, description="/Date(ms)/: when the operation ran")
    InputParameters: list[KeyValue] = Field(default_factory=list)
    PreEntityImages: list[KeyValue] = Field(default_factory=list)
    PostEntityImages: list[KeyValue] = Field(default_factory=list)


@dataclass(frozen=True)
class Reference:
    """An `EntityReference` (a lookup's value): the row's table and GUID, maybe its name and key columns."""

    logical_name: str
    id: str
    name: str | None
    keys: dict[str, Any]


def parse_context(body: dict[str, Any]) -> ExecutionContext:
    """The context, or a 400 that says which part of it is malformed."""
    try:
        return ExecutionContext.model_validate(body)
    except ValidationError as exc:
        details = problems(failures_of(exc, "fs"))
        raise BadRequestError("body is not a RemoteExecutionContext this app can read", details=details) from None


def parameter(pairs: list[KeyValue], name: str) -> Any:
    return next((pair.value for pair in pairs if pair.key == name), None)


def entity(value: Any) -> Entity | None:
    """An Entity (Target, image) from its JSON; None for anything else, e.g. the EntityReference of a Delete."""
    if not isinstance(value, dict) or "Attributes" not in value:
        return None
    try:
        return Entity.model_validate(value)
    except ValidationError:
        raise BadRequestError("an entity of the context has malformed Attributes") from None


def images(context: ExecutionContext, *, pre: bool = True, post: bool = True) -> list[Entity]:
    """The registered images, post-images first (the state after the operation), then pre-images."""
    pairs = (context.PostEntityImages if post else []) + (context.PreEntityImages if pre else [])
    return [found for pair in pairs if (found := entity(pair.value)) is not None]


def attributes(row: Entity) -> dict[str, Any]:
    """The row's columns with typed values made plain; lookups stay `Reference`s until they are resolved."""
    return {pair.key: plain(pair.value) for pair in row.Attributes}


def formatted(row: Entity) -> dict[str, str]:
    return {pair.key: pair.value for pair in row.FormattedValues if isinstance(pair.value, str)}


def plain(value: Any) -> Any:
    """`OptionSetValue` and `Money` become their `Value`, `EntityReference` a Reference; others stay as sent
    (numbers, booleans, text, and dates as `/Date(ms)/`, which the models read)."""
    if not isinstance(value, dict):
        return value
    kind = str(value.get("__type", "")).split(":", 1)[0]
    if kind in ("OptionSetValue", "Money") or (not kind and set(value) == {"Value"}):
        return value.get("Value")
    if kind == "EntityReference" or (not kind and {"Id", "LogicalName"} <= set(value)):
        keys = value.get("KeyAttributes") or []
        if isinstance(keys, dict):
            pairs: Any = keys.items()
        else:
            pairs = (
                [(kv.get("key"), kv.get("value")) for kv in keys if isinstance(kv, dict)]
                if isinstance(keys, list)
                else []
            )
        return Reference(
            logical_name=str(value.get("LogicalName") or ""),
            id=str(value.get("Id") or "").strip("{}").lower(),
            name=value.get("Name") if isinstance(value.get("Name"), str) else None,
            keys={str(key): val for key, val in pairs},
        )
    return value
