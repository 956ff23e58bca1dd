"""A threaded werkzeug HTTP server on a socket we bind ourselves, hardened for what a client may send.

werkzeug's `make_server` reacts to a taken port by printing to stderr and calling `sys.exit(1)`;
binding first lets the host raise `PortInUseError` instead, and also lets port 0 pick a free port.

Before werkzeug sees a request, the handler refuses what must not reach an app, as the Functions
host (Kestrel) does: a body larger than the limit, judged from Content-Length before any of it is
read (and before `100 Continue`); two Content-Length headers, or Content-Length with
Transfer-Encoding (the ambiguity request smuggling lives on); a transfer coding other than chunked.
Every read of a connection times out, so a client that stalls mid-request cannot hold a thread, and
every error the server itself answers has a JSON body (see httperrors).
"""

from __future__ import annotations

import errno
import logging
import re
import socket
import threading
from email.message import Message
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from .failures import HostConfigError, PortInUseError
from .httperrors import JSON, error_body

log = logging.getLogger("devhost")

READ_TIMEOUT = 30.0  # seconds a connection may stay silent, mid-request or idle (Kestrel's header timeout)
_DIGITS = re.compile(r"^[0-9]+$")
HTTP_09 = "HTTP/0.9"  # http.server's version for a request line without one, or with one it cannot read
_CONTROL = {c: f"\\x{c:02x}" for c in [*range(0x20), *range(0x7F, 0xA0)]}
# http.server's own refusals, said without quoting the client's bytes back.
_PLAIN = {
    414: "the request line (method, URL and version) is longer than 65536 bytes",
    431: "a header line is longer than 65536 bytes, or there are more than 100 headers",
    505: "only HTTP/1.0 and HTTP/1.1 are served here",
}


def escaped(text: str) -> str:
    """Client text fit for one log line: control characters as escapes."""
    return text.translate(_CONTROL)


def framing_problem(headers: Message, max_body: int) -> tuple[int, str] | None:
    """Why a request's headers make its body unacceptable or ambiguous: (status, message), or None."""
    lengths = headers.get_all("Content-Length") or []
    codings = headers.get_all("Transfer-Encoding") or []
    if len(lengths) > 1:
        return 400, "the request has more than one Content-Length header"
    if lengths and codings:
        return 400, "the request has both Content-Length and Transfer-Encoding; send one"
    if codings:
        if len(codings) > 1 or codings[0].strip().lower() != "chunked":
            return 501, "the only Transfer-Encoding served here is chunked"
        return None
    if not lengths:
        return None
    length = lengths[0].strip()
    if not _DIGITS.match(length):
        return 400, "Content-Length is not a number of bytes"
    digits = length.lstrip("0") or "0"  # compared as text first: int() of thousands of digits is slow
    if len(digits) > len(str(max_body)) or int(digits) > max_body:
        return 413, f"the body is {digits} bytes; this host accepts at most {max_body}"
    return None


class HostHandler(WSGIRequestHandler):
    """No access log: URLs can carry customer data, and the invoker logs each invocation."""

    max_body = 100 * 1024 * 1024  # replaced per server; see HttpServer

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass

    def log_error(self, format: str, *args: Any) -> None:
        # http.server's own notes, mostly idle connections timing out (browsers open spare ones): debug.
        log.debug("HTTP: %s", escaped(format % args))

    def parse_request(self) -> bool:
        if not super().parse_request():
            return False
        if self.request_version == HTTP_09:  # "GET /path" alone: http.server would answer without headers
            self.send_error(400, "the request line has no HTTP version; send HTTP/1.1")
            return False
        return self._accepts_body()

    def handle_expect_100(self) -> bool:
        # Refuse before inviting the body. Otherwise send nothing: werkzeug's run_wsgi sends the
        # `100 Continue` itself, and http.server's would be a second one.
        return self._accepts_body()

    def _accepts_body(self) -> bool:
        problem = framing_problem(self.headers, self.max_body)
        if problem is not None:
            self.send_error(*problem)
        return problem is None

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's error answer, with a JSON body; the connection is closed after it."""
        text = _PLAIN.get(code) or message or self.responses.get(code, ("Error",))[0]
        log.warning("Refused an HTTP request: %d %s", code, escaped(text))
        body = error_body(code, text)
        if self.request_version == HTTP_09:
            # No version could be read (or none was sent): answer with a status line and headers
            # anyway, which http.server leaves out for what it takes as an HTTP/0.9 request.
            self.request_version = "HTTP/1.0"
        self.send_response(code)
        self.send_header("Content-Type", JSON)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # As werkzeug does: a port left in TIME_WAIT by a previous run is free, a listening one is not.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortInUseError(host, port) from None
        raise HostConfigError(f"cannot serve HTTP on {host}:{port}: {exc.strerror or exc}") from None
    return sock


class HttpServer:
    def __init__(self, app: Any, host: str, port: int, *, max_body: int, read_timeout: float = READ_TIMEOUT) -> None:
        # A class per server: socketserver builds handlers itself, so the limits travel as class attributes.
        handler = type("BoundHandler", (HostHandler,), {"max_body": max_body, "timeout": read_timeout})
        sock = bind(host, port)
        try:
            self._server: BaseWSGIServer = make_server(
                host, port, app, threaded=True, request_handler=handler, fd=sock.fileno()
            )
        finally:
            sock.close()  # werkzeug works on its own duplicate of the descriptor
        self._thread = threading.Thread(target=self.serve_forever_fast, name="devhost-http", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.port)

    def start(self) -> None:
        self._thread.start()

    def serve_forever_fast(self) -> None:
        # shutdown() waits for the loop to notice; the default 0.5 s poll makes every stop that slow.
        self._server.serve_forever(poll_interval=0.05)

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=10)
        self._server.server_close()
