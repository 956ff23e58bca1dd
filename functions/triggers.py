"""One small factory: an entity spec becomes its HTTP and queue functions, for both directions.

For entity `payment-terms` and side `fs` (the system where the change happened):
  payment_terms_fs_to_scm_http   GET|POST|DELETE /api/fs/payment-terms/{company?}/{id?}
  payment_terms_fs_to_scm_queue  queue fs-to-scm-payment-terms
"""

from __future__ import annotations

import azure.functions as func

from functions.http import from_host, to_host
from shared import api, messages
from shared.spec import SIDES, EntitySpec, Side, other

STORAGE_SETTING = "AzureWebJobsStorage"


def function_name(spec: EntitySpec, source: Side, kind: str) -> str:
    return f"{spec.slug.replace('-', '_')}_{source}_to_{other(source)}_{kind}"


def queue_name(spec: EntitySpec, source: Side) -> str:
    return f"{source}-to-{other(source)}-{spec.slug}"


def entity_blueprint(spec: EntitySpec) -> func.Blueprint:
    blueprint = func.Blueprint()
    for source in SIDES:
        _add_http(blueprint, spec, source)
        _add_queue(blueprint, spec, source)
    return blueprint


def _add_http(blueprint: func.Blueprint, spec: EntitySpec, source: Side) -> None:
    @blueprint.function_name(function_name(spec, source, "http"))
    @blueprint.route(route=f"{source}/{spec.slug}/{{company?}}/{{id?}}", methods=["GET", "POST", "DELETE"])
    def http(req: func.HttpRequest) -> func.HttpResponse:
        return to_host(api.entity_request(spec.slug, source, from_host(req)))


def _add_queue(blueprint: func.Blueprint, spec: EntitySpec, source: Side) -> None:
    @blueprint.function_name(function_name(spec, source, "queue"))
    @blueprint.queue_trigger(arg_name="msg", queue_name=queue_name(spec, source), connection=STORAGE_SETTING)
    def queue(msg: func.QueueMessage) -> None:
        messages.process(spec.slug, source, msg.get_body(), msg.id or "", msg.dequeue_count or 0)
