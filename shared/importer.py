"""Import: one system's export file (CSV or JSON lines) into that side's partition, as records the
system already holds — no sync metadata, exactly what an initial sync then brings across.

CSV headers are the side's field names in any letter case (the shape F&O data management and
Dataverse exports use); a cell is taken as text where the field is text, else read as JSON (`30`,
`true`, `12.5`), and an empty cell is no value. Every row is checked against that side's own field
rules; a bad row is reported by its line number with the reasons, and the good rows go in, in
transactions of 100 rows (50 where records have positions: each with its position's index row).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson
from azure.data.tables import TableClient, UpdateMode
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
    batch: list[tuple[str, list[tuple[Any, ...]]]] = []  # (record RowKey, its operations), in file order
    for number, raw in lines:
        if isinstance(raw, str):
            report.failed.append({"line": number, "reasons": [{"field": "(line)", "rule": "json", "message": raw}]})
            continue
        entity, reasons = _entity(spec, side, raw)
        if reasons:
            report.failed.append({"line": number, "reasons": reasons})
            continue
        operations = _operations(spec, side, entity)
        if sum(len(ops) for _, ops in batch) + len(operations) > MAX_BATCH:
            report.loaded += _flush(client, batch)
        batch.append((entity["RowKey"], operations))
    report.loaded += _flush(client, batch)
    return report


def _operations(spec: EntitySpec, side: Side, entity: dict[str, Any]) -> list[tuple[Any, ...]]:
    """The record's row, and where it has a position, its position's index row (shared/geo.py), which
    the row names as the sync's own writes do."""
    point = geo.coordinates(spec, side, entity)
    if point is None:
        return [("upsert", entity, {"mode": UpdateMode.REPLACE})]
    entity["SyncGeo"] = geo.stamp(point)
    index = geo.index_row(PARTITION[side], entity["RowKey"], point)
    return [("upsert", entity, {"mode": UpdateMode.REPLACE}), ("upsert", index, {"mode": UpdateMode.REPLACE})]


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


def _flush(client: TableClient, batch: list[tuple[str, list[tuple[Any, ...]]]]) -> int:
    if not batch:
        return 0
    rows = dict(batch)  # a key twice in one file: the last wins
    client.submit_transaction([operation for operations in rows.values() for operation in operations])
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
