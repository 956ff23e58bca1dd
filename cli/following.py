"""Following a job until it ends: one progress bar (rows read of the total, a detail line of the job's
own, ETA), the same for every command that starts a job; Ctrl-C stops following, never the job."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

from cli.client import Client

Job = dict[str, Any]
ENDED = ("succeeded", "failed", "cancelled")


def followed(
    client: Client, job: Job, detail: Callable[[Job], str], console: Console, quiet: bool = False
) -> Job | None:
    """The job as it ended; None when Ctrl-C stopped the following (the job goes on, as said)."""
    try:
        return follow(client, job, detail, console, quiet)
    except KeyboardInterrupt:
        console.print(f"\nstopped following; the job goes on: fs-scm-sync jobs {job['id']}")
        return None


def follow(
    client: Client, job: Job, detail: Callable[[Job], str], console: Console, quiet: bool = False, interval: float = 0.5
) -> Job:
    """Poll the job every `interval` seconds, showing its progress, until it has ended."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(bar_width=24),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False, disable=quiet) as progress:
        task = progress.add_task(f"{job['kind']} {job['entity']}", total=job.get("total"), detail="")
        while True:
            job = client.call("GET", f"sync/jobs/{job['id']}")
            progress.update(task, total=job["total"], completed=job["counts"]["read"], detail=detail(job))
            if job["state"] in ENDED:
                return job
            time.sleep(interval)


def rate(job: Job) -> str:
    return f"{job['rows_per_s'] or '–'} rows/s"
