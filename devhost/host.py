"""LocalHost: runs any v2 Python app from what its FunctionApp declares — HTTP, queues, timers."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from .hostconfig import HostConfig
from .invoke import Invoker
from .loader import FunctionInfo, describe, import_app
from .outputs import QueueOutputs, unsupported
from .queues import QueuePoller
from .server import HttpServer
from .settings import connection_string, resolve
from .storage import Senders
from .timers import Schedule, TimerRunner
from .web import HttpApp

log = logging.getLogger("devhost")

RUNNABLE = ("http", "queue", "timer")
UNLIMITED_LEASE = 600  # seconds a message stays hidden while it runs when functionTimeout is -1


class LocalHost:
    def __init__(
        self, functions: tuple[FunctionInfo, ...], config: HostConfig, *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self._functions = functions
        self.config = config
        self.host = host
        self.port = port
        self._senders = Senders()
        self._invoker = Invoker(QueueOutputs(self._senders, config.queues.message_encoding))
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
    ) -> LocalHost:
        """Import the app module (or reuse it) and read host.json; `queue_overrides` take host.json's
        `extensions.queues` keys, durations also as seconds (e.g. {"maxPollingInterval": 0.2})."""
        functions = describe(import_app(module_name))
        return cls(functions, HostConfig.load(host_json, queue_overrides), host=host, port=port)

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
        self._workers = [*self._queue_pollers(), *self._timer_runners()]  # settings errors before any socket
        try:
            app = HttpApp(self.config.route_prefix, self._of("http"), self._invoker)
            self._server = HttpServer(app, self.host, self.port)
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

    def _timer_runners(self) -> list[TimerRunner]:
        return [TimerRunner(info, Schedule(resolve(info.schedule or "")), self._invoker) for info in self._of("timer")]

    def _warn_unsupported(self) -> None:
        for info in self._functions:
            if info.kind not in RUNNABLE:
                log.warning("Function '%s': trigger '%s' is not run by the local host", info.name, info.kind)
            elif missing := unsupported(info.bindings):
                log.warning("Function '%s': bindings %s are not provided locally", info.name, ", ".join(missing))
