"""`fs-scm-sync status`, `pause [entity|all] [--reason]`, `resume [entity|all]`: the sync's state per entity."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from rich.console import Console
from rich.table import Table

from cli.client import Client

# piped (grep, a log), the table keeps one line per entity instead of wrapping at 80 columns
console = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 200)


def register(commands: Any) -> None:
    status = commands.add_parser("status", help="every entity's state, rows per side, backlog, errors, last sync")
    status.add_argument("--json", action="store_true", help="print the JSON answer")
    status.set_defaults(handler=show_status)
    for name, verb in (("pause", "hold changes in the backlog"), ("resume", "apply the backlog, then run")):
        command = commands.add_parser(name, help=f"{name} one entity or all ({verb})")
        command.add_argument("entity", nargs="?", default="all", help="an entity, or all (default)")
        if name == "pause":
            command.add_argument("--reason", help="why (shown in status)")
        command.set_defaults(handler=change_state, action=name)


def show_status(client: Client, args: argparse.Namespace) -> int:
    answer = client.call("GET", "sync/status")
    if args.json:
        console.print_json(data=answer, default=str)
        return 0
    print_entities(answer["entities"])
    running = [job for job in answer["jobs"] if job["state"] in ("queued", "running")]
    for job in running:
        console.print(f"job {job['id']}: {job['kind']} of {job['entity']} {job['state']}, {job['counts']['read']} done")
    return 0


def change_state(client: Client, args: argparse.Namespace) -> int:
    body = {"reason": args.reason} if getattr(args, "reason", None) else None
    answer = client.call("POST", f"sync/{args.entity}/{args.action}", body)
    print_entities(answer["entities"])
    return 0


def print_entities(entries: list[dict[str, Any]]) -> None:
    columns = ("entity", "state", "fs rows", "scm rows", "backlog", "pending", "open errors", "last hour", "last sync")
    table = Table(*columns)
    for entry in entries:
        state = "catching up" if entry.get("catching_up") else entry["state"]
        if entry["state"] == "paused" and entry.get("reason"):
            state += f" ({entry['reason']})"
        table.add_row(
            entry["entity"],
            state,
            str(entry["rows"]["fs"]),
            str(entry["rows"]["scm"]),
            str(entry["backlog"]),
            str(entry["pending"]),
            str(entry["errors"]["open"]),
            str(entry["errors"]["last_hour"]),
            (entry["last_sync"] or "never")[:19].replace("T", " "),
        )
    console.print(table)
