"""A POST body as its caller sent it — the app's own flat record, a Dataverse webhook, an F&O data event or
business event — read as one change for the engine. The flat record is what the others become."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from shared.edge.callers import dataverse, fno
from shared.edge.callers.changes import Change, Upsert
from shared.entities.spec import Side
from shared.errors import BadRequestError, failures_of, problems
from shared.sync.engine import Engine


def kind(source: Side, body: dict[str, Any]) -> str:
    """Which shape a body has: `webhook`, `data_event`, `business_event` or `record`."""
    if source == "fs":
        return "webhook" if dataverse.is_webhook(body) else "record"
    if fno.is_data_event(body):
        return "data_event"
    return "business_event" if fno.is_business_event(body) else "record"


def parse(engine: Engine, source: Side, body: dict[str, Any], headers: dict[str, str]) -> Change:
    shape = kind(source, body)
    try:
        if shape == "webhook":
            return dataverse.change(engine, body, headers)
        if shape == "data_event":
            return fno.data_event(engine, body)
        if shape == "business_event":
            return fno.business_event(engine, body)
    except ValidationError as exc:
        details = problems(failures_of(exc, source))
        raise BadRequestError(f"body is not a {shape.replace('_', ' ')} this app can read", details=details) from None
    return Upsert(body)
