"""Catch-up: the job (kind `catch-up`) that applies a resumed entity's backlog in arrival order.

Each chunk takes the oldest held changes and applies them one by one through the live pipeline, as
of their arrival (the engine's clock is the arrival time: a change without a time of its own gets
that one, a delete without one is dated then, and "too far in the future" is judged from then), and
drops each backlog row only after its change is applied. A crash re-applies at most the one change
whose row was not dropped yet: the same content at the same time is an echo (`unchanged`), a
repeated delete finds nothing (`absent`, its tombstone already as new). The backlog is applied by the
live rules of time: a held change older than what its key has seen (a newer change held before it, or
applied before the pause) is counted `superseded` and dropped, which is no error — webhooks arrive out
of order. A change that breaks a rule goes to the error log with `source: "catch-up"` and the rest go
on; a storage failure fails the chunk, which the runner retries.

An entity whose records name another's (a warehouse its site) starts applying only once that entity's
catch-up has applied its own backlog: a held warehouse comes after the held site it names.

The entity stays held (paused, its state's `catch_up_job` naming the job) until a chunk finds the backlog empty:
then it is marked running. Another instance may still hold a change for up to the control cache's
second; the `final` phase waits SETTLE seconds after that and applies what came in meanwhile.
If an operator pauses the entity during the catch-up, the job stops; the rest waits for the next resume.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from functools import partial
from typing import Any, Protocol

from shared.entities.spec import other
from shared.errors import StaleError, SyncError, TransientError
from shared.jobs.model import COUNTS, Job, new_job_id
from shared.jobs.runner import JobRunner, Kind
from shared.jobs.table import JobTable
from shared.keys import Key, printable
from shared.operations.backlog import Backlog, Held
from shared.operations.committing import commit
from shared.operations.staging import NeedsLive, Stage, Staged, written_last
from shared.operations.states import CACHE_SECONDS, PauseStates
from shared.sync.engine import Engine
from shared.sync.errorlog import ErrorEntry, ErrorLog

log = logging.getLogger(__name__)

KIND = "catch-up"
OUTCOMES = ("created", "updated", "unchanged", "deleted", "absent", "superseded", "failed")  # of each held change
CHUNK = 1000  # held changes per chunk at most (a page of the backlog) …
CHUNK_SECONDS = 8.0  # … and at most this long (the runner's lease is 15 s)
SETTLE = 2 * CACHE_SECONDS  # after marking running: how long other instances may still hold changes
# a catch-up is never cancelled: the backlog it applies must never be lost or run out of order
REFUSE_CANCEL = (
    "the backlog it applies must not be dropped; pause the entity instead (POST /api/sync/{entity}/pause): "
    "the catch-up stops at its next chunk and what is still held waits, in order, for the next resume"
)
WAIT = 1.0  # a catch-up whose records name another entity's looks again this often while that one catches up


class Replay(Protocol):
    """How a held change is applied and logged: the edge reads requests and queue messages as they came."""

    def apply(self, engine: Engine, held: Held) -> str:
        """Apply one held change as the live path would have on its arrival; the outcome's status."""

    def key(self, engine: Engine, held: Held) -> tuple[str | None, str | None]:
        """The company and id a held change names, as far as they can be read."""

    def replayable(self, held: Held) -> bytes:
        """What a retry from the error log runs again."""


def kind(states: PauseStates, backlog: Backlog, replay: Replay, touch: Callable[[str], None]) -> Kind:
    """The catch-up job kind, with what its chunks need (the wiring adds it to the runner's kinds)."""
    run = partial(CatchUp, states=states, backlog=backlog, replay=replay, touch=touch)
    return Kind(run, view, refuse_cancel=REFUSE_CANCEL)


def start(runner: JobRunner, states: PauseStates, backlog: Backlog, slug: str) -> Job:
    """Queue a catch-up of the entity and keep it held (its state names the job) until it is done."""
    now = dt.datetime.now(dt.UTC)
    job = Job(new_job_id(now), KIND, slug, {}, created_at=now, total=backlog.count(slug))
    states.catch_up(slug, job.id)
    runner.jobs.create(job)
    runner.send(job)
    log.info("job %s: catch-up of %s queued, %d held", job.id, slug, job.total, extra={"job": job.id})
    return job


class CatchUp:
    """Runs chunks of one catch-up job; the runner (shared/jobs/runner.py) loads and checkpoints the job."""

    def __init__(
        self,
        engine: Engine,
        jobs: JobTable,
        errors: ErrorLog,
        job: Job,
        *,
        states: PauseStates,
        backlog: Backlog,
        replay: Replay,
        touch: Callable[[str], None],
    ) -> None:
        self.engine, self.errors, self.job = engine, errors, job
        self.slug = engine.spec.slug
        self.states, self.backlog, self.replay, self.touch = states, backlog, replay, touch

    def run_chunk(self) -> None:
        job, control = self.job, self.states
        if job.phase == "scan":
            if control.fresh(self.slug).catch_up_job != job.id:  # the chunk may run before the cache sees it
                job.phase, job.counts["stopped"] = "done", 1  # paused again (or resumed by a newer job)
                return
            if any(control.state(ref.entity).catching_up for ref in self.engine.spec.foreign):
                time.sleep(WAIT)  # held warehouses wait for their held sites: the next chunk looks again
                return
            if not self._drain():
                control.resume([self.slug])
                job.phase, job.cursor = "final", dt.datetime.now(dt.UTC).isoformat()
            return
        resumed = dt.datetime.fromisoformat(job.cursor or dt.datetime.now(dt.UTC).isoformat())
        time.sleep(max(0.0, SETTLE - (dt.datetime.now(dt.UTC) - resumed).total_seconds()))
        if control.is_paused(self.slug) or not self._drain():  # what other instances held in their last second
            self._finished()  # (paused again meanwhile: what is held waits for the next resume)

    def _finished(self) -> None:
        self.job.phase = "done"
        counts = {name: self.job.counts[name] for name in OUTCOMES if self.job.counts[name]}
        log.info(
            "job %s: catch-up of %s done: %s",
            self.job.id,
            self.slug,
            counts or "nothing held",
            extra={"entity": self.slug, "job": self.job.id},
        )

    def _drain(self) -> int:
        """Apply the oldest held changes, for at most CHUNK changes or CHUNK_SECONDS: staged and written in
        transactions (staging.py), those that take a guard on the live path in between; how many. A held
        change's row is dropped only once its outcome is written: a chunk stopped anywhere is run again, and
        what it had written reads as already there (an echo, or older than the key's stored time)."""
        deadline = time.monotonic() + CHUNK_SECONDS
        batch = self.backlog.first(self.slug, CHUNK)
        stage = Stage(self.engine)
        stage.store.load(key for held in batch if (key := self._key_of(held)) is not None)
        staged: list[Staged] = []
        for done, held in enumerate(batch, start=1):
            stage = self._stage(stage, held, staged)
            if time.monotonic() > deadline:
                batch = batch[:done]
                break
        self._commit(stage, staged)
        if batch:
            self.touch(self.slug)
        return len(batch)

    def _stage(self, stage: Stage, held: Held, staged: list[Staged]) -> Stage:
        """Stage one held change; one that takes a guard is applied live once what is staged is written. The
        stage that goes on."""
        for _ in range(2):
            stage.store.begin()
            wrote = len(stage.written)
            try:
                result = self._decide(stage.at(held.arrived), held)
            except NeedsLive:
                stage.store.rollback()
                stage = self._commit(stage, staged)
                self._apply_live(held)
                return stage
            if not stage.store.split():
                staged.append(Staged(held, result, stage.store.touched(), stage.written[wrote:]))
                return stage
            stage.store.rollback()  # staged again over what is written: then its lead and follower agree
            stage = self._commit(stage, staged)
        raise AssertionError("a change staged over rows as stored never splits")

    def _commit(self, stage: Stage, staged: list[Staged]) -> Stage:
        """Write what is staged, then the outcomes of its changes (their error entries, the entries their writes
        resolve), then drop their held rows; the changes of keys whose write lost a race to a live writer
        are applied again, live. A fresh stage to go on with."""
        lost = commit(self.engine, stage.store)
        kept = [entry for entry in staged if not entry.touched & lost]
        for entry in kept:
            self._settle(entry.held, entry.result)
        self._resolve(kept)
        self.backlog.remove_many([entry.held for entry in kept])
        for entry in staged:
            if entry.touched & lost:
                self._apply_live(entry.held)
        staged.clear()
        return Stage(self.engine)

    def _apply_live(self, held: Held) -> None:
        self._settle(held, self._decide(self.engine_at(held.arrived), held))
        self.backlog.remove(held)

    def _decide(self, engine: Engine, held: Held) -> str | SyncError:
        try:
            return self.replay.apply(engine, held)
        except TransientError:
            raise
        except SyncError as exc:
            return exc

    def _settle(self, held: Held, result: str | SyncError) -> None:
        self.job.counts["read"] += 1
        if isinstance(result, StaleError):  # a newer change of the key came first: no rule broken, no retry
            self.job.counts["superseded"] += 1
            self._log_superseded(held, result)
        elif isinstance(result, SyncError):
            self.job.counts["failed"] += 1
            self._log_failure(held, result)
        else:
            self.job.counts[result] += 1

    def _resolve(self, kept: list[Staged]) -> None:
        """The open error entries of the keys whose last change in the run wrote are resolved, as each write
        resolves its key's on the live path (after the run's failures are recorded)."""
        for direction, keys in written_last(kept, self._failure_key).items():
            try:
                self.errors.resolve_keys(self.slug, direction, keys, f"job:{self.job.id}")
            except SyncError as exc:  # the changes are written whatever happens here, as on the live path
                log.warning("%s: written, but resolving error entries failed: %s", self.slug, exc.code)

    def _key_of(self, held: Held) -> Key | None:
        """The key a held change names, as far as it was read (for reading the run's rows at once)."""
        company, ident = self._failure_key(held)
        return Key(company, ident) if company and ident else None

    def _failure_key(self, held: Held) -> tuple[str | None, str | None]:
        if held.origin == "queue":
            return self.replay.key(self.engine, held)
        return held.company, held.ident

    def engine_at(self, arrived: dt.datetime) -> Engine:
        """The entity's engine with its clock stopped at a change's arrival."""
        engine = self.engine
        return Engine(
            engine.spec,
            engine.store,
            engine.settings,
            clock=lambda: arrived,
            neighbours=engine.neighbours,
            after_write=engine.after_write,
        )

    def _log_superseded(self, held: Held, exc: StaleError) -> None:
        log.info(
            "%s held change %s superseded on catch-up: %s",
            self.slug,
            held.row_key,
            printable(exc.message),
            extra={"entity": self.slug, "job": self.job.id},
        )

    def _log_failure(self, held: Held, exc: SyncError) -> None:
        company, ident = self._failure_key(held)
        entry = ErrorEntry(
            entity=self.slug,
            direction=f"{held.side}-to-{other(held.side)}",
            company=company,
            id=ident,
            message_id=held.message_id or f"catch-up-{held.row_key}",
            dequeue_count=held.dequeue_count,
            error=exc,
            source="catch-up",
            job_id=self.job.id,
            change=self.replay.replayable(held),
        )
        self.errors.record(entry)
        log.warning(
            "%s held change %s failed on catch-up (%s): %s",
            self.slug,
            held.row_key,
            exc.code,
            printable(exc.message),
            extra={
                "entity": self.slug,
                "job": self.job.id,
                "key": printable(f"{company}/{ident}"),
                "code": exc.code,
                "error_source": entry.source,
            },
        )


def view(job: Job) -> dict[str, Any]:
    """The counts and report `GET /api/sync/jobs/{id}` shows for a catch-up: what became of each held change
    (the columns every job shows, for the command line, and a catch-up's own), and where its failures are."""
    counts = {name: job.counts[name] for name in (*COUNTS, *OUTCOMES)}
    report = {
        "passes": 0,
        "conflict_samples": [],
        "superseded": job.counts["superseded"],
        "errors": {"table": "SyncErrors", "source": "catch-up", "job": job.id},
    }
    return {"counts": counts, "report": report}
