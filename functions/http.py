"""Adapting the host's HTTP objects to the host-free API in shared.edge.api, and back."""

from __future__ import annotations

from urllib.parse import urlsplit

import azure.functions as func

from shared import jsonio
from shared.edge.request import Answer, Request


def from_host(req: func.HttpRequest) -> Request:
    return Request(
        method=req.method,
        company=req.route_params.get("company") or None,
        ident=req.route_params.get("id") or None,
        params=dict(req.params),
        content_type=req.headers.get("content-type"),
        body=req.get_body() or b"",
        headers={name.lower(): value for name, value in req.headers.items()},
        path=sent_path(req.url),
    )


def sent_path(url: str) -> str:
    """The path and query of the request's URL as the host gives them, neither decoded nor encoded again:
    a signature covers them as the caller sent them."""
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if "?" in url else "")


def to_host(result: Answer) -> func.HttpResponse:
    status, payload = result
    return func.HttpResponse(body=jsonio.dumps(payload), status_code=status, mimetype="application/json")
