"""The jobs' routes, host-free: start an initial sync, a reconcile or an import; show one job or the recent ones.

`POST /api/sync/{entity}/import?side=fs|scm&format=csv|jsonl` takes the export file as the body. The file is
read whole here, before anything is written: one that cannot be decoded or parsed is a 400 naming the line
and the reason (shared/jobs/exports.py), and nothing is kept or started. A readable file is kept in
`sync-imports` and its job queued (202); the job checks and loads its records, a page per chunk
(shared/jobs/importing.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, cast

from pydantic import BaseModel, ConfigDict, ValidationError

from shared.edge.request import Answer, Request, json_body
from shared.edge.services import Services
from shared.entities.spec import SIDES, Side
from shared.errors import Failure, NotFoundError, PayloadTooLargeError, RejectedError, failures_of
from shared.jobs import cancelling, exports, importing
from shared.jobs.import_files import import_files
from shared.jobs.model import InitialSyncRequest
from shared.keys import normalise
from shared.settings import get_settings

MAX_FILE_BYTES = 100 * 1024 * 1024  # what the Functions host accepts as a request body


class ReconcileRequest(BaseModel):
    """Which company (default: all) and whether to repair the drift found, and in which direction."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    company: str | None = None
    repair: Literal["fs", "scm", "newest"] | None = None


def start_initial_sync(services: Services, slug: str, request: Request) -> Answer:
    """202 with the queued job: every record of the `from` side (of one company) brought across."""
    engine = services.engine(slug)  # 404 for an unknown entity
    try:
        wanted = InitialSyncRequest.from_body(json_body(request))
    except ValidationError as exc:
        shape = "initial-sync takes {from: fs|scm, company?, conflicts?: skip|fs|scm|newest}"
        raise RejectedError(shape, failures_of(exc, "sync")) from None
    _known_company(wanted.company)
    runner = services.job_runner()
    return 202, {"job": runner.show(runner.start_initial_sync(engine.spec.slug, wanted))}


def start_reconcile(services: Services, slug: str, request: Request) -> Answer:
    """202 with the queued job; an empty body reconciles every company and repairs nothing."""
    engine = services.engine(slug)  # 404 for an unknown entity
    body: dict[str, Any] = json_body(request) if request.body.strip() else {}
    try:
        wanted = ReconcileRequest.model_validate(body)
    except ValidationError as exc:
        shape = "reconcile takes {company?, repair?: null|fs|scm|newest}"
        raise RejectedError(shape, failures_of(exc, "sync")) from None
    _known_company(wanted.company)
    params = {name: value for name, value in wanted.model_dump().items() if value is not None}
    runner = services.job_runner()
    return 202, {"job": runner.show(runner.start("reconcile", engine.spec.slug, params))}


def start_import(services: Services, slug: str, request: Request) -> Answer:
    """202 with the queued job; 400 for a file that cannot be read, 413 for one over 100 MB."""
    engine = services.engine(slug)  # 404 for an unknown entity
    side, kind = _import_options(request.params)
    data = request.body
    if len(data) > MAX_FILE_BYTES:
        raise PayloadTooLargeError(f"the file is {len(data)} bytes; an import takes at most {MAX_FILE_BYTES}")
    layout = exports.survey(data, kind, engine.spec, side, importing.PAGE_ROWS)
    files = import_files(get_settings())
    folder = files.keep(engine.spec.slug, data, layout)
    params: dict[str, Any] = {"side": side, "format": kind, "file": folder, "rows": layout.rows, "bytes": len(data)}
    runner = services.job_runner()
    try:
        job = runner.start_import(engine.spec.slug, params)
    except Exception:
        files.drop(folder)  # no job will read it
        raise
    return 202, {"job": runner.show(job)}


def get_job(services: Services, job_id: str) -> Answer:
    runner = services.job_runner()
    return 200, runner.show(runner.jobs.get(job_id))


def cancel_job(services: Services, job_id: str) -> Answer:
    """`POST /api/sync/jobs/{id}/cancel` → the job, `cancelled` or `cancel_requested` while its chunk ends."""
    runner = services.job_runner()
    return 200, runner.show(cancelling.cancel(runner, job_id))


def list_jobs(services: Services, request: Request) -> Answer:
    limit = request.params.get("limit", "20")
    count = int(limit) if limit.isdigit() and 0 < int(limit) <= 100 else 20
    runner = services.job_runner()
    return 200, {"items": [runner.show(job) for job in runner.jobs.recent(count)]}


def _known_company(company: str | None) -> None:
    known = get_settings().companies
    if company is not None and normalise(company) not in known:
        raise NotFoundError(f"unknown company {company!r}; known: {', '.join(known)}")


def _import_options(params: Mapping[str, str]) -> tuple[Side, str]:
    """`side` and `format`, or one 422 naming every one missing or wrong."""
    side, kind = params.get("side"), params.get("format")
    failures = [
        Failure(name, "one_of", "sync", f"{name} must be one of {', '.join(allowed)}")
        for name, value, allowed in (("side", side, SIDES), ("format", kind, exports.FORMATS))
        if value not in allowed
    ]
    if failures:
        raise RejectedError("import takes ?side=fs|scm&format=csv|jsonl, with the export file as the body", failures)
    return cast(Side, side), str(kind)
