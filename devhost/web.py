"""The WSGI side of HTTP triggers: match the route, build `func.HttpRequest`, answer its response."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import azure.functions as func
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from .invoke import Invoker
from .loader import FunctionInfo
from .routes import CONVERTERS, variants

# What the real host gives as the reason for every HTTP invocation.
HTTP_REASON = "This function was programmatically called via the host APIs."


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


class HttpApp:
    """A WSGI application serving the HTTP triggers of one app."""

    def __init__(self, route_prefix: str, functions: Iterable[FunctionInfo], invoker: Invoker) -> None:
        self._map, self._endpoints = build_map(route_prefix, functions)
        self._invoker = invoker

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        return self._respond(request)(environ, start_response)

    def _respond(self, request: Request) -> Response:
        try:
            endpoint, route_params = self._map.bind_to_environ(request.environ).match()
        except HTTPException as exc:
            return _plain(exc.code or 404, exc.name, exc.get_headers())
        info, defaults = self._endpoints[endpoint]
        try:
            result = self._invoker.invoke(info, HTTP_REASON, to_function_request(request, defaults | route_params))
        except Exception:
            # The invoker has logged the traceback; the caller only learns that it failed.
            return _plain(500, f"Function '{info.name}' failed; see the host log.")
        return to_wsgi_response(result)


def to_function_request(request: Request, route_params: dict[str, str]) -> func.HttpRequest:
    # The worker joins repeated query parameters with commas, as ASP.NET's StringValues does.
    params = {name: ",".join(request.args.getlist(name)) for name in request.args}
    return func.HttpRequest(
        method=request.method,
        url=request.url,
        headers=dict(request.headers.items()),
        params=params,
        route_params=route_params,
        body=request.get_data(),
    )


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


def _plain(status: int, text: str, headers: Iterable[tuple[str, str]] = ()) -> Response:
    kept = [(k, v) for k, v in headers if k.lower() != "content-type"]
    return Response(text, status=status, headers=kept, mimetype="text/plain")
