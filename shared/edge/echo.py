"""`POST /api/sync/echo` (admin): a round trip that writes nothing, for a post-deploy check (`fs-scm-sync
check`). The body is read as any JSON body is (size, content type, a JSON object), then answered with its
size and SHA-256, so the caller sees that its credentials, the route and the body arrived intact."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from shared.edge.request import Answer, Request, json_body


def echo(request: Request) -> Answer:
    json_body(request)  # the checks every JSON route makes: 400 / 413 say what is wrong
    answer: dict[str, Any] = {
        "bytes": len(request.body),
        "sha256": hashlib.sha256(request.body).hexdigest(),
        "at": dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z"),
        "written": False,
    }
    return 200, answer
