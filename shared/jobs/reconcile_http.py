"""`POST /api/sync/{entity}/reconcile`, host-free: check the body, queue the job (shared/jobs/reconcile.py)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from shared import runtime
from shared.api import Answer, Request, json_body
from shared.errors import Failure, NotFoundError, RejectedError
from shared.keys import normalise
from shared.settings import get_settings


class ReconcileRequest(BaseModel):
    """Which company (default: all) and whether to repair the drift found, and in which direction."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    company: str | None = None
    repair: Literal["fs", "scm", "newest"] | None = None


def start_reconcile(slug: str, request: Request) -> Answer:
    """202 with the queued job; an empty body reconciles every company and repairs nothing."""
    engine = runtime.engine(slug)  # 404 for an unknown entity
    body: dict[str, Any] = json_body(request) if request.body.strip() else {}
    try:
        wanted = ReconcileRequest.model_validate(body)
    except ValidationError as exc:
        failures = [
            Failure(".".join(str(part) for part in error["loc"]) or "(body)", error["type"], "sync", error["msg"])
            for error in exc.errors(include_url=False, include_input=False)
        ]
        raise RejectedError("reconcile takes {company?, repair?: null|fs|scm|newest}", failures) from None
    if wanted.company is not None and normalise(wanted.company) not in get_settings().companies:
        raise NotFoundError(f"unknown company {wanted.company!r}; known: {', '.join(get_settings().companies)}")
    params = {name: value for name, value in wanted.model_dump().items() if value is not None}
    job = runtime.job_runner().start("reconcile", engine.spec.slug, params)
    return 202, {"job": job.as_dict()}
