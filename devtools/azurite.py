"""Start and stop Azurite, the storage emulator, for `make run` and the tests.

Azurite is installed from package.json into node_modules/. We start the server
script itself (not `npx`) so that the PID we hold is the server's, bind it to
loopback only, and switch its telemetry off. On Linux it also gets SIGTERM when the
process that started it dies, however that dies (see devtools.lifetime).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from devtools.lifetime import die_with_parent

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "node_modules" / "azurite" / "dist" / "src" / "azurite.js"
HOST = "127.0.0.1"
DEFAULT_PORTS = {"blob": 10000, "queue": 10001, "table": 10002}

# The well-known Azurite development account: public, documented, not a secret.
ACCOUNT = "devstoreaccount1"
DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


class AzuriteError(RuntimeError):
    """Azurite could not be started."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex((HOST, port)) == 0


def connection_string(ports: dict[str, int]) -> str:
    base = f"http://{HOST}"
    return (
        f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={DEV_KEY};"
        f"BlobEndpoint={base}:{ports['blob']}/{ACCOUNT};"
        f"QueueEndpoint={base}:{ports['queue']}/{ACCOUNT};"
        f"TableEndpoint={base}:{ports['table']}/{ACCOUNT};"
    )


@dataclass
class Azurite:
    """One Azurite server process; `start()` returns once all three services accept connections."""

    location: Path | None = None  # None: in-memory, nothing left on disk
    ports: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PORTS))
    process: subprocess.Popen[bytes] | None = None
    _errors: IO[bytes] | None = field(default=None, repr=False)

    @classmethod
    def on_free_ports(cls, location: Path | None = None) -> Azurite:
        return cls(location=location, ports={name: free_port() for name in DEFAULT_PORTS})

    @property
    def connection_string(self) -> str:
        return connection_string(self.ports)

    def command(self) -> list[str]:
        node = shutil.which("node")
        if node is None:
            raise AzuriteError("node is not on PATH: install Node.js 20 or newer")
        if not SCRIPT.exists():
            raise AzuriteError(f"{SCRIPT} is missing: run `npm ci` (make does it for you)")
        storage = ["--location", str(self.location)] if self.location else ["--inMemoryPersistence"]
        args = [node, str(SCRIPT), "--silent", *storage, "--skipApiVersionCheck", "--disableTelemetry"]
        for name, port in self.ports.items():
            args += [f"--{name}Host", HOST, f"--{name}Port", str(port)]
        return args

    def start(self, timeout: float = 30.0) -> Azurite:
        taken = [f"{name} {port}" for name, port in self.ports.items() if port_in_use(port)]
        if taken:
            raise AzuriteError(f"port(s) already in use on {HOST}: {', '.join(taken)}")
        if self.location:
            self.location.mkdir(parents=True, exist_ok=True)
        # stderr into a file, not a pipe: an unread pipe would fill up and stall the server
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115  # closed in stop()
        self.process = subprocess.Popen(
            self.command(), stdout=subprocess.DEVNULL, stderr=self._errors, preexec_fn=die_with_parent()
        )
        deadline = time.monotonic() + timeout
        while not all(port_in_use(port) for port in self.ports.values()):
            if self.process.poll() is not None:
                raise AzuriteError(f"Azurite exited with code {self.process.returncode}: {self._error_text()}")
            if time.monotonic() > deadline:
                self.stop()
                raise AzuriteError(f"Azurite did not listen on {self.ports} within {timeout:.0f} s")
            time.sleep(0.1)
        return self

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._errors:
            self._errors.close()
            self._errors = None

    def _error_text(self) -> str:
        if not self._errors:
            return ""
        self._errors.seek(0)
        return self._errors.read().decode(errors="replace").strip()[-2000:]

    def __enter__(self) -> Azurite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
