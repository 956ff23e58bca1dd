"""A threaded werkzeug HTTP server on a socket we bind ourselves.

werkzeug's `make_server` reacts to a taken port by printing to stderr and calling `sys.exit(1)`;
binding first lets the host raise `PortInUseError` instead, and also lets port 0 pick a free port.
"""

from __future__ import annotations

import errno
import socket
import threading
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from .errors import PortInUseError


class QuietHandler(WSGIRequestHandler):
    """No access log: URLs can carry customer data, and the invoker logs each invocation."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


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
        raise
    return sock


class HttpServer:
    def __init__(self, app: Any, host: str, port: int) -> None:
        sock = bind(host, port)
        try:
            self._server: BaseWSGIServer = make_server(
                host, port, app, threaded=True, request_handler=QuietHandler, fd=sock.fileno()
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
