"""The operator page, `GET /api/sync/ui[/{asset}]`: static files, anonymous; its API calls carry the admin key."""

from __future__ import annotations

import azure.functions as func

from shared.operations import ui

bp = func.Blueprint()


@bp.function_name("operator_page")
@bp.route(route="sync/ui/{asset?}", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def operator_page(req: func.HttpRequest) -> func.HttpResponse:
    found = ui.asset(req.route_params.get("asset"))
    return func.HttpResponse(found.body, status_code=found.status, headers=found.headers, mimetype=found.media_type)
