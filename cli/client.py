"""The app's admin routes as the CLI calls them: one session, the caller's key, errors said plainly."""

from __future__ import annotations

from typing import Any

import requests

from shared.entities import ENTITIES

ENTITY_HELP = " | ".join(ENTITIES)  # what an entity argument takes, from the registry
UPLOAD_TIMEOUT = 900  # seconds for the answer to an upload: the app reads a file of up to 100 MB whole first
MAX_DETAILS = 20  # an error's details printed; the rest counted


class CommandError(Exception):
    """What the CLI prints (one line, or an error with its details) before it exits with status 1."""


class ApiError(CommandError):
    """An answer of 400 or more, in the project's error shape; `status` and `code` for callers to decide on."""

    def __init__(self, status: int, payload: dict[str, Any]) -> None:
        error = payload.get("error") if isinstance(payload.get("error"), dict) else {}
        self.status, self.code = status, str(error.get("code") or "error")
        self.details: list[Any] = error.get("details") if isinstance(error.get("details"), list) else []
        super().__init__(describe(status, error))


class Client:
    def __init__(self, url: str, key: str | None = None, function_key: str | None = None) -> None:
        self.base = f"{url.rstrip('/')}/api"
        self.session = requests.Session()
        if key:
            self.session.headers["x-sync-key"] = key
        if function_key:
            self.session.headers["x-functions-key"] = function_key

    def call(
        self, method: str, path: str, body: dict[str, Any] | None = None, *, raw: bytes | None = None, **params: Any
    ) -> dict[str, Any]:
        """The JSON answer of one call, with `body` as JSON (or `raw`, JSON bytes sent as they are)."""
        headers = {"content-type": "application/json"} if raw is not None else None
        try:
            answer = self.session.request(
                method, f"{self.base}/{path}", json=body, data=raw, params=params or None, headers=headers, timeout=60
            )
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
        payload = answer.json()
    except ValueError:
        said = f"{method} /api/{path} answered {answer.status_code} without JSON"
        if answer.status_code >= 400:  # e.g. the Functions host refusing a function key, before the app
            raise ApiError(
                answer.status_code, {"error": {"code": f"http_{answer.status_code}", "message": said}}
            ) from None
        raise CommandError(said) from None
    if not isinstance(payload, dict):
        raise CommandError(f"{method} /api/{path} answered {answer.status_code} with JSON that is not an object")
    if answer.status_code >= 400:
        raise ApiError(answer.status_code, payload)
    return payload


def describe(status: int, error: dict[str, Any]) -> str:
    """An error answer as the operator reads it: `status code: message`, then one line per detail."""
    details = error.get("details") if isinstance(error.get("details"), list) else []
    lines = [f"{status} {error.get('code') or 'error'}: {error.get('message') or '(no message)'}"]
    lines += [f"  - {detail_line(detail)}" for detail in details[:MAX_DETAILS]]
    if len(details) > MAX_DETAILS:
        lines.append(f"  … and {len(details) - MAX_DETAILS} more")
    return "\n".join(lines)


def detail_line(detail: Any) -> str:
    """One detail of the error shape: a failed rule (`field rule (side): message`, with the file's line
    when there is one), a request problem (`field: problem`), else its fields as `name value` pairs."""
    if not isinstance(detail, dict):
        return str(detail)
    where = f"line {detail['line']}: " if "line" in detail else ""
    if {"field", "rule"} <= detail.keys():
        side = f" ({detail['side']})" if detail.get("side") else ""
        message = f": {detail['message']}" if detail.get("message") else ""
        return f"{where}{detail['field']} {detail['rule']}{side}{message}"
    if {"field", "problem"} <= detail.keys():
        return f"{where}{detail['field']}: {detail['problem']}"
    return ", ".join(f"{name} {_plain(value)}" for name, value in detail.items())


def _plain(value: Any) -> str:
    if isinstance(value, dict):
        return "/".join(str(part) for part in value.values())
    if isinstance(value, list):
        return ", ".join(str(part) for part in value)
    return str(value)
