"""The WSGI side of HTTP triggers: match the route, build `func.HttpRequest`, answer its response."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import azure.functions as func
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from .httperrors import JSON, error_body
from .invoke import Invoking
from .loader import FunctionInfo
from .routes import CONVERTERS, has_catch_all, variants

# What the real host gives as the reason for every HTTP invocation.
HTTP_REASON = "This function was programmatically called via the host APIs."
READ_SIZE = 64 * 1024


class BodyError(Exception):
    """The request body could not be read whole: answer `status` with `message`."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def build_map(route_prefix: str, functions: Iterable[FunctionInfo]) -> tuple[Map, dict[str, Any]]:
    """The routing map, and per endpoint the function with the defaults of its route variant."""
    rules, endpoints = [], {}
    for info in functions:
        for number, variant in enumerate(variants(route_prefix, info.route or info.name)):
            endpoint = f"{info.name}#{number}"
            endpoints[endpoint] = (info, variant.defaults)
            rules.append(Rule(variant.rule, endpoint=endpoint, methods=info.methods))
    # No redirects: the Functions host answers a URL with or without a trailing slash alike.
    routing = Map(rules, converters=CONVERTERS, strict_slashes=False, merge_slashes=False, redirect_defaults=False)
    return routing, endpoints


class Router:
    """Routes by path first, then by method.

    A single werkzeug map lets a request whose method a route refuses fall through to a catch-all
    (`{*path}`) that takes every method, so a wrong method on an existing route would reach the
    app's "no such route" answer. Here routes without a catch-all are matched first: if one of them
    matches the path but none takes the method, the answer is 405 with `Allow` listing the methods
    they take. Catch-all routes are tried only for paths no other route matches.
    """

    def __init__(self, route_prefix: str, functions: Iterable[FunctionInfo]) -> None:
        functions = list(functions)
        tiers = (
            [f for f in functions if not has_catch_all(f.route or f.name)],
            [f for f in functions if has_catch_all(f.route or f.name)],
        )
        self._maps: list[Map] = []
        self._endpoints: dict[str, Any] = {}
        for tier in tiers:
            routing, endpoints = build_map(route_prefix, tier)
            self._maps.append(routing)
            self._endpoints.update(endpoints)

    def match(self, environ: dict[str, Any]) -> tuple[FunctionInfo, dict[str, str]]:
        """The function and its route parameters; raises werkzeug's NotFound or MethodNotAllowed."""
        for routing in self._maps:
            try:
                endpoint, params = routing.bind_to_environ(environ).match()
            except NotFound:
                continue
            info, defaults = self._endpoints[endpoint]
            return info, defaults | params
        raise NotFound()


class HttpApp:
    """A WSGI application serving the HTTP triggers of one app."""

    def __init__(self, route_prefix: str, functions: Iterable[FunctionInfo], invoker: Invoking, max_body: int) -> None:
        self._router = Router(route_prefix, functions)
        self._invoker = invoker
        self._max_body = max_body

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        return self._respond(request)(environ, start_response)

    def _respond(self, request: Request) -> Response:
        try:
            info, route_params = self._router.match(request.environ)
        except MethodNotAllowed as exc:
            allowed = sorted(exc.valid_methods or ())
            message = f"{request.method} is not allowed on {request.path}; it accepts {', '.join(allowed)}"
            return error_response(405, message, [("Allow", ", ".join(allowed))])
        except NotFound:
            return error_response(404, f"no function has a route matching {request.path}")
        try:
            body = read_body(request.environ, self._max_body)
        except BodyError as exc:
            return error_response(exc.status, exc.message)
        try:
            result = self._invoker.invoke(info, HTTP_REASON, to_function_request(request, route_params, body))
        except Exception:
            # The invoker has logged the traceback; the caller only learns that it failed.
            return error_response(500, f"Function '{info.name}' failed; see the host log.")
        return to_wsgi_response(result)


def read_body(environ: dict[str, Any], limit: int) -> bytes:
    """The whole body, at most `limit` bytes; BodyError when it is longer, stalls, or breaks off.

    The server has already refused a Content-Length over the limit; a chunked body is counted as it
    arrives, so no more than `limit` bytes (and one read) are ever held.
    """
    length = _content_length(environ)
    chunked = bool(environ.get("wsgi.input_terminated"))  # werkzeug de-chunks and ends the stream
    if length is None and not chunked:
        return b""  # no body announced: do not wait for one (HTTP/1.1 requires a length or chunks)
    wanted = length if length is not None else limit + 1
    stream, parts, received = environ["wsgi.input"], [], 0
    read = getattr(stream, "read1", stream.read)  # read1: what has arrived, so a timeout loses no count
    try:
        while received < wanted:
            data = read(min(READ_SIZE, wanted - received))
            if not data:
                break
            parts.append(data)
            received += len(data)
    except TimeoutError as exc:
        raise BodyError(408, f"the body stopped arriving after {received} bytes; the host gave up waiting") from exc
    except OSError as exc:  # werkzeug's de-chunking raises OSError for a malformed chunk
        raise BodyError(400, f"the body could not be read: {exc}") from exc
    if received > limit:
        raise BodyError(413, f"the body is over {limit} bytes, the most this host accepts")
    if length is not None and received < length:
        raise BodyError(400, f"the connection ended after {received} of {length} announced bytes")
    return b"".join(parts)


def _content_length(environ: dict[str, Any]) -> int | None:
    text = str(environ.get("CONTENT_LENGTH") or "").strip()
    if not text or environ.get("wsgi.input_terminated"):
        return None
    if not text.isascii() or not text.isdigit():
        raise BodyError(400, "Content-Length is not a number of bytes")
    return int(text)


def to_function_request(request: Request, route_params: dict[str, str], body: bytes) -> func.HttpRequest:
    # The worker joins repeated query parameters with commas, as ASP.NET's StringValues does.
    params = {name: ",".join(request.args.getlist(name)) for name in request.args}
    return func.HttpRequest(
        method=request.method,
        url=sent_url(request),
        headers=dict(request.headers.items()),
        params=params,
        route_params=route_params,
        body=body,
    )


def sent_url(request: Request) -> str:
    """The URL with its path and query as the client sent them: werkzeug's `request.url` is rebuilt from the
    decoded path, encoded again, so a percent-encoding the client chose would not survive it."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if not isinstance(raw, str) or not raw:
        return str(request.url)
    target = raw.encode("latin-1").decode("utf-8", "replace")  # undo WSGI's latin-1 transport of the text
    if target.startswith("/"):
        return request.host_url.rstrip("/") + target
    return target if "://" in target else str(request.url)  # the absolute form is a whole URL already


def to_wsgi_response(result: Any) -> Response:
    """A function's return value as the host sends it back."""
    if result is None:  # nothing to send back: say so rather than invent a body
        return Response(status=204)
    if not isinstance(result, func.HttpResponse):
        return Response(result if isinstance(result, bytes) else str(result), mimetype="text/plain")
    headers = list(result.headers.items())
    if not any(name.lower() == "content-type" for name, _ in headers):
        # Same rule as azure.functions' HttpResponseConverter.
        charset = f"; charset={result.charset}" if result.mimetype.startswith("text/") else ""
        headers.append(("Content-Type", f"{result.mimetype}{charset}"))
    return Response(result.get_body(), status=result.status_code, headers=headers)


def error_response(status: int, message: str, headers: Iterable[tuple[str, str]] = ()) -> Response:
    """An answer of the host itself, in the JSON error shape."""
    return Response(error_body(status, message), status=status, headers=list(headers), content_type=JSON)
