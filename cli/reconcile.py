"""`fs-scm-sync reconcile <entity>`: compare FS and SCM, optionally repair, and show the drift.

Exit status: 0 when the two sides are in step (after the repair, if one was asked for), 2 when drift
remains, 1 on an error (the job failed, or the call did).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from rich.console import Console
from rich.table import Table

from cli.client import ENTITY_HELP, Client
from cli.following import followed, rate

KINDS = ("missing_in_fs", "missing_in_scm", "differ", "in_doubt")
console = Console(highlight=False, soft_wrap=True)


def register(commands: Any) -> None:
    command = commands.add_parser(
        "reconcile", help="compare an entity's FS and SCM records key by key; --repair brings them in step"
    )
    command.add_argument("entity", help=ENTITY_HELP)
    command.add_argument("--company", help="one company only (default: all)")
    command.add_argument(
        "--repair",
        choices=("fs", "scm", "newest"),
        help="make the other side follow FS, SCM, or the newer record (records on one side only are copied "
        "across, never deleted)",
    )
    command.add_argument("--json", action="store_true", help="print the job as JSON")
    command.add_argument("--no-follow", action="store_true", help="start the job and return")
    command.set_defaults(handler=reconcile)


def reconcile(client: Client, args: argparse.Namespace) -> int:
    body: dict[str, Any] = {"repair": args.repair}
    if args.company:
        body["company"] = args.company
    job = client.call("POST", f"sync/{args.entity}/reconcile", body)["job"]
    if args.no_follow:
        print(json.dumps(job, default=str)) if args.json else console.print(f"job {job['id']}: reconcile started")
        return 0
    ended = followed(client, job, drift, console, quiet=args.json)
    if ended is None:
        return 130
    job = ended
    if args.json:
        print(json.dumps(job, default=str))
    else:
        show(job)
    return outcome(job)


def outcome(job: dict[str, Any]) -> int:
    if job["state"] != "succeeded":
        return 1
    report = job["report"]
    found = sum(report[kind] for kind in KINDS)
    if "repaired" in report:  # what the repair did not fix is the drift left
        found = report["failed"]
    return 2 if found else 0


def drift(job: dict[str, Any]) -> str:
    return f"{rate(job)} · drift {sum(job['counts'][kind] for kind in KINDS)}"


def show(job: dict[str, Any]) -> None:
    report = job["report"]
    totals = Table(title=f"reconcile of {job['entity']} (job {job['id']}): {job['state']}")
    names = [*KINDS, *(("repaired", "failed") if "repaired" in report else ())]
    for name in names:
        totals.add_column(name.replace("_", " "), justify="right")
    totals.add_row(*(str(report[name]) for name in names))
    console.print(totals)
    if report["samples"]:
        samples = Table("company", "id", "drift", "fields", title="samples")
        for sample in report["samples"]:
            key = sample["key"]
            samples.add_row(key["company"], key["id"], sample["kind"].replace("_", " "), ", ".join(sample["fields"]))
        console.print(samples)
    console.print(f"{job['counts']['read']} rows read, {job['rows_per_s'] or 0} rows/s")
    if "repaired" in report:
        left = report["failed"]
        console.print(
            f"repair ({job['params']['repair']}): {report['repaired']} repaired, {report['in_step']} already in step, "
            f"{left} not repaired" + ("; FS and SCM are in step" if not left else "")
        )
    if report.get("failed"):
        where = report["errors"]
        console.print(f"not repaired: table {where['table']}, Source={where['source']}, JobId={where['job']}")
    if job.get("error"):
        console.print(f"[red]{job['error']}[/red]")
