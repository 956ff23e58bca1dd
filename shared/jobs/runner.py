"""Starting jobs and running their chunks from `sync-jobs` queue messages (`{"job": id, "chunk": n}`).

A chunk runs under the job's lease (a time in the job row, taken ETag-conditionally), is
checkpointed, and only then is the next chunk's message sent. A message for a chunk already done
is dropped; one for the chunk just before the current one, when the job has not moved for a while,
sends the current chunk's message again (the crash between checkpoint and send). The jobs timer
(`kick`) does the same for jobs whose lease ran out with no message left to carry them on.

Every job starts through `start`: a job that writes records first takes its entity (exclusion.py), so
that another one of the entity is refused (409 `job_running`) until it ends; a job that only reads
(`Kind.reads_only`) runs beside anything.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, Protocol

from azure.core.exceptions import AzureError, ResourceExistsError, ResourceNotFoundError
from azure.storage.queue import QueueClient

from shared import jsonio
from shared.entities.spec import EntitySpec
from shared.errors import BadRequestError, JobRunningError, NotFoundError, TransientError
from shared.jobs.exclusion import EntityLocks
from shared.jobs.importing import Import
from shared.jobs.importing import view as import_view
from shared.jobs.initial_sync import InitialSync
from shared.jobs.model import ENDED, InitialSyncRequest, Job, View, new_job_id
from shared.jobs.reconcile import Reconcile
from shared.jobs.reconcile import view as reconcile_view
from shared.jobs.table import JobTable
from shared.storage import WriteConflictError
from shared.sync.engine import Engine
from shared.sync.errorlog import ErrorLog

log = logging.getLogger(__name__)

QUEUE = "sync-jobs"
LEASE = dt.timedelta(seconds=15)  # a chunk takes a few seconds; a runner that died frees the job after this
CHUNK_TRIES = 5  # lost races of one chunk run before it is handed back to the queue
MAX_ATTEMPTS = 5  # failed runs of one chunk before the job fails


class ChunkRun(Protocol):
    def run_chunk(self) -> None:
        """Do the job's current chunk and move its cursor, counts and phase (`done` when finished)."""


@dataclass(frozen=True)
class Kind:
    """A kind of job: how to run one chunk of it, how `GET /api/sync/jobs/{id}` shows it (initial sync's
    counts and report when None), and the parameters that make it only read (None: it always writes)."""

    run: Callable[[Engine, JobTable, ErrorLog, Job], ChunkRun]
    view: View | None = None
    reads_only: Callable[[dict[str, Any]], bool] | None = None
    refuse_cancel: str | None = None  # why a job of this kind cannot be cancelled (None: it can)

    def writes(self, params: dict[str, Any]) -> bool:
        return self.reads_only is None or not self.reads_only(params)


# the writing kinds that check the records a record names in another entity (a warehouse's site): they
# start only once no job that writes that entity is running, so that they judge by its records as that
# job leaves them (an import only loads records as a system holds them, and checks no reference)
AFTER_NAMED = ("initial-sync", "reconcile")


# the kinds of this layer; the wiring adds the operations' (catch-up) when it builds the runner
KINDS: dict[str, Kind] = {
    "initial-sync": Kind(InitialSync),
    "reconcile": Kind(Reconcile, reconcile_view, reads_only=lambda params: not params.get("repair")),
    "import": Kind(Import, import_view),
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class JobRunner:
    def __init__(
        self,
        jobs: JobTable,
        queue: QueueClient,
        engine: Callable[[str], Engine],
        errors: ErrorLog,
        kinds: Mapping[str, Kind] = KINDS,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.jobs, self.queue, self.engine, self.errors, self.clock = jobs, queue, engine, errors, clock
        self.kinds = kinds
        self.locks = EntityLocks(jobs, clock)

    def start_initial_sync(self, slug: str, request: InitialSyncRequest) -> Job:
        params: dict[str, Any] = {"from": request.source, "conflicts": request.conflicts}
        if request.company is not None:
            params["company"] = request.company
        return self.start("initial-sync", slug, params)

    def start_import(self, slug: str, params: dict[str, Any]) -> Job:
        """Queue an import of a file already kept in `sync-imports` (shared/jobs/importing.py): a job that
        writes, so it takes its entity like any other."""
        return self.start("import", slug, params)

    def start(self, kind: str, slug: str, params: dict[str, Any]) -> Job:
        """Queue a job of any kind in KINDS: its entity taken if it writes (JobRunningError while another job
        that writes the entity has not ended), its row, then its first chunk's message."""
        now = self.clock()
        spec = self.engine(slug).spec
        job = Job(new_job_id(now), kind, spec.slug, params, created_at=now)
        if self.kinds[kind].writes(params):
            if kind in AFTER_NAMED:
                self._after_named(kind, spec)
            self.locks.take(job)
        try:
            self.jobs.create(job)
        except Exception:
            self._free(job)
            raise
        self.send(job)
        log.info("job %s: %s of %s queued", job.id, kind, job.entity, extra={"job": job.id})
        return job

    def show(self, job: Job) -> dict[str, Any]:
        """The job as `GET /api/sync/jobs/{id}` shows it, in its kind's view."""
        kind = self.kinds.get(job.kind)
        return job.as_dict(kind.view if kind else None)

    def _after_named(self, kind: str, spec: EntitySpec) -> None:
        """JobRunningError (409) while a job that writes an entity whose records these records name is running:
        e.g. warehouses are brought across after their sites, else each one whose site is not there yet fails."""
        for entity in sorted({ref.entity for ref in spec.foreign}):
            refusal = self.locks.running(entity)
            if refusal is not None:
                holder = refusal.details[0]
                raise JobRunningError(
                    f"{spec.slug} are brought across after the {entity} they name: start this {kind} once the "
                    f"{holder['kind']} job {holder['job']} of {entity} has ended (it is {holder['state']}; "
                    f"GET /api/sync/jobs/{holder['job']}); nothing was started",
                    details=refusal.details,
                )

    def handle(self, body: bytes) -> str:
        """Run the chunk a message names, if it is the job's current one; what happened, for logs."""
        job_id, chunk = _parse(body)
        try:
            job = self.jobs.get(job_id)
        except NotFoundError:
            return "unknown"
        if job.state in ENDED:
            return "finished"  # a cancelled job's chunk message arriving late does nothing
        now = self.clock()
        if chunk != job.chunk:
            if chunk == job.chunk - 1 and job.updated_at and now - job.updated_at > LEASE:
                self.send(job)  # the next message was lost after the checkpoint
            return "stale"
        if job.lease_until is not None and job.lease_until > now:
            return "busy"
        if job.cancel_requested:  # asked to stop while a runner that has died since held it
            return self.stop(job)
        job.lease_until, job.state = now + LEASE, "running"
        job.started_at = job.started_at or now
        try:
            self.jobs.save(job)
        except WriteConflictError:
            return "busy"
        return self._run(job)

    def _run(self, job: Job) -> str:
        engine = self.engine(job.entity)
        try:
            for tries in range(1, CHUNK_TRIES + 1):
                try:
                    self.kinds[job.kind].run(engine, self.jobs, self.errors, job).run_chunk()
                    break
                except WriteConflictError:
                    if tries == CHUNK_TRIES:
                        raise TransientError(
                            f"job {job.id}: chunk {job.chunk} kept losing races; retried later"
                        ) from None
        except Exception as exc:
            self._release(job, exc)
            raise
        job.chunk, job.lease_until, job.attempts = job.chunk + 1, None, 0
        if job.phase == "done":
            job.state, job.finished_at = "succeeded", self.clock()
        try:
            self.jobs.save(job)
        except WriteConflictError:
            return self._checkpoint_cancelled(job)
        if job.state == "running":
            self.send(job)
        else:
            self._free(job)
        text, fields = job.progress()
        log.info("job %s: %s", job.id, text, extra=fields)
        return job.state

    def _release(self, job: Job, exc: Exception) -> None:
        """A failed run frees the job for the retry, and a chunk that keeps failing fails the job."""
        try:
            fresh = self.jobs.get(job.id)
            fresh.lease_until, fresh.attempts = None, fresh.attempts + 1
            if fresh.attempts >= MAX_ATTEMPTS:
                fresh.state, fresh.finished_at = "failed", self.clock()
                fresh.error = f"chunk {fresh.chunk} failed {fresh.attempts} times: {type(exc).__name__}"
            self.jobs.save(fresh)
        except Exception:  # the run's own error is the one to report
            log.warning("job %s: could not release its lease", job.id, extra={"job": job.id})
            return
        if fresh.state == "failed":
            self._free(fresh)

    def _free(self, job: Job) -> None:
        """The job's entity, free for the next job that writes. Failing here leaves a lock naming a job that
        has ended (or never came), which the next start takes over."""
        kind = self.kinds.get(job.kind)
        if kind is None or not kind.writes(job.params):
            return
        try:
            self.locks.release(job)
        except Exception:
            log.warning(
                "job %s: could not free %s; the next start takes it over", job.id, job.entity, extra={"job": job.id}
            )

    def _checkpoint_cancelled(self, job: Job) -> str:
        """The chunk's checkpoint lost to another write of the job row: an operator's cancel (then the job ends
        here, its counts as this chunk left them: cancelled, or succeeded if this chunk finished its work), or
        another runner that took the job over after our lease ran out (its checkpoint counts)."""
        fresh = self.jobs.get(job.id)
        if not (fresh.cancel_requested and fresh.state == "running" and fresh.chunk == job.chunk - 1):
            return "busy"
        job.etag, job.cancel_requested = fresh.etag, True
        if job.state == "running":
            job.state, job.finished_at = "cancelled", self.clock()
        return self._end(job, f"after chunk {job.chunk - 1}")

    def stop(self, job: Job) -> str:
        """End a job that no runner holds as cancelled, its counts kept ("busy": it moved meanwhile)."""
        job.state, job.finished_at, job.cancel_requested, job.lease_until = "cancelled", self.clock(), True, None
        return self._end(job, f"at chunk {job.chunk}")

    def _end(self, job: Job, where: str) -> str:
        """Save a job that a cancel ended and free its entity; "busy" when its row moved meanwhile."""
        try:
            self.jobs.save(job)
        except WriteConflictError:
            return "busy"
        self._free(job)
        log.info("job %s: %s %s", job.id, job.state, where, extra={"job": job.id})
        return job.state

    def kick(self) -> int:
        """Send again the message of every unfinished job that nobody holds and that has not moved for a
        lease's time (its message was lost with a crashed runner); how many."""
        now, kicked = self.clock(), 0
        for job in self.jobs.recent(100):
            idle = job.updated_at is None or now - job.updated_at > LEASE
            free = job.lease_until is None or job.lease_until <= now
            if job.state in ("queued", "running") and idle and free:
                if job.cancel_requested:
                    self.stop(job)
                    continue
                self.send(job)
                kicked += 1
        return kicked

    def send(self, job: Job) -> None:
        """Queue the message that runs the job's current chunk."""
        text = jsonio.dumps({"job": job.id, "chunk": job.chunk}).decode()
        try:
            try:
                self.queue.send_message(text)
            except ResourceNotFoundError:  # the queue is made on first use, like the tables
                with suppress(ResourceExistsError):
                    self.queue.create_queue()
                self.queue.send_message(text)
        except AzureError as exc:
            raise TransientError(f"could not queue job {job.id}'s next chunk; the jobs timer sends it again") from exc


def _parse(body: bytes) -> tuple[str, int]:
    message = jsonio.loads_object(body)
    job_id, chunk = message.get("job"), message.get("chunk")
    if not isinstance(job_id, str) or type(chunk) is not int:
        raise BadRequestError('a sync-jobs message is {"job": "<id>", "chunk": <number>}')
    return job_id, chunk
