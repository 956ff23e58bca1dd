"""Who may call which route: a secret per system and role, sent as a key or as a timestamped signature.

`/api/fs/...` takes an FS secret, `/api/scm/...` an SCM secret, `/api/sync/...` and `/api/operations/...`
an admin secret, either as header `x-sync-key: <secret>` (what a Dataverse webhook's HttpHeader
authentication sends) or as `x-sync-signature: sha256=<hex HMAC-SHA256 of
"<x-sync-timestamp>.<METHOD>.<path>.<raw body>">` with `x-sync-timestamp` (Unix seconds, at most 300 s from
this clock either way), where <path> is the path and query exactly as sent. A signature binds one request:
it does not carry over to another method, route, key or query, and its timestamp is the time of a change
that carries none of its own, so a replay within the 300 s is never a newer write.

Every configured secret is compared, in constant time, whatever matched first: the time of an answer says
nothing about which. No credentials or a wrong one is a 401; a valid secret of another system or role a 403.
A role whose setting is unset is open locally (one warning) and closed in Azure (`WEBSITE_SITE_NAME` present).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from shared.errors import ConfigurationError, ForbiddenError, UnauthorizedError
from shared.settings import Settings, get_settings

log = logging.getLogger(__name__)

Role = Literal["fs", "scm", "admin"]
ROLES: tuple[Role, ...] = ("fs", "scm", "admin")
KEY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER = "x-sync-key", "x-sync-signature", "x-sync-timestamp"
MAX_SIGNATURE_AGE = 300  # seconds; an older (or later) signed request is refused as a possible replay
_SETTING = {"fs": "SYNC_FS_SECRETS", "scm": "SYNC_SCM_SECRETS", "admin": "SYNC_ADMIN_SECRETS"}
_warned: set[tuple[Role, ...]] = set()


def secrets(settings: Settings, role: Role) -> tuple[bytes, ...]:
    values = {"fs": settings.fs_secrets, "scm": settings.scm_secrets, "admin": settings.admin_secrets}[role]
    return tuple(secret.get_secret_value().encode() for secret in values)


def open_roles(settings: Settings) -> tuple[Role, ...]:
    """Roles without secrets: open when the app runs locally, closed in Azure."""
    return tuple(role for role in ROLES if not secrets(settings, role))


def warn_open(settings: Settings) -> None:
    """Say once per process (and per set of open roles) that routes are open: at start and on first use."""
    if settings.in_azure or not (roles := open_roles(settings)) or roles in _warned:
        return
    _warned.add(roles)
    names = ", ".join(_SETTING[role] for role in roles)
    log.warning("no secrets configured in %s: those routes are open to any caller (local use only)", names)


def warn_at_start() -> None:
    """The start-up warning for open roles; a bad setting is left to the first request to report."""
    with contextlib.suppress(ConfigurationError):
        warn_open(get_settings())


def authorise(
    settings: Settings,
    role: Role,
    request: Signable,
    headers: Mapping[str, str],
    clock: Callable[[], float] = time.time,
) -> dt.datetime | None:
    """Return when the request may call a route of `role`, else raise UnauthorizedError (401) or
    ForbiddenError (403). What it returns is the request's signed time when a signature proved the role
    (a change without a time of its own takes it), else None."""
    if not secrets(settings, role):
        if settings.in_azure:
            raise UnauthorizedError(f"this route is closed: {_SETTING[role]} is not configured")
        warn_open(settings)
        return None
    signature = _signature(headers, clock())
    by_key, by_signature = _proven_roles(settings, headers.get(KEY_HEADER), request, signature)
    if role in by_signature and signature is not None:
        return dt.datetime.fromtimestamp(int(signature.timestamp), dt.UTC)
    if role in by_key:
        return None
    if by_key | by_signature:
        raise ForbiddenError(f"the credentials are valid, but not for {_what(role)}")
    raise UnauthorizedError(
        f"{_what(role)} needs {_article(role)} secret: header {KEY_HEADER}, or {SIGNATURE_HEADER} with "
        f'{TIMESTAMP_HEADER} (HMAC-SHA256 of "<timestamp>.<METHOD>.<path>.<body>", the path and query as sent, '
        f"at most {MAX_SIGNATURE_AGE} s old)"
    )


@dataclass(frozen=True)
class Signable:
    """The parts of a request a signature covers, besides its timestamp."""

    method: str
    path: str  # the path and query exactly as sent: /api/scm/payment-terms/USMF/N30?modified=...
    body: bytes


def sign(secret: str, timestamp: int, request: Signable) -> str:
    """The `x-sync-signature` value for a request sent at `timestamp` (what a caller computes)."""
    return "sha256=" + _digest(secret.encode(), str(timestamp), request)


def signed_text(timestamp: str, request: Signable) -> bytes:
    """What is signed: `<timestamp>.<METHOD>.<path>.<raw body>`."""
    return f"{timestamp}.{request.method.upper()}.{request.path}.".encode() + request.body


@dataclass(frozen=True)
class _Signature:
    timestamp: str
    digest: bytes  # lower-case hex, as given


def _proven_roles(
    settings: Settings, key: str | None, request: Signable, signature: _Signature | None
) -> tuple[set[Role], set[Role]]:
    """The roles the key belongs to and the roles the signature proves; every secret is compared, match or not."""
    by_key: set[Role] = set()
    by_signature: set[Role] = set()
    for role in ROLES:
        for secret in secrets(settings, role):
            if key is not None and hmac.compare_digest(key.strip().encode(), secret):
                by_key.add(role)
            if signature is not None:
                expected = _digest(secret, signature.timestamp, request).encode()
                if hmac.compare_digest(signature.digest, expected):
                    by_signature.add(role)
    return by_key, by_signature


def _signature(headers: Mapping[str, str], now: float) -> _Signature | None:
    """A signature that is fresh and well formed; None otherwise (a 401)."""
    given, timestamp = headers.get(SIGNATURE_HEADER), (headers.get(TIMESTAMP_HEADER) or "").strip()
    if given is None or not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        return None
    if abs(now - int(timestamp)) > MAX_SIGNATURE_AGE:
        return None
    scheme, _, digest = given.strip().partition("=")
    if scheme.lower() != "sha256" or not digest.isascii():
        return None
    return _Signature(timestamp, digest.lower().encode())


def _digest(secret: bytes, timestamp: str, request: Signable) -> str:
    return hmac.new(secret, signed_text(timestamp, request), hashlib.sha256).hexdigest()


def _what(role: Role) -> str:
    return {"fs": "an /api/fs/ route", "scm": "an /api/scm/ route", "admin": "an operator's route"}[role]


def _article(role: Role) -> str:
    return {"fs": "an FS", "scm": "an SCM", "admin": "an admin"}[role]
