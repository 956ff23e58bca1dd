"""Pause, resume and status of the sync (docs/operating.md, "Pause, resume and status"): thin triggers over
shared/operations."""

from __future__ import annotations

import azure.functions as func

from functions.http import from_host, to_host
from shared import api
from shared.operations import pause, status

bp = func.Blueprint()


@bp.function_name("sync_status")
@bp.route(route="sync/status", methods=["GET"])
def sync_status(req: func.HttpRequest) -> func.HttpResponse:
    return to_host(api.admin_request(from_host(req), lambda: (200, status.report())))


@bp.function_name("sync_pause")
@bp.route(route="sync/{entity}/pause", methods=["POST"])
def sync_pause(req: func.HttpRequest) -> func.HttpResponse:
    request = from_host(req)
    return to_host(api.admin_request(request, lambda: pause.pause_route(req.route_params["entity"], request)))


@bp.function_name("sync_resume")
@bp.route(route="sync/{entity}/resume", methods=["POST"])
def sync_resume(req: func.HttpRequest) -> func.HttpResponse:
    return to_host(api.admin_request(from_host(req), lambda: pause.resume_route(req.route_params["entity"])))
