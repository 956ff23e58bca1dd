"""A POST body as its caller sent it — the app's own flat record, a Dataverse webhook, an F&O data event or
business event — read as one change for the engine. The flat record is what the others become."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from shared.callers import dataverse, fno
from shared.callers.changes import Change, Upsert
from shared.engine import Engine
from shared.errors import BadRequestError
from shared.spec import Side


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
        details = [
            {"field": ".".join(str(part) for part in err["loc"]), "problem": err["msg"]}
            for err in exc.errors(include_input=False, include_url=False)
        ]
        raise BadRequestError(f"body is not a {shape.replace('_', ' ')} this app can read", details=details) from None
    return Upsert(body)
