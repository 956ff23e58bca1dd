"""Every entity's triggers, built by looping over the entity registry: for each entity and each side where a
change happened, an HTTP route, a queue, and that queue's poison queue.

For entity `payment-terms` and side `fs`:
  payment_terms_fs_to_scm_http    GET|POST|DELETE /api/fs/payment-terms/{company?}/{id?}
  payment_terms_fs_to_scm_queue   queue fs-to-scm-payment-terms
  payment_terms_fs_to_scm_poison  queue fs-to-scm-payment-terms-poison (a message the host gave up on)
"""

from __future__ import annotations

import azure.functions as func

from functions.http import from_host, to_host
from functions.runtime import PROCESS
from shared.edge import api, messages, poison
from shared.entities import ENTITIES
from shared.entities.spec import SIDES, EntitySpec, Side, other

STORAGE_SETTING = "AzureWebJobsStorage"

bp = func.Blueprint()


def function_name(spec: EntitySpec, source: Side, kind: str) -> str:
    return f"{spec.slug.replace('-', '_')}_{source}_to_{other(source)}_{kind}"


def queue_name(spec: EntitySpec, source: Side) -> str:
    return f"{source}-to-{other(source)}-{spec.slug}"


def _add_http(spec: EntitySpec, source: Side) -> None:
    @bp.function_name(function_name(spec, source, "http"))
    @bp.route(route=f"{source}/{spec.slug}/{{company?}}/{{id?}}", methods=["GET", "POST", "DELETE"])
    def http(req: func.HttpRequest) -> func.HttpResponse:
        return to_host(api.entity_request(PROCESS, spec.slug, source, from_host(req)))


def _add_queue(spec: EntitySpec, source: Side) -> None:
    @bp.function_name(function_name(spec, source, "queue"))
    @bp.queue_trigger(arg_name="msg", queue_name=queue_name(spec, source), connection=STORAGE_SETTING)
    def queue(msg: func.QueueMessage) -> None:
        messages.process(PROCESS, spec.slug, source, msg.get_body(), msg.id or "", msg.dequeue_count or 0)


def _add_poison(spec: EntitySpec, source: Side) -> None:
    @bp.function_name(function_name(spec, source, "poison"))
    @bp.queue_trigger(arg_name="msg", queue_name=queue_name(spec, source) + poison.SUFFIX, connection=STORAGE_SETTING)
    def poison_queue(msg: func.QueueMessage) -> None:
        poison.record(PROCESS, spec.slug, source, msg.get_body(), msg.id or "", msg.dequeue_count or 0)


for _spec in ENTITIES.values():
    for _source in SIDES:
        _add_http(_spec, _source)
        _add_queue(_spec, _source)
        _add_poison(_spec, _source)
