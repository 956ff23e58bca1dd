"""Find the app in a module and describe its functions from what the app declares.

`FunctionApp.get_functions()` may run only once per app object (a second call fails its unique
name check), so the descriptions are cached per app for every host built from it.
"""

from __future__ import annotations

import importlib
import inspect
import json
import traceback
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from azure.functions.decorators.function_app import Function, FunctionRegister

from .failures import AppLoadError

HTTP, QUEUE, TIMER = "httpTrigger", "queueTrigger", "timerTrigger"
_KINDS = {HTTP: "http", QUEUE: "queue", TIMER: "timer"}

_cache: weakref.WeakKeyDictionary[FunctionRegister, tuple[FunctionInfo, ...]] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class FunctionInfo:
    """One function as declared: its trigger and where it listens. `kind` is http, queue or timer
    (or the raw binding name of a trigger the local host does not run)."""

    name: str
    kind: str
    arg_name: str
    user_function: Callable[..., Any] = field(repr=False, compare=False)
    route: str | None = None
    methods: tuple[str, ...] | None = None  # None: every method
    queue: str | None = None
    connection: str | None = None
    schedule: str | None = None
    run_on_startup: bool = False
    bindings: tuple[Any, ...] = field(default=(), repr=False, compare=False)  # all but the trigger
    raw_bindings: tuple[dict[str, Any], ...] = field(default=(), repr=False, compare=False)  # as the worker sends them


def import_app(module_name: str) -> FunctionRegister:
    """Import (or reuse) the module and return its single app object."""
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        raise AppLoadError(f"cannot import {module_name!r}: {type(exc).__name__}: {exc}{_where(exc)}") from exc
    return find_app(module)


def _where(exc: BaseException) -> str:
    """Where the import failed inside the app's own code, which the message alone rarely says."""
    frames = traceback.extract_tb(exc.__traceback__)
    return f" (at {frames[-1].filename}:{frames[-1].lineno})" if frames and not isinstance(exc, SyntaxError) else ""


def find_app(module: ModuleType) -> FunctionRegister:
    # The worker refuses a module with several apps; the same object under two names is one app.
    apps = {id(v): v for v in vars(module).values() if isinstance(v, FunctionRegister)}
    if len(apps) != 1:
        found = "no FunctionApp" if not apps else f"{len(apps)} FunctionApp objects"
        raise AppLoadError(f"module {module.__name__!r} must hold exactly one FunctionApp; found {found}")
    return next(iter(apps.values()))


def describe(app: FunctionRegister) -> tuple[FunctionInfo, ...]:
    """The app's functions, from one call of `get_functions()` per app object."""
    if app not in _cache:
        try:
            functions = app.get_functions()
        except ValueError as exc:
            raise AppLoadError(
                f"app.get_functions() failed ({exc}); if something else already called it on this "
                "app, azure-functions allows only one call per app object"
            ) from exc
        infos = tuple(_info(f) for f in functions)
        problems = [p for p in map(_signature_problem, infos) if p]
        if problems:
            raise AppLoadError("functions whose parameters do not match their bindings: " + "; ".join(problems))
        _cache[app] = infos
    return _cache[app]


def _signature_problem(info: FunctionInfo) -> str | None:
    """The worker refuses to load a function whose parameters and bindings differ; so do we."""
    parameters = set(inspect.signature(info.user_function).parameters) - {"context"}
    bindings = {info.arg_name} | {b.name for b in info.bindings if b.name != "$return"}
    if parameters == bindings:
        return None
    return (
        f"'{info.name}' has parameters {sorted(parameters - bindings)} without a binding "
        f"and bindings {sorted(bindings - parameters)} without a parameter"
    )


def _info(function: Function) -> FunctionInfo:
    trigger = function.get_trigger()
    binding = trigger.get_binding_name()
    common: dict[str, Any] = {
        "name": function.get_function_name(),
        "kind": _KINDS.get(binding, binding),
        "arg_name": trigger.name,
        "user_function": function.get_user_function(),
        "bindings": tuple(b for b in function.get_bindings() if b is not trigger),
        "raw_bindings": tuple(json.loads(raw) for raw in function.get_raw_bindings()),
    }
    if binding == HTTP:
        return FunctionInfo(**common, route=trigger.route, methods=_methods(trigger.methods))
    if binding == QUEUE:
        return FunctionInfo(**common, queue=trigger.queue_name, connection=trigger.connection)
    if binding == TIMER:
        return FunctionInfo(**common, schedule=trigger.schedule, run_on_startup=bool(trigger.run_on_startup))
    return FunctionInfo(**common)


def _methods(methods: Any) -> tuple[str, ...] | None:
    if not methods:
        return None
    return tuple(str(getattr(m, "value", m)).upper() for m in methods)
