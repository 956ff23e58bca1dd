"""The error log: list entries, retry one or all that match, and turn poison messages into entries."""

from __future__ import annotations

import azure.functions as func

from functions.http import from_host, to_host
from functions.triggers import STORAGE_SETTING, queue_name
from shared import api, runtime
from shared.entities import ENTITIES
from shared.operations import errors, poison, retry
from shared.spec import SIDES, EntitySpec, Side, other

bp = func.Blueprint()


@bp.function_name("errors")
@bp.route(route="sync/errors", methods=["GET"])
def list_errors(req: func.HttpRequest) -> func.HttpResponse:
    request = from_host(req)
    return to_host(api.admin_request(request, lambda: (200, errors.list_entries(runtime.error_log(), request.params))))


@bp.function_name("errors_retry")
@bp.route(route="sync/errors/retry", methods=["POST"])
def retry_errors(req: func.HttpRequest) -> func.HttpResponse:
    request = from_host(req)
    return to_host(api.admin_request(request, lambda: (200, retry.retry_matching(runtime.error_log(), request.params))))


@bp.function_name("error_retry")
@bp.route(route="sync/errors/{id}/retry", methods=["POST"])
def retry_error(req: func.HttpRequest) -> func.HttpResponse:
    entry_id = req.route_params.get("id", "")
    return to_host(api.admin_request(from_host(req), lambda: (200, retry.retry_entry(runtime.error_log(), entry_id))))


def _add_poison(spec: EntitySpec, source: Side) -> None:
    name = f"{spec.slug.replace('-', '_')}_{source}_to_{other(source)}_poison"
    poisoned = queue_name(spec, source) + poison.SUFFIX

    @bp.function_name(name)
    @bp.queue_trigger(arg_name="msg", queue_name=poisoned, connection=STORAGE_SETTING)
    def poison_queue(msg: func.QueueMessage) -> None:
        poison.record(spec.slug, source, msg.get_body(), msg.id or "", msg.dequeue_count or 0)


for _spec in ENTITIES.values():
    for _source in SIDES:
        _add_poison(_spec, _source)
