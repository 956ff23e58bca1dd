"""One job that writes an entity's records at a time, across every instance on the storage account.

Two such jobs would race each other row by row (each finding the other's writes as changes made outside
the sync), so a job that writes takes the entity's lock row before its own row is written: created if
there is none, else written in place of one whose job has ended, ETag-conditionally either way, so
that of starts at the same moment (on any host) exactly one wins. The job frees the row when it ends;
a row left by a job that ended without freeing it (its host died in between) is taken over, and so
is one naming a job whose row never came (its start failed) once STARTING has passed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from shared.errors import JobRunningError, NotFoundError, TransientError
from shared.jobs.model import Job, Lock
from shared.jobs.table import JobTable
from shared.storage import WriteConflictError

log = logging.getLogger(__name__)

STARTING = dt.timedelta(seconds=60)  # from taking the lock to writing the job's row takes milliseconds
TRIES = 4  # rounds of taking the lock lost to other starts before the start is refused as contended
LIVE = ("queued", "running")


class EntityLocks:
    def __init__(self, jobs: JobTable, clock: Callable[[], dt.datetime]) -> None:
        self.jobs, self.clock = jobs, clock

    def take(self, job: Job) -> None:
        """Hold the job's entity for it, or JobRunningError naming the job that holds it."""
        mine = Lock(job.entity, job.id, job.kind, self.clock())
        held: Lock | None = None
        for _ in range(TRIES):
            try:
                self.jobs.take(mine, held)
                return
            except WriteConflictError:  # another start took or freed it meanwhile: look again
                held = self.jobs.lock(job.entity)
            if held is not None:
                self._refuse_if_live(held)
        raise TransientError(f"could not start a job of {job.entity}: other starts kept taking its lock; retry")

    def release(self, job: Job) -> None:
        """Free the job's entity if the job still holds it (one that took it over since keeps it)."""
        held = self.jobs.lock(job.entity)
        if held is not None and held.job_id == job.id:
            try:
                self.jobs.free(held)
            except WriteConflictError:
                log.info("job %s: its lock of %s was taken over meanwhile", job.id, job.entity, extra={"job": job.id})

    def running(self, entity: str) -> JobRunningError | None:
        """What refuses a start while a job that writes `entity` has not ended (None: no such job)."""
        held = self.jobs.lock(entity)
        return self._live(held) if held is not None else None

    def _refuse_if_live(self, held: Lock) -> None:
        if refusal := self._live(held):
            raise refusal

    def _live(self, held: Lock) -> JobRunningError | None:
        try:
            holder = self.jobs.get(held.job_id)
        except NotFoundError:
            if self.clock() - held.taken_at < STARTING:
                return running(held.entity, held.job_id, held.kind, "queued")
            return None  # its start failed before the job was written
        return running(holder.entity, holder.id, holder.kind, holder.state) if holder.state in LIVE else None


def running(entity: str, job_id: str, kind: str, state: str) -> JobRunningError:
    return JobRunningError(
        f"{kind} job {job_id} of {entity} is {state}: one job that writes an entity's records runs at a time; "
        f"start again once it has ended (GET /api/sync/jobs/{job_id})",
        details=[{"job": job_id, "kind": kind, "entity": entity, "state": state}],
    )
