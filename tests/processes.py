"""Child processes in tests: started, read line by line, and made sure to be gone afterwards."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = "tests.devhost.sample_app"


class Running:
    """A child process whose combined output is collected line by line in the background."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        with self.process.stdout:
            for line in self.process.stdout:
                self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, text: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.lines):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never came; output:\n{self.output}")
            time.sleep(0.05)

    def finish(self, timeout: float = 30.0) -> int:
        code = self.process.wait(timeout)
        self._reader.join(5)  # children that outlive it may hold the pipe open: don't wait for them
        return code

    def kill(self) -> None:
        """Kill the process and everything it started (a test that failed may leave them running)."""
        for pid in [*descendants(self.process.pid), self.process.pid]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.finish()


def environment(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("AzureWebJobsStorage", "SAMPLE_QUEUE")}
    return {**env, **values}


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def run_args(tmp_path: Path, port: int, azurite_ports: list[int], app: str = SAMPLE) -> list[str]:
    return [
        "-m", "devtools.run", "--port", str(port), "--azurite-ports", ",".join(map(str, azurite_ports)),
        "--data", str(tmp_path / "azurite"), "--app", app, "--settings", str(tmp_path / "local.settings.json"),
    ]  # fmt: skip


def app_host(connection: str, **settings: str) -> tuple[Running, str]:
    """The project's app served by a host process of its own on storage `connection`, with `settings` added
    to its environment: the process, once started, and its base URL (a free port each time)."""
    args = ["-m", "devhost", "--app", "function_app", "--port", "0", "--no-settings"]
    host = Running(
        [*args, "--host-json", str(ROOT / "host.json")], environment(AzureWebJobsStorage=connection, **settings)
    )
    try:
        host.wait_for("Host started", timeout=60)
    except AssertionError:
        host.kill()
        raise
    url = re.search(r"http://127\.0\.0\.1:\d+", host.output)
    assert url is not None
    return host, url.group(0)
