"""The operator's routes: status, pause and resume; the error log, its retries and dismissals; the record
view; the operator page
(docs/operating.md)."""

from __future__ import annotations

import azure.functions as func

from functions.http import from_host, to_host
from functions.runtime import PROCESS, error_log
from shared.edge import api, control_routes, record_routes, retry, ui
from shared.operations import error_entries

bp = func.Blueprint()


@bp.function_name("sync_status")
@bp.route(route="sync/status", methods=["GET"])
def sync_status(req: func.HttpRequest) -> func.HttpResponse:
    return to_host(api.admin_request(from_host(req), lambda: control_routes.status(PROCESS)))


@bp.function_name("sync_pause")
@bp.route(route="sync/{entity}/pause", methods=["POST"])
def sync_pause(req: func.HttpRequest) -> func.HttpResponse:
    entity, request = req.route_params["entity"], from_host(req)
    return to_host(api.admin_request(request, lambda: control_routes.pause_route(PROCESS, entity, request)))


@bp.function_name("sync_resume")
@bp.route(route="sync/{entity}/resume", methods=["POST"])
def sync_resume(req: func.HttpRequest) -> func.HttpResponse:
    entity = req.route_params["entity"]
    return to_host(api.admin_request(from_host(req), lambda: control_routes.resume_route(PROCESS, entity)))


@bp.function_name("errors")
@bp.route(route="sync/errors", methods=["GET"])
def list_errors(req: func.HttpRequest) -> func.HttpResponse:
    request = from_host(req)
    return to_host(api.admin_request(request, lambda: (200, error_entries.list_entries(error_log(), request.params))))


@bp.function_name("errors_retry")
@bp.route(route="sync/errors/retry", methods=["POST"])
def retry_errors(req: func.HttpRequest) -> func.HttpResponse:
    request = from_host(req)
    return to_host(api.admin_request(request, lambda: (200, retry.retry_matching(PROCESS, request.params))))


@bp.function_name("error_retry")
@bp.route(route="sync/errors/{id}/retry", methods=["POST"])
def retry_error(req: func.HttpRequest) -> func.HttpResponse:
    entry_id = req.route_params.get("id", "")
    return to_host(api.admin_request(from_host(req), lambda: (200, retry.retry_entry(PROCESS, entry_id))))


@bp.function_name("error_entry")
@bp.route(route="sync/errors/{id}", methods=["GET"])
def error_entry(req: func.HttpRequest) -> func.HttpResponse:
    """One entry, with the change it keeps as received."""
    entry_id = req.route_params.get("id", "")
    return to_host(api.admin_request(from_host(req), lambda: (200, error_entries.detail(error_log(), entry_id))))


@bp.function_name("error_dismiss")
@bp.route(route="sync/errors/{id}/dismiss", methods=["POST"])
def dismiss_error(req: func.HttpRequest) -> func.HttpResponse:
    entry_id, request = req.route_params.get("id", ""), from_host(req)
    return to_host(api.admin_request(request, lambda: record_routes.dismiss(PROCESS, entry_id, request)))


@bp.function_name("record_view")
@bp.route(route="sync/{entity}/records/{company}/{id}", methods=["GET"])
def record_view(req: func.HttpRequest) -> func.HttpResponse:
    """One key as both sides hold it, in step or not, and its open error entries."""
    params = req.route_params
    entity, company, ident = params.get("entity", ""), params.get("company", ""), params.get("id", "")
    view = lambda: record_routes.record_view(PROCESS, entity, company, ident)  # noqa: E731
    return to_host(api.admin_request(from_host(req), view))


@bp.function_name("operator_page")
@bp.route(route="sync/ui/{asset?}", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def operator_page(req: func.HttpRequest) -> func.HttpResponse:
    """The page's static files, anonymous; its API calls carry the admin key."""
    found = ui.asset(req.route_params.get("asset"))
    return func.HttpResponse(found.body, status_code=found.status, headers=found.headers, mimetype=found.media_type)
