"""Following a job until it ends: one progress bar (rows read of the total, a detail line of the job's
own, ETA), the same for every command that starts a job; Ctrl-C stops following, never the job.

On a terminal the bar redraws in place. Piped (a log, `tee`, CI) a bar would show only once the job has
ended, so the progress is printed as plain lines instead, one every LINE_SECONDS while it moves."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

from cli.client import Client

Job = dict[str, Any]
Show = Callable[[Job, str], None]
ENDED = ("succeeded", "failed", "cancelled")
LINE_SECONDS = 2.0


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
    shown = _bar(console, job, quiet) if console.is_terminal or quiet else _lines(console, job)
    with shown as show:
        while True:
            job = client.call("GET", f"sync/jobs/{job['id']}")
            show(job, detail(job))
            if job["state"] in ENDED:
                return job
            time.sleep(interval)


@contextmanager
def _bar(console: Console, job: Job, quiet: bool) -> Iterator[Show]:
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
        yield lambda job, detail: progress.update(
            task, total=job["total"], completed=job["counts"]["read"], detail=detail
        )


@contextmanager
def _lines(console: Console, job: Job) -> Iterator[Show]:
    last: dict[str, Any] = {"at": 0.0, "line": None}

    def show(job: Job, detail: str) -> None:
        total, read = job.get("total"), job["counts"]["read"]
        share = f" ({100 * read // total}%)" if total else ""
        line = f"{job['kind']} {job['entity']}: {read}/{total or '?'}{share} {job['state']}, {detail}"
        now = time.monotonic()
        if line != last["line"] and (now - last["at"] >= LINE_SECONDS or job["state"] in ENDED):
            console.print(line, markup=False, highlight=False)
            console.file.flush()  # seen at once through the pipe
            last.update(at=now, line=line)

    yield show


def rate(job: Job) -> str:
    return f"{job['rows_per_s'] or '–'} rows/s"
