"""The app as the Functions host sees it: every function's name, trigger, route, methods and queue."""

from __future__ import annotations

import json
from pathlib import Path

import function_app
from devhost.loader import describe
from shared.entities import ENTITIES

ROOT = Path(__file__).resolve().parent.parent
ENTITY_METHODS = ("GET", "POST", "DELETE")


def _expected() -> dict[str, tuple[str, str | None, tuple[str, ...] | None, str | None]]:
    expected: dict[str, tuple[str, str | None, tuple[str, ...] | None, str | None]] = {
        "health": ("http", "health", ("GET",), None),
        "not_found": ("http", "{*path}", None, None),
        "openapi": ("http", "openapi.json", ("GET",), None),
        "recover": ("http", "operations/recover", ("POST",), None),
        "echo": ("http", "sync/echo", ("POST",), None),
        "recovery_timer": ("timer", None, None, None),
        "initial_sync": ("http", "sync/{entity}/initial-sync", ("POST",), None),
        "sync_import": ("http", "sync/{entity}/import", ("POST",), None),
        "jobs": ("http", "sync/jobs/{id?}", ("GET",), None),
        "sync_jobs_queue": ("queue", None, None, "sync-jobs"),
        "jobs_timer": ("timer", None, None, None),
        "sync_status": ("http", "sync/status", ("GET",), None),
        "sync_pause": ("http", "sync/{entity}/pause", ("POST",), None),
        "sync_resume": ("http", "sync/{entity}/resume", ("POST",), None),
        "errors": ("http", "sync/errors", ("GET",), None),
        "errors_retry": ("http", "sync/errors/retry", ("POST",), None),
        "error_retry": ("http", "sync/errors/{id}/retry", ("POST",), None),
        "error_entry": ("http", "sync/errors/{id}", ("GET",), None),
        "error_dismiss": ("http", "sync/errors/{id}/dismiss", ("POST",), None),
        "job_cancel": ("http", "sync/jobs/{id}/cancel", ("POST",), None),
        "record_view": ("http", "sync/{entity}/records/{company}/{id}", ("GET",), None),
        "reconcile": ("http", "sync/{entity}/reconcile", ("POST",), None),
        "operator_page": ("http", "sync/ui/{asset?}", ("GET",), None),
    }
    for slug in ENTITIES:
        name = slug.replace("-", "_")
        for source, target in (("fs", "scm"), ("scm", "fs")):
            route = f"{source}/{slug}/{{company?}}/{{id?}}"
            expected[f"{name}_{source}_to_{target}_http"] = ("http", route, ENTITY_METHODS, None)
            expected[f"{name}_{source}_to_{target}_queue"] = ("queue", None, None, f"{source}-to-{target}-{slug}")
            poison = f"{source}-to-{target}-{slug}-poison"
            expected[f"{name}_{source}_to_{target}_poison"] = ("queue", None, None, poison)
    return expected


def test_function_list() -> None:
    functions = {f.name: (f.kind, f.route, f.methods, f.queue) for f in describe(function_app.app)}
    assert functions == _expected()


def test_bindings_as_the_functions_host_receives_them() -> None:
    """What the Python worker reports to the real host when it indexes the app (`func start`, Azure)."""
    raw = {f.name: f.raw_bindings for f in describe(function_app.app)}
    http_out = {"direction": "OUT", "type": "http", "name": "$return"}
    assert raw["payment_terms_fs_to_scm_http"] == (
        {
            "direction": "IN",
            "type": "httpTrigger",
            "name": "req",
            "methods": ["GET", "POST", "DELETE"],
            "authLevel": "FUNCTION",
            "route": "fs/payment-terms/{company?}/{id?}",
        },
        http_out,
    )
    assert raw["payment_terms_scm_to_fs_queue"] == (
        {
            "direction": "IN",
            "type": "queueTrigger",
            "name": "msg",
            "queueName": "scm-to-fs-payment-terms",
            "connection": "AzureWebJobsStorage",
        },
    )
    assert raw["health"][0]["authLevel"] == raw["not_found"][0]["authLevel"] == "ANONYMOUS"
    assert raw["openapi"][0]["authLevel"] == "ANONYMOUS"  # a description of the routes, no data
    entity_http = [f for f in describe(function_app.app) if f.kind == "http" and f.name.endswith("_http")]
    assert {f.raw_bindings[0]["authLevel"] for f in entity_http} == {"FUNCTION"}


def test_payment_terms_wired_both_ways() -> None:
    names = {f.name for f in describe(function_app.app)}
    assert {
        "payment_terms_fs_to_scm_http",
        "payment_terms_scm_to_fs_http",
        "payment_terms_fs_to_scm_queue",
        "payment_terms_scm_to_fs_queue",
    } <= names


def test_queues_use_the_host_storage_connection() -> None:
    queues = [f for f in describe(function_app.app) if f.kind == "queue"]
    assert queues
    assert {f.connection for f in queues} == {"AzureWebJobsStorage"}


def test_host_json_spells_out_the_queue_and_http_settings() -> None:
    host = json.loads((ROOT / "host.json").read_text())
    assert host["version"] == "2.0"
    assert host["extensionBundle"]["version"].startswith("[4.")
    assert host["extensions"]["http"]["routePrefix"] == "api"
    queues = host["extensions"]["queues"]
    assert queues["maxDequeueCount"] == 5
    assert queues["messageEncoding"] == "base64"
    assert {"batchSize", "visibilityTimeout", "maxPollingInterval", "newBatchThreshold"} <= set(queues)


def test_local_settings_example_holds_no_secret() -> None:
    values = json.loads((ROOT / "local.settings.example.json").read_text())["Values"]
    assert values["AzureWebJobsStorage"] == "UseDevelopmentStorage=true"
    assert not any("AccountKey" in str(v) for v in values.values())


def test_the_catch_all_answers_405_for_a_wrong_method_on_an_entity_route() -> None:
    """Deployed, the Functions host falls through to `{*path}` when a route's methods do not match: the
    app itself says 405 (with Allow) there, as the local host does, and 404 for paths nobody serves."""
    import azure.functions as func

    user = {f.name: f.user_function for f in describe(function_app.app)}["not_found"]
    wrong = user(func.HttpRequest("PUT", "/api/fs/payment-terms", route_params={"path": "fs/payment-terms"}, body=b""))
    assert wrong.status_code == 405 and wrong.headers["Allow"] == "DELETE, GET, POST"
    assert json.loads(wrong.get_body())["error"]["code"] == "method_not_allowed"
    nowhere = user(func.HttpRequest("GET", "/api/nowhere", route_params={"path": "nowhere"}, body=b""))
    assert nowhere.status_code == 404 and json.loads(nowhere.get_body())["error"]["code"] == "not_found"
