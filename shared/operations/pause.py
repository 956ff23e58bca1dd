"""Pause and resume (README, "Operating the sync"): holding a paused entity's changes at arrival,
and starting the catch-up that applies them.

An entity holds its changes while its SyncControl row says paused. Resume does not mark it running
at once: it starts a catch-up job and keeps the entity paused with the reason `catching up (job …)`,
so that changes arriving meanwhile still queue up *behind* the backlog; the job marks the entity
running when the backlog is empty (catchup.py). Status shows such an entity as `running` with
`catching_up: true` — it is no longer paused by anyone, it is working off what waited.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from shared import jsonio, runtime
from shared.callers import native
from shared.callers.changes import Delete, key_of
from shared.engine import Engine
from shared.entities import ENTITIES
from shared.errors import BadRequestError, NotFoundError
from shared.keys import printable
from shared.operations import status
from shared.operations.backlog import Held
from shared.operations.control import EntityState
from shared.spec import Side

if TYPE_CHECKING:
    from shared.api import Request

log = logging.getLogger(__name__)

CATCHING_UP = "catching up"  # the reason of an entity whose backlog is being applied (job id follows)
MAX_REASON = 1000
KEPT_HEADERS = "x-ms-"  # the only headers a parser reads later (Dataverse's); never a credential


def entities(name: str) -> list[str]:
    """`all`, or one known entity (404 otherwise)."""
    if name == "all":
        return list(ENTITIES)
    if name not in ENTITIES:
        raise NotFoundError(f"unknown entity {printable(name)!r}; known: {', '.join(ENTITIES)} or all")
    return [name]


def catching_up(state: EntityState) -> bool:
    return state.paused and (state.reason or "").startswith(CATCHING_UP)


def held(slug: str) -> bool:
    """Whether a change of the entity goes to the backlog (paused, or catching up)."""
    return runtime.control().is_paused(slug)


def pause(slugs: list[str], reason: str | None) -> None:
    runtime.control().pause(slugs, reason or None)
    log.info("paused %s", ", ".join(slugs), extra={"entity": ",".join(slugs)})


def resume(slugs: list[str]) -> None:
    """Start a catch-up for each paused entity (one not paused is left alone; one whose catch-up job
    still runs keeps it). Entities whose records others name (sites) start first: a catch-up of the
    others (warehouses) waits while theirs runs (catchup.py)."""
    from shared.operations.catchup import start  # the job kind imports this module

    control, jobs = runtime.control(), runtime.job_runner().jobs
    named = {ref.entity for spec in ENTITIES.values() for ref in spec.foreign}
    for slug in sorted(slugs, key=lambda slug: slug not in named):
        state = control.state(slug)
        if not state.paused:
            continue
        if catching_up(state) and (job_id := (state.reason or "").rsplit(" ", 1)[-1].rstrip(")")):
            try:
                if jobs.get(job_id).state in ("queued", "running"):
                    continue
            except NotFoundError:
                pass
        start(slug)


def hold_request(
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
    stored = runtime.backlog().add(
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


def hold_message(slug: str, source: Side, body: bytes, message_id: str, dequeue_count: int) -> str:
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
    stored = runtime.backlog().add(held_change)
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


# -- the routes, host-free ---------------------------------------------------------------------------


def pause_route(name: str, request: Request) -> tuple[int, dict[str, Any]]:
    """`POST /api/sync/{entity|all}/pause`, optional body `{"reason": "..."}` → the entities' status."""
    slugs = entities(name)
    reason = _reason(request.body)
    pause(slugs, reason)
    return 200, {"entities": status.entries_of(slugs)}


def resume_route(name: str) -> tuple[int, dict[str, Any]]:
    """`POST /api/sync/{entity|all}/resume` → the entities' status (catching up while a backlog waits)."""
    slugs = entities(name)
    resume(slugs)
    return 200, {"entities": status.entries_of(slugs)}


def _reason(body: bytes) -> str | None:
    if not body.strip():
        return None
    reason = jsonio.loads_object(body).get("reason")
    if reason is not None and (not isinstance(reason, str) or len(reason) > MAX_REASON):
        raise BadRequestError(f"reason must be text of at most {MAX_REASON} characters")
    return reason.strip() or None if reason else None
