"""Initial sync, one chunk at a time: bring every record of one side across to the other.

A chunk reads up to CHUNK_ROWS source rows after the job's cursor, and the other side's rows of the
same key range (one range query each), decides each record (coupling.py) with both sides' rules and
the rules that read other records, then writes: the lead side's rows with their intents (each
with its index row) in transactions of at most 49 rows and the company's guard, then the follower's
rows in transactions of 100. So both-or-neither holds per record exactly as on the live path (recovery or the next
writer finishes an intent), and a live change newer than the job's copy wins: every write is
conditional on the ETag the chunk read, and a chunk that lost a race is decided again.

Self-references never fail for order. A record naming one that is not on the target yet, but is
in the source, waits (is deferred) for a later pass over the waiting rows; a pass that resolves
none of them is the last, and what still fails then fails with its rule — `no_cycle` for rows
whose references loop among the source records. Operation ids name the job, the chunk and the
outcome, so a chunk run again after a crash counts what it had written as it did the first time.
A row of a company that is not configured is failed (companies.py): no route could reach its copy.
"""

from __future__ import annotations

import logging
from itertools import islice
from typing import Any

from shared.entities.references import named
from shared.entities.spec import Side, other
from shared.errors import ConflictError, Failure, rejected
from shared.jobs.companies import known, unknown_company
from shared.jobs.coupling import WRITES, ChunkLookup, Decision, decide
from shared.jobs.model import Job
from shared.jobs.table import JobTable
from shared.jobs.writes import ChunkWriter
from shared.keys import Key, decode_row_key, normalise
from shared.sync.engine import Engine
from shared.sync.errorlog import ErrorEntry, ErrorLog
from shared.sync.journal import FOLLOWER, LEAD, Pair, in_doubt
from shared.sync.mapping import content_hash
from shared.sync.neighbours import Seen, names_any
from shared.sync.rows import Guard, Row, SyncMeta
from shared.sync.translate import translate
from shared.sync.validation import check_context

log = logging.getLogger(__name__)

CHUNK_ROWS = 1000  # one page of a query: every chunk costs two queries, whatever its size
MAX_DEPTH = 100


class InitialSync:
    """Runs chunks of one initial-sync job; the runner (runner.py) loads and checkpoints the job."""

    def __init__(self, engine: Engine, jobs: JobTable, errors: ErrorLog, job: Job) -> None:
        self.engine, self.spec, self.store = engine, engine.spec, engine.store
        self.jobs, self.errors, self.job = jobs, errors, job
        self.source: Side = job.params["from"]
        self.company: str | None = job.params.get("company")
        self.conflicts: str = job.params.get("conflicts", "skip")

    def run_chunk(self) -> None:
        """One chunk of the job's current phase; moves the cursor, the phase and the counts."""
        job = self.job
        if job.total is None:
            job.total = self.store.count(self.source, self.company)
        if job.phase == "scan":
            rows = list(islice(self.store.scan(self.source, self.company, after=job.cursor), CHUNK_ROWS))
            if rows:
                self._apply(rows, final=False)
                job.cursor = rows[-1][0].row_key
            else:
                self._next_pass()
            return
        keys = self.jobs.deferred(job.id, job.pass_number, job.cursor, CHUNK_ROWS)
        if not keys:
            self._next_pass()
            return
        found = self.store.rows_between(self.source, keys[0], keys[-1])
        rows = [(decode_row_key(k), found[k]) for k in keys if k in found and not found[k].deleted]
        gone = [k for k in keys if k not in found or found[k].deleted]  # deleted in the source meanwhile
        resolved = self._apply(rows, final=job.phase == "final")
        self.jobs.resolve(job.id, resolved + gone)
        job.counts["deferred"] -= len(resolved) + len(gone)
        job.cursor = keys[-1]

    def _next_pass(self) -> None:
        """After the scan, or after a pass: another pass over what waits, a last one, or done. A pass
        that resolved none of the rows it started with is followed by the last one."""
        job = self.job
        waiting, started_with = job.counts["deferred"], job.counts["pass_size"]
        job.cursor = None
        if not waiting or job.phase == "final":
            job.phase = "done"
            return
        job.phase = "final" if job.phase == "deferred" and waiting >= started_with else "deferred"
        job.pass_number += 1
        job.counts["passes"] += 1
        job.counts["pass_size"] = waiting

    # -- one chunk ------------------------------------------------------------------------------

    def _apply(self, rows: list[tuple[Key, Row]], final: bool) -> list[str]:
        """Decide and write `rows`; returns the row keys resolved (all but those deferred again). Rows of a
        company that is not configured fail before anything is read or written for them."""
        decisions: list[Decision] = []
        held: list[tuple[Key, Row]] = []  # the rows of configured companies
        for key, row in rows:
            if known(self.engine.settings, key):
                held.append((key, row))
            else:
                failure = unknown_company(self.spec, self.engine.settings, self.source, key)
                decisions.append(Decision(key, "failed", failures=[failure]))
        if held:
            decisions += self._write(held, final)
            done = [(d.key.company, d.key.id) for d in decisions if d.kind in WRITES]  # these went through
            self.errors.resolve_keys(
                self.spec.slug, f"{self.source}-to-{other(self.source)}", done, f"job:{self.job.id}"
            )
        deferred = [d.key.row_key for d in decisions if d.kind == "deferred"]
        if deferred:
            self.jobs.defer(self.job.id, deferred, self.job.pass_number + 1)
        for decision in decisions:
            self._count(decision)
        return [d.key.row_key for d in decisions if d.kind != "deferred"]

    def _write(self, rows: list[tuple[Key, Row]], final: bool) -> list[Decision]:
        stored = self._read_pairs(rows)
        guards = self._guards(rows, stored)
        decided: dict[str, Any] = {}
        decisions: list[Decision] = []
        seen: Seen = {}  # the records of other entities the rows name, read once a chunk
        for key, _ in rows:
            decision = self._decide(key, stored[key.row_key], decided, final, seen)
            if decision.records is not None and decision.kind in WRITES:
                decided[key.row_key] = decision.records
            decisions.append(decision)
        ChunkWriter(self.engine, self._meta).write(decisions, stored, guards)
        return decisions

    def _read_pairs(self, rows: list[tuple[Key, Row]]) -> dict[str, Pair]:
        """Both sides' rows of the chunk's keys — the source's as the chunk read them, the target's by one
        range read — with half-done operations finished."""
        target = other(self.source)
        low, high = rows[0][0].row_key, rows[-1][0].row_key
        found = self.store.rows_between(target, low, high)
        pairs: dict[str, Pair] = {}
        for key, row in rows:
            pair: Pair = {self.source: row, target: found.get(key.row_key)}
            lead = pair[LEAD]
            if lead is not None and in_doubt(lead, pair[FOLLOWER]):
                pair = self.engine.journal.settle(key)
            pairs[key.row_key] = pair
        return pairs

    def _guards(self, rows: list[tuple[Key, Row]], stored: dict[str, Pair]) -> dict[str, Guard]:
        """The guards of the companies whose rows a rule that reads other records may be about, read
        before any rule looks (see the engine's guard): their lead writes commit with the guard."""
        companies = {
            normalise(key.company)
            for key, row in rows
            if any(self._applies(rule, row, stored[key.row_key]) for rule in self.spec.context_rules)
            or self._names_others(stored[key.row_key])
        }
        return {company: self.store.read_guard(LEAD, company) for company in sorted(companies)}

    def _applies(self, rule: Any, row: Row, pair: Pair) -> bool:
        """Whether a context rule may be about this row: judged on the source record (mapped to the
        rule's side when needed) and on what the rule's side holds."""
        held = pair[rule.side]
        if held is not None and not held.deleted and rule.applies(held.record):
            return True
        if rule.side == self.source:
            return bool(rule.applies(row.record))
        records, failures = translate(self.spec, self.source, row.record)
        return not failures and bool(rule.applies(records[rule.side]))

    def _names_others(self, pair: Pair) -> bool:
        """Whether a record of the pair names a record of another entity (a warehouse its site): its write
        takes the guard that a delete of the named record meets (shared/sync/neighbours.py)."""
        return any(
            row is not None and not row.deleted and names_any(self.spec, row.record, side) for side, row in pair.items()
        )

    def _decide(self, key: Key, pair: Pair, decided: dict[str, Any], final: bool, seen: Seen) -> Decision:
        done = self._already_written(key, pair)
        if done is not None:
            return done
        source_row = pair[self.source]
        if source_row is None or source_row.deleted:  # deleted since the scan read it
            return Decision(key, "unchanged")
        decision = decide(self.spec, self.source, key, pair, self.conflicts)
        if decision.records is None or decision.kind not in WRITES:
            return decision
        lookup = ChunkLookup(self.spec, self.store, key, pair, decided, self.source)
        failures = check_context(self.spec, decision.records, lookup)
        if self.engine.neighbours is not None:  # a site missing on a side is final: another job brings sites
            failures += self.engine.neighbours.missing(self.spec, decision.records, seen)
        if not failures:
            return decision
        if not final and self._waits_for_source(decision, failures):
            return Decision(key, "deferred")
        if final:
            failures = self._cycles(decision, failures)
        return Decision(key, "failed", failures=failures)

    def _already_written(self, key: Key, pair: Pair) -> Decision | None:
        """A row this very chunk wrote before a crash: counted as it was then, not written again."""
        mine = f"job:{self.job.id}:{self.job.chunk}:"
        lead, follower = pair[LEAD], pair[FOLLOWER]
        if lead is not None and lead.meta.operation_id.startswith(mine):
            return Decision(key, lead.meta.operation_id[len(mine) :])  # type: ignore[arg-type]
        if (
            lead is not None
            and follower is not None
            and lead.synced
            and not (lead.deleted or follower.deleted)
            and lead.meta.operation_id == follower.meta.operation_id
        ):
            return Decision(key, "unchanged")  # already one synced pair
        return None

    def _waits_for_source(self, decision: Decision, failures: list[Failure]) -> bool:
        """Whether every failure is a reference to a record that is in the source but not written yet."""
        assert decision.records is not None
        references = {ref.scm for ref in self.spec.references}
        if not failures or any(f.field not in references for f in failures):
            return False
        company = decision.key.company
        for failure in failures:
            ident = named(decision.records["scm"], failure.field)
            if ident is None or self.store.get(self.source, company, ident) is None:
                return False
        return True

    def _cycles(self, decision: Decision, failures: list[Failure]) -> list[Failure]:
        """On the last pass: a reference through which the source records lead back to this one (by any
        of the entity's references: a warehouse refilled from one whose quarantine warehouse is refilled
        from it) fails as `no_cycle`, naming the loop."""
        references = {ref.scm: ref for ref in self.spec.references}
        result = []
        for failure in failures:
            reference = references.get(failure.field)
            path = self._loop(decision.key, reference.name(self.source)) if reference else None
            if path:
                message = (
                    f"{failure.field} is part of a loop among the {self.source.upper()} records: {' → '.join(path)}"
                )
                failure = Failure(failure.field, "no_cycle", "scm", message)
            result.append(failure)
        return result

    def _loop(self, key: Key, first_field: str) -> list[str] | None:
        """The ids from `key` (through `first_field`, then any reference) back to `key`, if there is such a
        path among the source records; searched depth first, at most MAX_DEPTH records."""
        fields = [ref.name(self.source) for ref in self.spec.references]
        start = normalise(key.id)
        seen: set[str] = set()

        def walk(ident: str, path: list[str], through: list[str]) -> list[str] | None:
            record = self.store.get(self.source, key.company, ident)
            for name in through if record else []:
                step = named(record, name) if record else None
                if step is None:
                    continue
                if normalise(step) == start:
                    return [*path, step]
                if normalise(step) not in seen and len(seen) < MAX_DEPTH:
                    seen.add(normalise(step))
                    if found := walk(step, [*path, step], fields):
                        return found
            return None

        return walk(key.id, [key.id], [first_field])

    def _meta(self, decision: Decision, pair: Pair) -> SyncMeta:
        assert decision.records is not None and decision.winner is not None and decision.source_time is not None
        existing = [row for row in pair.values() if row is not None and not row.deleted]
        return SyncMeta(
            source_time=decision.source_time,
            origin=decision.winner,
            created_by=existing[0].meta.created_by if existing else self.source,
            content_hash=content_hash(self.spec, decision.records["scm"]),
            operation_id=f"job:{self.job.id}:{self.job.chunk}:{decision.kind}",
        )

    # -- counts and the error log --------------------------------------------------------------

    def _count(self, decision: Decision) -> None:
        counts = self.job.counts
        if decision.kind == "deferred":
            if self.job.phase == "scan":
                counts["read"] += 1
                counts["deferred"] += 1
            return
        if self.job.phase == "scan":
            counts["read"] += 1
        counts[decision.kind] += 1
        if decision.kind in ("failed", "conflicts"):
            self._log(decision)
        if decision.kind == "conflicts" and len(self.job.samples) < 20:
            self.job.samples.append({"key": decision.key.as_dict(), "kind": "conflict", "fields": decision.differing})

    def _log(self, decision: Decision) -> None:
        key = decision.key
        if decision.kind == "conflicts":
            error: Any = ConflictError(
                f"{self.spec.title} {key} differs between FS and SCM; not synced (conflicts={self.conflicts})",
                details=[failure.as_dict() for failure in decision.failures],
            )
        else:
            error = rejected(self.spec.title, key, decision.failures)
        direction = f"{self.source}-to-{other(self.source)}"
        entry = ErrorEntry(
            self.spec.slug,
            direction,
            key.company,
            key.id,
            f"job-{self.job.id}-{key.row_key}",
            0,
            error,
            "job",
            self.job.id,
        )
        self.errors.record(entry)
