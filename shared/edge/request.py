"""A request's parts as the edge reads them, and what it answers: host-free, so the Functions host, the
local host and the tests all call the same code."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from shared import jsonio
from shared.errors import BadRequestError, PayloadTooLargeError, SyncError, http_status
from shared.keys import printable
from shared.settings import get_settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Request:
    method: str
    company: str | None = None
    ident: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)
    content_type: str | None = None
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names
    path: str = ""  # the path and query exactly as sent (not decoded and encoded again): a signature covers it


Answer = tuple[int, dict[str, Any]]


def answer(handler: Callable[[], Answer]) -> Answer:
    """Run a handler; every SyncError becomes its status and error shape, anything else a logged 500."""
    try:
        return handler()
    except SyncError as exc:
        status = http_status(exc)
        level = logging.WARNING if status >= 500 else logging.INFO
        log.log(
            level,
            "answered %d %s: %s",
            status,
            exc.code,
            printable(exc.message),
            extra={"status": status, "code": exc.code},
        )
        return status, exc.payload()
    except Exception:
        log.exception("unexpected error")
        return 500, SyncError("internal error; the change may be retried").payload()


def json_body(request: Request) -> dict[str, Any]:
    """The body as a JSON object, or a 400/413 saying exactly what is wrong with it."""
    max_bytes = get_settings().max_body_bytes
    if len(request.body) > max_bytes:
        raise PayloadTooLargeError(f"body is {len(request.body)} bytes; the limit is {max_bytes}")
    media_type = (request.content_type or "").split(";")[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise BadRequestError(f"content type must be application/json, not {media_type or 'none'}")
    if not request.body.strip():
        raise BadRequestError("body is empty; send the record as a JSON object")
    return jsonio.loads_object(request.body)
