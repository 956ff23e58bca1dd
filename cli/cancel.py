"""`fs-scm-sync cancel <job-id>`: stop a job at its next chunk boundary; what it did so far stays done."""

from __future__ import annotations

import argparse
import json
from typing import Any

from rich.console import Console

from cli.client import Client

console = Console(highlight=False)  # wrapped at the terminal (or COLUMNS), at blanks


def register(commands: Any) -> None:
    cancel = commands.add_parser(
        "cancel",
        help="cancel a job: it stops at its next chunk boundary, counts so far kept",
        description="Cancel a job (initial sync, import, reconcile). A job between chunks is cancelled at "
        "once; a running chunk finishes first, then the job ends cancelled. A catch-up is not cancelled: "
        "pause the entity instead.",
    )
    cancel.add_argument("job", help="a job id, as `jobs` lists it")
    cancel.add_argument("--json", action="store_true", help="print the job as JSON")
    cancel.set_defaults(handler=cancel_job)


def cancel_job(client: Client, args: argparse.Namespace) -> int:
    job = client.call("POST", f"sync/jobs/{args.job}/cancel")
    if args.json:
        console.print_json(json.dumps(job, default=str))
        return 0
    counts = ", ".join(f"{name} {value}" for name, value in job["counts"].items())
    if job["state"] == "cancelled":
        console.print(f"job {job['id']}: {job['kind']} of {job['entity']} cancelled; so far {counts}", markup=False)
    else:
        console.print(
            f"job {job['id']}: cancel requested; its running chunk ends first, then the job ends cancelled "
            f"(fs-scm-sync jobs {job['id']}). So far {counts}",
            markup=False,
        )
    return 0
