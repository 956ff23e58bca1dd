"""The entity routes and the operator's door, host-free: a request's parts in, (status, JSON payload) out.

The trigger functions only adapt the host's request and response objects to these calls, and hand down the
process's objects (`Services`) that the wiring built.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from shared.edge import holding, listing
from shared.edge.callers import credentials, native
from shared.edge.callers.changes import Delete
from shared.edge.callers.credentials import Role
from shared.edge.callers.dataverse import TruncatedWebhookError
from shared.edge.request import Answer, Request, answer, json_body
from shared.edge.services import Services
from shared.entities import ENTITIES
from shared.entities.spec import Side
from shared.errors import BadRequestError, MethodNotAllowedError, NotFoundError, TransientError
from shared.keys import printable
from shared.settings import get_settings
from shared.sync import recovery
from shared.sync.engine import Engine

log = logging.getLogger(__name__)


def admin_request(request: Request, handler: Callable[[], Answer]) -> Answer:
    """An operator's call (`/api/sync/...`, `/api/operations/...`): an admin secret, then the handler."""

    def run() -> Answer:
        _authorised("admin", request)
        return handler()

    return answer(run)


def entity_request(services: Services, slug: str, source: Side, request: Request) -> Answer:
    """A system's call on an entity route: that system's secret, then the change, read, list or delete."""
    return answer(lambda: _dispatch(services, slug, source, request, _authorised(source, request)))


def _authorised(role: Role, request: Request) -> dt.datetime | None:
    """Checked before anything else is read: an unauthorised caller learns nothing about records or bodies.
    The request's signed time, when a signature proved it: the time of a change that carries none."""
    signable = credentials.Signable(request.method, request.path, request.body)
    return credentials.authorise(get_settings(), role, signable, request.headers)


def _dispatch(
    services: Services, slug: str, source: Side, request: Request, signed_at: dt.datetime | None = None
) -> Answer:
    try:
        return _route(services, services.engine(slug), source, request, signed_at)
    except TruncatedWebhookError as exc:  # Dataverse left the row out: kept in the error log for a re-sync
        services.error_log().record(exc.entry)
        log.warning(
            "%s: truncated webhook recorded as %s",
            slug,
            exc.entry.message_id,
            extra={"entity": slug, "code": exc.code, "error_source": exc.entry.source},
        )
        raise


def _route(services: Services, engine: Engine, source: Side, request: Request, signed_at: dt.datetime | None) -> Answer:
    method, company, ident = request.method.upper(), request.company, request.ident
    if company is not None and ident is None:
        raise NotFoundError("a record is addressed by company and id: /{side}/{entity}/{company}/{id}")
    if method == "POST" and company is None:
        body = json_body(request)
        if services.pause_states().is_paused(engine.spec.slug):  # paused: kept in the backlog, applied on catch-up
            return 202, holding.hold_request(services.backlog(), engine, source, request, body, None, signed_at)
        change = native.parse(engine, source, body, dict(request.headers))
        if isinstance(change, Delete):
            deleted = engine.delete(source, change.company, change.ident, change.modified, signed_at)
            return _synced(services, 200, deleted.as_dict())
        outcome = engine.upsert(source, change.record, signed_at)
        return _synced(services, (201 if outcome.status == "created" else 200), outcome.as_dict())
    if method == "GET" and company is None:
        return 200, listing.list_records(engine, source, request.params)
    if method == "GET" and company and ident:
        return 200, engine.get(source, company, ident)
    if method == "DELETE" and company and ident:
        modified = _delete_time(engine.spec.side(source).modified_field, request)
        if services.pause_states().is_paused(engine.spec.slug):  # the delete's time is fixed now, at its arrival
            return 202, holding.hold_request(services.backlog(), engine, source, request, None, modified, signed_at)
        return _synced(services, 200, engine.delete(source, company, ident, modified, signed_at).as_dict())
    raise NotFoundError(f"no {method} route here: POST and GET the collection, GET and DELETE a record")


def _synced(services: Services, status: int, payload: dict[str, Any]) -> Answer:
    services.status_board().touch(str(payload["entity"]))  # the entity's last sync, noted every few seconds
    return status, payload


ENTITY_METHODS = ("DELETE", "GET", "POST")


def unrouted(method: str, path: str) -> Answer:
    """What the catch-all route answers: 405 for a method an entity route does not take (the Functions
    host falls through to the catch-all when a route's methods do not match), else 404."""

    def refuse() -> Answer:
        parts = path.removesuffix("/").split("/")  # the entity route: {side}/{entity}[/{company}/{id}]
        route_shaped = len(parts) in (2, 4) and all(parts) and parts[0] in ("fs", "scm") and parts[1] in ENTITIES
        if route_shaped and method.upper() not in ENTITY_METHODS:
            allowed = ", ".join(ENTITY_METHODS)
            raise MethodNotAllowedError(
                f"{method} is not allowed on /api/{printable(path)}; use {allowed}", ENTITY_METHODS
            )
        known = ", ".join(sorted(ENTITIES))
        raise NotFoundError(f"no route /api/{printable(path)}; entities are {known}, sides fs and scm")

    return answer(refuse)


def _delete_time(modified_field: str, request: Request) -> Any:
    """A delete's time: query parameter `modified=`, or the side's time field in a JSON body, else None."""
    if (modified := request.params.get("modified")) is not None:
        return modified
    if not request.body.strip():
        return None
    return json_body(request).get(modified_field)


def recover(services: Services, grace_seconds: str | None) -> Answer:
    """`POST /api/operations/recover`: run recovery for every entity now and report what it did."""
    grace = 0.0
    if grace_seconds is not None:
        try:
            grace = float(grace_seconds)
        except ValueError:
            grace = -1.0
        if not 0 <= grace <= 86_400:
            raise BadRequestError("grace_seconds must be a number of seconds from 0 to 86400")
    passes = recovery.recover_all(services.engines(), dt.timedelta(seconds=grace), full=True)
    reports = [report.as_dict() for report in passes]
    if failed := [report["entity"] for report in reports if "error" in report]:
        raise TransientError(f"recovery failed for {', '.join(failed)}; the others were recovered", details=reports)
    return 200, {"entities": reports}
