"""The app's admin routes as the CLI calls them: one session, the caller's key, errors said plainly."""

from __future__ import annotations

from typing import Any

import requests


class CommandError(Exception):
    """What the CLI prints on one line before it exits with status 1."""


class Client:
    def __init__(self, url: str, key: str | None = None, function_key: str | None = None) -> None:
        self.base = f"{url.rstrip('/')}/api"
        self.session = requests.Session()
        if key:
            self.session.headers["x-sync-key"] = key
        if function_key:
            self.session.headers["x-functions-key"] = function_key

    def call(self, method: str, path: str, body: dict[str, Any] | None = None, **params: Any) -> dict[str, Any]:
        try:
            answer = self.session.request(method, f"{self.base}/{path}", json=body, params=params or None, timeout=60)
        except requests.RequestException as exc:
            raise CommandError(
                f"cannot reach {self.base}: {type(exc).__name__}; is the app running (make run)?"
            ) from None
        try:
            payload: dict[str, Any] = answer.json()
        except ValueError:
            raise CommandError(f"{method} /api/{path} answered {answer.status_code} without JSON") from None
        if answer.status_code >= 400:
            error = payload.get("error", {})
            details = "".join(f"\n  {detail}" for detail in error.get("details", [])[:20])
            raise CommandError(f"{answer.status_code} {error.get('code')}: {error.get('message')}{details}")
        return payload
