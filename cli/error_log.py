"""`fs-scm-sync errors`: the error log, filtered; one block per entry, its id as `retry` and `dismiss` take it
and its message and reasons wrapped to the terminal, never cut."""

from __future__ import annotations

import argparse
import json
import textwrap
from typing import Any

from rich.console import Console

from cli import entries
from cli.client import ENTITY_HELP, Client
from cli.times import SINCE_HELP, since

console = Console(highlight=False, soft_wrap=True)  # lines are wrapped here, to the console's width
FILTERS = ("entity", "company", "id", "direction", "source", "code", "job", "since")
INDENT = "    "


def register(commands: Any) -> None:
    listing = commands.add_parser(
        "errors",
        help="the error log: changes that failed (open ones unless --state)",
        description="List the error log's entries, filtered. Each entry starts with the id that `retry` and "
        "`dismiss` take (its shortest unique prefix; --json prints the full ids), then where and when it "
        "failed, its message and every reason.",
    )
    filters(listing)
    listing.add_argument("--state", default="open", choices=("open", "resolved", "dismissed", "all"))
    listing.add_argument("--limit", type=int, default=50, help="entries per page (default: %(default)s)")
    listing.add_argument("--continuation", help="the token a previous page printed")
    listing.add_argument("--json", action="store_true", help="print the JSON answer (full ids)")
    listing.set_defaults(handler=show_errors)


def filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--entity", help=ENTITY_HELP)
    parser.add_argument("--company")
    parser.add_argument("--id", help="the record's id")
    parser.add_argument("--direction", choices=("fs-to-scm", "scm-to-fs"))
    parser.add_argument("--source", choices=("queue", "poison", "catch-up", "job", "webhook"))
    parser.add_argument("--code", help="the entry's code, e.g. validation_failed")
    parser.add_argument("--job", help="entries of one job (initial sync, reconcile, catch-up)")
    parser.add_argument("--since", type=since, help=SINCE_HELP)


def params(args: argparse.Namespace) -> dict[str, Any]:
    return {name: value for name in FILTERS if (value := getattr(args, name, None)) is not None}


def show_errors(client: Client, args: argparse.Namespace) -> int:
    query = params(args) | {"limit": args.limit}
    if args.state != "all":
        query["state"] = args.state
    if args.continuation:
        query["continuation"] = args.continuation
    page = client.call("GET", "sync/errors", **query)
    if args.json:
        console.print_json(json.dumps(page, default=str))
        return 0
    shown = entries.short_ids([entry["id"] for entry in page["items"]])
    for entry in page["items"]:
        console.print("\n".join(block(entry, shown[entry["id"]], console.width)), markup=False)
    console.print(f"{len(page['items'])} entries", markup=False)
    if page["items"]:
        console.print("fs-scm-sync retry <id> runs one again; dismiss <id> --note … closes it", markup=False)
    if page.get("continuation"):
        console.print(f"more: fs-scm-sync errors --continuation {page['continuation']}", markup=False)
    return 0


def block(entry: dict[str, Any], shown_id: str, width: int) -> list[str]:
    """An entry as lines of at most `width` characters: id, entity, key, state; direction, source, time,
    attempts; the message; each reason."""
    key = entry.get("key") or {}
    record = f"{key.get('company') or '?'}/{key.get('id') or '?'}" if key else "(no key)"
    tries = f"{entry['attempts']} attempt{'s' * (entry['attempts'] != 1)}"
    at = f"{(entry.get('at') or '?')[:19].replace('T', ' ')} UTC"
    lines = _wrapped(f"{shown_id}  {entry['entity']}  {record}  {entry['state']}", width, "")
    lines += _wrapped(f"{entry.get('direction') or '?'}, from {entry['source']}, {at}, {tries}", width, INDENT)
    if entry.get("code") or entry.get("message"):
        lines += _wrapped(f"{entry.get('code') or 'error'}: {entry.get('message') or ''}", width, INDENT)
    for reason in entry.get("reasons") or []:
        lines += _wrapped(f"- {_reason(reason)}", width, INDENT, INDENT + "  ")
    if entry.get("note"):
        lines += _wrapped(f"note: {entry['note']}", width, INDENT)
    return lines


def _reason(reason: Any) -> str:
    if not isinstance(reason, dict):
        return str(reason)
    side = f" ({reason['side']})" if reason.get("side") else ""
    return f"{reason.get('field')} {reason.get('rule')}{side}: {reason.get('message') or ''}".rstrip(": ")


def _wrapped(text: str, width: int, first: str, rest: str | None = None) -> list[str]:
    return textwrap.wrap(
        text,
        max(width, 40),
        initial_indent=first,
        subsequent_indent=first if rest is None else rest,
        break_on_hyphens=False,
        break_long_words=True,  # a long word (a URL, a key) folds rather than passing the edge
    )
