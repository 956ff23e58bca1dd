"""Who may call which route: a secret per system and role, sent as a key or as a timestamped signature.

`/api/fs/...` takes an FS secret, `/api/scm/...` an SCM secret, `/api/sync/...` and `/api/operations/...`
an admin secret, either as header `x-sync-key: <secret>` (what a Dataverse webhook's HttpHeader
authentication sends) or as `x-sync-signature: sha256=<hex HMAC-SHA256 of "<x-sync-timestamp>.<raw body>">`
with `x-sync-timestamp` (Unix seconds, at most 300 s from this clock either way). Every configured secret
is compared, in constant time, whatever matched first: the time of an answer says nothing about which.
No credentials or a wrong one is a 401; a valid secret of another system or role a 403.

A role whose setting is unset is open locally (one warning) and closed in Azure (`WEBSITE_SITE_NAME`).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import time
from collections.abc import Callable, Mapping
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
    if settings.site_name or not (roles := open_roles(settings)) or roles in _warned:
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
    headers: Mapping[str, str],
    body: bytes,
    clock: Callable[[], float] = time.time,
) -> None:
    """Return when the request may call a route of `role`; else UnauthorizedError (401) or ForbiddenError (403)."""
    if not secrets(settings, role):
        if settings.site_name:
            raise UnauthorizedError(f"this route is closed: {_SETTING[role]} is not configured")
        warn_open(settings)
        return
    proven = _proven_roles(settings, headers, body, clock())
    if role in proven:
        return
    if proven:
        raise ForbiddenError(f"the credentials are valid, but not for {_what(role)}")
    raise UnauthorizedError(
        f"{_what(role)} needs {_article(role)} secret: header {KEY_HEADER}, or {SIGNATURE_HEADER} with "
        f'{TIMESTAMP_HEADER} (HMAC-SHA256 of "<timestamp>.<body>", at most {MAX_SIGNATURE_AGE} s old)'
    )


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The `x-sync-signature` value for a body sent at `timestamp` (what a caller computes)."""
    return "sha256=" + _digest(secret.encode(), str(timestamp), body)


def _proven_roles(settings: Settings, headers: Mapping[str, str], body: bytes, now: float) -> set[Role]:
    """Every role one of the presented credentials belongs to; every secret is compared, match or not."""
    key = headers.get(KEY_HEADER)
    signed = _signature(headers, now)
    proven: set[Role] = set()
    for role in ROLES:
        for secret in secrets(settings, role):
            matched = False
            if key is not None:
                matched |= hmac.compare_digest(key.strip().encode(), secret)
            if signed is not None:
                timestamp, given = signed
                matched |= hmac.compare_digest(given, _digest(secret, timestamp, body).encode())
            if matched:
                proven.add(role)
    return proven


def _signature(headers: Mapping[str, str], now: float) -> tuple[str, bytes] | None:
    """(timestamp, hex digest) of a signature that is fresh and well formed; None otherwise (a 401)."""
    given, timestamp = headers.get(SIGNATURE_HEADER), (headers.get(TIMESTAMP_HEADER) or "").strip()
    if given is None or not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        return None
    if abs(now - int(timestamp)) > MAX_SIGNATURE_AGE:
        return None
    scheme, _, digest = given.strip().partition("=")
    if scheme.lower() != "sha256" or not digest.isascii():
        return None
    return timestamp, digest.lower().encode()


def _digest(secret: bytes, timestamp: str, body: bytes) -> str:
    return hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def _what(role: Role) -> str:
    return {"fs": "an /api/fs/ route", "scm": "an /api/scm/ route", "admin": "an operator's route"}[role]


def _article(role: Role) -> str:
    return {"fs": "an FS", "scm": "an SCM", "admin": "an admin"}[role]
