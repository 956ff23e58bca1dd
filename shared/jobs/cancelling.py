"""Cancelling a job (`POST /api/sync/jobs/{id}/cancel`): it stops at its next chunk boundary, keeps the counts
of the chunks it ran, and never runs again.

A job that no runner holds right now is cancelled at once. A job whose chunk is running gets
`cancel_requested` in its row: the chunk runs to its end (its writes are checkpointed as usual), and the
runner ends the job there as `cancelled` instead of queueing the next chunk (shared/jobs/runner.py). The
request is recorded ETag-conditionally, so it never loses to, nor overwrites, a runner's checkpoint. A
cancelled job frees its entity for the next job that writes it.
"""

from __future__ import annotations

from shared.errors import ConflictError, TransientError
from shared.jobs.model import Job
from shared.jobs.runner import JobRunner
from shared.storage import WriteConflictError

TRIES = 5  # writes of the job row lost to its runner's checkpoints before the cancel is answered 503


class JobFinishedError(ConflictError):
    """The job has ended already (succeeded, failed): there is nothing left to stop."""

    code = "job_finished"


class NotCancellableError(ConflictError):
    """Jobs of this kind cannot be cancelled; the message says what to do instead."""

    code = "not_cancellable"


def cancel(runner: JobRunner, job_id: str) -> Job:
    """The job as the cancel left it: `cancelled`, or still `running` with `cancel_requested` while its
    current chunk ends. NotFoundError for an unknown job; a cancelled job is answered as it is."""
    for _ in range(TRIES):
        job = runner.jobs.get(job_id)
        if job.state == "cancelled" or (job.cancel_requested and job.state == "running"):
            return job
        if job.state in ("succeeded", "failed"):
            raise JobFinishedError(f"job {job_id} has {job.state} already; there is nothing to cancel")
        kind = runner.kinds.get(job.kind)
        if kind is not None and kind.refuse_cancel:
            raise NotCancellableError(f"a {job.kind} job cannot be cancelled: {kind.refuse_cancel}")
        if not _held(runner, job):
            if runner.stop(job) == "cancelled":
                return job
            continue
        job.cancel_requested = True
        try:
            runner.jobs.save(job)
        except WriteConflictError:  # a checkpoint or a runner taking it: look at it again
            continue
        return job
    raise TransientError(f"job {job_id} kept changing while it was being cancelled; retry")


def _held(runner: JobRunner, job: Job) -> bool:
    """Whether a runner holds the job now (its chunk is running)."""
    return job.lease_until is not None and job.lease_until > runner.clock()
