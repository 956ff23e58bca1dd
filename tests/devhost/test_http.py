"""HTTP triggers through a real server: routing, request and response translation, failures."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator

import pytest
import requests

from devhost import LocalHost
from devhost.web import HTTP_REASON
from devtools.azurite import Azurite

SAMPLE = "tests.devhost.sample_app"


@pytest.fixture(scope="module")
def host(azurite: Azurite) -> Iterator[LocalHost]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AzureWebJobsStorage", azurite.connection_string)
        env.setenv("SAMPLE_QUEUE", f"http-{uuid.uuid4().hex[:12]}")
        with LocalHost.from_module(SAMPLE, host_json=None, port=0) as started:
            yield started


def get(host: LocalHost, path: str, **kwargs: object) -> requests.Response:
    return requests.get(host.base_url + path, timeout=10, **kwargs)  # type: ignore[arg-type]


def test_base_url_is_loopback_on_a_chosen_port(host: LocalHost) -> None:
    assert host.base_url.startswith("http://127.0.0.1:")
    assert not host.base_url.endswith(":0")


def test_route_parameters_are_strings(host: LocalHost) -> None:
    assert get(host, "/api/items/42").json() == {"id": "42", "detail": None}


def test_optional_parameter(host: LocalHost) -> None:
    assert get(host, "/api/items/-7/full").json() == {"id": "-7", "detail": "full"}


def test_literal_beats_parameters_and_catch_all(host: LocalHost) -> None:
    response = get(host, "/api/items/special")
    assert (response.status_code, response.text) == (200, "literal")


def test_int_constraint_is_enforced(host: LocalHost) -> None:
    # Not an int: the items route does not match, so the catch-all answers.
    response = get(host, "/api/items/abc")
    assert (response.status_code, response.text) == (404, "fallback:items/abc")


@pytest.mark.parametrize(
    ("path", "expected"),
    [("/api/anything/at/all", "fallback:anything/at/all"), ("/api", "fallback:"), ("/api/", "fallback:")],
)
def test_catch_all_fallback(host: LocalHost, path: str, expected: str) -> None:
    assert get(host, path).text == expected


def test_request_reaches_the_function(host: LocalHost) -> None:
    response = requests.put(
        host.base_url + "/api/echo?a=1&a=2&b=x%20y",
        data="body text",
        headers={"x-sample": "header value"},
        timeout=10,
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-echo"] == "yes"
    assert response.json() == {
        "method": "PUT",
        "params": {"a": "1,2", "b": "x y"},  # repeated parameters joined, as the worker does
        "header": "header value",
        "body": "body text",
    }


def test_status_code_of_the_response(host: LocalHost) -> None:
    assert requests.post(host.base_url + "/api/echo?status=201", timeout=10).status_code == 201


def test_method_not_declared_is_405_not_the_catch_all(host: LocalHost) -> None:
    # The route matches the path, so its methods decide, not the catch-all that takes GET.
    response = get(host, "/api/echo")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST, PUT"
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_method_matching_nothing_is_405(host: LocalHost) -> None:
    response = requests.delete(host.base_url + "/api/echo", timeout=10)
    assert response.status_code == 405
    assert response.headers["allow"] == "POST, PUT"


def test_nothing_matching_is_404(host: LocalHost) -> None:
    response = get(host, "/not-under-the-prefix")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_async_function_with_context(host: LocalHost) -> None:
    assert get(host, "/api/async/ada").text == "hello ada from slow_async"


def test_failing_function_is_500_and_logged(host: LocalHost, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="devhost")
    response = get(host, "/api/boom")
    assert response.status_code == 500
    assert response.json()["error"] == {
        "code": "function_failed",
        "message": "Function 'boom' failed; see the host log.",
        "details": [],
    }
    assert "the sample fails on purpose" not in response.text
    [failed] = [r for r in caplog.records if "Executed 'Functions.boom' (Failed" in r.getMessage()]
    assert failed.levelno == logging.ERROR and failed.exc_info is not None
    assert f"Reason='{HTTP_REASON}', Id=" in failed.getMessage() and "Duration=" in failed.getMessage()


def test_invocations_are_logged_at_debug_without_bodies(host: LocalHost, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="devhost")
    requests.post(host.base_url + "/api/echo?secret=q-s3cr3t", data="b-s3cr3t", timeout=10)
    lines = [(r.levelno, r.getMessage()) for r in caplog.records]
    assert any(level == logging.DEBUG and m.startswith("Executing 'Functions.echo' (Reason=") for level, m in lines)
    assert any(
        level == logging.DEBUG and m.startswith("Executed 'Functions.echo' (Succeeded, Id=") and "Duration=" in m
        for level, m in lines
    )
    assert "s3cr3t" not in caplog.text


def test_a_successful_invocation_logs_nothing_at_info(host: LocalHost, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="devhost")
    assert requests.post(host.base_url + "/api/echo", data="hello", timeout=10).status_code == 200
    assert [r.getMessage() for r in caplog.records if r.name == "devhost"] == []


def test_keys_are_not_checked_locally(host: LocalHost) -> None:
    # The sample app's auth level is FUNCTION; like Core Tools, the local host ignores keys.
    assert get(host, "/api/items/1").status_code == 200
