"""Import, one chunk at a time: one page of the uploaded file (shared/jobs/exports.py) per chunk.

A chunk reads the file's layout and its page's bytes from `sync-imports`, checks the page's records
and creates the good ones (shared/jobs/importer.py), and counts them; the runner then checkpoints the job,
so a restart goes on with the next page. A chunk run again after a crash between its writes and its
checkpoint finds the rows it had created (they name the job) and counts them as it did the first
time; its refused rows' error log entries are keyed by job and line, so they are written over, not
added again. Each refused record is in the error log (source `job`, the job's id) with its reasons,
and the report lists the first of them.
"""

from __future__ import annotations

import logging
from typing import Any

from shared import jsonio
from shared.entities.spec import Side, other
from shared.errors import RejectedError
from shared.jobs import exports, importer
from shared.jobs.import_files import import_files
from shared.jobs.importer import Refusal
from shared.jobs.model import Job
from shared.jobs.table import JobTable
from shared.sync.engine import Engine
from shared.sync.errorlog import ErrorEntry, ErrorLog

log = logging.getLogger(__name__)

KIND = "import"
PAGE_ROWS = 500  # records per chunk: a few transactions, well inside the chunk's lease
COUNTS = ("read", "loaded", "exists", "refused")
MAX_LISTED = 50  # refused rows the job's report lists (all of them are in the error log)
MAX_LISTED_CHARS = 24_000  # and no more than a job row's column holds


class Import:
    """Runs chunks of one import job; the runner (runner.py) loads and checkpoints the job."""

    def __init__(self, engine: Engine, jobs: JobTable, errors: ErrorLog, job: Job) -> None:
        self.engine, self.spec, self.errors, self.job = engine, engine.spec, errors, job
        self.side: Side = job.params["side"]
        self.folder: str = job.params["file"]
        self.files = import_files(engine.settings)

    def run_chunk(self) -> None:
        job = self.job
        layout = self.files.layout(self.folder)
        job.total = layout.rows
        index = job.counts["pages"]
        if index < len(layout.pages):
            data = self.files.page(self.folder, layout.span(index))
            records = exports.page(data, layout, index, self.spec, self.side)
            report = importer.load(
                self.engine.store.client(),
                self.spec,
                self.side,
                records,
                settings=self.engine.settings,
                twice=layout.twice,
                job=job.id,
            )
            self._count(len(records), report)
            job.counts["pages"] = index + 1
        if job.counts["pages"] >= len(layout.pages):
            job.phase = "done"

    def _count(self, read: int, report: importer.ImportReport) -> None:
        counts = self.job.counts
        counts["read"] += read
        counts["loaded"] += report.loaded
        counts["exists"] += report.exists
        counts["refused"] += len(report.refused)
        for refusal in report.refused:
            self._log(refusal)
            self._list(refusal)

    def _list(self, refusal: Refusal) -> None:
        samples = self.job.samples
        if len(samples) < MAX_LISTED and len(jsonio.dumps([*samples, refusal.as_dict()])) <= MAX_LISTED_CHARS:
            samples.append(refusal.as_dict())

    def _log(self, refusal: Refusal) -> None:
        key = refusal.key or {}
        error = RejectedError(
            f"{self.spec.title}: line {refusal.line} of the import was refused; it was not loaded", refusal.failures
        )
        self.errors.record(
            ErrorEntry(
                entity=self.spec.slug,
                direction=f"{self.side}-to-{other(self.side)}",
                company=key.get("company"),
                id=key.get("id"),
                message_id=f"job-{self.job.id}-line-{refusal.line}",
                dequeue_count=0,
                error=error,
                source="job",
                job_id=self.job.id,
            )
        )


def view(job: Job) -> dict[str, Any]:
    """The counts and report `GET /api/sync/jobs/{id}` shows for an import."""
    report = {
        "refused": job.samples,
        "listed": len(job.samples),
        "errors": {"table": "SyncErrors", "source": "job", "job": job.id},
    }
    return {"counts": {name: job.counts[name] for name in COUNTS}, "report": report, "total": job.params.get("rows")}
