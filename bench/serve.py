"""`python -m bench.serve`: the app under the local host in a process of its own, its table requests counted.

The concurrency scenarios run the host in a separate process, as `make run` and Azure do, and not in
the bench's process (bench/hosted.py): there it would share one GIL with the client threads, and 32
callers would measure the bench as much as the app. What the parent needs from inside, the number of
storage requests the app sent, it asks for on stdin ("count" → "COUNT n" on stdout); EOF on stdin
stops the host. The app's settings are local.settings.example.json's (what `make run` starts with)
under the environment's. Its timers do not run, as in bench/hosted.py: the recovery timer's once-a-
minute sweep belongs to no measured change; the queue pollers do, with host.json's polling intervals.

`python -m bench.serve --workers N` runs the functions in N worker processes (devhost/workers.py); the
requests they send are theirs, so the count covers only this process and is not asked for then.
"""

from __future__ import annotations

import argparse
import sys

from bench.counting import RequestCounter
from devhost import LocalHost
from devhost.cli import configure_logging
from devhost.hostconfig import HostConfig
from devhost.loader import describe, import_app
from devhost.settings import load_local_settings
from devtools.run import EXAMPLE_SETTINGS, ROOT
from functions import runtime

READY = "READY"
COUNT = "COUNT"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.serve")
    parser.add_argument("--workers", type=int, help="worker processes (default: the functions run here)")
    workers = parser.parse_args(argv).workers
    replies, sys.stdout = sys.stdout, sys.stderr  # a stray print must not fill the pipe nobody reads between asks
    configure_logging()  # to stderr, as the host logs under `make run`; the parent keeps it in a file
    load_local_settings(EXAMPLE_SETTINGS)
    counter = RequestCounter()
    runtime.add_request_policy(counter)  # before the app makes any client
    functions = tuple(info for info in describe(import_app("function_app")) if info.kind != "timer")
    host = LocalHost(functions, HostConfig.load(ROOT / "host.json"), port=0, app="function_app", workers=workers)
    with host:
        print(READY, host.base_url, file=replies, flush=True)
        for line in sys.stdin:
            if line.strip() == "count":
                print(COUNT, counter.count, file=replies, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
