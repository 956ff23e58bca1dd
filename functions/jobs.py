"""Jobs: start an initial sync, a reconcile or an import, follow jobs, and run their chunks from the
`sync-jobs` queue (shared/jobs/runner.py)."""

from __future__ import annotations

import azure.functions as func

from functions.http import from_host, to_host
from functions.runtime import PROCESS, job_runner
from shared.edge import api, job_routes
from shared.jobs.runner import QUEUE

bp = func.Blueprint()


@bp.function_name("initial_sync")
@bp.route(route="sync/{entity}/initial-sync", methods=["POST"])
def initial_sync(req: func.HttpRequest) -> func.HttpResponse:
    entity, request = req.route_params.get("entity", ""), from_host(req)
    return to_host(api.admin_request(request, lambda: job_routes.start_initial_sync(PROCESS, entity, request)))


@bp.function_name("reconcile")
@bp.route(route="sync/{entity}/reconcile", methods=["POST"])
def reconcile(req: func.HttpRequest) -> func.HttpResponse:
    entity, request = req.route_params.get("entity", ""), from_host(req)
    return to_host(api.admin_request(request, lambda: job_routes.start_reconcile(PROCESS, entity, request)))


@bp.function_name("sync_import")
@bp.route(route="sync/{entity}/import", methods=["POST"])
def sync_import(req: func.HttpRequest) -> func.HttpResponse:
    """An export file as the body (`?side=fs|scm&format=csv|jsonl`): read whole, kept, loaded by a job."""
    entity, request = req.route_params.get("entity", ""), from_host(req)
    return to_host(api.admin_request(request, lambda: job_routes.start_import(PROCESS, entity, request)))


@bp.function_name("jobs")
@bp.route(route="sync/jobs/{id?}", methods=["GET"])
def jobs(req: func.HttpRequest) -> func.HttpResponse:
    job_id, request = req.route_params.get("id"), from_host(req)
    if job_id:
        return to_host(api.admin_request(request, lambda: job_routes.get_job(PROCESS, job_id)))
    return to_host(api.admin_request(request, lambda: job_routes.list_jobs(PROCESS, request)))


@bp.function_name("job_cancel")
@bp.route(route="sync/jobs/{id}/cancel", methods=["POST"])
def cancel_job(req: func.HttpRequest) -> func.HttpResponse:
    """Stop a job at its next chunk boundary (shared/jobs/cancelling.py)."""
    job_id = req.route_params.get("id", "")
    return to_host(api.admin_request(from_host(req), lambda: job_routes.cancel_job(PROCESS, job_id)))


@bp.function_name("sync_jobs_queue")
@bp.queue_trigger(arg_name="msg", queue_name=QUEUE, connection="AzureWebJobsStorage")
def sync_jobs_queue(msg: func.QueueMessage) -> None:
    job_runner().handle(msg.get_body())


@bp.function_name("jobs_timer")
@bp.timer_trigger(arg_name="timer", schedule="*/10 * * * * *")
def jobs_timer(timer: func.TimerRequest) -> None:
    """Carry on jobs whose runner died with their chunk's message (see shared/jobs/runner.py)."""
    job_runner().kick()
