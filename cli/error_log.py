"""`fs-scm-sync errors` (the error log, filtered) and `fs-scm-sync retry <id> | --all` (run changes again)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from rich.console import Console
from rich.table import Table

from cli.client import ENTITY_HELP, Client, CommandError

console = Console(highlight=False, soft_wrap=True)
FILTERS = ("entity", "company", "id", "direction", "source", "since")


def register(commands: Any) -> None:
    listing = commands.add_parser("errors", help="the error log: changes that failed (open ones unless --state)")
    _filters(listing)
    listing.add_argument("--state", default="open", choices=("open", "resolved", "all"), help="default: open")
    listing.add_argument("--limit", type=int, default=50, help="entries per page (default: %(default)s)")
    listing.add_argument("--continuation", help="the token a previous page printed")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=show_errors)

    again = commands.add_parser("retry", help="run a failed change again: one entry, or --all that match")
    again.add_argument("entry", nargs="?", help="an entry id, as `errors` lists it")
    again.add_argument("--all", action="store_true", help="every open entry matching the filters")
    _filters(again)
    again.add_argument("--json", action="store_true", help="print JSON")
    again.set_defaults(handler=retry)


def _filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--entity", help=ENTITY_HELP)
    parser.add_argument("--company")
    parser.add_argument("--id", help="the record's id")
    parser.add_argument("--direction", choices=("fs-to-scm", "scm-to-fs"))
    parser.add_argument("--source", choices=("queue", "poison", "catch-up", "job", "webhook"))
    parser.add_argument("--since", help="ISO time, e.g. 2026-11-29T03:00:00Z")


def _params(args: argparse.Namespace) -> dict[str, Any]:
    return {name: value for name in FILTERS if (value := getattr(args, name, None)) is not None}


def show_errors(client: Client, args: argparse.Namespace) -> int:
    params = _params(args) | {"limit": args.limit}
    if args.state != "all":
        params["state"] = args.state
    if args.continuation:
        params["continuation"] = args.continuation
    page = client.call("GET", "sync/errors", **params)
    if args.json:
        console.print_json(json.dumps(page, default=str))
        return 0
    table = Table("id", "entity", "direction", "key", "source", "at", "tries", "state", "reason")
    for entry in page["items"]:
        key = entry["key"] or {}
        table.add_row(
            entry["id"],
            entry["entity"],
            entry["direction"],
            f"{key.get('company') or '?'}/{key.get('id') or '?'}" if key else "–",
            entry["source"],
            (entry["at"] or "")[:19],
            str(entry["attempts"]),
            entry["state"],
            _reason(entry),
        )
    console.print(table, markup=False)
    console.print(f"{len(page['items'])} entries", markup=False)
    if page.get("continuation"):
        console.print(f"more: fs-scm-sync errors --continuation {page['continuation']}", markup=False)
    return 0


def _reason(entry: dict[str, Any]) -> str:
    reasons = [r for r in entry.get("reasons") or [] if isinstance(r, dict)]
    if reasons and "rule" in reasons[0]:
        first = reasons[0]
        more = f" (+{len(reasons) - 1})" if len(reasons) > 1 else ""
        return f"{first.get('field')} {first.get('rule')} ({first.get('side')}){more}"
    return f"{entry.get('code')}: {entry.get('message') or ''}"[:80]


def retry(client: Client, args: argparse.Namespace) -> int:
    if args.all == bool(args.entry):
        raise CommandError("give one entry id, or --all (with filters) for every open entry that matches")
    if args.all:
        counts = client.call("POST", "sync/errors/retry", **_params(args))
        if args.json:
            console.print_json(json.dumps(counts))
        else:
            console.print(", ".join(f"{name} {value}" for name, value in counts.items()), markup=False)
        return 0 if counts["failed"] == 0 else 1
    result = client.call("POST", f"sync/errors/{args.entry}/retry")
    if args.json:
        console.print_json(json.dumps(result, default=str))
    elif result["error"] is None:
        console.print(f"{args.entry}: resolved ({(result['outcome'] or {}).get('status')})", markup=False)
    else:
        error = result["error"]
        tries = result["entry"]["attempts"]
        line = f"{args.entry}: still open after {tries} attempts: {error['code']}: {error['message']}"
        console.print(line, markup=False)
    return 0 if result["error"] is None else 1
