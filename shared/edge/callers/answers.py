"""The shapes of the app's answers, as models: the OpenAPI description is generated from them (and from
the entity models), and schemathesis checks every answer of the running app against that description."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from shared.entities.spec import EntitySpec, Side

SideName = Literal["fs", "scm"]


class _Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorInfo(_Answer):
    code: str = Field(description="bad_request, unauthorized, forbidden, not_found, stale, validation_failed, ...")
    message: str
    details: list[dict[str, Any]] = Field(description="for 422: every failure as {field, rule, side, message}")


class ErrorAnswer(_Answer):
    error: ErrorInfo


class Key(_Answer):
    company: str
    id: str


class SyncInfo(_Answer):
    source_time: dt.datetime = Field(description="the source system's modification time this row reflects")
    origin: SideName = Field(description="the side whose change produced this version")
    created_by: SideName
    content_hash: str
    operation_id: str


class Health(_Answer):
    status: Literal["ok"]
    entities: list[str]


class RecoveryReport(_Answer):
    entity: str
    completed: int
    deleted: int
    confirmed: int
    abandoned: int
    busy: int
    young: int
    purged: int
    located: int
    unlocated: int
    indexed: int
    error: str | None = None


class Recovered(_Answer):
    entities: list[RecoveryReport]


class Queued(_Answer):
    """While the entity is paused (docs/operating.md, "Pause, resume and status"): accepted, applied on resume."""

    status: Literal["queued"]
    entity: str
    key: Key


@cache
def stored(spec: EntitySpec, side: Side) -> type[BaseModel]:
    """One side's row as answered: the record in that side's schema and its sync metadata."""
    model = spec.side(side).model
    return create_model(f"{model.__name__}Row", __base__=_Answer, record=(model, ...), sync=(SyncInfo, ...))


@cache
def outcome(spec: EntitySpec) -> type[BaseModel]:
    """The answer of a change or a delete: both sides' rows as stored (None once deleted)."""
    fields: dict[str, Any] = {
        "status": (Literal["created", "updated", "unchanged", "deleted"], ...),
        "entity": (Literal[spec.slug], ...),
        "key": (Key, ...),
        "operation_id": (str, ...),
        "fs": (stored(spec, "fs") | None, ...),
        "scm": (stored(spec, "scm") | None, ...),
    }
    return create_model(f"{_name(spec)}Outcome", __base__=_Answer, **fields)


@cache
def one(spec: EntitySpec, side: Side) -> type[BaseModel]:
    model = spec.side(side).model
    return create_model(
        f"{model.__name__}One", __base__=_Answer, key=(Key, ...), record=(model, ...), sync=(SyncInfo, ...)
    )


@cache
def page(spec: EntitySpec, side: Side) -> type[BaseModel]:
    model = spec.side(side).model
    extra: dict[str, Any] = {"distance_km": (float | None, Field(default=None, description="with near=: km away"))}
    item = create_model(
        f"{model.__name__}Item",
        __base__=_Answer,
        key=(Key, ...),
        record=(model, ...),
        sync=(SyncInfo, ...),
        origin=(SideName, Field(description="the side in which the record was first created")),
        **(extra if spec.geo else {}),
    )
    fields: dict[str, Any] = {"items": (list[item], ...), "continuation": (str | None, ...)}
    return create_model(f"{model.__name__}Page", __base__=_Answer, **fields)


def _name(spec: EntitySpec) -> str:
    return "".join(part.title() for part in spec.slug.split("-"))
