"""Holding a paused entity's changes at arrival (docs/operating.md, "Pause, resume and status"): a request
or queue message goes to the backlog, in arrival order, and the caller is answered at once (202 / done).
The catch-up job applies them after a resume (shared/operations/catchup.py)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from shared.edge.callers import native
from shared.edge.callers.changes import Delete, key_of
from shared.edge.request import Request
from shared.entities.spec import Side
from shared.keys import printable
from shared.operations.backlog import Backlog, Held
from shared.sync.engine import Engine

log = logging.getLogger(__name__)

KEPT_HEADERS = "x-ms-"  # the only headers a parser reads later (Dataverse's); never a credential


def hold_request(
    backlog: Backlog,
    engine: Engine,
    source: Side,
    request: Request,
    body: dict[str, Any] | None,
    modified: Any,
    signed_at: dt.datetime | None = None,
) -> Any:
    """A POST (parsed `body`) or DELETE on a paused entity's route: kept in the backlog; the 202's payload.
    A signed request counts as arrived at its signed time, which catch-up gives a change without its own."""
    company, ident = request.company, request.ident
    if body is not None:
        company, ident = _key(engine, source, body, dict(request.headers))
    stored = backlog.add(
        Held(
            entity=engine.spec.slug,
            origin="http",
            side=source,
            method=request.method.upper(),
            body=request.body,
            arrived=signed_at or dt.datetime.now(dt.UTC),
            company=company,
            ident=ident,
            content_type=request.content_type,
            headers={name: value for name, value in request.headers.items() if name.startswith(KEPT_HEADERS)},
            modified=modified,
        )
    )
    log.info(
        "%s %s from %s held while paused",
        engine.spec.slug,
        printable(f"{company}/{ident}"),
        source,
        extra={"entity": engine.spec.slug, "side": source, "backlog": stored.row_key},
    )
    return {"status": "queued", "entity": engine.spec.slug, "key": {"company": company, "id": ident}}


def hold_message(backlog: Backlog, slug: str, source: Side, body: bytes, message_id: str, dequeue_count: int) -> str:
    """A queue message of a paused entity: kept in the backlog (in arrival order), then acknowledged."""
    held_change = Held(
        entity=slug,
        origin="queue",
        side=source,
        method="POST",
        body=body,
        arrived=dt.datetime.now(dt.UTC),
        message_id=message_id,
        dequeue_count=dequeue_count,
    )
    stored = backlog.add(held_change)
    log.info("%s message %s held while paused", slug, message_id, extra={"entity": slug, "backlog": stored.row_key})
    return "held"


def _key(engine: Engine, source: Side, body: dict[str, Any], headers: dict[str, str]) -> tuple[str | None, str | None]:
    """The key a POST body names: read from a flat record as sent; a native body (webhook, data event) is
    read as the live path reads it — its envelope must parse now, the record's rules apply on catch-up."""
    if native.kind(source, body) == "record":
        found = key_of(engine.spec, source, body)
    else:
        change = native.parse(engine, source, body, headers)
        if isinstance(change, Delete):
            return change.company, change.ident
        found = key_of(engine.spec, source, change.record)
    return found if found else (None, None)
