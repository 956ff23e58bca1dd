"""`python -m devhost.worker FD`: one worker process of the local host, as the Python worker is to the Functions host.

It imports the app once, then runs the invocations the host sends over the connection on file
descriptor FD, several at a time on a thread pool, and sends back each result with its queue output
messages (the host sends those). Its log lines go to the host as formatted text, which the host
writes with this worker's name; a message the app sends to a queue itself (through the storage SDK)
is reported to the host so that the host's poller of that queue looks at once (devhost/watch.py).

It ends when the host says so, after the running invocations, or at once when the connection
closes (the host is gone). Ctrl-C reaches the whole process group: only the host acts on it.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from typing import Any

from .cli import LOG_FORMAT, QUIET_LOGGERS
from .failures import DevHostError
from .invoke import Invoker
from .loader import FunctionInfo, describe, import_app
from .settings import resolve
from .watch import listen
from .wire import DONE, ERROR, FAILED, LOG, READY, SENT, STOP, pack_result, unpack_trigger

log = logging.getLogger("devhost")

# Invocations one worker runs at once; the host's HTTP threads and queue pools decide how many arrive.
THREADS = 64


class Channel:
    """The worker's end of the connection: one writer at a time (a message is two writes when large)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._lock = threading.Lock()

    def send(self, *message: Any) -> None:
        with self._lock:
            self.connection.send(message)


class ToHost(logging.Handler):
    """Each log line, formatted as the app set it (shared formatters reach this handler too), to the host."""

    def __init__(self, channel: Channel) -> None:
        super().__init__()
        self._channel = channel

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._channel.send(LOG, record.levelno, self.format(record))
        except (OSError, ValueError):
            pass  # the host is gone: the line has nowhere to go
        except Exception:
            self.handleError(record)


def configure_logging(channel: Channel, level: int) -> None:
    """As the host's own logging (cli.configure_logging), through the connection instead of stderr."""
    handler = ToHost(channel)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in QUIET_LOGGERS:
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


class Worker:
    def __init__(self, channel: Channel, functions: tuple[FunctionInfo, ...]) -> None:
        self._channel = channel
        self._functions = {info.name: info for info in functions}
        self._invoker = Invoker(None)
        self._pool = ThreadPoolExecutor(THREADS, "devhost-worker")

    def serve(self) -> None:
        """Run what the host sends until it says stop (finishing what runs) or goes away (at once)."""
        self._invoker.start()
        for info in self._functions.values():
            if info.kind == "queue":
                queue = resolve(info.queue or "")
                listen(queue, lambda queue=queue: self._channel.send(SENT, queue))  # type: ignore[misc]
        while True:
            try:
                message = self._channel.connection.recv()
            except (EOFError, OSError):
                os._exit(0)  # the host is gone: nobody waits for the running invocations' answers
            if message[0] == STOP:
                break
            _, call_id, name, reason, packed = message
            self._pool.submit(self._invoke, call_id, name, reason, packed)
        self._pool.shutdown(wait=True)
        self._invoker.stop()

    def _invoke(self, call_id: int, name: str, reason: str, packed: Any) -> None:
        try:
            result, messages = self._invoker.invoke_collecting(self._functions[name], reason, unpack_trigger(packed))
            answer: tuple[Any, ...] = (DONE, call_id, pack_result(result), messages)
        except Exception:  # the invoker has logged it, with the traceback
            answer = (ERROR, call_id)
        try:
            self._channel.send(*answer)
        except (OSError, ValueError):
            os._exit(0)  # the host is gone
        except Exception:  # a result that cannot cross (pickling wrote nothing): the host must still hear
            log.exception("Function '%s' finished, but its result cannot be sent to the host", name)
            self._channel.send(ERROR, call_id)


def main(fd: int) -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the host stops its workers itself, after their invocations
    channel = Channel(Connection(fd))
    _, settings = channel.connection.recv()
    sys.path[:] = settings["path"]  # the host's, so the app imports here as it did there
    configure_logging(channel, settings["level"])
    try:
        functions = describe(import_app(settings["app"]))
    except DevHostError as exc:
        channel.send(FAILED, str(exc))
        return 1
    channel.send(READY, os.getpid())
    Worker(channel, functions).serve()
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1])))
