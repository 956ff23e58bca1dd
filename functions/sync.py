"""Jobs: start an initial sync or an import, follow jobs, and run their chunks from the `sync-jobs` queue."""

from __future__ import annotations

import azure.functions as func

from functions.http import from_host, to_host
from shared import api, runtime
from shared.jobs import http, import_http
from shared.jobs.runner import QUEUE

bp = func.Blueprint()


@bp.function_name("initial_sync")
@bp.route(route="sync/{entity}/initial-sync", methods=["POST"])
def initial_sync(req: func.HttpRequest) -> func.HttpResponse:
    entity = req.route_params.get("entity", "")
    return to_host(api.admin_request(from_host(req), lambda: http.start_initial_sync(entity, from_host(req))))


@bp.function_name("sync_import")
@bp.route(route="sync/{entity}/import", methods=["POST"])
def sync_import(req: func.HttpRequest) -> func.HttpResponse:
    """An export file as the body (`?side=fs|scm&format=csv|jsonl`): read whole, kept, loaded by a job."""
    entity, request = req.route_params.get("entity", ""), from_host(req)
    return to_host(api.admin_request(request, lambda: import_http.start_import(entity, request)))


@bp.function_name("jobs")
@bp.route(route="sync/jobs/{id?}", methods=["GET"])
def jobs(req: func.HttpRequest) -> func.HttpResponse:
    job_id = req.route_params.get("id")
    request = from_host(req)
    return to_host(api.admin_request(request, lambda: http.get_job(job_id) if job_id else http.list_jobs(request)))


@bp.function_name("sync_jobs_queue")
@bp.queue_trigger(arg_name="msg", queue_name=QUEUE, connection="AzureWebJobsStorage")
def sync_jobs_queue(msg: func.QueueMessage) -> None:
    runtime.job_runner().handle(msg.get_body())


@bp.function_name("jobs_timer")
@bp.timer_trigger(arg_name="timer", schedule="*/10 * * * * *")
def jobs_timer(timer: func.TimerRequest) -> None:
    """Carry on jobs whose runner died with their chunk's message (see shared/jobs/runner.py)."""
    runtime.job_runner().kick()
