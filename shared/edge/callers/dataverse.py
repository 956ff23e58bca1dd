"""Dataverse webhooks on `POST /api/fs/{entity}`: Create, Update and Delete of the entity's table.

A Create or Update carries the row in `Target` (an Update only the changed columns, which the engine
lays over the stored record); a Delete only the row's GUID, so its key comes from a pre-image, or from
the GUID the sync stored with the record. Lookups resolve as lookups.py says; `modifiedon` falls back to
the operation's time. A body flagged `x-ms-dynamics-msg-size-exceeded` lost its record on the way
(Dataverse drops it over 256 KB): it is recorded in the error log for a re-sync, never taken as empty.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from shared.edge.callers import context as ctx
from shared.edge.callers.changes import Change, Delete, Upsert, key_of, refuse
from shared.edge.callers.lookups import as_guid, find_by_guid, guid_column, others, resolve
from shared.errors import NotFoundError, PayloadTooLargeError, rejected
from shared.keys import printable
from shared.sync.engine import Engine
from shared.sync.errorlog import ErrorEntry, entry_row_key

log = logging.getLogger(__name__)

SIZE_EXCEEDED = "x-ms-dynamics-msg-size-exceeded"
POST_OPERATION = 40
MESSAGES = {"create": "upsert", "update": "upsert", "delete": "delete"}


def is_webhook(body: dict[str, Any]) -> bool:
    return "MessageName" in body and "PrimaryEntityName" in body


def change(engine: Engine, body: dict[str, Any], headers: dict[str, str]) -> Change:
    spec = engine.spec
    context = ctx.parse_context(body)
    if context.PrimaryEntityName.lower() != spec.fs.entity_name:
        message = f"this route takes {spec.fs.entity_name} webhooks, not {printable(context.PrimaryEntityName)}"
        raise refuse(spec, "fs", "PrimaryEntityName", "entity_name", message)
    if SIZE_EXCEEDED in headers:
        raise _truncated(engine, context)
    if context.Stage is not None and context.Stage != POST_OPERATION:
        message = f"register the step on PostOperation ({POST_OPERATION}): earlier stages may still roll back"
        raise refuse(spec, "fs", "Stage", "stage", message)
    kind = MESSAGES.get(context.MessageName.lower())
    if kind is None:
        message = f"{printable(context.MessageName)} is not Create, Update or Delete"
        raise refuse(spec, "fs", "MessageName", "allowed_values", message)
    return _delete(engine, context) if kind == "delete" else _upsert(engine, context)


def _upsert(engine: Engine, context: ctx.ExecutionContext) -> Upsert:
    spec, settings = engine.spec, engine.settings
    target = ctx.entity(ctx.parameter(context.InputParameters, "Target"))
    if target is None:
        raise refuse(spec, "fs", "InputParameters.Target", "required", f"a {context.MessageName} carries its row")
    record: dict[str, Any] = {}
    for image in reversed(ctx.images(context, pre=False)):
        record.update(ctx.attributes(image))
    record.update(ctx.attributes(target))
    record.update({pair.key: ctx.plain(pair.value) for pair in target.KeyAttributes})
    if guid := as_guid(target.Id) or as_guid(context.PrimaryEntityId):
        record[guid_column(spec)] = guid
    if record.get(spec.fs.modified_field) is None and context.OperationCreatedOn:
        record[spec.fs.modified_field] = context.OperationCreatedOn
    record = _with_key(engine, context, record, guid)
    resolved, failures = resolve(spec, "fs", record, engine.store, settings, others(engine))
    if failures:
        raise rejected(spec.title, None, failures)
    return Upsert(resolved)


def _with_key(
    engine: Engine, context: ctx.ExecutionContext, record: dict[str, Any], guid: str | None
) -> dict[str, Any]:
    """The record with its company and id: as sent, from a pre-image (key columns never change), or from
    the record the sync holds under the GUID."""
    spec, own = engine.spec, engine.spec.fs
    names = (own.company_field, own.id_field)
    for image in ctx.images(context, post=False):
        before = ctx.attributes(image)
        record.update({name: before[name] for name in names if name not in record and name in before})
    if all(record.get(name) is not None for name in names):
        return record
    stored = find_by_guid(spec, engine.store, engine.settings.companies, guid) if guid else None
    if stored is None:
        raise refuse(
            spec,
            "fs",
            own.id_field,
            "unresolved_key",
            f"the {context.MessageName} names no {own.company_field} and {own.id_field}, and the sync holds no "
            f"{spec.fs.entity_name} with GUID {guid}: register a pre-image (or post-image) with both columns",
        )
    return {**record, **{name: stored[name] for name in names if record.get(name) is None}}


def _delete(engine: Engine, context: ctx.ExecutionContext) -> Delete:
    spec = engine.spec
    target = ctx.parameter(context.InputParameters, "Target")
    guid = as_guid(target.get("Id") if isinstance(target, dict) else None) or as_guid(context.PrimaryEntityId)
    for image in ctx.images(context, post=False):
        before, failures = resolve(spec, "fs", ctx.attributes(image), engine.store, engine.settings, others(engine))
        if failures:
            raise rejected(spec.title, None, failures)
        if key := key_of(spec, "fs", before):
            return Delete(*key, context.OperationCreatedOn)
    stored = find_by_guid(spec, engine.store, engine.settings.companies, guid) if guid else None
    if stored is None:
        raise NotFoundError(
            f"{spec.title}: the deleted {spec.fs.entity_name} {guid} is not a record the sync holds, and the "
            "webhook carries no pre-image with its key; nothing to delete"
        )
    return Delete(stored[spec.fs.company_field], stored[spec.fs.id_field], context.OperationCreatedOn)


class TruncatedWebhookError(PayloadTooLargeError):
    """Dataverse left the row out of a webhook (413: Dataverse does not retry). `entry` is the error-log entry
    the route records, so that the change can be synced again."""

    def __init__(self, message: str, slug: str, key: tuple[str | None, str | None], entry_id: str, guid: Any) -> None:
        company, ident = key
        self.entry = ErrorEntry(slug, "fs-to-scm", company, ident, entry_id, 0, self, source="webhook")
        logged = entry_row_key(self.entry)  # the key's open entry when the sync knows the record
        details = [{"error_log_id": logged, "entity_id": guid, "key": {"company": company, "id": ident}}]
        super().__init__(message, details=details)


def _truncated(engine: Engine, context: ctx.ExecutionContext) -> TruncatedWebhookError:
    """The change that Dataverse left out, as an error whose entry goes to the error log."""
    spec = engine.spec
    guid = as_guid(context.PrimaryEntityId)
    stored = find_by_guid(spec, engine.store, engine.settings.companies, guid) if guid else None
    company, ident = (stored[spec.fs.company_field], stored[spec.fs.id_field]) if stored else (None, None)
    entry_id = f"webhook-{as_guid(context.OperationId) or uuid.uuid4()}"
    message = (
        f"Dataverse left the row out of this {printable(context.MessageName)} webhook (its message was over "
        f"256 KB): {spec.fs.entity_name} {guid} ({company or '?'}/{ident or '?'}) is recorded in the error log "
        "for a re-sync (details: error_log_id); nothing was written"
    )
    return TruncatedWebhookError(message, spec.slug, (company, ident), entry_id, guid)
