"""Worker processes behind the one host, as FUNCTIONS_WORKER_PROCESS_COUNT gives the Functions host.

The host process keeps the HTTP port, the queue pollers and the timers; each of N worker processes
(devhost/worker.py) imports the app once and runs the invocations handed to it. An invocation goes to
the least busy worker (ties in turn, so that a quiet host still spreads its calls). Its queue output
messages come back with the result and the host sends them, as the Functions host does for its
workers' output bindings. A worker that dies fails the invocations it was running — a 500 to an HTTP
caller, a retry for a queue message, as when the Functions host loses a worker — and another is started
in its place. Each worker's log lines reach the host's stderr with the worker named.

Workers are started with subprocess (fork and exec at once: no fork of this threaded process) and talk
over a socket pair through multiprocessing's Connection, which frames each message whatever its size.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from .failures import AppLoadError, HostConfigError
from .loader import FunctionInfo
from .outputs import Messages, QueueOutputs
from .watch import notify
from .wire import DONE, ERROR, FAILED, INVOKE, LOG, READY, SENT, START, STOP, pack_trigger, unpack_result

log = logging.getLogger("devhost")

COUNT_SETTING = "FUNCTIONS_WORKER_PROCESS_COUNT"  # the Functions host's app setting
MOST = 10  # the most Azure allows
START_TIMEOUT = 60.0  # seconds for a worker to import the app, on a busy machine
STOP_TIMEOUT = 30.0  # seconds the workers get to finish their running invocations
RETRY_START = 5.0  # seconds between attempts to replace a worker whose replacement failed to start
_SOURCE = str(Path(__file__).resolve().parent.parent)  # where `devhost` itself imports from
_output = threading.Lock()


class WorkerDied(Exception):
    """The worker process running an invocation ended before answering it."""


class InvocationFailed(Exception):
    """The function failed in its worker process, which has logged why."""


def worker_count(option: int | None, environ: Mapping[str, str] | None = None) -> int:
    """The number of worker processes: the option when given, else the app setting, else 1."""
    environ = os.environ if environ is None else environ
    if option is not None:
        if not 1 <= option <= MOST:
            raise HostConfigError(f"--workers {option}: the number of worker processes must be 1 to {MOST}")
        return option
    text = environ.get(COUNT_SETTING, "").strip()
    if not text:
        return 1
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MOST:
        raise HostConfigError(f"app setting {COUNT_SETTING!r} must be a whole number from 1 to {MOST}")
    return int(text)


def show(label: str, text: str) -> None:
    """A worker's log line on the host's stderr, naming the worker: as a field of a JSON line, else in front
    of each line of the text (a traceback's too)."""
    if text.startswith("{"):
        try:
            line = json.loads(text)
        except ValueError:
            line = None
        if isinstance(line, dict):
            text = json.dumps({**line, "worker": label}, ensure_ascii=False)
    if not text.startswith("{"):
        text = "\n".join(f"[{label}] {part}" for part in text.splitlines())
    with _output:
        sys.stderr.write(text + "\n")
        sys.stderr.flush()


class WorkerProcess:
    """One worker: its process, its end of the connection, and the invocations it is running."""

    def __init__(self, number: int, app: str, on_exit: Callable[[WorkerProcess], None]) -> None:
        self.number, self.pid, self.busy = number, 0, 0
        self.label = f"worker {number}"
        self._on_exit = on_exit
        self._pending: dict[int, Future[tuple[Any, Messages]]] = {}
        self._ids = itertools.count()
        self._lock = threading.Lock()  # the pending invocations and `alive`
        self._sending = threading.Lock()  # one message at a time: a large one is several writes
        self._ready = threading.Event()
        self._failure: str | None = None
        self.alive = False
        here, there = socket.socketpair()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [_SOURCE, os.environ.get("PYTHONPATH")]))}
        command = [sys.executable, "-m", "devhost.worker", str(there.fileno())]
        with there:
            # No stdin: a worker never reads the terminal's (or a parent's pipe) from under the host.
            self.process = subprocess.Popen(command, pass_fds=(there.fileno(),), env=env, stdin=subprocess.DEVNULL)
        self._connection = Connection(here.detach())
        self._connection.send((START, {"app": app, "path": sys.path, "level": logging.getLogger().level}))
        self._reader = threading.Thread(target=self._read, name=f"devhost-{self.label}", daemon=True)
        self._reader.start()

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        if not self._ready.wait(timeout):
            raise AppLoadError(f"{self.label} did not load the app within {timeout:.0f} s")
        if self._failure is not None:
            raise AppLoadError(self._failure)

    def call(self, name: str, reason: str, trigger: Any) -> tuple[Any, Messages]:
        """Run function `name` there: its packed result and queue outputs; WorkerDied or InvocationFailed."""
        answer: Future[tuple[Any, Messages]] = Future()
        with self._lock:
            if not self.alive:
                raise WorkerDied(f"{self.label} (pid {self.pid}) is not running")
            call_id = next(self._ids)
            self._pending[call_id] = answer
        try:
            with self._sending:
                self._connection.send((INVOKE, call_id, name, reason, trigger))
        except BaseException as exc:
            with self._lock:
                self._pending.pop(call_id, None)
            if isinstance(exc, OSError):
                raise WorkerDied(f"{self.label} (pid {self.pid}) could not be reached: {exc}") from exc
            raise
        return answer.result()

    def stop(self) -> None:
        """Ask it to stop once its running invocations are done."""
        try:
            with self._sending:
                self._connection.send((STOP,))
        except OSError:
            pass  # already gone

    def join(self, timeout: float) -> None:
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            log.warning("%s (pid %d) did not stop within %.0f s; killing it", self.label, self.pid, timeout)
            self.process.kill()
            self.process.wait()
        self._reader.join(5)

    def _read(self) -> None:
        try:
            while True:
                self._handle(self._connection.recv())
        except (EOFError, OSError):
            pass
        self._ended()

    def _handle(self, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind == LOG:
            show(f"{self.label} pid {self.pid or self.process.pid}", message[2])
        elif kind == SENT:
            notify(message[1])
        elif kind in (DONE, ERROR):
            with self._lock:
                answer = self._pending.pop(message[1])
            if kind == DONE:
                answer.set_result((message[2], message[3]))
            else:
                answer.set_exception(InvocationFailed(f"the function failed in {self.label}"))
        elif kind == READY:
            self.pid, self.alive = message[1], True
            self._ready.set()
        elif kind == FAILED:
            self._failure = message[1]
            self._ready.set()

    def _ended(self) -> None:
        with self._lock:
            self.alive = False
            pending, self._pending = self._pending, {}
        self._connection.close()
        code = self.process.wait()
        if not self._ready.is_set():
            self._failure = f"{self.label} exited with code {code} before it loaded the app; see the lines above"
            self._ready.set()
        for answer in pending.values():
            answer.set_exception(WorkerDied(f"{self.label} (pid {self.pid}) {_ending(code)} while running it"))
        self._on_exit(self)


def _ending(code: int) -> str:
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with code {code}"


class WorkerPool:
    """N worker processes behind one invoker interface: `invoke(info, reason, value)` as devhost.invoke's."""

    def __init__(self, app: str, count: int, outputs: QueueOutputs) -> None:
        self._app, self._count, self._outputs = app, count, outputs
        self._slots: list[WorkerProcess] = []
        self._changed = threading.Condition()
        self._stopping = threading.Event()
        self._turn = 0

    @property
    def pids(self) -> list[int]:
        """The running workers' process ids, by worker number."""
        with self._changed:
            return [worker.pid for worker in self._slots if worker.alive]

    def start(self) -> None:
        """Start every worker and wait until each has loaded the app; AppLoadError if one cannot."""
        self._slots = [WorkerProcess(number, self._app, self._exited) for number in range(1, self._count + 1)]
        for worker in self._slots:
            worker.wait_ready()
        log.info("Started %d worker processes (pids %s)", self._count, ", ".join(map(str, self.pids)))

    def stop(self) -> None:
        self._stopping.set()
        with self._changed:
            workers = list(self._slots)
            self._changed.notify_all()
        for worker in workers:
            worker.stop()
        for worker in workers:
            worker.join(STOP_TIMEOUT)

    def invoke(self, info: FunctionInfo, reason: str, trigger_value: Any) -> Any:
        trigger = pack_trigger(trigger_value)
        worker = self._take()
        try:
            result, messages = worker.call(info.name, reason, trigger)
        except WorkerDied as exc:
            log.error("Executed 'Functions.%s' (Failed, Reason='%s'): %s", info.name, reason, exc)
            raise
        finally:
            with self._changed:
                worker.busy -= 1
        try:
            self._outputs.send(info.bindings, messages)
        except Exception:
            log.exception("Function '%s' ran in %s, but its queue outputs could not be sent", info.name, worker.label)
            raise
        return unpack_result(result)

    def _take(self) -> WorkerProcess:
        """The least busy running worker, counted busy once more; waits while none runs (one is being replaced)."""
        with self._changed:
            while True:
                running = [worker for worker in self._slots if worker.alive]
                if running:
                    self._turn += 1
                    first = self._turn % len(running)
                    worker = min(running[first:] + running[:first], key=lambda w: w.busy)
                    worker.busy += 1
                    return worker
                if self._stopping.is_set() or not self._changed.wait(START_TIMEOUT):
                    raise WorkerDied("no worker process is running")

    def _exited(self, worker: WorkerProcess) -> None:
        if self._stopping.is_set() or worker.pid == 0:
            return  # stopping, or it never started: start() reports that
        log.error("%s (pid %d) %s; starting another", worker.label, worker.pid, _ending(worker.process.returncode))
        threading.Thread(target=self._replace, args=(worker,), name="devhost-replace", daemon=True).start()

    def _replace(self, dead: WorkerProcess) -> None:
        while not self._stopping.is_set():
            worker = WorkerProcess(dead.number, self._app, self._exited)
            try:
                worker.wait_ready()
            except AppLoadError as exc:
                log.error("%s could not be replaced (%s); trying again in %.0f s", dead.label, exc, RETRY_START)
                worker.process.kill()
                self._stopping.wait(RETRY_START)
                continue
            with self._changed:
                self._slots[dead.number - 1] = worker
                self._changed.notify_all()
            log.info("%s replaced (pid %d)", worker.label, worker.pid)
            if self._stopping.is_set():
                worker.stop()
                worker.join(STOP_TIMEOUT)
            return
