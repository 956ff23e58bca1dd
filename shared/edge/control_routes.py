"""The operator's routes for the sync's state, host-free: status, pause and resume (docs/operating.md)."""

from __future__ import annotations

from typing import Any

from shared import jsonio
from shared.edge.request import Answer, Request
from shared.edge.services import Services
from shared.errors import BadRequestError
from shared.operations import pause

MAX_REASON = 1000
RECENT_JOBS = 10


def status(services: Services) -> Answer:
    """`GET /api/sync/status`: every entity's status and the recent jobs."""
    runner = services.job_runner()
    jobs = [runner.show(job) for job in runner.jobs.recent(RECENT_JOBS)]
    return 200, {"entities": services.status_board().entries_of(list(pause.entities("all"))), "jobs": jobs}


def pause_route(services: Services, name: str, request: Request) -> Answer:
    """`POST /api/sync/{entity|all}/pause`, optional body `{"reason": "..."}` → the entities' status."""
    slugs = pause.entities(name)
    pause.pause(services.pause_states(), slugs, _reason(request.body))
    return 200, {"entities": services.status_board().entries_of(slugs)}


def resume_route(services: Services, name: str) -> Answer:
    """`POST /api/sync/{entity|all}/resume` → the entities' status (catching up while a backlog waits)."""
    slugs = pause.entities(name)
    pause.resume(services.pause_states(), services.job_runner(), services.backlog(), slugs)
    return 200, {"entities": services.status_board().entries_of(slugs)}


def _reason(body: bytes) -> str | None:
    if not body.strip():
        return None
    reason: Any = jsonio.loads_object(body).get("reason")
    if reason is not None and (not isinstance(reason, str) or len(reason) > MAX_REASON):
        raise BadRequestError(f"reason must be text of at most {MAX_REASON} characters")
    return reason.strip() or None if reason else None
