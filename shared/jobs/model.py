"""A job as stored in its row: what it does, where it is, what it has counted."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from shared import jsonio
from shared.storage import stored_time

State = Literal["queued", "running", "succeeded", "failed", "cancelled"]
ENDED = ("succeeded", "failed", "cancelled")  # a job in one of these states never runs again
Phase = Literal["scan", "deferred", "final", "done"]
COUNTS = ("read", "created", "coupled", "updated", "unchanged", "conflicts", "failed")
MAX_SAMPLES = 20  # conflict samples kept in a job's report; every conflict is also in the error log


class InitialSyncRequest(BaseModel):
    """`POST /api/sync/{entity}/initial-sync`: which side's records to bring across, and who wins."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    source: Literal["fs", "scm"]
    company: str | None = None
    conflicts: Literal["skip", "fs", "scm", "newest"] = "skip"

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> InitialSyncRequest:
        return cls.model_validate({("source" if name == "from" else name): value for name, value in body.items()})


def new_job_id(now: dt.datetime) -> str:
    """Ids that sort newest first (Table Storage lists in key order), then unique."""
    inverted = 10**13 - int(now.timestamp() * 1000)
    return f"{inverted:013d}-{uuid.uuid4().hex[:8]}"


@dataclass
class Job:
    id: str
    kind: str
    entity: str
    params: dict[str, Any]
    created_at: dt.datetime
    state: State = "queued"
    phase: Phase = "scan"
    cursor: str | None = None  # the last source RowKey done in this phase (or pass)
    pass_number: int = 0  # deferred passes: rows naming records not written yet wait for the next one
    chunk: int = 0  # the chunk to run next; a message for another chunk is stale
    total: int | None = None  # source rows, counted when the job starts (for progress and ETA)
    counts: Counter[str] = field(default_factory=Counter)
    samples: list[dict[str, Any]] = field(default_factory=list)
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    lease_until: dt.datetime | None = None  # a runner holds the job until then
    error: str | None = None
    attempts: int = 0  # failed runs of the current chunk; a chunk that keeps failing fails the job
    updated_at: dt.datetime | None = None  # when the row was last written (its Timestamp)
    etag: str | None = None
    cancel_requested: bool = False  # an operator asked it to stop: it ends at its next chunk boundary

    def as_dict(self, view: View | None = None) -> dict[str, Any]:
        """The job as `GET /api/sync/jobs/{id}` shows it; a kind's `view` gives counts and a report of its own."""
        shown = self._as_dict()
        return shown | view(self) if view is not None else shown

    def rows_per_s(self) -> float | None:
        end = self.finished_at or dt.datetime.now(dt.UTC)
        seconds = (end - self.started_at).total_seconds() if self.started_at else 0.0
        return round(self.counts["read"] / seconds, 1) if seconds > 0 else None

    def progress(self) -> tuple[str, dict[str, Any]]:
        """A progress log line for people ("initial sync of warehouses: 4,000/20,000 rows, 812 rows/s; ...")
        and its numbers as the line's fields, for queries."""
        total = self.total if self.total is not None else self.params.get("rows")
        rate, done = self.rows_per_s(), self.counts["read"]
        counted = ", ".join(f"{name} {count:,}" for name, count in self.counts.items() if count and name != "read")
        of_total = f"/{total:,}" if isinstance(total, int) else ""
        text = f"{self.kind.replace('-', ' ')} of {self.entity}: {done:,}{of_total} rows"
        text += f", {rate:,.0f} rows/s" if rate is not None else ""
        text += f"; phase {self.phase}, chunk {self.chunk - 1}" + (f"; {counted}" if counted else "")
        fields = {"job": self.id, "kind": self.kind, "entity": self.entity, "phase": self.phase}
        return text, fields | {"rows_done": done, "rows_total": total, "rows_per_s": rate}

    def _as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "entity": self.entity,
            "params": self.params,
            "state": self.state,
            "phase": self.phase,
            "counts": {name: self.counts[name] for name in COUNTS} | {"deferred": self.counts["deferred"]},
            "total": self.total,
            "created_at": self.created_at,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "rows_per_s": self.rows_per_s(),
            "report": {
                "passes": self.counts["passes"],  # passes over rows that waited for what they name
                "conflict_samples": self.samples,
                "errors": {"table": "SyncErrors", "source": "job", "job": self.id},
            },
            "error": self.error,
            "cancel_requested": self.cancel_requested,
        }

    def columns(self) -> dict[str, Any]:
        values = {
            "PartitionKey": JOB_PARTITION,
            "RowKey": self.id,
            "Kind": self.kind,
            "Entity": self.entity,
            "Params": jsonio.dumps(self.params).decode(),
            "CreatedAt": self.created_at,
            "State": self.state,
            "Phase": self.phase,
            "Cursor": self.cursor,
            "Pass": self.pass_number,
            "Chunk": self.chunk,
            "Total": self.total,
            "Counts": jsonio.dumps(dict(self.counts)).decode(),
            "Samples": jsonio.dumps(self.samples).decode(),
            "StartedAt": self.started_at,
            "FinishedAt": self.finished_at,
            "LeaseUntil": self.lease_until,
            "Error": self.error,
            "Attempts": self.attempts,
            "CancelRequested": self.cancel_requested or None,
        }
        return {name: value for name, value in values.items() if value is not None}

    @classmethod
    def from_entity(cls, entity: Any) -> Job:
        return cls(
            id=entity["RowKey"],
            kind=entity["Kind"],
            entity=entity["Entity"],
            params=jsonio.loads_object(entity["Params"]),
            created_at=stored_time(entity["CreatedAt"]),
            state=entity["State"],
            phase=entity["Phase"],
            cursor=entity.get("Cursor"),
            pass_number=entity.get("Pass", 0),
            chunk=entity.get("Chunk", 0),
            total=entity.get("Total"),
            counts=Counter(jsonio.loads_object(entity.get("Counts", "{}"))),
            samples=list(jsonio.loads(entity.get("Samples", "[]"))),
            started_at=stored_time(entity.get("StartedAt")),
            finished_at=stored_time(entity.get("FinishedAt")),
            lease_until=stored_time(entity.get("LeaseUntil")),
            error=entity.get("Error"),
            attempts=entity.get("Attempts", 0),
            updated_at=stored_time(entity.metadata.get("timestamp")),
            etag=entity.metadata["etag"],
            cancel_requested=bool(entity.get("CancelRequested")),
        )


JOB_PARTITION = "job"
LOCK_PARTITION = "lock"  # one row per entity (RowKey: its slug) while a job that writes its records runs


@dataclass
class Lock:
    """Which job holds the entity: only one job that writes an entity's records runs at a time."""

    entity: str
    job_id: str
    kind: str
    taken_at: dt.datetime
    etag: str | None = None

    def columns(self) -> dict[str, Any]:
        return {
            "PartitionKey": LOCK_PARTITION,
            "RowKey": self.entity,
            "JobId": self.job_id,
            "Kind": self.kind,
            "TakenAt": self.taken_at,
        }

    @classmethod
    def from_entity(cls, entity: Any) -> Lock:
        return cls(
            entity["RowKey"], entity["JobId"], entity["Kind"], stored_time(entity["TakenAt"]), entity.metadata["etag"]
        )


# a job kind whose counts and report differ from initial sync's: job -> {"counts": ..., "report": ...}
View = Callable[[Job], dict[str, Any]]
