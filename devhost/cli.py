"""`python -m devhost`: run an app like `func start` does, until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path

from .failures import DevHostError
from .host import LocalHost
from .loader import FunctionInfo
from .settings import load_local_settings, resolve

DEFAULT_SETTINGS = Path("local.settings.json")  # read when present, as Core Tools does


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m devhost", description="Run a v2 Python Functions app locally.")
    parser.add_argument("--app", default="function_app", help="module holding the FunctionApp (default: function_app)")
    parser.add_argument("--host", default="127.0.0.1", help="address to serve HTTP on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=7071, help="HTTP port; 0 picks a free one (default: 7071)")
    settings = parser.add_mutually_exclusive_group()
    settings.add_argument(
        "--settings", type=Path, help=f"app settings file; must exist (default: {DEFAULT_SETTINGS}, if it exists)"
    )
    settings.add_argument("--no-settings", action="store_true", help="read no settings file: the environment only")
    parser.add_argument("--host-json", type=Path, default=Path("host.json"), help="host.json to follow")
    parser.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="worker processes running the functions, 1-10 (default: FUNCTIONS_WORKER_PROCESS_COUNT, else 1)",
    )
    args = parser.parse_args(argv)
    # A file named on purpose that is not there is a typo: starting on the environment alone would hide it.
    if args.settings is not None and not args.settings.exists():
        parser.error(f"--settings {args.settings}: no such file (leave --settings out to use {DEFAULT_SETTINGS})")
    return args


def settings_file(args: argparse.Namespace) -> Path | None:
    """The settings file to read: the one named, else the default when it exists, else none."""
    if args.no_settings:
        return None
    return args.settings or DEFAULT_SETTINGS


# The SDK logs every HTTP call of every poll at INFO; only their problems are worth showing.
QUIET_LOGGERS = ("azure", "werkzeug", "urllib3")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT, stream=sys.stderr)
    for noisy in QUIET_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.WARNING)


def listing(host: LocalHost) -> list[str]:
    """The function list as `func start` prints it."""
    lines = ["Functions:", ""]
    for info in host.functions:
        lines.append(f"\t{info.name}: {_where(host, info)}")
    return lines


def _where(host: LocalHost, info: FunctionInfo) -> str:
    if info.kind == "http":
        methods = ",".join(info.methods) if info.methods else "*"
        path = "/".join(p for p in (host.config.route_prefix, (info.route or info.name).strip("/")) if p)
        return f"[{methods}] {host.base_url}/{path}"
    if info.kind == "queue":
        return f"queue {resolve(info.queue or '')}"
    if info.kind == "timer":
        return f"timer {resolve(info.schedule or '')}"
    return f"{info.kind} (not run locally)"


def stop_on_signals() -> threading.Event:
    """An event set by SIGINT or SIGTERM; installed before start-up so an early Ctrl-C is clean too."""
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    return stop


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    configure_logging()
    stop = stop_on_signals()
    try:
        if (settings := settings_file(args)) is not None:
            load_local_settings(settings)
        host = LocalHost.from_module(
            args.app, host_json=args.host_json, port=args.port, host=args.host, workers=args.workers
        )
        host.start()
    except DevHostError as exc:
        print(exc, file=sys.stderr, flush=True)
        return 1
    try:
        print("\n".join(listing(host)), "", "Host started. Press Ctrl-C to stop.", sep="\n", flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        host.stop()
    return 0
