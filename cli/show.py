"""`fs-scm-sync show <entity> <company> <id>`: one record as both sides hold it (the record view), side by
side by the entity's field map, differing fields marked; each side's version, origin and tombstone, an
operation still in flight, and the key's open error entries with the ids `retry` and `dismiss` take."""

from __future__ import annotations

import argparse
import json
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from cli import entries, error_log
from cli.client import ENTITY_HELP, ApiError, Client, CommandError
from shared.entities import ENTITIES

console = Console(highlight=False)
DIFFERS = "≠"


def register(commands: Any) -> None:
    show = commands.add_parser(
        "show",
        help="one record on both sides, side by side, differing fields marked",
        description="Show one key as FS and SCM hold it: each field of the entity's map with both values (≠ "
        "marks a field whose values differ), each side's version, origin and tombstone, an operation "
        "still in flight, and the key's open error entries.",
    )
    show.add_argument("entity", help=ENTITY_HELP)
    show.add_argument("company", help="the company (legal entity), e.g. USMF")
    show.add_argument("id", help="the record's id (any letter case)")
    show.add_argument("--json", action="store_true", help="print the JSON answer")
    show.set_defaults(handler=show_record)


def show_record(client: Client, args: argparse.Namespace) -> int:
    if args.entity not in ENTITIES:
        raise CommandError(f"unknown entity {args.entity!r}; known: {ENTITY_HELP}")
    try:
        view = client.call("GET", f"sync/{args.entity}/records/{args.company}/{args.id}")
    except ApiError as exc:
        if exc.status != 404 or not exc.details:
            raise
        # held by neither side, yet failed: the open entries say why (a change refused before any write)
        console.print(str(exc).splitlines()[0], markup=False)
        _errors(exc.details)
        return 1
    if args.json:
        console.print_json(json.dumps(view, default=str))
        return 0
    key = view["key"]
    judged = (
        "in step" if view["in_step"] else "not in step" + (f": {', '.join(view['differ'])}" if view["differ"] else "")
    )
    console.print(f"{args.entity} {key['company']}/{key['id']}: {judged}", markup=False)
    console.print(sides(view))
    console.print(fields(args.entity, view))
    _errors(view["errors"])
    return 0 if view["in_step"] else 2


def sides(view: dict[str, Any]) -> Table:
    """Each side's row as the sync sees it: version, origin, writer, tombstone, in flight."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for name in ("", "FS", "SCM"):
        table.add_column(name, overflow="fold")
    rows = (
        ("version", lambda side: _time(side["version"])),
        ("origin", lambda side: side["origin"] or "–"),
        ("operation", lambda side: side["operation_id"] or "(written outside the sync)"),
        ("deleted", lambda side: "yes (a tombstone)" if side["deleted"] else "no"),
        ("in flight", _in_flight),
    )
    for name, cell in rows:
        table.add_row(name, *(Text(cell(view[side]) if view[side] else "(none)") for side in ("fs", "scm")))
    return table


def fields(slug: str, view: dict[str, Any]) -> Table:
    """Every field of the map, FS value beside SCM value; then fields one side holds outside the map."""
    fs = (view["fs"] or {}).get("record") or {}
    scm = (view["scm"] or {}).get("record") or {}
    longest = max(len(name) for pair in ENTITIES[slug].fields for name in (pair.fs, pair.scm) if name)
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("", no_wrap=True)
    # a fixed width for the names, and even shares for the values: rich then folds a long value, never cuts it
    table.add_column("field: SCM, FS", width=min(longest, 32), overflow="fold")
    for name in ("FS value", "SCM value"):
        table.add_column(name, overflow="fold", ratio=1)
    mapped: set[str] = set()
    for pair in ENTITIES[slug].fields:
        names = [name for name in (pair.scm, pair.fs) if name]
        mapped |= set(names)
        mark = DIFFERS if pair.scm in view["differ"] else ""
        fs_value = _value(fs, pair.fs) if pair.fs else "(SCM only)"
        scm_value = _value(scm, pair.scm) if pair.scm else "(FS only)"
        table.add_row(mark, Text("\n".join(dict.fromkeys(names))), Text(fs_value), Text(scm_value))
    for name in sorted({*fs, *scm} - mapped):  # the sides' own columns: key, company, modification time
        values = (Text(_value(record, name) if name in record else "") for record in (fs, scm))
        table.add_row("", Text(name), *values)
    return table


def _errors(items: list[Any]) -> None:
    found = [item for item in items if isinstance(item, dict) and "id" in item]
    console.print(f"open errors: {len(found) or 'none'}", markup=False)
    shown = entries.short_ids([item["id"] for item in found])
    for item in found:
        console.print("\n".join(error_log.block(item, shown[item["id"]], console.width)), markup=False)


def _value(record: dict[str, Any], name: str) -> str:
    value = record.get(name)
    return "–" if value is None else value if isinstance(value, str) else json.dumps(value)


def _time(value: Any) -> str:
    return f"{str(value)[:19].replace('T', ' ')} UTC" if value else "–"


def _in_flight(side: dict[str, Any]) -> str:
    flight = side.get("in_flight")
    if not flight:
        return "none"
    return f"a {flight['action']} to {flight['side']} since {_time(flight['at'])}"
