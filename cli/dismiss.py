"""`fs-scm-sync dismiss <id> --note "…"`: close an error log entry an operator has dealt with outside the
sync; it is kept (listed with `errors --state dismissed`) and never run again."""

from __future__ import annotations

import argparse
import json
from typing import Any

from rich.console import Console

from cli import entries
from cli.client import Client

console = Console(highlight=False)  # wrapped at the terminal (or COLUMNS), at blanks


def register(commands: Any) -> None:
    dismiss = commands.add_parser(
        "dismiss",
        help="close an error entry dealt with outside the sync, with a note (never retried)",
        description="Dismiss one error log entry: it is kept, with the note, and never run again. The entry is "
        "its id or a prefix of it, as `errors` shows it.",
    )
    dismiss.add_argument("entry", help="an entry id or its prefix, as `errors` shows it")
    dismiss.add_argument("--note", required=True, help="what was done about it (1 to 1000 characters)")
    dismiss.add_argument("--json", action="store_true", help="print the entry as JSON")
    dismiss.set_defaults(handler=dismiss_entry)


def dismiss_entry(client: Client, args: argparse.Namespace) -> int:
    def dismissed(entry_id: str) -> dict[str, Any]:
        return client.call("POST", f"sync/errors/{entry_id}/dismiss", {"note": args.note})

    entry_id, entry = entries.acting_on(client, args.entry, dismissed)
    if args.json:
        console.print_json(json.dumps(entry, default=str))
        return 0
    key = entry.get("key") or {}
    at = str(entry.get("dismissed_at") or "?")[:19].replace("T", " ")
    console.print(f"{entry_id}: dismissed at {at} UTC", markup=False)
    console.print(f"    {entry['entity']} {key.get('company') or '?'}/{key.get('id') or '?'}", markup=False)
    console.print(f"    note: {entry.get('note')}", markup=False)
    return 0
