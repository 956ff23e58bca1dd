"""Helpers for tests of real callers: the app's secrets switched on for one test, and calls that carry them."""

from __future__ import annotations

import http.client
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from functions import runtime
from shared import jsonio
from shared.edge.callers.credentials import Signable, sign
from tests.fixtures.dataverse import COMPANY_GUIDS
from tests.integration.support import Api

FS_KEY, FS_NEXT = "fs-secret-0123456789abcdef", "fs-secret-rotated-fedcba9876543210"
SCM_KEY, ADMIN_KEY = "scm-secret-0123456789abcdef", "admin-secret-0123456789abcdef"
KEYS = {"fs": FS_KEY, "scm": SCM_KEY, "admin": ADMIN_KEY}
SETTINGS = {
    "SYNC_FS_SECRETS": f"{FS_KEY},{FS_NEXT}",  # two at once, as while rotating
    "SYNC_SCM_SECRETS": SCM_KEY,
    "SYNC_ADMIN_SECRETS": ADMIN_KEY,
    "SYNC_COMPANY_IDS": ",".join(f"{code}={guid}" for code, guid in COMPANY_GUIDS.items()),
}


@pytest.fixture
def secured(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every system's and role's secrets (and the company directory) set for one test, unset after."""
    for name, value in SETTINGS.items():
        monkeypatch.setenv(name, value)
    runtime.reset()
    yield
    monkeypatch.undo()
    runtime.reset()


def key(role: str) -> dict[str, str]:
    return {"content-type": "application/json", "x-sync-key": KEYS[role]}


def signed(secret: str, method: str, path: str, body: bytes = b"", at: float | None = None) -> dict[str, str]:
    """Headers signing one request: `path` is its path and query as sent (`/api/scm/...?modified=...`)."""
    timestamp = int(time.time() if at is None else at)
    return {
        "content-type": "application/json",
        "x-sync-timestamp": str(timestamp),
        "x-sync-signature": sign(secret, timestamp, Signable(method, path, body)),
    }


@dataclass(frozen=True)
class Answer:
    status_code: int
    text: str

    def json(self) -> Any:
        return jsonio.loads(self.text)


def call(api: Api, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> Answer:
    """A request to `path` (path and query, `/api/...`) sent byte for byte as written. Not through requests:
    urllib3 rewrites percent-encodings in upper case, and a signature covers the path as sent."""
    server = urlsplit(api.base)
    connection = http.client.HTTPConnection(server.hostname or "127.0.0.1", server.port, timeout=30)
    try:
        connection.request(method, path, body=body or None, headers=headers)
        answer = connection.getresponse()
        return Answer(answer.status, answer.read().decode())
    finally:
        connection.close()


def send_signed(api: Api, secret: str, method: str, path: str, body: bytes = b"", at: float | None = None) -> Answer:
    """A request signed for exactly what it is: method, path and query, body."""
    return call(api, method, path, signed(secret, method, path, body, at), body)


def post(api: Api, side: str, slug: str, body: Any, headers: dict[str, str] | None = None) -> requests.Response:
    """POST with the side's own key (or the given headers)."""
    data = body if isinstance(body, bytes) else jsonio.dumps(body)
    return api.post(side, slug, data, headers={**key(side), **(headers or {})})


def failures(answer: requests.Response) -> set[tuple[str, str]]:
    assert answer.status_code == 422, answer.text
    return {(d["field"], d["rule"]) for d in answer.json()["error"]["details"]}
