"""The app's admin routes as the CLI calls them: one session, the caller's key, errors said plainly."""

from __future__ import annotations

from typing import Any

import requests

from shared.entities import ENTITIES

ENTITY_HELP = " | ".join(ENTITIES)  # what an entity argument takes, from the registry
UPLOAD_TIMEOUT = 900  # seconds for the answer to an upload: the app reads a file of up to 100 MB whole first


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
            raise self._unreachable(exc) from None
        return _payload(method, path, answer)

    def upload(self, path: str, data: Any, params: dict[str, Any], content_type: str) -> dict[str, Any]:
        """POST a file (a readable object with a length) as the body; the app may take a while to read it."""
        try:
            answer = self.session.post(
                f"{self.base}/{path}",
                data=data,
                params=params,
                headers={"content-type": content_type},
                timeout=(10, UPLOAD_TIMEOUT),
            )
        except requests.RequestException as exc:
            raise self._unreachable(exc) from None
        return _payload("POST", path, answer)

    def _unreachable(self, exc: requests.RequestException) -> CommandError:
        return CommandError(f"cannot reach {self.base}: {type(exc).__name__}; is the app running (make run)?")


def _payload(method: str, path: str, answer: requests.Response) -> dict[str, Any]:
    try:
        payload: dict[str, Any] = answer.json()
    except ValueError:
        raise CommandError(f"{method} /api/{path} answered {answer.status_code} without JSON") from None
    if answer.status_code >= 400:
        error = payload.get("error", {})
        details = "".join(f"\n  {_detail(detail)}" for detail in error.get("details", [])[:20])
        raise CommandError(f"{answer.status_code} {error.get('code')}: {error.get('message')}{details}")
    return payload


def _detail(detail: Any) -> str:
    """A failure as a line (`field rule: message`), anything else as it came."""
    if isinstance(detail, dict) and {"field", "rule", "message"} <= detail.keys():
        return f"{detail['field']} {detail['rule']}: {detail['message']}"
    return str(detail)
