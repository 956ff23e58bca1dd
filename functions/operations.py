"""Operational routes: liveness, and the JSON 404 for any path no other function serves."""

from __future__ import annotations

import azure.functions as func

from functions.http import to_host
from shared.api import answer
from shared.entities import ENTITIES
from shared.errors import NotFoundError

bp = func.Blueprint()


@bp.function_name("health")
@bp.route(route="health", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def health(req: func.HttpRequest) -> func.HttpResponse:
    return to_host((200, {"status": "ok", "entities": sorted(ENTITIES)}))


@bp.function_name("not_found")
@bp.route(route="{*path}", auth_level=func.AuthLevel.ANONYMOUS)
def not_found(req: func.HttpRequest) -> func.HttpResponse:
    path = req.route_params.get("path", "")

    def refuse() -> tuple[int, dict[str, object]]:
        raise NotFoundError(f"no route /api/{path}; entities are {', '.join(sorted(ENTITIES))}, sides fs and scm")

    return to_host(answer(refuse))
