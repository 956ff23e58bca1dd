"""`POST /api/sync/{entity}/import?side=fs|scm&format=csv|jsonl`, host-free: the export file is the body.

The file is read whole here, before anything is written: one that cannot be decoded or parsed is a
400 naming the line and the reason (shared/exports.py), and nothing is kept or started. A readable
file is kept in `sync-imports` and its job queued (202); the job checks and loads its records, a
page per chunk (shared/jobs/importing.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from shared import exports, runtime
from shared.api import Answer, Request
from shared.errors import Failure, PayloadTooLargeError, RejectedError
from shared.jobs import importing
from shared.jobs.import_files import import_files
from shared.settings import get_settings
from shared.spec import SIDES, Side

MAX_FILE_BYTES = 100 * 1024 * 1024  # what the Functions host accepts as a request body


def start_import(slug: str, request: Request) -> Answer:
    """202 with the queued job; 400 for a file that cannot be read, 413 for one over 100 MB."""
    engine = runtime.engine(slug)  # 404 for an unknown entity
    side, kind = _options(request.params)
    data = request.body
    if len(data) > MAX_FILE_BYTES:
        raise PayloadTooLargeError(f"the file is {len(data)} bytes; an import takes at most {MAX_FILE_BYTES}")
    layout = exports.survey(data, kind, engine.spec, side, importing.PAGE_ROWS)
    files = import_files(get_settings())
    folder = files.keep(engine.spec.slug, data, layout)
    params: dict[str, Any] = {"side": side, "format": kind, "file": folder, "rows": layout.rows, "bytes": len(data)}
    try:
        job = runtime.job_runner().start_import(engine.spec.slug, params)
    except Exception:
        files.drop(folder)  # no job will read it
        raise
    return 202, {"job": job.as_dict()}


def _options(params: Mapping[str, str]) -> tuple[Side, str]:
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
