"""`fs-scm-sync import ENTITY --side fs|scm FILE`: upload an export to the app and follow its import job.

The file goes to `POST /api/sync/{entity}/import` of the instance `--url` names, so it lands in that
instance's storage, whatever ports it runs on. The app reads the file whole before anything is written:
a file it cannot read is refused with the line and the reason, and nothing is imported. Exit status: 0
when every record was loaded or already there, 2 when some were refused, 1 on an error.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import IO, Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from cli.client import ENTITY_HELP, Client, CommandError
from cli.following import followed, rate

# a terminal's width (or COLUMNS); piped (grep, a log) wide enough that a refused row stays on one line
console = Console(highlight=False, width=None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 200)
COUNTS = ("read", "loaded", "exists", "refused")
FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl"}
CONTENT_TYPES = {"csv": "text/csv", "jsonl": "application/x-ndjson"}


def register(commands: Any) -> None:
    load = commands.add_parser(
        "import",
        help="upload a CSV or JSON-lines export into one side's partition, and follow the job",
        description="Upload an export file to the app (--url) and follow its import job. Records the side "
        "already holds (or has deleted) are left as they are and counted `exists`.",
    )
    load.add_argument("entity", help=ENTITY_HELP)
    load.add_argument("file", type=Path, help="the export: .csv, or .jsonl (one JSON object a line)")
    load.add_argument("--side", required=True, choices=("fs", "scm"), help="whose export it is")
    load.add_argument("--format", choices=("csv", "jsonl"), help="default: from the file's extension")
    load.add_argument("--no-follow", action="store_true", help="start the job and return")
    load.set_defaults(handler=import_file)


def import_file(client: Client, args: argparse.Namespace) -> int:
    kind = args.format or FORMATS.get(args.file.suffix.lower())
    if kind is None:
        raise CommandError(f"{args.file}: say --format csv or --format jsonl (the extension does not tell)")
    try:
        with args.file.open("rb") as file:
            size = _size(file, args.file)
            job = _upload(client, args, kind, file, size)
    except OSError as exc:
        raise CommandError(f"cannot read {args.file}: {exc.strerror or exc}") from None
    except KeyboardInterrupt:
        console.print("\nupload stopped; nothing was imported")
        return 130
    console.print(f"job {job['id']}: import of {job['params']['rows']} {args.entity} records into {args.side.upper()}")
    console.file.flush()  # seen at once, also through a pipe
    if args.no_follow:
        return 0
    ended = followed(client, job, refused, console)
    if ended is None:
        return 130
    job = ended
    show(job)
    if job["state"] != "succeeded":
        return 1
    return 2 if job["counts"]["refused"] else 0


def _size(file: IO[bytes], path: Path) -> int:
    size = file.seek(0, 2)
    file.seek(0)
    if size == 0:
        raise CommandError(f"{path} is empty")
    return size


def _upload(client: Client, args: argparse.Namespace, kind: str, file: IO[bytes], size: int) -> dict[str, Any]:
    """Send the file with a progress bar of the bytes sent (piped: a line before and one after); the queued job."""
    params = {"side": args.side, "format": kind}
    route, content_type = f"sync/{args.entity}/import", CONTENT_TYPES[kind]
    if not console.is_terminal:
        console.print(f"upload: sending {size:,} bytes of {args.file.name}", markup=False)
        console.file.flush()
        reading = _Reading(file, size, lambda count: None)
        answer = client.upload(route, reading, params, content_type)
        console.print("upload: sent and checked by the app", markup=False)
        return dict(answer["job"])
    columns = (TextColumn("{task.description}"), BarColumn(bar_width=24), DownloadColumn(), TransferSpeedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("upload", total=size)

        def sent(count: int) -> None:  # all sent (an empty block): the app is reading the file
            progress.update(task, advance=count, description="upload" if count else "checking")

        answer = client.upload(route, _Reading(file, size, sent), params, content_type)
    return dict(answer["job"])


class _Reading:
    """The file as the request reads it, block by block, telling the progress bar each block's size."""

    def __init__(self, file: IO[bytes], size: int, sent: Any) -> None:
        self.file, self.size, self.sent = file, size, sent

    def __len__(self) -> int:
        return self.size

    def read(self, size: int = -1) -> bytes:
        block = self.file.read(size)
        self.sent(len(block))
        return block


def refused(job: dict[str, Any]) -> str:
    return f"{rate(job)} · refused {job['counts']['refused']}"


def show(job: dict[str, Any]) -> None:
    """The job's state, counts and refused rows (line, reasons)."""
    side = str(job["params"].get("side", "")).upper()
    console.print(f"job {job['id']}: import of {job['entity']} into {side}: {job['state']}")
    table = Table()
    for name in COUNTS:
        table.add_column(name, justify="right")
    table.add_row(*(str(job["counts"][name]) for name in COUNTS))
    console.print(table)
    refused = job["report"]["refused"]
    if refused:
        rows = Table("line", "field", "rule", "reason", title="refused rows", box=None, title_justify="left")
        for row in refused:
            for n, reason in enumerate(row["reasons"]):
                rows.add_row(str(row["line"]) if n == 0 else "", reason["field"], reason["rule"], reason["message"])
        console.print(rows)
    if (more := job["counts"]["refused"] - len(refused)) > 0:
        console.print(f"… and {more} more: fs-scm-sync errors --entity {job['entity']} --source job", markup=False)
    if job.get("error"):
        console.print(f"[red]{job['error']}[/red]")
