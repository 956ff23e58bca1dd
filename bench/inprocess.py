"""The baseline and the engine scenarios, in this process, against counted Table clients."""

from __future__ import annotations

import dataclasses
import time
from contextlib import suppress
from typing import Any

from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError

from bench.counting import RequestCounter, counted_table
from bench.measure import BenchError, Result, expect, timed
from bench.records import COMPANY, batch, changed, payment_term, times
from shared import tablebatch
from shared.entities.payment_terms import SPEC
from shared.keys import Key, pending_row_key
from shared.settings import Settings
from shared.sync import recovery
from shared.sync.engine import Engine
from shared.sync.errorlog import ErrorLog
from shared.sync.outcome import Outcome
from shared.sync.rows import Row
from shared.sync.store import PARTITION, EntityStore
from shared.sync.store.access import in_parallel

BASELINE_TABLE = "BenchBaseline"


class InProcess:
    """One engine of our own (the app's is untouched) and a raw table for the baseline, both counted
    by one pipeline policy on their TableClients."""

    def __init__(self, connection: str) -> None:
        self.counter = RequestCounter()
        store = EntityStore(counted_table(connection, SPEC.table, self.counter))
        # as the app wires it: a change that writes resolves its key's open error entry (one point read)
        errors = ErrorLog(counted_table(connection, "SyncErrors", self.counter))
        self.engine = Engine(SPEC, store, Settings(AzureWebJobsStorage=connection), after_write=errors.resolve_written)
        self.raw = counted_table(connection, BASELINE_TABLE, self.counter)
        with suppress(ResourceExistsError):
            self.raw.create_table()
        self.warm, self.created, self.updated = times()
        self.templates = templates(self._upsert(payment_term("WARM", 0, self.warm), "created"))
        self._check_counter()

    def warm_up(self, n: int) -> None:
        """Not measured. Azurite's first few hundred requests run slower (Node compiles its hot paths
        meanwhile), which would flatter whichever scenario ran second: so every path runs first here."""
        for index in range(n):
            self._write_both(f"W{index}")
            self._create_by_hand(f"WF{index}")
            record = payment_term("W", index, self.created)
            self._upsert(record, "created")
            self._upsert(changed(record, self.updated), "updated")
            self._upsert(changed(record, self.updated), "unchanged")
            expect("engine delete", self.engine.delete("fs", COMPANY, f"W{index}").status, "deleted")

    def baseline(self, n: int) -> Result:
        return timed("baseline: 2 raw upserts (FS+SCM)", range(n), lambda i: self._write_both(f"BASE{i}"), self.counter)

    def floor(self, n: int) -> Result:
        """A create's requests sent by hand, with no app code: what the engine's create cannot go below."""
        name = "floor: a create's requests by hand"
        return timed(name, range(n), lambda i: self._create_by_hand(f"FLOOR{i}"), self.counter)

    def create(self, n: int) -> Result:
        records = batch("NET", n, self.created)
        return self._deferred(
            timed("engine create (in-process)", records, lambda r: self._upsert(r, "created"), self.counter)
        )

    def update(self, n: int) -> Result:
        records = [changed(r, self.updated) for r in batch("NET", n, self.created)]
        return self._deferred(timed("engine update", records, lambda r: self._upsert(r, "updated"), self.counter))

    def unchanged(self, n: int) -> Result:
        records = [changed(r, self.updated) for r in batch("NET", n, self.created)]  # as sent by `update`
        return self._deferred(
            timed("engine unchanged (echo)", records, lambda r: self._upsert(r, "unchanged"), self.counter)
        )

    def delete(self, n: int) -> Result:
        def delete(index: int) -> None:
            expect("engine delete", self.engine.delete("fs", COMPANY, f"NET{index}").status, "deleted")

        return self._deferred(timed("engine delete", range(n), delete, self.counter))

    def _deferred(self, measured: Result) -> Result:
        """The scenario's result with the requests its changes left for later counted: the confirmations
        still waiting, then a recovery pass (the timer's, no purge) that finds nothing else in flight."""
        before = self.counter.count
        seconds = deferred_work(self.engine)
        return dataclasses.replace(measured, deferred=self.counter.count - before, recovery_seconds=seconds)

    def _create_by_hand(self, name: str) -> None:
        """The engine's requests for a create: both sides read at once, the lead row and its intent's
        index row in one transaction, the follower's upsert (rows of the engine's own size)."""
        lead, follower = self.templates
        row_key = Key(COMPANY, name).row_key
        other = in_parallel(self._read, follower["PartitionKey"], row_key)
        self._read(lead["PartitionKey"], row_key)
        other.result()
        index_row = {"PartitionKey": lead["PartitionKey"], "RowKey": pending_row_key(row_key)}
        tablebatch.submit(self.raw, [("upsert", {**lead, "RowKey": row_key}), ("upsert", index_row)])
        self.raw.upsert_entity({**follower, "RowKey": row_key})

    def _read(self, partition: str, row_key: str) -> None:
        with suppress(ResourceNotFoundError):
            self.raw.get_entity(partition, row_key)

    def _write_both(self, name: str) -> None:
        for template in self.templates:
            self.raw.upsert_entity({**template, "RowKey": Key(COMPANY, name).row_key})

    def _upsert(self, record: dict[str, Any], status: str) -> Outcome:
        outcome = self.engine.upsert("fs", record)
        expect(f"engine upsert of {outcome.key}", outcome.status, status)
        return outcome

    def _check_counter(self) -> None:
        """One raw upsert must count as exactly one request, or every req/op column is wrong."""
        before = self.counter.count
        self.raw.upsert_entity({**self.templates[0], "RowKey": "WARM"})
        if self.counter.count - before != 1:
            raise BenchError(f"one upsert counted as {self.counter.count - before} requests: the counter is broken")


def deferred_work(engine: Engine) -> float:
    """Send what the engine's changes left for later (waiting confirmations, then recovery's pass), for
    the caller's counter to count; the pass's seconds. An operation recovery had to do more for than
    confirm is a broken scenario."""
    engine.journal.confirmations.flush()
    began = time.perf_counter()
    report = recovery.recover(engine, purge=False)
    seconds = time.perf_counter() - began
    left = {name: count for name, count in report.counts.items() if count and name != "confirmed"}
    if report.error or left:
        raise BenchError(f"recovery after the scenario: {report.as_dict()}")
    return seconds


def templates(outcome: Outcome) -> list[dict[str, Any]]:
    """The FS and SCM entities exactly as the engine stored them, to write raw rows of the same size."""
    return [_entity(PARTITION[side], row) for side, row in outcome.rows.items() if row]


def _entity(partition: str, row: Row) -> dict[str, Any]:
    if not row.record:
        raise BenchError("the warm-up wrote an empty row")
    return {"PartitionKey": partition, **row.record, **row.meta.columns()}
