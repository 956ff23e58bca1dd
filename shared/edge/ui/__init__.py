"""The operator page, `GET /api/sync/ui`: static files, served as they are (no build step).

The page itself is anonymous, for it holds no data: the calls it makes to the admin routes carry the
operator's key (asked once, kept in the browser's sessionStorage). Only the files named in ASSETS are
served, so no route parameter can reach another file; the policy headers allow the page's own script,
style and API calls and nothing else (no inline script, no frames, no other origin).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from shared import jsonio
from shared.errors import NotFoundError
from shared.keys import printable

FOLDER = Path(__file__).resolve().parent
INDEX = "index.html"
SCRIPTS = ("app.js", "api.js", "state.js", "dom.js", "status.js", "jobs.js", "errors.js", "record.js")
ASSETS = {  # file name -> media type; charset utf-8 for all. Listed by hand: a file is served only if named here
    INDEX: "text/html",
    "app.css": "text/css",
    **dict.fromkeys(SCRIPTS, "text/javascript"),
}
POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "img-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",  # revalidated on each load, so a deployment shows at once
}


@dataclass(frozen=True)
class Asset:
    status: int
    media_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def asset(name: str | None) -> Asset:
    """The file `name` (the page when none), or a JSON 404 for a name that is not one of ASSETS."""
    name = name or INDEX
    if name not in ASSETS:
        known = ", ".join(sorted(ASSETS))
        error = NotFoundError(f"no file {printable(name[:100])!r} on the operator page; its files are {known}")
        return Asset(404, "application/json", jsonio.dumps(error.payload()), dict(HEADERS))
    return Asset(200, ASSETS[name], _files()[name], dict(HEADERS))


@cache
def _files() -> dict[str, bytes]:
    """The files, read on first use and kept: they change only with a deployment."""
    return {name: (FOLDER / name).read_bytes() for name in ASSETS}
