"""Reconcile: compare an entity's two sides, and repair the drift if asked (shared/jobs/reconcile.py)."""

from __future__ import annotations

import azure.functions as func

from functions.http import from_host, to_host
from shared import api
from shared.jobs.reconcile_http import start_reconcile

bp = func.Blueprint()


@bp.function_name("reconcile")
@bp.route(route="sync/{entity}/reconcile", methods=["POST"])
def reconcile(req: func.HttpRequest) -> func.HttpResponse:
    entity = req.route_params.get("entity", "")
    return to_host(api.admin_request(from_host(req), lambda: start_reconcile(entity, from_host(req))))
