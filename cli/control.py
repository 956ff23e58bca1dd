"""`fs-scm-sync status`, `pause [entity|all] [--reason]`, `resume [entity|all]`: the sync's state per entity."""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from cli.client import Client

# piped (grep, a log), the table keeps one line per entity instead of wrapping at 80 columns; COLUMNS wins
console = Console(
    highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 200
)


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
    """The entities' table (80 columns hold it), then who holds each paused one and why (too long for a cell)."""
    caption = "errors: open/in the last hour; times UTC"
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1, 0, 0), caption=caption)
    table.add_column("entity", no_wrap=True)
    table.add_column("state", no_wrap=True)
    for name in ("rows fs/scm", "backlog", "pending", "errors"):
        table.add_column(name, justify="right", overflow="fold")  # a big count folds, never cut to "10…"
    table.add_column("last sync", no_wrap=True)
    for entry in entries:
        table.add_row(
            entry["entity"],
            "catching up" if entry.get("catching_up") else entry["state"],
            f"{entry['rows']['fs']}/{entry['rows']['scm']}",
            str(entry["backlog"]),
            str(entry["pending"]),
            f"{entry['errors']['open']}/{entry['errors']['last_hour']}",
            (entry["last_sync"] or "")[5:16].replace("T", " ") or "never",  # month-day hour:minute
        )
    console.print(table)
    for entry in entries:
        if entry["state"] == "paused":
            console.print("\n".join(holds(entry, console.width)), markup=False)


def holds(entry: dict[str, Any], width: int) -> list[str]:
    """`<entity> paused by <who> at <when>: <reason>`, a line (wrapped) per hold: the alert's and an operator's."""
    lines = []
    for hold in entry.get("pauses") or [{"by": "operator", "reason": entry.get("reason"), "at": entry.get("since")}]:
        at = f"{str(hold.get('at') or '?')[:16].replace('T', ' ')} UTC"
        text = f"{entry['entity']} paused by {hold['by']} at {at}: {hold.get('reason') or 'no reason given'}"
        lines += textwrap.wrap(text, max(width, 40), subsequent_indent="    ", break_on_hyphens=False)
    return lines
