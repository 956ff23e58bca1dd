"""`fs-scm-sync --help`: start and follow an initial sync, list jobs; the other commands' modules are in
OPERATOR_COMMANDS (import: cli/importing.py)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from cli import cancel, check, control, dismiss, error_log, importing, reconcile, retrying, show
from cli.client import ENTITY_HELP, Client, CommandError
from cli.following import followed, rate
from cli.helptext import Parser

# operator subcommands that live in modules of their own, each with `register(subparsers)`
OPERATOR_COMMANDS: tuple[Any, ...] = (control, error_log, retrying, dismiss, show, reconcile, importing, cancel, check)
ENVIRONMENT = """environment:
  SYNC_URL           the app's address, instead of --url
  SYNC_ADMIN_KEY     an admin secret, instead of --key
  SYNC_FUNCTION_KEY  the Function App's key, instead of --function-key
"""

COUNTS = ("read", "created", "coupled", "updated", "unchanged", "conflicts", "failed")
console = Console(highlight=False, soft_wrap=True)  # whole lines, also when piped


def parser() -> argparse.ArgumentParser:
    top = Parser(prog="fs-scm-sync", description="Operate the FS ⇄ SCM sync.", epilog=ENVIRONMENT)
    top.add_argument(
        "--url",
        default=os.environ.get("SYNC_URL", "http://127.0.0.1:7071"),
        help="the app (default: %(default)s; env SYNC_URL)",
    )
    top.add_argument(
        "--key", default=os.environ.get("SYNC_ADMIN_KEY"), help="an admin secret (x-sync-key; env SYNC_ADMIN_KEY)"
    )
    top.add_argument(
        "--function-key",
        default=os.environ.get("SYNC_FUNCTION_KEY"),
        help="the Function App's key, deployed (x-functions-key; env SYNC_FUNCTION_KEY)",
    )
    commands = top.add_subparsers(dest="command", metavar="COMMAND", required=True, parser_class=Parser)

    sync = commands.add_parser("initial-sync", help="bring one side's records across, and follow the job")
    sync.add_argument("entity", help=ENTITY_HELP)
    sync.add_argument(
        "--from", dest="source", required=True, choices=("fs", "scm"), help="whose records to bring across"
    )
    sync.add_argument("--company", help="one company only (default: all)")
    sync.add_argument(
        "--conflicts", default="skip", choices=("skip", "fs", "scm", "newest"), help="who wins (default: skip)"
    )
    sync.add_argument("--no-follow", action="store_true", help="start the job and return")
    sync.set_defaults(handler=initial_sync)

    jobs = commands.add_parser("jobs", help="recent jobs, or one job")
    jobs.add_argument("id", nargs="?", help="a job id")
    jobs.add_argument("--json", action="store_true", help="print JSON")
    jobs.set_defaults(handler=show_jobs)

    for module in OPERATOR_COMMANDS:
        module.register(commands)  # each adds its subcommands, with set_defaults(handler=fn(client, args) -> int)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        client = Client(args.url, args.key, args.function_key)
        result: int = args.handler(client, args)
        return result
    except CommandError as exc:  # said as it is: an error's text may hold brackets rich would read as markup
        console.print(Text.assemble(("error:", "red"), f" {exc}"))
        return 1


def initial_sync(client: Client, args: argparse.Namespace) -> int:
    body: dict[str, Any] = {"from": args.source, "conflicts": args.conflicts}
    if args.company:
        body["company"] = args.company
    job = client.call("POST", f"sync/{args.entity}/initial-sync", body)["job"]
    console.print(f"job {job['id']}: initial sync of {args.entity} from {args.source} started")
    console.file.flush()  # seen at once, also through a pipe
    if args.no_follow:
        return 0
    ended = followed(client, job, failed, console)
    if ended is None:
        return 130
    job = ended
    print_job(job)
    return 0 if job["state"] == "succeeded" else 1


def failed(job: dict[str, Any]) -> str:
    return f"{rate(job)} · failed {job['counts']['failed']}"


def print_job(job: dict[str, Any]) -> None:
    if job["kind"] == "reconcile":
        reconcile.show(job)
        return
    if job["kind"] == "import":
        importing.show(job)
        return
    table = Table(title=f"job {job['id']} ({job['kind']} of {job['entity']}): {job['state']}")
    for name in COUNTS:
        table.add_column(name, justify="right")
    table.add_row(*(str(job["counts"][name]) for name in COUNTS))
    console.print(table)
    console.print(f"{job['rows_per_s'] or 0} rows/s; passes over waiting rows: {job['report']['passes']}")
    if job["counts"]["failed"] or job["counts"]["conflicts"]:
        where = job["report"]["errors"]
        console.print(
            f"failed rows and conflicts: table {where['table']}, Source={where['source']}, JobId={where['job']}"
        )
    if job.get("error"):
        console.print(f"[red]{job['error']}[/red]")


def show_jobs(client: Client, args: argparse.Namespace) -> int:
    if args.id:
        job = client.call("GET", f"sync/jobs/{args.id}")
        console.print_json(json.dumps(job, default=str)) if args.json else print_job(job)
        return 0
    items = client.call("GET", "sync/jobs")["items"]
    if args.json:
        console.print_json(json.dumps(items, default=str))
        return 0
    table = Table("id", "kind", "entity", "state", "read", "failed", "rows/s")
    for job in items:
        table.add_row(
            job["id"],
            job["kind"],
            job["entity"],
            job["state"],
            str(job["counts"]["read"]),
            str(job["counts"].get("failed", job["counts"].get("refused", ""))),
            str(job["rows_per_s"] or ""),
        )
    console.print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
