"""Reconcile, one chunk at a time: compare FS and SCM key by key and, with `repair`, bring them in step.

Count: first both sides' records are counted, by their keys only, for the progress total.

Scan: a chunk reads one page (CHUNK_ROWS) of each side after the cursor, both in RowKey order, and
judges every key up to the lower of the two pages' last keys (a short page reached the end of its
side), so that each key is judged with both its rows — a merge walk that never holds more than a
page of each side. Keys held by SCM alone are checked against FS tombstones too (one range read):
a delete that has not reached SCM yet is in doubt, not missing. Nothing is written in the scan.

Repair (`fs`, `scm`, `newest`): the scan leaves the drifting keys in the job's deferred rows; a
second phase takes them REPAIR_ROWS at a time, finishes a half-done operation through the journal,
judges the key again and sends the chosen side's record through the engine, so both sides' rules,
times and the both-or-neither guarantee apply as to any change. A record that only the side not
chosen holds is copied across: repair creates and updates, it never deletes. A copy is judged against
the side that lacks the record alone (its tombstone, if it has one): the record's own stored version is
what is being copied, so it never makes the copy stale. A side named outright
wins even over a later time the other side's row has seen: the repair is then a change made now,
provided that row is still as the repair read it. What fails goes to the error log (source `job`).
"""

from __future__ import annotations

import logging
from itertools import islice
from typing import Any, cast

from shared import jsonio
from shared.entities.spec import SIDES, Side, other
from shared.errors import StaleError, SyncError, TransientError, rejected
from shared.jobs.companies import known, unknown_company
from shared.jobs.drift import KINDS, Finding, Repair, classify, source_of
from shared.jobs.model import Job
from shared.jobs.table import JobTable
from shared.keys import Key, decode_row_key
from shared.sync.engine import Engine
from shared.sync.errorlog import ErrorEntry, ErrorLog
from shared.sync.journal import LEAD, Pair, in_doubt
from shared.sync.rows import Row

log = logging.getLogger(__name__)

CHUNK_ROWS = 1000  # one page of each side per chunk
COUNT_ROWS = 20_000  # keys counted per chunk before the scan (about 1.5 s on Azurite)
REPAIR_ROWS = 100  # keys repaired per chunk: a few storage calls each, well inside the job's lease
MAX_SAMPLES = 20
REPAIR_PASS = 1  # the deferred rows' pass number that the repair phase reads


class Reconcile:
    """Runs chunks of one reconcile job; the runner (runner.py) loads and checkpoints the job."""

    def __init__(self, engine: Engine, jobs: JobTable, errors: ErrorLog, job: Job) -> None:
        self.engine, self.spec, self.store = engine, engine.spec, engine.store
        self.jobs, self.errors, self.job = jobs, errors, job
        self.company: str | None = job.params.get("company")
        self.repair: Repair | None = job.params.get("repair")

    def run_chunk(self) -> None:
        if self.job.total is None:
            self._count()
        elif self.job.phase == "scan":
            self._scan()
        else:
            self._repair()

    def _count(self) -> None:
        """The progress bar's total: both sides' records, COUNT_ROWS keys a chunk (well inside the job's
        lease, whatever the table's size), before the scan starts. The cursor says `<side> <RowKey>`."""
        job = self.job
        side, _, after = (job.cursor or "fs ").partition(" ")
        keys = self.store.keys(cast(Side, side), self.company, after or None, COUNT_ROWS)
        job.counts["counted"] += len(keys)
        if len(keys) == COUNT_ROWS:
            job.cursor = f"{side} {keys[-1]}"
        elif side == "fs":
            job.cursor = "scm "
        else:
            job.total, job.cursor = job.counts.pop("counted"), None

    # -- scan -------------------------------------------------------------------------------------

    def _scan(self) -> None:
        job = self.job
        pages = {side: list(islice(self.store.scan(side, self.company, job.cursor), CHUNK_ROWS)) for side in SIDES}
        full = [page[-1][0].row_key for page in pages.values() if len(page) == CHUNK_ROWS]
        high = min(full) if full else None  # None: both sides end within this chunk
        rows: dict[str, dict[Side, Row]] = {}
        for side, page in pages.items():
            for key, row in page:
                if high is None or key.row_key <= high:
                    rows.setdefault(key.row_key, {})[side] = row
                    job.counts["read"] += 1
        self._fs_tombstones(rows)
        drift = [f for rk in sorted(rows) if (f := classify(self.spec, decode_row_key(rk), _pair(rows[rk])))]
        drift = self._of_known_companies(drift, rows)
        job.counts["keys"] += len(rows)
        for finding in drift:
            job.counts[finding.kind] += 1
            if len(job.samples) < MAX_SAMPLES:
                job.samples.append(finding.sample())
        if self.repair and drift:
            self.jobs.defer(job.id, [finding.key.row_key for finding in drift], REPAIR_PASS)
            job.counts["to_repair"] += len(drift)
        if high is not None:
            job.cursor = high
        elif self.repair and job.counts["to_repair"]:
            job.phase, job.cursor, job.pass_number = "deferred", None, REPAIR_PASS
        else:
            job.phase = "done"

    def _of_known_companies(self, drift: list[Finding], rows: dict[str, dict[Side, Row]]) -> list[Finding]:
        """The findings of configured companies. One of a company that is not configured is no drift to repair:
        it is counted apart (`unknown_company`) and, with `repair`, fails (error log) with nothing written."""
        settings = self.engine.settings
        for finding in (f for f in drift if not known(settings, f.key)):
            self.job.counts["unknown_company"] += 1
            if self.repair:
                pair = _pair(rows[finding.key.row_key])
                source = source_of(self.spec, pair, self.repair, settings.primary_side)
                reason = unknown_company(self.spec, settings, source, finding.key)
                record = row.record if (row := pair[source]) else {}
                self._log(finding, source, rejected(self.spec.title, finding.key, [reason]), record)
                self.job.counts["failed"] += 1
        return [finding for finding in drift if known(settings, finding.key)]

    def _fs_tombstones(self, rows: dict[str, dict[Side, Row]]) -> None:
        """FS tombstones of the keys only SCM holds (a delete on its way to SCM), in one range read."""
        alone = sorted(row_key for row_key, held in rows.items() if "fs" not in held)
        if alone:
            found = self.store.rows_between("fs", alone[0], alone[-1])
            for row_key in alone:
                if (row := found.get(row_key)) is not None and row.deleted:
                    rows[row_key]["fs"] = row

    # -- repair -----------------------------------------------------------------------------------

    def _repair(self) -> None:
        job = self.job
        keys = self.jobs.deferred(job.id, REPAIR_PASS, job.cursor, REPAIR_ROWS)
        if not keys:
            while done := self.jobs.deferred(job.id, REPAIR_PASS, None, REPAIR_ROWS):
                self.jobs.resolve(job.id, done)
            job.phase = "done"
            return
        for row_key in keys:
            job.counts[self._repair_one(decode_row_key(row_key))] += 1
        job.cursor = keys[-1]  # the keys stay until the end: a chunk run again must find the same ones

    def _repair_one(self, key: Key) -> str:
        """`repaired`, `in_step` (nothing left to do: fixed meanwhile, or by an interrupted run of this
        chunk) or `failed` (in the error log)."""
        assert self.repair is not None
        pair = self.engine.journal.read_pair(key)
        settled = pair[LEAD] is not None and in_doubt(cast(Row, pair[LEAD]), pair[other(LEAD)])
        if settled:
            pair = self.engine.journal.settle(key)
        finding = classify(self.spec, key, pair)
        if finding is None:
            return "repaired" if settled else "in_step"
        source = source_of(self.spec, pair, self.repair, self.engine.settings.primary_side)
        row = pair[source]
        assert row is not None
        try:
            self._send(key, source, row, pair)
        except TransientError:
            raise  # the chunk runs again
        except SyncError as exc:
            self._log(finding, source, exc, row.record)
            return "failed"
        return "repaired"

    def _send(self, key: Key, source: Side, row: Row, pair: Pair) -> None:
        target, record = pair[other(source)], row.record
        if target is None or target.deleted:  # a copy: judged against the target's row alone
            self.engine.copy(source, record, row.etag)
            return
        try:
            self.engine.upsert(source, record)
        except StaleError:
            if self.repair != source:
                raise
            now = self.engine.journal.read_pair(key)[other(source)]
            if now is None or now.etag != target.etag:
                raise  # changed since the repair read it: a live change is newer than the repair's decision
            modified = self.spec.side(source).modified_field
            self.engine.upsert(source, {name: value for name, value in record.items() if name != modified})

    def _log(self, finding: Finding, source: Side, error: SyncError, record: dict[str, Any]) -> None:
        key = finding.key
        entry = ErrorEntry(
            entity=self.spec.slug,
            direction=f"{source}-to-{other(source)}",
            company=key.company,
            id=key.id,
            message_id=f"job-{self.job.id}-{key.row_key}",
            dequeue_count=0,
            error=error,
            source="job",
            job_id=self.job.id,
            change=jsonio.dumps(record),  # a retry sends the chosen side's record again
        )
        self.errors.record(entry)
        log.warning(
            "job %s: %s %s %s not repaired: %s",
            self.job.id,
            self.spec.slug,
            key,
            finding.kind,
            error.code,
            extra={"job": self.job.id, "entity": self.spec.slug},
        )


def _pair(held: dict[Side, Row]) -> Pair:
    return {side: held.get(side) for side in SIDES}


def view(job: Job) -> dict[str, Any]:
    """The counts and report `GET /api/sync/jobs/{id}` shows for a reconcile."""
    counts = job.counts
    report: dict[str, Any] = {kind: counts[kind] for kind in KINDS}
    report["unknown_company"] = counts["unknown_company"]  # keys out of every route's reach: not repaired
    report["samples"] = job.samples
    if job.params.get("repair"):
        report |= {"repaired": counts["repaired"], "failed": counts["failed"], "in_step": counts["in_step"]}
        report["errors"] = {"table": "SyncErrors", "source": "job", "job": job.id}
    shown = ("read", "keys", *KINDS, "unknown_company", "to_repair", "repaired", "in_step", "failed")
    return {"counts": {name: counts[name] for name in shown}, "report": report}
