"""The app's host as a child process: the counted one of bench/serve.py, or `python -m devhost` as `make run`
starts it; and the CPU time a process has used."""

from __future__ import annotations

import contextlib
import os
import select
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from typing import IO

import requests

from bench.measure import BenchError
from bench.serve import COUNT, READY
from devtools.azurite import HOST, free_port
from devtools.lifetime import die_with_parent
from devtools.run import EXAMPLE_SETTINGS, ROOT, stop_host

START_TIMEOUT = 60.0  # seconds: importing the app and starting every poller, on a busy machine


class CountedHost:
    """bench/serve.py, running: its URL, its pid, and the storage requests it has sent so far."""

    def __init__(self, process: subprocess.Popen[str], errors: IO[bytes]) -> None:
        self.process, self.errors = process, errors
        self.pid = process.pid
        self.base_url = self._reply(READY)

    def requests(self) -> int:
        assert self.process.stdin is not None
        self.process.stdin.write("count\n")
        self.process.stdin.flush()
        return int(self._reply(COUNT))

    def _reply(self, tag: str) -> str:
        assert self.process.stdout is not None
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.process.stdout], [], [], 0.5)
            line = self.process.stdout.readline() if ready else ""
            if line.startswith(tag + " "):
                return line.split(" ", 1)[1].strip()
            if self.process.poll() is not None:
                break
        raise BenchError(f"the host process gave no {tag} line; its log ends: {_tail(self.errors)}")


@contextlib.contextmanager
def counted_host(connection: str, workers: int | None = None) -> Iterator[CountedHost]:
    """bench/serve.py on this run's Azurite; `workers`: its functions in that many worker processes."""
    env = {**os.environ, "AzureWebJobsStorage": connection}
    command = [sys.executable, "-m", "bench.serve"] + ([] if workers is None else ["--workers", str(workers)])
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            start_new_session=True,
            preexec_fn=die_with_parent(),
        )
        try:
            yield CountedHost(process, errors)
        finally:
            _close(process)


@contextlib.contextmanager
def make_run_host(connection: str) -> Iterator[subprocess.Popen[bytes]]:
    """`python -m devhost` with the command line that `make run` gives it (devtools.run.start_host): the
    whole app, timers and every queue poller, with the example settings; yields once /api/health answers.
    Its output goes nowhere (start_host would hand it ours)."""
    port = free_port()
    command = [sys.executable, "-m", "devhost", "--app", "function_app", "--host", HOST, "--port", str(port)]
    command += ["--settings", str(EXAMPLE_SETTINGS), "--host-json", str(ROOT / "host.json")]
    host = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, "AzureWebJobsStorage": connection},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        preexec_fn=die_with_parent(),
    )
    try:
        _wait_healthy(f"http://{HOST}:{port}/api/health", host)
        yield host
    finally:
        stop_host(host)


def _wait_healthy(url: str, host: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if host.poll() is not None:
            raise BenchError(f"the host exited with code {host.returncode} before it served")
        with contextlib.suppress(requests.RequestException):
            if requests.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise BenchError(f"the host did not answer {url} within {START_TIMEOUT:.0f} s")


def _close(process: subprocess.Popen[str]) -> None:
    with contextlib.suppress(OSError):
        if process.stdin:
            process.stdin.close()  # EOF: the host stops
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _tail(errors: IO[bytes]) -> str:
    errors.seek(0)
    return errors.read().decode(errors="replace").strip()[-1500:]
