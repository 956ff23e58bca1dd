"""Reading a system's export file (CSV or JSON lines) into raw records, each with its line number.

A file is read whole before anything is written (`survey`): it must be UTF-8 (a BOM is fine), hold no
NUL byte, and parse — every quote closed, every CSV record with the header's number of cells, no cell
over the CSV reader's limit, every non-blank JSON line an object. The first failure refuses the file
with its line and reason (FileError, a 400). The survey also finds the keys the file spells more than
once (by the key rules: trimmed, compared by simple upper-casing) and cuts the file into pages of
whole records, by byte offset, so that a job can read one page at a time (`page`).

CSV headers are the side's field names in any letter case (the shape F&O data management and Dataverse
exports have); columns the side does not know are left out. A cell is taken as text where the field is
text, else read as JSON (`30`, `true`, `12.5`), and an empty cell is no value.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from shared import jsonio
from shared.entities.spec import EntitySpec, Side
from shared.errors import BadRequestError
from shared.keys import normalise
from shared.sync.validation import field_adapter

FORMATS = ("csv", "jsonl")
BOM = b"\xef\xbb\xbf"
MAX_CELL = csv.field_size_limit()  # the CSV reader's own limit (131,072 characters); no field comes near it
Record = tuple[int, dict[str, Any]]  # (line number, raw record)


class FileError(BadRequestError):
    """The file cannot be read or parsed: the line and the reason; nothing was written."""

    def __init__(self, line: int, rule: str, reason: str) -> None:
        super().__init__(
            f"the file is refused at line {line}: {reason}; nothing was written",
            details=[{"line": line, "field": "(file)", "rule": rule, "message": reason}],
        )
        self.line, self.rule, self.reason = line, rule, reason


@dataclass(frozen=True)
class Page:
    offset: int  # the byte its first record starts at
    lines_before: int  # physical lines before that byte (line numbers go on from there)


@dataclass
class Layout:
    """What the survey learnt: the format, the CSV header's fields (None for a column left out), the
    number of records, the pages, and the keys spelled more than once (file_key → their lines)."""

    kind: str
    columns: list[str | None] | None
    rows: int = 0
    pages: list[Page] = field(default_factory=list)
    size: int = 0
    twice: dict[str, list[int]] = field(default_factory=dict)

    def span(self, index: int) -> tuple[int, int]:
        """Page `index`'s bytes: [start, end)."""
        end = self.pages[index + 1].offset if index + 1 < len(self.pages) else self.size
        return self.pages[index].offset, end

    def as_json(self) -> bytes:
        pages = [[page.offset, page.lines_before] for page in self.pages]
        values = {"kind": self.kind, "columns": self.columns, "rows": self.rows, "size": self.size}
        return jsonio.dumps(values | {"pages": pages, "twice": self.twice})

    @classmethod
    def from_json(cls, data: bytes) -> Layout:
        values = jsonio.loads_object(data)
        pages = [Page(offset, before) for offset, before in values["pages"]]
        return cls(values["kind"], values["columns"], values["rows"], pages, values["size"], values["twice"])


def survey(data: bytes, kind: str, spec: EntitySpec, side: Side, page_rows: int) -> Layout:
    """Read the whole file: its layout, or FileError at the first line that cannot be read."""
    lines = _Lines(data, len(BOM) if data.startswith(BOM) else 0)
    columns = _header(lines, spec, side) if kind == "csv" else None
    layout = Layout(kind, columns, size=len(data))
    seen: dict[str, int] = {}
    offset, before = lines.offset, lines.number
    for line, end, raw in _records(lines, layout, spec, side, convert=False):
        if layout.rows % page_rows == 0:
            layout.pages.append(Page(offset, before))
        layout.rows += 1
        offset, before = end, lines.number
        row_key = file_key(spec, side, raw)
        if row_key is None:
            continue
        if row_key in seen:
            layout.twice.setdefault(row_key, [seen[row_key]]).append(line)
        else:
            seen[row_key] = line
    if layout.rows == 0:
        raise FileError(lines.number, "empty", "the file holds no records")
    return layout


def page(data: bytes, layout: Layout, index: int, spec: EntitySpec, side: Side) -> list[Record]:
    """The records of page `index`, given its bytes (Layout.span): each with its line number."""
    lines = _Lines(data, 0, layout.pages[index].lines_before)
    return [(line, raw) for line, _, raw in _records(lines, layout, spec, side, convert=True)]


def file_key(spec: EntitySpec, side: Side, raw: Mapping[str, Any]) -> str | None:
    """The key a raw record names, in the form the key rules compare (trimmed, simple upper case), company
    and id joined by a character no key may hold; None when it names no key."""
    view = spec.side(side)
    company, ident = raw.get(view.company_field), raw.get(view.id_field)
    if not (isinstance(company, str) and company.strip() and isinstance(ident, str) and ident.strip()):
        return None
    return f"{normalise(company)}\x00{normalise(ident)}"


def repeated(spec: EntitySpec, side: Side, records: list[Record]) -> dict[str, list[int]]:
    """The keys that records spell more than once (file_key → their lines)."""
    lines: dict[str, list[int]] = {}
    for line, raw in records:
        if (row_key := file_key(spec, side, raw)) is not None:
            lines.setdefault(row_key, []).append(line)
    return {row_key: found for row_key, found in lines.items() if len(found) > 1}


class _Lines:
    """The file's physical lines, decoded one at a time; `number` is the last line read, `offset` the
    byte the next one starts at. A line is cut at `\\n` only, so a multi-byte character is never split."""

    def __init__(self, data: bytes, offset: int, number: int = 0) -> None:
        self.data, self.offset, self.number = data, offset, number

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        start = self.offset
        if start >= len(self.data):
            raise StopIteration
        end = self.data.find(b"\n", start)
        end = len(self.data) if end < 0 else end + 1
        raw = self.data[start:end]
        self.number, self.offset = self.number + 1, end
        if b"\x00" in raw:
            raise FileError(self.number, "binary", "it holds a NUL byte: this is not a text file")
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            byte = raw[exc.start]
            reason = f"byte {byte:#04x} at byte {exc.start + 1} of the line is not UTF-8 (save the file as UTF-8)"
            raise FileError(self.number, "utf8", reason) from None


def _records(
    lines: _Lines, layout: Layout, spec: EntitySpec, side: Side, convert: bool
) -> Iterator[tuple[int, int, dict[str, Any]]]:
    """(first line, end offset, raw record) of each record; blank ones are skipped. Without `convert`,
    CSV records hold only their key cells (what the survey needs)."""
    if layout.columns is None:
        yield from _json_records(lines)
        return
    view = spec.side(side)
    keys = (view.company_field, view.id_field)
    wanted = [(at, name) for at, name in enumerate(layout.columns) if name and (convert or name in keys)]
    width = len(layout.columns)
    for line, end, cells in _csv_rows(lines):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != width:
            raise FileError(line, "columns", f"{len(cells)} cells where the header has {width}")
        yield line, end, {name: _cell(view.model, name, cells[at]) for at, name in wanted if cells[at].strip()}


def _json_records(lines: _Lines) -> Iterator[tuple[int, int, dict[str, Any]]]:
    for text in lines:
        if not text.strip():
            continue
        try:
            value = jsonio.loads(text)
        except BadRequestError as exc:
            reason = exc.details[0]["reason"] if exc.details else exc.message
            raise FileError(lines.number, "json", f"not JSON: {reason}") from None
        if not isinstance(value, dict):
            raise FileError(lines.number, "json", f"a line holds one JSON object, not {type(value).__name__}")
        yield lines.number, lines.offset, value


def _csv_rows(lines: _Lines) -> Iterator[tuple[int, int, list[str]]]:
    """(first line, end offset, cells) of each CSV record; the reader takes one line at a time, so after
    each record `lines.offset` is where the next one starts."""
    reader = csv.reader(lines, strict=True)
    while True:
        first = lines.number + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise FileError(first, *_csv_reason(str(exc))) from None
        yield first, lines.offset, cells


def _csv_reason(message: str) -> tuple[str, str]:
    if "field larger than field limit" in message:
        return "cell_size", f"a cell is over {MAX_CELL} characters"
    if "unexpected end of data" in message:
        return "quote", "a quoted cell that starts in this record is never closed"
    if "new-line character seen in unquoted field" in message:
        return "csv", "a line ends in a lone carriage return (save the file with \\n or \\r\\n line ends)"
    return "csv", f"not CSV: {message}"


def _header(lines: _Lines, spec: EntitySpec, side: Side) -> list[str | None]:
    """The header's columns as the side's field names (None: a column the side does not have)."""
    view = spec.side(side)
    names = {name.lower(): name for name in view.model.model_fields}
    for line, _, cells in _csv_rows(lines):
        if not any(cell.strip() for cell in cells):
            continue
        columns = [names.get(cell.strip().lower()) for cell in cells]
        for needed in (view.company_field, view.id_field):
            if needed not in columns:
                raise FileError(line, "header", f"the header has no column {needed}")
        if twice := sorted({name for name in columns if name and columns.count(name) > 1}):
            raise FileError(line, "header", f"the header names {', '.join(twice)} more than once")
        return columns
    raise FileError(max(lines.number, 1), "empty", "the file holds no header and no records")


def _cell(model: type[BaseModel], name: str, cell: str) -> Any:
    """A CSV cell as the field takes it: the text itself where the field takes text, else the cell read as
    JSON (`30`, `true`, `1.5`) where the field takes that value as it is, else the text (validation then
    says what is wrong with it)."""
    text = cell.strip()
    adapter = field_adapter(model, name)
    if _takes(adapter, text):
        return text
    try:
        value = jsonio.loads(text)
    except BadRequestError:
        return text
    return value if _takes(adapter, value) else text


def _takes(adapter: TypeAdapter[Any], value: Any) -> bool:
    try:
        adapter.validate_python(value, strict=True)
    except ValidationError:
        return False
    return True
