"""The local host's HTTP server against hostile or broken clients, over raw sockets.

Bodies over the limit are refused from Content-Length before any byte is read; a client that
stalls is dropped after the read timeout; ambiguous framing is refused; the host's own errors have
the JSON error shape; a wrong method on an existing route is a 405 that says which methods it takes.
"""

from __future__ import annotations

import json
import socket
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.test import EnvironBuilder

from devhost import LocalHost
from devhost.loader import describe, import_app
from devhost.web import Router
from devtools.azurite import Azurite

SAMPLE = "tests.devhost.sample_app"
LIMIT = 1024  # bytes: the small host's body limit
TIMEOUT = 1.0  # seconds: the small host's read timeout
GIB = 1024**3


@pytest.fixture(scope="module")
def hosts(azurite: Azurite) -> Iterator[tuple[LocalHost, LocalHost]]:
    """The sample app twice: with the default limits, and with a 1 KiB body limit and a 1 s read timeout."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AzureWebJobsStorage", azurite.connection_string)
        env.setenv("SAMPLE_QUEUE", f"hard-{uuid.uuid4().hex[:12]}")
        env.delenv("FUNCTIONS_REQUEST_BODY_SIZE_LIMIT", raising=False)
        with (
            LocalHost.from_module(SAMPLE, host_json=None) as default,
            LocalHost.from_module(SAMPLE, host_json=None, max_body_bytes=LIMIT, read_timeout=TIMEOUT) as small,
        ):
            yield default, small


@pytest.fixture
def default(hosts: tuple[LocalHost, LocalHost]) -> LocalHost:
    return hosts[0]


@pytest.fixture
def small(hosts: tuple[LocalHost, LocalHost]) -> LocalHost:
    return hosts[1]


@dataclass
class Answer:
    raw: bytes
    seconds: float  # from the last byte sent to the connection's end

    @property
    def status(self) -> int:
        return int(self.raw.split(b" ", 2)[1])

    @property
    def headers(self) -> dict[str, str]:
        head = self.raw.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")[1:]
        return {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in head)}

    @property
    def error(self) -> dict[str, object]:
        body = json.loads(self.raw.split(b"\r\n\r\n", 1)[1])
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}, body
        assert body["error"]["details"] == []
        return body["error"]  # type: ignore[no-any-return]


def exchange(host: LocalHost, *parts: bytes, wait: float = 10.0) -> Answer:
    """Send `parts`, then read until the server closes the connection (every answer closes it)."""
    address = host.base_url.removeprefix("http://").split(":")
    with socket.create_connection((address[0], int(address[1])), timeout=wait) as sock:
        for part in parts:
            sock.sendall(part)
        started, received = time.monotonic(), b""
        while chunk := sock.recv(65536):
            received += chunk
        return Answer(received, time.monotonic() - started)


def request(method: str, path: str, *headers: str, body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: localhost", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


# --- body size --------------------------------------------------------------------------------


def test_a_gigabyte_announced_is_refused_before_any_of_it_is_read(default: LocalHost) -> None:
    # Only the headers are sent: a host that waited for the body would never answer.
    answer = exchange(default, request("POST", "/api/echo", f"Content-Length: {GIB}"), wait=5)
    assert answer.status == 413
    assert answer.error["code"] == "payload_too_large"
    assert answer.error["message"] == f"the body is {GIB} bytes; this host accepts at most {100 * 1024 * 1024}"
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.seconds < 2


def test_an_announced_body_over_the_limit_is_not_invited(small: LocalHost) -> None:
    answer = exchange(small, request("PUT", "/api/echo", f"Content-Length: {LIMIT + 1}", "Expect: 100-continue"))
    assert answer.raw.startswith(b"HTTP/1.1 413 ")  # no "100 Continue" first
    assert answer.error["code"] == "payload_too_large"


def test_a_body_at_the_limit_is_served(small: LocalHost) -> None:
    body = b"x" * LIMIT
    answer = exchange(small, request("PUT", "/api/echo", f"Content-Length: {LIMIT}", body=body))
    assert answer.status == 200
    assert json.loads(answer.raw.split(b"\r\n\r\n", 1)[1])["body"] == body.decode()


def test_a_chunked_body_over_the_limit_is_refused_as_it_arrives(small: LocalHost) -> None:
    chunks = b"".join(b"200\r\n" + b"y" * 0x200 + b"\r\n" for _ in range(4)) + b"0\r\n\r\n"  # 2 KiB
    answer = exchange(small, request("PUT", "/api/echo", "Transfer-Encoding: chunked", body=chunks))
    assert answer.status == 413
    assert answer.error["message"] == f"the body is over {LIMIT} bytes, the most this host accepts"


def test_a_chunked_body_within_the_limit_is_served(small: LocalHost) -> None:
    chunks = b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    answer = exchange(small, request("PUT", "/api/echo", "Transfer-Encoding: chunked", body=chunks))
    assert answer.status == 200
    assert json.loads(answer.raw.split(b"\r\n\r\n", 1)[1])["body"] == "hello world"


def test_one_100_continue_for_a_body_that_may_come(small: LocalHost) -> None:
    address = small.base_url.removeprefix("http://").split(":")
    with socket.create_connection((address[0], int(address[1])), timeout=5) as sock:
        sock.sendall(request("PUT", "/api/echo", "Content-Length: 2", "Expect: 100-continue"))
        assert sock.recv(65536) == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(b"ok")
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    assert received.startswith(b"HTTP/1.1 200 ")  # http.server's own 100 Continue no longer doubles it


# --- framing ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "status", "message"),
    [
        pytest.param(
            ("Content-Length: 2", "Content-Length: 2"),
            400,
            "the request has more than one Content-Length header",
            id="two Content-Length",
        ),
        pytest.param(
            ("Content-Length: 2", "Transfer-Encoding: chunked"),
            400,
            "the request has both Content-Length and Transfer-Encoding; send one",
            id="Content-Length and chunked",
        ),
        pytest.param(
            ("Transfer-Encoding: gzip, chunked",), 501, "the only Transfer-Encoding served here is chunked", id="gzip"
        ),
        pytest.param(("Content-Length: 2x",), 400, "Content-Length is not a number of bytes", id="not a number"),
        pytest.param(("Content-Length: -1",), 400, "Content-Length is not a number of bytes", id="negative"),
    ],
)
def test_ambiguous_framing_is_refused(default: LocalHost, headers: tuple[str, ...], status: int, message: str) -> None:
    answer = exchange(default, request("PUT", "/api/echo", *headers))
    assert answer.status == status
    assert answer.error["message"] == message
    assert answer.headers["connection"] == "close"


# --- stalled clients ------------------------------------------------------------------------


def test_a_half_sent_body_is_answered_408_after_the_read_timeout(small: LocalHost) -> None:
    answer = exchange(small, request("PUT", "/api/echo", "Content-Length: 100", body=b"only ten.."), wait=10)
    assert answer.status == 408
    assert answer.error == {
        "code": "request_timeout",
        "message": "the body stopped arriving after 10 bytes; the host gave up waiting",
        "details": [],
    }
    assert TIMEOUT * 0.9 <= answer.seconds < TIMEOUT + 2


def test_half_sent_headers_are_dropped_after_the_read_timeout(small: LocalHost) -> None:
    answer = exchange(small, b"PUT /api/echo HTTP/1.1\r\nHost: localhost\r\n", wait=10)
    assert answer.raw == b""  # closed without an answer, as http.server does for a request it never got
    assert answer.seconds < TIMEOUT + 2


def test_a_silent_connection_is_dropped_after_the_read_timeout(small: LocalHost) -> None:
    answer = exchange(small, wait=10)
    assert answer.raw == b""
    assert answer.seconds < TIMEOUT + 2


# --- the host's own errors are JSON ----------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "status", "code"),
    [
        # Each sends exactly what the server reads before refusing, so no unread byte turns its close into a reset.
        pytest.param(b"GET /" + b"a" * (65537 - 5), 414, "uri_too_long", id="414"),
        pytest.param(
            b"GET /api/items/1 HTTP/1.1\r\nX-Long: " + b"a" * (65537 - 8), 431, "headers_too_large", id="431 line"
        ),
        pytest.param(
            b"GET /api/items/1 HTTP/1.1\r\n" + b"".join(b"X-%d: 1\r\n" % n for n in range(101)),
            431,
            "headers_too_large",
            id="431 count",
        ),
        pytest.param(b"GET /api/items/1 HTTP/2.0\r\n", 505, "http_version_not_supported", id="505"),
        pytest.param(b"GET /api/items/1 HTTP/1.1 extra\r\n\r\n", 400, "bad_request", id="400"),
    ],
)
def test_protocol_errors_have_the_json_error_shape(default: LocalHost, raw: bytes, status: int, code: str) -> None:
    answer = exchange(default, raw)
    assert answer.status == status
    assert answer.error["code"] == code
    assert answer.headers["content-type"] == "application/json; charset=utf-8"


def test_unknown_path_is_a_json_404(default: LocalHost) -> None:
    answer = exchange(default, request("GET", "/not-under-the-prefix"))
    assert answer.status == 404
    assert answer.error == {
        "code": "not_found",
        "message": "no function has a route matching /not-under-the-prefix",
        "details": [],
    }


# --- methods --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        pytest.param("GET", "/api/echo", "POST, PUT", id="echo takes POST and PUT"),
        pytest.param("DELETE", "/api/echo", "POST, PUT", id="not even the catch-all takes DELETE"),
        pytest.param("POST", "/api/items/5", "GET, HEAD", id="route with parameters"),
        pytest.param("PATCH", "/api/items/special", "GET, HEAD", id="literal and parameter routes"),
    ],
)
def test_a_wrong_method_on_an_existing_route_is_405_with_allow(
    default: LocalHost, method: str, path: str, allow: str
) -> None:
    answer = exchange(default, request(method, path))
    assert answer.status == 405
    assert answer.headers["allow"] == allow
    assert answer.error["code"] == "method_not_allowed"
    assert answer.error["message"] == f"{method} is not allowed on {path}; it accepts {allow}"


def test_the_catch_all_still_answers_paths_no_other_route_matches(default: LocalHost) -> None:
    answer = exchange(default, request("GET", "/api/items/abc/def/ghi"))
    assert (answer.status, answer.raw.split(b"\r\n\r\n", 1)[1]) == (404, b"fallback:items/abc/def/ghi")


def test_the_real_app_says_put_is_not_allowed_on_an_entity_route() -> None:
    """function_app's catch-all `not_found` takes every method; the entity route still wins the path."""
    http = [f for f in describe(import_app("function_app")) if f.kind == "http"]
    router = Router("api", http)
    with pytest.raises(MethodNotAllowed) as refused:
        router.match(EnvironBuilder(path="/api/fs/payment-terms", method="PUT").get_environ())
    assert sorted(refused.value.valid_methods or ()) == ["DELETE", "GET", "HEAD", "POST"]
    info, _ = router.match(EnvironBuilder(path="/api/fs/no-such-entity/a/b/c", method="PUT").get_environ())
    assert info.name == "not_found"


def test_a_request_line_without_a_version_is_refused_with_headers(default: LocalHost) -> None:
    answer = exchange(default, b"GET /api/items/1\r\n\r\n")
    assert answer.raw.startswith(b"HTTP/1.1 400 ")
    assert answer.error["message"] == "the request line has no HTTP version; send HTTP/1.1"
