"""Operational functions: liveness, the echo round trip, recovery (timer and on demand), the OpenAPI description,
and the JSON 404."""

from __future__ import annotations

import datetime as dt

import azure.functions as func

from functions.http import from_host, to_host
from functions.runtime import PROCESS, engines
from shared.edge import api, echo
from shared.edge.callers import credentials, openapi
from shared.entities import ENTITIES
from shared.sync.recovery import TIMER_GRACE, recover_all

bp = func.Blueprint()
credentials.warn_at_start()  # locally, routes of a system without secrets are open: say so once, at start


@bp.function_name("health")
@bp.route(route="health", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def health(req: func.HttpRequest) -> func.HttpResponse:
    return to_host((200, {"status": "ok", "entities": sorted(ENTITIES)}))


@bp.function_name("echo")
@bp.route(route="sync/echo", methods=["POST"])
def echo_body(req: func.HttpRequest) -> func.HttpResponse:
    """An admin's round trip that writes nothing: the body's size and hash (fs-scm-sync check)."""
    request = from_host(req)
    return to_host(api.admin_request(request, lambda: echo.echo(request)))


@bp.function_name("openapi")
@bp.route(route="openapi.json", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def openapi_document(req: func.HttpRequest) -> func.HttpResponse:
    """The OpenAPI 3.1 description of every route, generated from the models the app validates with."""
    return to_host((200, openapi.document()))


@bp.function_name("recover")
@bp.route(route="operations/recover", methods=["POST"])
def recover(req: func.HttpRequest) -> func.HttpResponse:
    """Finish half-done operations now; `grace_seconds` leaves younger ones to their writers (default 0)."""
    return to_host(api.admin_request(from_host(req), lambda: api.recover(PROCESS, req.params.get("grace_seconds"))))


@bp.function_name("recovery_timer")
@bp.timer_trigger(arg_name="timer", schedule="0 * * * * *")
def recovery_timer(timer: func.TimerRequest) -> None:
    # Purging tombstones scans each partition: once an hour is plenty for a retention counted in days.
    recover_all(engines(), TIMER_GRACE, purge=dt.datetime.now(dt.UTC).minute == 0)


@bp.function_name("not_found")
@bp.route(route="{*path}", auth_level=func.AuthLevel.ANONYMOUS)
def not_found(req: func.HttpRequest) -> func.HttpResponse:
    """Paths no other route takes: a JSON 404, or a 405 with `Allow` for a wrong method on an entity route."""
    status, payload = api.unrouted(req.method, req.route_params.get("path", ""))
    response = to_host((status, payload))
    if status == 405:
        response.headers["Allow"] = ", ".join(api.ENTITY_METHODS)
    return response
