"""`fs-scm-sync retry <id> | --all`: run failed changes again through the pipeline."""

from __future__ import annotations

import argparse
import json
from typing import Any

from rich.console import Console

from cli import entries, error_log
from cli.client import Client, CommandError

console = Console(highlight=False, soft_wrap=True)


def register(commands: Any) -> None:
    again = commands.add_parser("retry", help="run a failed change again: one entry, or --all that match")
    again.add_argument("entry", nargs="?", help="an entry id or its prefix, as `errors` shows it")
    again.add_argument("--all", action="store_true", help="every open entry matching the filters")
    error_log.filters(again)
    again.add_argument("--json", action="store_true", help="print JSON")
    again.set_defaults(handler=retry)


def retry(client: Client, args: argparse.Namespace) -> int:
    if args.all == bool(args.entry):
        raise CommandError("give one entry id, or --all (with filters) for every open entry that matches")
    if args.all:
        return _retry_all(client, args)
    entry_id, result = entries.acting_on(client, args.entry, lambda full: client.call("POST", _route(full)))
    if args.json:
        console.print_json(json.dumps(result, default=str))
    elif result["error"] is None:
        console.print(f"{entry_id}: resolved ({(result['outcome'] or {}).get('status')})", markup=False)
    else:
        error = result["error"]
        tries = result["entry"]["attempts"]
        line = f"{entry_id}: still open after {tries} attempts: {error['code']}: {error['message']}"
        console.print(line, markup=False)
    return 0 if result["error"] is None else 1


def _route(entry_id: str) -> str:
    return f"sync/errors/{entry_id}/retry"


def _retry_all(client: Client, args: argparse.Namespace) -> int:
    counts = client.call("POST", "sync/errors/retry", **error_log.params(args))
    if args.json:
        console.print_json(json.dumps(counts))
    else:
        console.print(", ".join(f"{name} {value}" for name, value in counts.items()), markup=False)
    return 0 if counts["failed"] == 0 else 1
