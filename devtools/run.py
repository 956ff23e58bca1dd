"""`make run`: Azurite and the local Functions host together, stopped together.

Azurite keeps its data in `<repo>/.azurite/`; the host runs as a child in its own process group
so that stopping it also stops anything it started. Ctrl-C or SIGTERM stops both; if either
dies on its own, the other is stopped too; if this supervisor is killed outright (SIGKILL), both
get SIGTERM from the kernel (Linux; see devtools.lifetime), so no port stays taken.

`make run ARGS="--port 7072 --azurite-ports 10010,10011,10012"` runs a second copy beside the first.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

from devhost.cli import stop_on_signals
from devhost.failures import HostConfigError
from devhost.settings import load_local_settings
from devtools.azurite import ACCOUNT, DEFAULT_PORTS, HOST, Azurite, AzuriteError, port_in_use
from devtools.lifetime import die_with_parent

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_SETTINGS = ROOT / "local.settings.example.json"
DEFAULT_SETTINGS = "local.settings.json"
DEV_STORAGE = "usedevelopmentstorage=true"
HOST_STOP_SECONDS = 10.0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m devtools.run", description="Run Azurite and the app locally.")
    parser.add_argument("--port", type=_port, default=7071, help="the app's HTTP port (default: 7071)")
    parser.add_argument(
        "--azurite-ports",
        type=_three_ports,
        default=dict(DEFAULT_PORTS),
        metavar="BLOB,QUEUE,TABLE",
        help="Azurite's ports (default: 10000,10001,10002); on others, the app is given the full connection string",
    )
    parser.add_argument("--data", type=Path, default=ROOT / ".azurite", help="Azurite's data folder")
    parser.add_argument("--app", default="function_app", help="module holding the FunctionApp")
    parser.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="worker processes, 1-10 (default: FUNCTIONS_WORKER_PROCESS_COUNT, else 1)",
    )
    parser.add_argument(
        "--settings",
        type=Path,
        default=ROOT / DEFAULT_SETTINGS,
        help=f"app settings file; a missing {DEFAULT_SETTINGS} is created from the example, any other must exist",
    )
    args = parser.parse_args(argv)
    if args.port in args.azurite_ports.values():
        parser.error(f"--port {args.port} is also one of Azurite's ports: give each its own")
    return args


def _port(text: str) -> int:
    # 0 ("any free port") is refused: `make run` must say where the app is before the host starts.
    port = int(text) if text.strip().isdigit() else -1
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1-65535)")
    return port


def _three_ports(text: str) -> dict[str, int]:
    parts = text.split(",")
    if len(parts) != 3:
        raise argparse.ArgumentTypeError(f"expected three ports BLOB,QUEUE,TABLE, got {text!r}")
    ports = [_port(part) for part in parts]
    if len(set(ports)) != 3:
        raise argparse.ArgumentTypeError(f"expected three different ports BLOB,QUEUE,TABLE, got {text!r}")
    return dict(zip(DEFAULT_PORTS, ports, strict=True))


def taken_ports(app_port: int, azurite_ports: dict[str, int]) -> list[str]:
    """One plain sentence per port that something else already holds."""
    wanted = {f"{port} (Azurite {name})": port for name, port in azurite_ports.items()}
    wanted[f"{app_port} (app)"] = app_port
    return [
        f"port {label} is already in use on {HOST} — is another `make run`, Azurite or `func start` running?"
        for label, port in wanted.items()
        if port_in_use(port)
    ]


def ensure_settings(path: Path) -> str | None:
    """Create a missing local.settings.json from the example; any other missing file is a typo: what to say."""
    if path.exists():
        return None
    if path.name != DEFAULT_SETTINGS:
        return f"--settings {path}: no such file (only a missing {DEFAULT_SETTINGS} is created from the example)"
    shutil.copyfile(EXAMPLE_SETTINGS, path)
    print(f"Created {path} from {EXAMPLE_SETTINGS.name}: edit it for your own settings.")
    return None


def host_environment(settings: Path, azurite: Azurite) -> dict[str, str]:
    """The host's environment: ours, with development-storage settings pointed at this Azurite.

    `UseDevelopmentStorage=true` means the default ports; on other ports the SDKs need the full
    connection string, so each such setting is passed explicitly (the environment wins over
    local.settings.json in the host).
    """
    env = dict(os.environ)
    if azurite.ports == DEFAULT_PORTS:
        return env
    values: dict[str, str] = {}
    try:
        load_local_settings(settings, values)  # into an empty mapping: just the file's Values
    except HostConfigError:
        return env  # the host reads the file too, and says what is wrong with it
    for name, value in values.items():
        current = env.get(name, value)
        if current.strip().lower() == DEV_STORAGE:
            env[name] = azurite.connection_string
        elif name in env and value.strip().lower() == DEV_STORAGE:
            print(f"Note: {name} comes from your environment, so the app does not use this Azurite for it.")
    return env


def start_host(args: argparse.Namespace, env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "devhost", "--app", args.app, "--host", HOST, "--port", str(args.port)]
    command += ["--settings", str(args.settings), "--host-json", str(ROOT / "host.json")]
    if args.workers is not None:
        command += ["--workers", str(args.workers)]  # the host checks it, as it checks the setting
    # Its own session: a process group we can stop as a whole, also if the host leaves children.
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True, preexec_fn=die_with_parent())


def stop_host(host: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(host.pid, signal.SIGINT)
    try:
        host.wait(timeout=HOST_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        print(f"The host did not stop within {HOST_STOP_SECONDS:.0f} s; killing it.")
    with contextlib.suppress(ProcessLookupError):
        os.killpg(host.pid, signal.SIGKILL)  # whatever is left in its group
    host.wait()


def print_where(args: argparse.Namespace, azurite: Azurite) -> None:
    print(f"Azurite (data in {args.data}):")
    for name, port in azurite.ports.items():
        print(f"  {name:<6} http://{HOST}:{port}/{ACCOUNT}")
    print(f"Settings: {args.settings}")
    print(f"App:      http://{HOST}:{args.port}/  (the host lists its functions below)")
    print("Press Ctrl-C to stop both.", flush=True)


def supervise(host: subprocess.Popen[bytes], azurite: Azurite, stop: threading.Event) -> int:
    """Wait for a stop signal or for either process to die; returns the exit code."""
    while not stop.wait(0.2):
        if host.poll() is not None:
            print(f"The host exited with code {host.returncode}; stopping Azurite.", flush=True)
            return host.returncode
        if azurite.process is not None and azurite.process.poll() is not None:
            print(f"Azurite exited with code {azurite.process.returncode}; stopping the host.", flush=True)
            return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if (missing := ensure_settings(args.settings)) is not None:
        print(missing, file=sys.stderr)
        return 2
    taken = taken_ports(args.port, args.azurite_ports)
    if taken:
        print("\n".join(taken), file=sys.stderr)
        return 1
    stop = stop_on_signals()
    try:
        load_local_settings(args.settings, {})  # only to check it, before anything starts; the host loads it
    except HostConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    azurite = Azurite(location=args.data, ports=args.azurite_ports)
    try:
        azurite.start()
    except AzuriteError as exc:
        azurite.stop()
        print(f"Azurite did not start: {exc}", file=sys.stderr)
        return 1
    try:
        print_where(args, azurite)
        host = start_host(args, host_environment(args.settings, azurite))
        try:
            return supervise(host, azurite, stop)
        finally:
            stop_host(host)
    finally:
        azurite.stop()
        print("Stopped the app and Azurite.", flush=True)


if __name__ == "__main__":
    sys.exit(main())
