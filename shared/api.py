"""HTTP semantics, host-free: a request's parts in, (status, JSON payload) out.

The trigger functions only adapt the host's request and response objects to these calls.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from shared import jsonio, listing, recovery, runtime
from shared.callers import credentials, native
from shared.callers.changes import Delete
from shared.callers.credentials import Role
from shared.entities import ENTITIES
from shared.errors import (
    BadRequestError,
    MethodNotAllowedError,
    NotFoundError,
    PayloadTooLargeError,
    SyncError,
    TransientError,
    http_status,
)
from shared.keys import printable
from shared.operations import pause
from shared.operations import status as status_report
from shared.settings import get_settings
from shared.spec import Side

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Request:
    method: str
    company: str | None = None
    ident: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)
    content_type: str | None = None
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names
    path: str = ""  # the path and query exactly as sent (not decoded and encoded again): a signature covers it


Answer = tuple[int, dict[str, Any]]


def answer(handler: Callable[[], Answer]) -> Answer:
    """Run a handler; every SyncError becomes its status and error shape, anything else a logged 500."""
    try:
        return handler()
    except SyncError as exc:
        status = http_status(exc)
        level = logging.WARNING if status >= 500 else logging.INFO
        log.log(level, "answered %d %s: %s", status, exc.code, printable(exc.message), extra={"status": status})
        return status, exc.payload()
    except Exception:
        log.exception("unexpected error")
        return 500, SyncError("internal error; the change may be retried").payload()


def admin_request(request: Request, handler: Callable[[], Answer]) -> Answer:
    """An operator's call (`/api/sync/...`, `/api/operations/...`): an admin secret, then the handler."""

    def run() -> Answer:
        _authorised("admin", request)
        return handler()

    return answer(run)


def entity_request(slug: str, source: Side, request: Request) -> Answer:
    """A system's call on an entity route: that system's secret, then the change, read, list or delete."""
    return answer(lambda: _dispatch(slug, source, request, _authorised(source, request)))


def _authorised(role: Role, request: Request) -> dt.datetime | None:
    """Checked before anything else is read: an unauthorised caller learns nothing about records or bodies.
    The request's signed time, when a signature proved it: the time of a change that carries none."""
    signable = credentials.Signable(request.method, request.path, request.body)
    return credentials.authorise(get_settings(), role, signable, request.headers)


def _dispatch(slug: str, source: Side, request: Request, signed_at: dt.datetime | None = None) -> Answer:
    engine = runtime.engine(slug)
    method, company, ident = request.method.upper(), request.company, request.ident
    if company is not None and ident is None:
        raise NotFoundError("a record is addressed by company and id: /{side}/{entity}/{company}/{id}")
    if method == "POST" and company is None:
        body = json_body(request)
        if pause.held(engine.spec.slug):  # paused: kept in the backlog, applied on catch-up
            return 202, pause.hold_request(engine, source, request, body, None, signed_at)
        change = native.parse(engine, source, body, dict(request.headers))
        if isinstance(change, Delete):
            deleted = engine.delete(source, change.company, change.ident, change.modified, signed_at)
            return _synced(200, deleted.as_dict())
        outcome = engine.upsert(source, change.record, signed_at)
        return _synced((201 if outcome.status == "created" else 200), outcome.as_dict())
    if method == "GET" and company is None:
        return 200, listing.list_records(engine, source, request.params)
    if method == "GET" and company and ident:
        return 200, engine.get(source, company, ident)
    if method == "DELETE" and company and ident:
        modified = _delete_time(engine.spec.side(source).modified_field, request)
        if pause.held(engine.spec.slug):  # the delete's time is fixed now, at its arrival
            return 202, pause.hold_request(engine, source, request, None, modified, signed_at)
        return _synced(200, engine.delete(source, company, ident, modified, signed_at).as_dict())
    raise NotFoundError(f"no {method} route here: POST and GET the collection, GET and DELETE a record")


def _synced(status: int, payload: dict[str, Any]) -> Answer:
    status_report.touch(str(payload["entity"]))  # the entity's last sync, noted every few seconds
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


def json_body(request: Request) -> dict[str, Any]:
    """The body as a JSON object, or a 400/413 saying exactly what is wrong with it."""
    max_bytes = get_settings().max_body_bytes
    if len(request.body) > max_bytes:
        raise PayloadTooLargeError(f"body is {len(request.body)} bytes; the limit is {max_bytes}")
    media_type = (request.content_type or "").split(";")[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise BadRequestError(f"content type must be application/json, not {media_type or 'none'}")
    if not request.body.strip():
        raise BadRequestError("body is empty; send the record as a JSON object")
    return jsonio.loads_object(request.body)


def _delete_time(modified_field: str, request: Request) -> Any:
    """A delete's time: query parameter `modified=`, or the side's time field in a JSON body, else None."""
    if (modified := request.params.get("modified")) is not None:
        return modified
    if not request.body.strip():
        return None
    return json_body(request).get(modified_field)


def recover(grace_seconds: str | None) -> Answer:
    """`POST /api/operations/recover`: run recovery for every entity now and report what it did."""
    grace = 0.0
    if grace_seconds is not None:
        try:
            grace = float(grace_seconds)
        except ValueError:
            grace = -1.0
        if not 0 <= grace <= 86_400:
            raise BadRequestError("grace_seconds must be a number of seconds from 0 to 86400")
    passes = recovery.recover_all(runtime.engines(), dt.timedelta(seconds=grace), full=True)
    reports = [report.as_dict() for report in passes]
    if failed := [report["entity"] for report in reports if "error" in report]:
        raise TransientError(f"recovery failed for {', '.join(failed)}; the others were recovered", details=reports)
    return 200, {"entities": reports}
