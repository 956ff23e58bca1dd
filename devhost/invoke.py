"""Calling a user function the way the Python worker does, with the host's log lines around it.

Sync functions run on the caller's thread; async ones on one event loop shared by every
invocation, as in the worker, so loop-bound objects an app caches (sessions, clients) keep working.

The host's "Executing"/"Executed" lines are DEBUG: at INFO the app's own line is the one a change
leaves (the host's pair would triple every change's lines). A failure is an ERROR line that
says which function failed on what (the reason: its route's request, its queue, its timer), with
the invocation id, the duration and the traceback.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import azure.functions as func

from .loader import FunctionInfo
from .outputs import Messages, QueueOutputs, collect, out_arguments

log = logging.getLogger("devhost")
T = TypeVar("T")


class InvocationContext(func.Context):
    """The `context` argument a function may ask for."""

    def __init__(self, invocation_id: str, function_name: str) -> None:
        self._invocation_id = invocation_id
        self._function_name = function_name
        self._local = threading.local()

    @property
    def invocation_id(self) -> str:
        return self._invocation_id

    @property
    def function_name(self) -> str:
        return self._function_name

    @property
    def function_directory(self) -> str:
        return os.getcwd()

    @property
    def thread_local_storage(self) -> Any:
        return self._local

    @property
    def trace_context(self) -> Any:
        return None

    @property
    def retry_context(self) -> Any:
        return None


class Invoking(Protocol):
    """What runs invocations for the triggers: an Invoker in this process, or worker processes (workers.py)."""

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def invoke(self, info: FunctionInfo, reason: str, trigger_value: Any) -> Any: ...


class Invoker:
    def __init__(self, outputs: QueueOutputs | None) -> None:
        self._outputs = outputs
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="devhost-asyncio", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._loop is None or self._thread is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()
        self._loop = self._thread = None

    def invoke(self, info: FunctionInfo, reason: str, trigger_value: Any) -> Any:
        """Run one invocation and send its queue outputs; logs the outcome (with the traceback on failure)
        and re-raises."""

        def run_and_send(invocation_id: str) -> Any:
            result, messages = self._run(info, trigger_value, invocation_id)
            if self._outputs is None:
                raise RuntimeError("this invoker has no queue outputs to send with: use invoke_collecting")
            self._outputs.send(info.bindings, messages)
            return result

        return self._logged(info, reason, run_and_send)

    def invoke_collecting(self, info: FunctionInfo, reason: str, trigger_value: Any) -> tuple[Any, Messages]:
        """As invoke, but the queue outputs are handed back instead of sent (a worker process's way)."""
        return self._logged(info, reason, lambda invocation_id: self._run(info, trigger_value, invocation_id))

    def _logged(self, info: FunctionInfo, reason: str, work: Callable[[str], T]) -> T:
        invocation_id = str(uuid.uuid4())
        log.debug("Executing 'Functions.%s' (Reason='%s', Id=%s)", info.name, reason, invocation_id)
        started = time.perf_counter()
        try:
            result = work(invocation_id)
        except Exception:
            log.exception(
                "Executed 'Functions.%s' (Failed, Reason='%s', Id=%s, Duration=%dms)",
                info.name, reason, invocation_id, _milliseconds(started),
            )  # fmt: skip
            raise
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "Executed 'Functions.%s' (Succeeded, Id=%s, Duration=%dms)",
                info.name, invocation_id, _milliseconds(started),
            )  # fmt: skip
        return result

    def _run(self, info: FunctionInfo, trigger_value: Any, invocation_id: str) -> tuple[Any, Messages]:
        outs = out_arguments(info.bindings)
        kwargs: dict[str, Any] = {info.arg_name: trigger_value, **outs}
        if wants_context(info.user_function, info.arg_name):
            kwargs["context"] = InvocationContext(invocation_id, info.name)
        result = self._call(info.user_function, kwargs)
        return result, collect(info.bindings, outs, result)

    def _call(self, function: Any, kwargs: dict[str, Any]) -> Any:
        if not inspect.iscoroutinefunction(function):
            return function(**kwargs)
        if self._loop is None:
            raise RuntimeError("the invoker is not started")
        return asyncio.run_coroutine_threadsafe(function(**kwargs), self._loop).result()


@functools.cache
def wants_context(function: Any, arg_name: str) -> bool:
    """Whether a function takes `context`; once per function, as the worker reads it at load time."""
    return "context" in inspect.signature(function).parameters and arg_name != "context"


def _milliseconds(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)
