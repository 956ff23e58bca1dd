"""Loading records an export holds into their side's partition, as records that system already holds:
no sync metadata, exactly what an initial sync or a reconcile then brings across.

Each record is checked against its side's field and record rules and the key rules (a configured
company, characters a key may hold); a key the file spells more than once is refused on every line
that spells it (which of them is right is the file's author's call). A refused record is reported by
its line with every reason. The others are only ever created, never written over: rows go in
transactions of creates (at most 100 operations: a row, its position's index row and its words'
index rows), and a transaction whose create meets a row the side holds — a record, or a delete's tombstone,
also one a sync write made after the file was read — fails whole and is sent again without that row,
which is counted `exists`. So nothing the side holds is ever replaced.

A job's rows name it (column `SyncImportJob`, which the sync ignores and its next write of the record
drops): a chunk run again after a crash finds the rows it had created and counts them `loaded` again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from azure.core.exceptions import AzureError, ResourceNotFoundError
from azure.data.tables import TableClient, TableTransactionError, UpdateMode

from shared import tablebatch
from shared.entities.spec import EntitySpec, Side
from shared.errors import Failure, RejectedError, TransientError
from shared.jobs import exports
from shared.keys import Key
from shared.settings import Settings
from shared.sync import geo, search
from shared.sync.identity import change_key
from shared.sync.store import MAX_BATCH, PARTITION, in_parallel
from shared.sync.store.entities import columns_of
from shared.sync.validation import check_fields, check_rules, dump

MARK = "SyncImportJob"
MAX_LINES_NAMED = 10  # lines a duplicate key's reason names


@dataclass(frozen=True)
class Refusal:
    """A record that was not loaded: its line, its key as spelled (when it has one), every reason."""

    line: int
    key: dict[str, str] | None
    failures: list[Failure]

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "key": self.key, "reasons": [failure.as_dict() for failure in self.failures]}


@dataclass
class ImportReport:
    loaded: int = 0
    exists: int = 0  # the side held the key already (a record or a tombstone): left as it was
    refused: list[Refusal] = field(default_factory=list)


@dataclass(frozen=True)
class _Row:
    key: Key
    operations: list[tuple[Any, ...]]  # the record's create, then its position's index row


def load(
    client: TableClient,
    spec: EntitySpec,
    side: Side,
    records: Iterable[exports.Record],
    *,
    settings: Settings,
    twice: Mapping[str, list[int]] | None = None,
    job: str | None = None,
) -> ImportReport:
    """Check `records` ((line, raw record) pairs) and create the good ones in `side`'s partition.

    `twice`: the keys the whole file spells more than once (exports.survey), when `records` are one
    page of it; else they are found among `records`. `job`: the import job whose rows these are."""
    records = list(records)
    twice = exports.repeated(spec, side, records) if twice is None else twice
    report = ImportReport()
    batch: list[_Row] = []
    for line, raw in records:
        checked = _check(spec, settings, side, line, raw, twice, job)
        if isinstance(checked, Refusal):
            report.refused.append(checked)
            continue
        if sum(len(row.operations) for row in batch) + len(checked.operations) > MAX_BATCH:
            _count(report, _create(client, side, batch, job))
            batch = []
        batch.append(checked)
    if batch:
        _count(report, _create(client, side, batch, job))
    return report


def _count(report: ImportReport, outcome: tuple[int, int]) -> None:
    report.loaded += outcome[0]
    report.exists += outcome[1]


def _check(
    spec: EntitySpec,
    settings: Settings,
    side: Side,
    line: int,
    raw: dict[str, Any],
    twice: Mapping[str, list[int]],
    job: str | None,
) -> _Row | Refusal:
    """The record's row (and index row), or its refusal with every reason."""
    view = spec.side(side)
    failures: list[Failure] = []
    body: Mapping[str, Any] = raw
    key: Key | None = None
    try:
        key, body = change_key(spec, settings, side, raw)
    except RejectedError as exc:
        failures += exc.failures
    checked = check_fields(view, body)
    reported = {(failure.field, failure.rule) for failure in failures}
    failures += [failure for failure in checked.failures if (failure.field, failure.rule) not in reported]
    if checked.ok:
        failures += check_rules(view, checked.values)
    if (lines := twice.get(exports.file_key(spec, side, raw) or "")) is not None:
        failures.append(_spelled_twice(view.id_field, side, line, lines))
    if failures or key is None or checked.model is None:
        return Refusal(line, _spelled(view.company_field, view.id_field, raw), failures)
    entity = {"PartitionKey": PARTITION[side], "RowKey": key.row_key, **columns_of(dump(checked.model))}
    if job is not None:
        entity[MARK] = job
    return _Row(key, [("create", entity), *_position(spec, side, entity), *_words(spec, side, entity)])


def _position(spec: EntitySpec, side: Side, entity: dict[str, Any]) -> list[tuple[Any, ...]]:
    """The position's index row, named by the record's row as the sync's own writes name it. Written over
    whatever holds its key: only a record that is not there yet (its create is in the same transaction)
    gets one, so an index row already there names no record and is stale."""
    point = geo.coordinates(spec, side, entity)
    if point is None:
        return []
    entity["SyncGeo"] = geo.stamp(point)
    return [("upsert", geo.index_row(PARTITION[side], entity["RowKey"], point), {"mode": UpdateMode.REPLACE})]


def _words(spec: EntitySpec, side: Side, entity: dict[str, Any]) -> list[tuple[Any, ...]]:
    """The index rows of the record's words (shared/sync/search.py), named by its row as the sync's own
    writes name them; written over whatever holds their keys, as the position's index row is."""
    stamped = search.stamp(search.values(spec, side, entity))
    if stamped is None:
        return []
    entity["SyncSearch"] = stamped
    rows = (
        search.index_row(PARTITION[side], key, stamped)
        for key in search.index_keys(entity["RowKey"], search.unstamp(stamped))
    )
    return [("upsert", row, {"mode": UpdateMode.REPLACE}) for row in rows]


def _spelled_twice(id_field: str, side: Side, line: int, lines: list[int]) -> Failure:
    others = [str(number) for number in lines if number != line]
    named = ", ".join(others[:MAX_LINES_NAMED]) + (" …" if len(others) > MAX_LINES_NAMED else "")
    message = f"the file spells this key again on line {named} (keys compare trimmed and case-insensitively)"
    return Failure(id_field, "duplicate_key", side, message)


def _spelled(company_field: str, id_field: str, raw: Mapping[str, Any]) -> dict[str, str] | None:
    company, ident = raw.get(company_field), raw.get(id_field)
    if isinstance(company, str) and isinstance(ident, str):
        return {"company": company.strip(), "id": ident.strip()}
    return None


def _create(client: TableClient, side: Side, rows: list[_Row], job: str | None) -> tuple[int, int]:
    """Create the rows in one transaction: (loaded, exists). A create that meets a row the side holds fails
    the transaction whole; the rows of the batch are then looked up at once (a second such failure is
    a row created meanwhile: that one alone), and the transaction is sent again without those held."""
    pending, loaded, exists = list(rows), 0, 0
    for attempt in range(len(rows) + 2):
        operations = [operation for row in pending for operation in row.operations]
        if not operations:
            return loaded, exists
        try:
            _submit(client, operations)
            return loaded + len(pending), exists
        except TableTransactionError as exc:
            if exc.status_code != 409:
                raise _failed() from exc
            owners = [row for row in pending for _ in row.operations]
            lost = [owners[exc.index]] if attempt > 0 and 0 <= exc.index < len(owners) else pending
            held = _held(client, side, lost)
        ours = [row for row in pending if job is not None and held.get(row.key.row_key) == job]
        exists += sum(1 for row in pending if row.key.row_key in held) - len(ours)
        loaded += len(ours)  # created by this job before a crash, in an earlier run of this chunk
        pending = [row for row in pending if row.key.row_key not in held]
    raise TransientError("rows kept appearing while the import created them; the chunk is run again")


def _submit(client: TableClient, operations: list[tuple[Any, ...]]) -> None:
    try:
        tablebatch.submit(client, operations)
    except TableTransactionError:
        raise
    except AzureError as exc:
        raise _failed() from exc


def _held(client: TableClient, side: Side, rows: list[_Row]) -> dict[str, str]:
    """Which of the rows' keys the side holds (a record or a tombstone): RowKey → the job that imported
    it ('' when none did), read at once."""
    futures: list[tuple[str, Future[str | None]]] = [
        (row.key.row_key, in_parallel(_mark, client, PARTITION[side], row.key.row_key)) for row in rows
    ]
    return {row_key: mark for row_key, future in futures if (mark := future.result()) is not None}


def _mark(client: TableClient, partition: str, row_key: str) -> str | None:
    try:
        entity = client.get_entity(partition, row_key, select=[MARK])
    except ResourceNotFoundError:
        return None
    except AzureError as exc:
        raise _failed() from exc
    return str(entity.get(MARK) or "")


def _failed() -> TransientError:
    return TransientError("storage failed while importing; nothing more was written, the chunk is run again")
