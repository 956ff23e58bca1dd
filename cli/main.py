"""`fs-scm-sync --help`: start and follow an initial sync, list jobs, import an export file."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn
from rich.table import Table

from cli import control, errors, reconcile
from cli.client import Client, CommandError

# operator subcommands that live in modules of their own, each with `register(subparsers)`
OPERATOR_COMMANDS: tuple[Any, ...] = (control, errors, reconcile)

COUNTS = ("read", "created", "coupled", "updated", "unchanged", "conflicts", "failed")
console = Console(highlight=False, soft_wrap=True)  # whole lines, also when piped


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="fs-scm-sync", description="Operate the FS ⇄ SCM sync.")
    top.add_argument(
        "--url", default=os.environ.get("SYNC_URL", "http://127.0.0.1:7071"), help="the app (default: %(default)s)"
    )
    top.add_argument(
        "--key", default=os.environ.get("SYNC_ADMIN_KEY"), help="an admin secret (x-sync-key); env SYNC_ADMIN_KEY"
    )
    top.add_argument(
        "--function-key", default=os.environ.get("SYNC_FUNCTION_KEY"), help="the Function App's key, deployed"
    )
    commands = top.add_subparsers(dest="command", required=True)

    sync = commands.add_parser("initial-sync", help="bring one side's records across, and follow the job")
    sync.add_argument("entity", help="warehouses, customer-assets, payment-terms or ship-via")
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

    load = commands.add_parser("import", help="load a CSV or JSON-lines export into one side's partition")
    load.add_argument("entity")
    load.add_argument("file", type=Path)
    load.add_argument("--side", required=True, choices=("fs", "scm"), help="whose export it is")
    load.add_argument("--format", choices=("csv", "jsonl"), help="default: from the file's extension")
    load.add_argument(
        "--connection", help="storage connection string (default: AzureWebJobsStorage, local.settings.json)"
    )
    load.set_defaults(handler=None)
    for module in OPERATOR_COMMANDS:
        module.register(commands)  # each adds its subcommands, with set_defaults(handler=fn(client, args) -> int)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        if args.command == "import":
            return import_file(args)
        client = Client(args.url, args.key, args.function_key)
        result: int = args.handler(client, args)
        return result
    except CommandError as exc:
        console.print(f"[red]error:[/red] {exc}", markup=True)
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
    try:
        job = follow(client, job)
    except KeyboardInterrupt:
        console.print(f"\nstopped following; the job goes on: fs-scm-sync jobs {job['id']}")
        return 130
    print_job(job)
    return 0 if job["state"] == "succeeded" else 1


def follow(client: Client, job: dict[str, Any], interval: float = 0.5) -> dict[str, Any]:
    """A progress bar (rows read of the total, rate, ETA, failed) until the job ends."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rate]} rows/s · failed {task.fields[failed]}"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task(job["entity"], total=None, rate="–", failed=0)
        while True:
            job = client.call("GET", f"sync/jobs/{job['id']}")
            counts = job["counts"]
            progress.update(
                task,
                total=job["total"],
                completed=counts["read"],
                rate=job["rows_per_s"] or "–",
                failed=counts["failed"],
            )
            if job["state"] in ("succeeded", "failed"):
                return job
            time.sleep(interval)


def print_job(job: dict[str, Any]) -> None:
    if job["kind"] == "reconcile":
        reconcile.show(job)
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
            str(job["counts"]["failed"]),
            str(job["rows_per_s"] or ""),
        )
    console.print(table)
    return 0


def import_file(args: argparse.Namespace) -> int:
    from azure.data.tables import TableServiceClient

    from shared import importer
    from shared.entities import ENTITIES

    spec = ENTITIES.get(args.entity)
    if spec is None:
        raise CommandError(f"unknown entity {args.entity!r}; known: {', '.join(ENTITIES)}")
    kind = args.format or ("jsonl" if args.file.suffix.lower() in (".jsonl", ".ndjson", ".json") else "csv")
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        raise CommandError(f"cannot read {args.file}: {exc.strerror}") from None
    client = TableServiceClient.from_connection_string(_connection(args.connection)).create_table_if_not_exists(
        spec.table
    )
    report = importer.load(client, spec, args.side, importer.read_lines(data, kind, spec, args.side))
    side, refused = args.side.upper(), len(report.failed)
    console.print(f"{report.loaded} {side} records of {args.entity} loaded from {args.file}; {refused} refused")
    for failed in report.failed[:200]:
        reasons = "; ".join(f"{r.get('field')} {r.get('rule')}: {r.get('message')}" for r in failed["reasons"])
        console.print(f"  line {failed['line']}: {reasons}", markup=False)
    return 0 if not report.failed else 2


def _connection(given: str | None) -> str:
    if given:
        return given
    if os.environ.get("AzureWebJobsStorage"):
        return os.environ["AzureWebJobsStorage"]
    settings = Path("local.settings.json")
    if settings.exists():
        values = json.loads(settings.read_text()).get("Values", {})
        if isinstance(values, dict) and values.get("AzureWebJobsStorage"):
            return str(values["AzureWebJobsStorage"])
    raise CommandError("no storage connection: give --connection, or set AzureWebJobsStorage")


if __name__ == "__main__":
    sys.exit(main())
