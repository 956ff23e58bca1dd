"""The jobs' routes, host-free: `POST /api/sync/{entity}/initial-sync`, `GET /api/sync/jobs[/{id}]`."""

from __future__ import annotations

from pydantic import ValidationError

from shared import runtime
from shared.api import Answer, Request, json_body
from shared.errors import Failure, NotFoundError, RejectedError
from shared.jobs.model import InitialSyncRequest
from shared.keys import normalise
from shared.settings import get_settings


def start_initial_sync(slug: str, request: Request) -> Answer:
    """202 with the queued job: every record of the `from` side (of one company) brought across."""
    engine = runtime.engine(slug)  # 404 for an unknown entity
    body = json_body(request)
    try:
        wanted = InitialSyncRequest.from_body(body)
    except ValidationError as exc:
        failures = [
            Failure(".".join(str(part) for part in error["loc"]) or "(body)", error["type"], "sync", error["msg"])
            for error in exc.errors(include_url=False, include_input=False)
        ]
        raise RejectedError(
            "initial-sync takes {from: fs|scm, company?, conflicts?: skip|fs|scm|newest}", failures
        ) from None
    if wanted.company is not None and normalise(wanted.company) not in get_settings().companies:
        raise NotFoundError(f"unknown company {wanted.company!r}; known: {', '.join(get_settings().companies)}")
    job = runtime.job_runner().start_initial_sync(engine.spec.slug, wanted)
    return 202, {"job": job.as_dict()}


def get_job(job_id: str) -> Answer:
    return 200, runtime.job_runner().jobs.get(job_id).as_dict()


def list_jobs(request: Request) -> Answer:
    limit = request.params.get("limit", "20")
    count = int(limit) if limit.isdigit() and 0 < int(limit) <= 100 else 20
    return 200, {"items": [job.as_dict() for job in runtime.job_runner().jobs.recent(count)]}
