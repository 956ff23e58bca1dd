"""Finding the app and describing its functions."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import azure.functions as func
import pytest

from devhost import AppLoadError, FunctionInfo, LocalHost
from devhost.loader import describe, find_app, import_app

SAMPLE = "tests.devhost.sample_app"


def module_with(**attributes: object) -> ModuleType:
    module = ModuleType("fake_app")
    vars(module).update(attributes)
    return module


def test_describes_the_sample_app() -> None:
    host = LocalHost.from_module(SAMPLE, host_json=None)
    by_name = {f.name: f for f in host.functions}
    assert by_name["item"] == FunctionInfo(
        name="item",
        kind="http",
        arg_name="req",
        user_function=print,
        route="items/{id:int}/{detail?}",
        methods=("GET",),
    )
    assert by_name["boom"].methods is None
    assert by_name["echo"].arg_name == "request"
    assert (by_name["work"].kind, by_name["work"].queue, by_name["work"].connection) == (
        "queue",
        "%SAMPLE_QUEUE%",
        "AzureWebJobsStorage",
    )
    assert (by_name["tick"].schedule, by_name["on_startup"].run_on_startup) == ("*/1 * * * * *", True)


def test_functions_are_described_once_per_app() -> None:
    # get_functions() raises on a second call; several hosts of one app must still work.
    first = LocalHost.from_module(SAMPLE, host_json=None).functions
    second = LocalHost.from_module(SAMPLE, host_json=None).functions
    assert first == second


def test_reuses_an_imported_module() -> None:
    from tests.devhost import sample_app

    assert import_app(SAMPLE) is sample_app.app


def test_no_app() -> None:
    with pytest.raises(AppLoadError, match="no FunctionApp"):
        find_app(module_with(x=1))


def test_two_apps() -> None:
    with pytest.raises(AppLoadError, match="2 FunctionApp"):
        find_app(module_with(a=func.FunctionApp(), b=func.FunctionApp()))


def test_one_app_under_two_names() -> None:
    app = func.FunctionApp()
    assert find_app(module_with(app=app, alias=app)) is app


def test_missing_module() -> None:
    with pytest.raises(AppLoadError, match="no_such_module"):
        LocalHost.from_module("no_such_module", host_json=Path("host.json"))


def test_parameters_must_match_bindings() -> None:
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

    @app.function_name("mismatch")
    @app.route(route="x")
    def mismatch(request: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse()

    with pytest.raises(AppLoadError, match=r"'mismatch' has parameters \['request'\]"):
        describe(app)
