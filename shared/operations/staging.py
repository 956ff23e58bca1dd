"""Catch-up in transactions: a run of held changes decided by the live engine over rows held in memory, then
written as an initial-sync chunk writes.

The engine decides each held change exactly as on the live path (shared/sync/engine.py: the same settling,
rules, times, echoes and tombstones, in arrival order), but over a `StagedStore`: both sides' rows of the
run's keys, read at once before its first change, with every write the engine makes kept in memory over
them. Several changes to one key so decide one after the other, each on what the one before left.
`commit` then writes each key's last staged state over its rows as read: the lead rows, each with the
intent to bring its follower from its row as read to its last staged state (and that intent's index
row), packed up to a transaction's 100 operations by what each row takes, four at a time; then the
followers' rows the same way; then the intents are cleared (shared/operations/committing.py). Every row
is conditional on the ETag it was read with, so a run never overwrites a write it did not see; a key
nothing changed is not written.

What the staged store cannot decide alone raises `NeedsLive` before the change writes anything: a change
that takes its company's guard (a rule that reads other records applies, a record names another entity's
record anew, a delete of a record that others may name). The catch-up commits what is staged, then
applies that change on the live path (shared/operations/catchup.py).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from itertools import islice
from typing import Any

from shared.entities.spec import SIDES, EntitySpec, Side, other
from shared.errors import StaleError, SyncError
from shared.keys import Key, decode_row_key
from shared.operations.backlog import Held
from shared.storage import WriteConflictError
from shared.sync.confirmations import Confirmations
from shared.sync.engine import Engine
from shared.sync.journal import FOLLOWER, LEAD, Pair, in_doubt
from shared.sync.neighbours import Neighbours
from shared.sync.outcome import Outcome
from shared.sync.rows import Guard, Intent, Row, SyncMeta
from shared.sync.store import EntityStore
from shared.sync.store.entities import PARTITION, columns_of

SPREAD = 4  # a range read of a run's keys stops after this many rows a key wanted: the rest are read by key


class NeedsLive(Exception):
    """The change takes its company's guard: applied on the live path once what is staged is written."""


class _Unconfirmed(Confirmations):
    """The staged engine's confirmations: nothing in memory to clear; `commit` confirms what it writes."""

    def add(self, key: Key, lead: Row) -> None:
        return None


class _StagedNeighbours(Neighbours):
    """The records of other entities, read as the live path reads them; a delete of a record that others may
    name takes their guards, and so the live path."""

    def guards(self, spec: EntitySpec, company: str) -> list[tuple[str, Guard]]:
        raise NeedsLive(f"{spec.slug} {company}: a delete of a record that others may name")


class StagedStore(EntityStore):
    """One entity's rows of a run's keys, as read and as staged since. Used by one thread."""

    def __init__(self, real: Engine) -> None:
        super().__init__(real.store.client(), real.store._locate)
        self._storage = real.store._storage  # the table is made already: no request to make it again per run
        self._real = real
        self._read: dict[str, Pair] = {}  # settled, as storage holds them
        self._keys: dict[str, Key] = {}
        self._staged: dict[str, Pair] = {}  # as the changes so far left them
        self._undo: dict[str, Pair] = {}  # the current change's keys, as they were before it
        self._tags = itertools.count()

    # -- rows -----------------------------------------------------------------------------------

    def load(self, keys: Iterable[Key]) -> None:
        """Both sides' rows of the keys not held yet, read at once; an operation left half done is settled."""
        wanted = sorted({key.row_key: key for key in keys if key.row_key not in self._staged}.items())
        if not wanted:
            return
        found = {side: self._rows(side, [row_key for row_key, _ in wanted]) for side in SIDES}
        for row_key, key in wanted:
            self._hold(key, {side: found[side].get(row_key) for side in SIDES})

    def _rows(self, side: Side, wanted: list[str]) -> dict[str, Row]:
        """The rows of the RowKeys wanted (sorted): one range read from the first to the last, stopped after
        SPREAD rows a key (keys far apart); those beyond what it reached, by key, at once."""
        query = "PartitionKey eq @pk and RowKey ge @lo and RowKey le @hi"
        params = {"pk": PARTITION[side], "lo": wanted[0], "hi": wanted[-1]}
        limit, seen, reached = SPREAD * len(wanted), 0, wanted[-1]
        names = set(wanted)
        rows: dict[str, Row] = {}
        for entity in islice(self._query(f"read {self.table} rows", query, params, results_per_page=1000), limit):
            seen += 1
            reached = entity["RowKey"]
            if reached in names:
                rows[reached] = Row.from_entity(entity)
        beyond = [decode_row_key(k) for k in wanted if k > reached] if seen == limit else []
        found = self._real.store.read_many(side, beyond)
        return rows | {row_key: row for row_key, row in found.items() if row is not None}

    def _hold(self, key: Key, pair: Pair) -> None:
        lead = pair[LEAD]
        if lead is not None and in_doubt(lead, pair[FOLLOWER]):
            pair = self._real.journal.settle(key)  # as a live writer of the key would first
        self._read[key.row_key] = self._staged[key.row_key] = pair
        self._keys[key.row_key] = key

    def read(self, side: Side, key: Key) -> Row | None:
        if key.row_key not in self._staged:
            self._hold(key, self._real.store.read_pair(key))
        return self._staged[key.row_key][side]

    def read_pair(self, key: Key) -> dict[Side, Row | None]:
        return {side: self.read(side, key) for side in SIDES}

    def write(
        self,
        side: Side,
        key: Key,
        record: Mapping[str, Any],
        meta: SyncMeta,
        etag: str | None,
        intent: Intent | None = None,
        deleted: bool = False,
        guard: Guard | None = None,
        indexed: bool = False,
        located: str | None = None,
        searched: str | None = None,
    ) -> Row:
        """Stage a write: conditional on the staged row's ETag, as storage would be on the stored one's."""
        if guard is not None:
            raise NeedsLive(f"{self.table} {key} takes its company's guard")
        current = self.read(side, key)
        if (current.etag if current else None) != etag:
            raise WriteConflictError(f"stage {self.table} {key}")
        position, stamped = self.position(side, record, deleted), self.searchable(side, record, deleted)
        tag = f"staged-{next(self._tags)}"
        row = Row(columns_of(record), meta, tag, intent, deleted, geo=position, search=stamped)
        self._undo.setdefault(key.row_key, self._staged[key.row_key])
        self._staged[key.row_key] = {**self._staged[key.row_key], side: row}
        return row

    def read_guard(self, side: Side, company: str) -> Guard:
        raise NeedsLive(f"{self.table} {company}: a rule that reads other records applies")

    def touch_guard(self, side: Side, guard: Guard, operation_id: str) -> Guard:
        raise NeedsLive(f"{self.table} {guard.company}: a guard is touched")

    def find(self, side: Side, company: str, equals: Mapping[str, Any]) -> list[dict[str, Any]]:
        raise NeedsLive(f"{self.table} {company}: a rule reads other records")

    def referring(self, side: Side, company: str, fields: tuple[str, ...], ident: str) -> list[str]:
        raise NeedsLive(f"{self.table} {company}: a delete looks for records naming {ident}")

    # -- one change at a time -----------------------------------------------------------------

    def begin(self) -> None:
        """A change starts: what it stages can be taken back."""
        self._undo.clear()

    def rollback(self) -> None:
        """Take back what the current change staged."""
        self._staged.update(self._undo)
        self._undo.clear()

    def split(self) -> bool:
        """Whether the current change left a key whose follower an earlier change staged and this one did not:
        its lead's operation is not its follower's, which one lead write with one intent cannot say. Such a
        change is taken back and staged again after a commit."""
        for row_key in self._undo:
            lead, follower = self._staged[row_key][LEAD], self._staged[row_key][FOLLOWER]
            if follower is self._read[row_key][FOLLOWER] or lead is None or follower is None:
                continue
            if follower.meta.operation_id != lead.meta.operation_id:
                return True
        return False

    def touched(self) -> set[str]:
        """The RowKeys the current change staged writes of."""
        return set(self._undo)

    def changes(self) -> list[tuple[Key, Pair, Pair]]:
        """Each key whose rows a change staged: the key, its rows as read, as staged."""
        return [
            (self._keys[row_key], self._read[row_key], staged)
            for row_key, staged in self._staged.items()
            if any(staged[side] is not self._read[row_key][side] for side in SIDES)
        ]


class Stage:
    """A run of staged changes: the store and the engine over it, its clock set to each change's arrival."""

    def __init__(self, real: Engine) -> None:
        self.real = real
        self.store = StagedStore(real)
        self.written: list[tuple[Side, Outcome]] = []  # every change that wrote, as the engine's after_write says
        self._now = dt.datetime.now(dt.UTC)
        neighbours = real.neighbours
        self.engine = Engine(
            real.spec,
            self.store,
            real.settings,
            clock=lambda: self._now,
            neighbours=None if neighbours is None else _StagedNeighbours(neighbours.entities, neighbours._store),
            after_write=lambda side, outcome: self.written.append((side, outcome)),
        )
        self.engine.journal.confirmations = _Unconfirmed(self.store, LEAD)

    def at(self, arrived: dt.datetime) -> Engine:
        self._now = arrived
        return self.engine


@dataclass(frozen=True)
class Staged:
    """A held change staged: what became of it, the RowKeys it staged writes of, and what it wrote."""

    held: Held
    result: str | SyncError
    touched: set[str]
    wrote: list[tuple[Side, Outcome]]


def written_last(
    staged: Iterable[Staged], key_of: Callable[[Held], tuple[str | None, str | None]]
) -> dict[str, list[tuple[str, str]]]:
    """By direction, the keys (company, id) whose last staged change of that direction wrote rather than
    failed a rule: their open error entries are resolved, as a write resolves its key's on the live path."""
    last: dict[tuple[str, str], tuple[str, str] | None] = {}
    for entry in staged:
        if isinstance(entry.result, SyncError) and not isinstance(entry.result, StaleError):
            company, ident = key_of(entry.held)
            if company is not None and ident is not None:
                last[(_direction(entry.held.side), Key(company, ident).row_key)] = None
        for side, outcome in entry.wrote:
            last[(_direction(side), outcome.key.row_key)] = (outcome.key.company, outcome.key.id)
    found: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for (direction, _), key in last.items():
        if key is not None:
            found[direction].append(key)
    return found


def _direction(side: Side) -> str:
    return f"{side}-to-{other(side)}"
