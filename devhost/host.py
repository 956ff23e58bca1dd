"""LocalHost: runs any v2 Python app from what its FunctionApp declares — HTTP, queues, timers."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from .failures import HostConfigError
from .hostconfig import HostConfig
from .invoke import Invoker, Invoking
from .leases import lease_for
from .loader import FunctionInfo, describe, import_app
from .outputs import QueueOutputs, queue_outputs, unsupported
from .queues import QueuePoller
from .server import READ_TIMEOUT, HttpServer
from .settings import DEFAULT_CONNECTION, connection_string, resolve
from .storage import Senders
from .timers import Schedule, TimerRunner
from .web import HttpApp
from .workers import WorkerPool, worker_count

log = logging.getLogger("devhost")

RUNNABLE = ("http", "queue", "timer")
UNLIMITED_LEASE = 600  # seconds a message stays hidden while it runs when functionTimeout is -1
BODY_LIMIT_SETTING = "FUNCTIONS_REQUEST_BODY_SIZE_LIMIT"  # the Functions host's app setting, in bytes
DEFAULT_BODY_LIMIT = 100 * 1024 * 1024  # the Functions host's default: 100 MB


class LocalHost:
    """`max_body_bytes` defaults to the app setting FUNCTIONS_REQUEST_BODY_SIZE_LIMIT, else 100 MB, as in
    the Functions host; `read_timeout` is how long a connection may send nothing before it is dropped."""

    def __init__(
        self,
        functions: tuple[FunctionInfo, ...],
        config: HostConfig,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        max_body_bytes: int | None = None,
        read_timeout: float = READ_TIMEOUT,
        app: str | None = None,
        workers: int | None = None,
    ) -> None:
        self._functions = functions
        self.config = config
        self.host = host
        self.port = port
        self.max_body_bytes = max_body_bytes
        self.read_timeout = read_timeout
        self.app, self.workers = app, workers
        self._senders = Senders()
        self._invoker: Invoking = Invoker(self._outputs())
        self._server: HttpServer | None = None
        self._workers: list[QueuePoller | TimerRunner] = []

    @classmethod
    def from_module(
        cls,
        module_name: str,
        host_json: Path | None = Path("host.json"),
        port: int = 0,
        host: str = "127.0.0.1",
        queue_overrides: dict[str, Any] | None = None,
        max_body_bytes: int | None = None,
        read_timeout: float = READ_TIMEOUT,
        workers: int | None = None,
    ) -> LocalHost:
        """Import the app module (or reuse it) and read host.json; `queue_overrides` take host.json's
        `extensions.queues` keys, durations also as seconds (e.g. {"maxPollingInterval": 0.2}).
        `workers`: worker processes, 1-10 (else FUNCTIONS_WORKER_PROCESS_COUNT, else 1: in this process)."""
        functions = describe(import_app(module_name))
        config = HostConfig.load(host_json, queue_overrides)
        return cls(
            functions, config, host=host, port=port, max_body_bytes=max_body_bytes, read_timeout=read_timeout,
            app=module_name, workers=workers,
        )  # fmt: skip

    @property
    def functions(self) -> list[FunctionInfo]:
        return list(self._functions)

    @property
    def base_url(self) -> str:
        if self._server is None and self.port == 0:
            raise RuntimeError("the port is chosen at start(): start the host first")
        return f"http://{self.host}:{self._server.port if self._server else self.port}"

    def start(self) -> LocalHost:
        """Serve HTTP, poll queues and run timers in background threads; returns once all run."""
        if self._server is not None:
            raise RuntimeError("the host is already started")
        self._warn_unsupported()
        # Every settings error before any thread or socket: the host then stops with one sentence.
        self._check_connections()
        body_limit = self._body_limit()
        self._invoker = self._choose_invoker()
        self._workers = [*self._queue_pollers(), *self._timer_runners()]
        try:
            app = HttpApp(self.config.route_prefix, self._of("http"), self._invoker, body_limit)
            self._server = HttpServer(app, self.host, self.port, read_timeout=self.read_timeout, max_body=body_limit)
            self._invoker.start()
            for worker in self._workers:
                worker.start()
            self._server.start()
        except BaseException:
            self.stop()  # safe on parts that never started
            raise
        return self

    def stop(self) -> None:
        """Stop serving, let running invocations finish, and join every thread."""
        if self._server is not None:
            self._server.stop()
            self._server = None
        for worker in reversed(self._workers):
            worker.stop()
        self._workers.clear()
        self._invoker.stop()
        self._senders.close()

    def __enter__(self) -> LocalHost:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def worker_pids(self) -> list[int]:
        """The worker processes' ids; empty when the functions run in this process."""
        return self._invoker.pids if isinstance(self._invoker, WorkerPool) else []

    def _outputs(self) -> QueueOutputs:
        return QueueOutputs(self._senders, self.config.queues.message_encoding)

    def _choose_invoker(self) -> Invoking:
        """In this process, as before, for one worker; else a pool of worker processes that import `app`."""
        count = worker_count(self.workers)
        if count == 1:
            return Invoker(self._outputs())
        if self.app is None:
            raise HostConfigError("worker processes import the app by its module name: build the host with from_module")
        return WorkerPool(self.app, count, self._outputs())

    def _of(self, kind: str) -> list[FunctionInfo]:
        return [f for f in self._functions if f.kind == kind]

    def _queue_pollers(self) -> list[QueuePoller]:
        timeout = self.config.function_timeout
        lease = int(timeout) + 30 if timeout else UNLIMITED_LEASE
        settings, invoker = self.config.queues, self._invoker
        return [
            QueuePoller(info, resolve(info.queue or ""), connection_string(info.connection), settings, invoker, lease)
            for info in self._of("queue")
        ]

    def _check_connections(self) -> None:
        """The host's own storage, when set, and every queue output's connection; triggers' are
        checked as their pollers are built. (Outputs are otherwise resolved only when they send.)"""
        if os.environ.get(DEFAULT_CONNECTION, "").strip():
            connection_string(DEFAULT_CONNECTION)
        for info in self._functions:
            for binding in queue_outputs(info.bindings):
                connection_string(binding.connection)

    def _body_limit(self) -> int:
        if self.max_body_bytes is not None:
            return self.max_body_bytes
        text = os.environ.get(BODY_LIMIT_SETTING, "").strip()
        if not text:
            return DEFAULT_BODY_LIMIT
        if not text.isdigit() or int(text) < 1:
            raise HostConfigError(f"app setting {BODY_LIMIT_SETTING!r} must be a whole number of bytes, 1 or more")
        return int(text)

    def _timer_runners(self) -> list[TimerRunner]:
        return [
            TimerRunner(info, Schedule(resolve(info.schedule or "")), self._invoker, lease_for(info.name))
            for info in self._of("timer")
        ]

    def _warn_unsupported(self) -> None:
        for info in self._functions:
            if info.kind not in RUNNABLE:
                log.warning("Function '%s': trigger '%s' is not run by the local host", info.name, info.kind)
            elif missing := unsupported(info.bindings):
                log.warning("Function '%s': bindings %s are not provided locally", info.name, ", ".join(missing))
