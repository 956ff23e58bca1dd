"""Import: one system's export file (CSV or JSON lines) into that side's partition, as records the
system already holds — no sync metadata, exactly what an initial sync then brings across.

CSV headers are the side's field names in any letter case (the shape F&O data management and
Dataverse exports use); a cell is taken as text where the field is text, else read as JSON (`30`,
`true`, `12.5`), and an empty cell is no value. Every row is checked against that side's own field
rules; a bad row is reported by its line number with the reasons, and the good rows go in, in
transactions of 100 rows (50 where records have positions: each with its position's index row; a
record imported again takes its old index row away if its position changed, the index being read
once before the first row).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson
from azure.data.tables import TableClient, TableTransactionError, UpdateMode
from pydantic import BaseModel, ValidationError

from shared import geo, jsonio
from shared.errors import BadRequestError
from shared.identity import MAX_ROW_KEY
from shared.keys import Key, bad_characters, trim
from shared.spec import EntitySpec, Side
from shared.store import MAX_BATCH, PARTITION
from shared.validation import check_fields, check_rules, dump, field_adapter

Line = tuple[int, dict[str, Any]]


@dataclass
class ImportReport:
    loaded: int = 0
    failed: list[dict[str, Any]] = field(default_factory=list)  # {"line": n, "reasons": [...]}

    def as_dict(self) -> dict[str, Any]:
        return {"loaded": self.loaded, "failed": len(self.failed), "errors": self.failed}


def read_lines(data: bytes, kind: str, spec: EntitySpec, side: Side) -> Iterator[Line | tuple[int, str]]:
    """(line number, raw record) for each row of a CSV or JSON-lines file; (line, reason) for a row that
    is not a record at all."""
    if kind == "jsonl":
        for number, text in enumerate(data.decode("utf-8-sig").splitlines(), start=1):
            if not text.strip():
                continue
            try:
                yield number, jsonio.loads_object(text)
            except BadRequestError as exc:
                yield number, exc.message
        return
    if kind != "csv":
        raise BadRequestError(f"an export is csv or jsonl, not {kind!r}")
    model = spec.side(side).model
    names = {name.lower(): name for name in model.model_fields}
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig")))
    header = next(reader, None)
    if header is None:
        return
    columns = [names.get(column.strip().lower()) for column in header]
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        record = {
            name: _cell(model, name, cell) for name, cell in zip(columns, row, strict=False) if name and cell.strip()
        }
        yield reader.line_num, record


def load(client: TableClient, spec: EntitySpec, side: Side, lines: Iterable[Line | tuple[int, str]]) -> ImportReport:
    """Check each record against its side's rules and write the good ones into the side's partition."""
    report = ImportReport()
    positions = _positions(client, spec, side)
    batch: dict[str, list[tuple[Any, ...]]] = {}  # record RowKey → its operations, in file order
    for number, raw in lines:
        if isinstance(raw, str):
            report.failed.append({"line": number, "reasons": [{"field": "(line)", "rule": "json", "message": raw}]})
            continue
        entity, reasons = _entity(spec, side, raw)
        if reasons:
            report.failed.append({"line": number, "reasons": reasons})
            continue
        if entity["RowKey"] in batch:  # a key twice in a file: the last wins, written after the first
            report.loaded += _flush(client, batch)
        operations = _operations(spec, side, entity, positions)
        if sum(len(ops) for ops in batch.values()) + len(operations) > MAX_BATCH:
            report.loaded += _flush(client, batch)
        batch[entity["RowKey"]] = operations
    report.loaded += _flush(client, batch)
    return report


def _positions(client: TableClient, spec: EntitySpec, side: Side) -> dict[str, set[str]] | None:
    """Where the side's position index (shared/geo.py) has each record: record RowKey → its index rows'
    RowKeys (one range read); None for an entity without positions."""
    if geo.locator(spec) is None:
        return None
    query, params = geo.index_query(PARTITION[side])
    held: dict[str, set[str]] = {}
    for row in client.query_entities(query, parameters=params, select=["RowKey"], results_per_page=1000):
        held.setdefault(geo.record_key(row["RowKey"]), set()).add(row["RowKey"])
    return held


def _operations(
    spec: EntitySpec, side: Side, entity: dict[str, Any], positions: dict[str, set[str]] | None
) -> list[tuple[Any, ...]]:
    """The record's row, and where it has a position, its position's index row, which the row names as
    the sync's own writes do; the index rows the record had elsewhere go (a record imported again)."""
    operations: list[tuple[Any, ...]] = [("upsert", entity, {"mode": UpdateMode.REPLACE})]
    if positions is None:
        return operations
    point = geo.coordinates(spec, side, entity)
    new: set[str] = set()
    if point is not None:
        entity["SyncGeo"] = geo.stamp(point)
        index = geo.index_row(PARTITION[side], entity["RowKey"], point)
        operations.append(("upsert", index, {"mode": UpdateMode.REPLACE}))
        new.add(index["RowKey"])
    gone = sorted(positions.get(entity["RowKey"], set()) - new)
    operations += [("delete", {"PartitionKey": PARTITION[side], "RowKey": key}) for key in gone]
    positions[entity["RowKey"]] = new
    return operations


def _entity(spec: EntitySpec, side: Side, raw: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, str]]]:
    view = spec.side(side)
    checked = check_fields(view, raw)
    failures = checked.failures or check_rules(view, checked.values)
    if failures:
        return {}, [failure.as_dict() for failure in failures]
    assert checked.model is not None, "a record that failed nothing has its model"
    record = dump(checked.model)
    company, ident = trim(record[view.company_field]), trim(record[view.id_field])
    record[view.company_field], record[view.id_field] = company, ident
    key = Key(company, ident)
    if bad_characters(company) or bad_characters(ident) or len(key.row_key) > MAX_ROW_KEY:
        return {}, [{"field": view.id_field, "rule": "key_characters", "side": side, "message": "not a usable key"}]
    columns = {name: value for name, value in record.items() if value is not None}
    return {"PartitionKey": PARTITION[side], "RowKey": key.row_key, **columns}, []


def _flush(client: TableClient, batch: dict[str, list[tuple[Any, ...]]]) -> int:
    if not batch:
        return 0
    operations = [operation for operations in batch.values() for operation in operations]
    while True:
        try:
            client.submit_transaction(operations)
            break
        except TableTransactionError as exc:
            # An old index row that a sync write moved away since the index was read: already gone.
            if not (
                exc.status_code == 404 and 0 <= exc.index < len(operations) and operations[exc.index][0] == "delete"
            ):
                raise
            del operations[exc.index]
    count = len(batch)
    batch.clear()
    return count


def _cell(model: type[BaseModel], name: str, cell: str) -> Any:
    """A CSV cell as the field takes it: the cell read as JSON (`30`, `true`, `1.5`) where the field takes
    that value as it is, else the text itself (validation then says what is wrong with it)."""
    text = cell.strip()
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return text
    try:
        field_adapter(model, name).validate_python(value, strict=True)
    except ValidationError:
        return text
    return value
