"""F&O events on `POST /api/scm/{entity}`: data events and business events, read as the entity's OData record.

A data event (an entity's create, update or delete, through the Power Platform integration) is a
RemoteExecutionContext: `MessageName` OnExternalCreated / OnExternalUpdated / OnExternalDeleted, the
virtual table `mserp_<entity>` and its columns `mserp_<field>` (the OData field names, lower-cased). Its
row is the whole record, and a date left out is empty (F&O drops null dates from the payload). An enum
arrives as an option value whose number Dataverse generates per environment (Microsoft: "you should not
rely on them"), so it is read through the row's `FormattedValues`, the option's label, which must name
the enum value; else `unresolved_option`. A business event is a flat envelope (`BusinessEventId`,
`BusinessEventLegalEntity`, `EventTime`, ...) whose other fields are the entity's OData fields. F&O has no
standard business event for these entities, so the project names its own, two per entity (from each spec:
changed, deleted); a route takes only its entity's, so an event of another entity is never applied here.
"""

from __future__ import annotations

import datetime as dt
import re
import typing
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.edge.callers import context as ctx
from shared.edge.callers.changes import Change, Delete, Upsert, key_of, refuse
from shared.edge.callers.lookups import others, resolve
from shared.entities import ENTITIES
from shared.entities.spec import EntitySpec
from shared.errors import Failure, rejected
from shared.keys import printable
from shared.sync.engine import Engine

PREFIX = "mserp_"
MESSAGES = {"onexternalcreated": "upsert", "onexternalupdated": "upsert", "onexternaldeleted": "delete"}
EventAction = Literal["upsert", "delete"]
# The business event ids each entity's route takes, and what each does (docs/connecting.md lists the same).
BUSINESS_EVENTS: dict[str, dict[str, EventAction]] = {slug: spec.business_events for slug, spec in ENTITIES.items()}


class BusinessEvent(BaseModel):
    """The envelope every F&O business event carries; the entity's OData fields follow it."""

    model_config = ConfigDict(extra="allow", frozen=True)

    BusinessEventId: str = Field(description="one of the route's entity's: e.g. FsScmSyncWarehouseChanged")
    BusinessEventLegalEntity: str | None = Field(default=None, description="the company, when no dataAreaId")
    ContextRecordSubject: str | None = None
    ControlNumber: int | None = None
    EventId: str | None = None
    EventTime: str | None = Field(default=None, description="/Date(ms)/; the time when no ModifiedDateTime")
    EventTimeIso8601: str | None = None
    InitiatingUserAADObjectId: str | None = None
    MajorVersion: int | None = None
    MinorVersion: int | None = None
    ParentContextRecordSubjects: list[Any] | None = None


ENVELOPE = frozenset(BusinessEvent.model_fields)


def is_data_event(body: dict[str, Any]) -> bool:
    return "MessageName" in body and "PrimaryEntityName" in body


def is_business_event(body: dict[str, Any]) -> bool:
    return "BusinessEventId" in body


def virtual_table(spec: EntitySpec) -> str:
    return PREFIX + spec.scm.entity_name.lower()


def business_event(engine: Engine, body: dict[str, Any]) -> Change:
    spec, own = engine.spec, engine.spec.scm
    event = BusinessEvent.model_validate(body)
    action = event_action(spec, event.BusinessEventId)
    record = {name: value for name, value in body.items() if name not in ENVELOPE}
    if record.get(own.company_field) is None and event.BusinessEventLegalEntity:
        record[own.company_field] = event.BusinessEventLegalEntity
    if record.get(own.modified_field) is None:
        record[own.modified_field] = event.EventTimeIso8601 or event.EventTime
    if action == "upsert":
        return Upsert(record)
    if key := key_of(spec, "scm", record):
        return Delete(*key, record[own.modified_field])
    message = f"a delete event names its {own.company_field} and {own.id_field}"
    raise refuse(spec, "scm", own.id_field, "required", message)


def event_action(spec: EntitySpec, event_id: str) -> EventAction:
    """What a business event does on this entity's route; a 422 (rule `event_id`) for an id it does not take."""
    events = BUSINESS_EVENTS[spec.slug]
    if (action := events.get(event_id)) is None:
        shown = printable(event_id[:100]) + ("…" if len(event_id) > 100 else "")
        message = f"this route takes the business events {', '.join(events)}, not {shown!r}"
        raise refuse(spec, "scm", "BusinessEventId", "event_id", message)
    return action


def data_event(engine: Engine, body: dict[str, Any]) -> Change:
    spec = engine.spec
    context = ctx.parse_context(body)
    if context.PrimaryEntityName.lower() != virtual_table(spec):
        message = f"this route takes {virtual_table(spec)} data events, not {printable(context.PrimaryEntityName)}"
        raise refuse(spec, "scm", "PrimaryEntityName", "entity_name", message)
    kind = MESSAGES.get(context.MessageName.lower())
    if kind is None:
        message = f"{printable(context.MessageName)} is not OnExternalCreated, OnExternalUpdated or OnExternalDeleted"
        raise refuse(spec, "scm", "MessageName", "allowed_values", message)
    rows = [row for name in ("Target", "PreImage") if (row := ctx.entity(ctx.parameter(context.InputParameters, name)))]
    rows += ctx.images(context)
    record = _record(spec, rows[0] if kind == "upsert" and rows else None, whole=kind == "upsert")
    for row in rows[1:] if kind == "upsert" else rows:  # key columns from the images
        record.update({n: v for n, v in _record(spec, row, whole=False).items() if record.get(n) is None})
    resolved, failures = resolve(spec, "scm", record, engine.store, engine.settings, others(engine))
    if failures:
        raise rejected(spec.title, None, failures)
    own = spec.scm
    if resolved.get(own.modified_field) is None:
        resolved[own.modified_field] = context.OperationCreatedOn
    if kind == "upsert":
        return Upsert(resolved)
    if key := key_of(spec, "scm", resolved):
        return Delete(*key, resolved[own.modified_field])
    message = f"the delete event carries no {own.company_field} and {own.id_field} (Target or PreImage)"
    raise refuse(spec, "scm", own.id_field, "unresolved_key", message)


def _record(spec: EntitySpec, row: ctx.Entity | None, whole: bool) -> dict[str, Any]:
    """A virtual-table row as the OData record: `mserp_` names mapped, enums read from their labels; for a
    whole row, every date the row leaves out is empty."""
    fields = {PREFIX + name.lower(): name for name in spec.scm.model.model_fields}
    record: dict[str, Any] = {}
    if whole:
        record.update({name: None for name in _dates(spec)})
    if row is None:
        return record
    labels = ctx.formatted(row)
    failures: list[Failure] = []
    for column, value in ctx.attributes(row).items():
        name = fields.get(column.lower())
        if name is None:
            continue
        if isinstance(value, int) and not isinstance(value, bool) and (names := _enum_names(spec, name)):
            label = _match(labels.get(column), names)
            if label is None:
                failures.append(_unresolved_option(name, value, labels.get(column)))
            value = label
        elif isinstance(value, bool) and _enum_names(spec, name) == ("Yes", "No"):
            value = "Yes" if value else "No"
        record[name] = value
    if failures:
        raise rejected(spec.title, None, failures)
    return record


def _dates(spec: EntitySpec) -> list[str]:
    """The SCM model's date fields (not the modification time)."""
    fields = spec.scm.model.model_fields
    return [
        name for name, info in fields.items() if dt.date in _leaves(info.annotation) and name != spec.scm.modified_field
    ]


def _enum_names(spec: EntitySpec, name: str) -> tuple[str, ...]:
    """The enum value names an SCM field takes (its Literal), or () for a field that is no enum."""
    leaves = _leaves(spec.scm.model.model_fields[name].annotation)
    return tuple(leaf for leaf in leaves if isinstance(leaf, str))


def _leaves(annotation: Any) -> list[Any]:
    """The types and literal values an annotation is made of, through Annotated, unions and Literals."""
    found: list[Any] = []
    todo = [annotation]
    while todo:
        kind = todo.pop()
        args = typing.get_args(kind)
        if typing.get_origin(kind) is typing.Literal:
            found += list(args)
        elif typing.get_origin(kind) is typing.Annotated:
            todo.append(args[0])
        elif args:
            todo += list(args)
        else:
            found.append(kind)
    return found


def _match(label: str | None, names: tuple[str, ...]) -> str | None:
    """The enum name an option's label spells, ignoring case, blanks and punctuation."""
    if label is None:
        return None
    wanted = _folded(label)
    return next((name for name in names if _folded(name) == wanted), None)


def _folded(text: str) -> str:
    return re.sub(r"[\W_]+", "", text).casefold()


def _unresolved_option(name: str, value: int, label: str | None) -> Failure:
    why = f"its label {printable(label)!r} names none of them" if label else "the event carries no label for it"
    return Failure(
        name,
        "unresolved_option",
        "scm",
        f"option value {value} could not be read as an enum value: {why} (Dataverse's option values for F&O "
        "enums differ per environment, so the number alone is not used)",
    )
