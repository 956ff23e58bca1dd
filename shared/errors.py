"""Error types, split by what the caller should do, and their one translation to HTTP answers.

Messages name the entity, the key and the rule that failed — never the record's content or a secret.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from pydantic import ValidationError


@dataclass(frozen=True)
class Failure:
    """One broken rule: which field, which rule, whose rule (`fs` or `scm`), and why."""

    field: str
    rule: str
    side: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


# pydantic's error types, named as the rules the error shape reports
_RULES = {
    "missing": "required",
    "string_too_short": "min_length",
    "string_too_long": "max_length",
    "greater_than_equal": "minimum",
    "greater_than": "minimum",
    "less_than_equal": "maximum",
    "less_than": "maximum",
    "literal_error": "allowed_values",
    "enum": "allowed_values",
}


def failures_of(
    exc: ValidationError, side: str, *, whole: str = "(body)", required: Callable[[str], str] | None = None
) -> list[Failure]:
    """Every error of a pydantic validation as a Failure — where, which rule, whose, why — never the input.
    `whole` names an error of the whole value; `required(field)` words a missing value (or a null or blank
    one where that means missing) in the words of the side that requires it."""
    failures = []
    for error in exc.errors(include_url=False):
        location = ".".join(str(part) for part in error["loc"]) or whole
        kind = error["type"]
        rule = _RULES.get(kind, "type" if kind.endswith(("_type", "_parsing")) else kind)
        if required is not None and (rule == "required" or (rule == "type" and error.get("input", "") is None)):
            failures.append(Failure(location, "required", side, required(location)))
        else:
            failures.append(Failure(location, rule, side, error["msg"]))
    return failures


def problems(failures: list[Failure]) -> list[dict[str, str]]:
    """Failures as a 400's details: which part of the request, and what is wrong with it."""
    return [{"field": failure.field, "problem": failure.message} for failure in failures]


class SyncError(Exception):
    """Root of every error the sync reports on purpose."""

    code = "sync_error"

    def __init__(self, message: str, *, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []

    def payload(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class BadRequestError(SyncError):
    """The request itself is malformed (not JSON, not an object, wrong content type). Fix and resend."""

    code = "bad_request"


class PayloadTooLargeError(SyncError):
    """The body is over the size limit. Nothing was written."""

    code = "payload_too_large"


class UnauthorizedError(SyncError):
    """No credentials, or wrong ones: send the secret of the calling system (header x-sync-key or a signature)."""

    code = "unauthorized"


class ForbiddenError(SyncError):
    """A valid secret, but of another system or role: it may not call this route."""

    code = "forbidden"


class NotFoundError(SyncError):
    """Unknown entity, side or key."""

    code = "not_found"


class MethodNotAllowedError(SyncError):
    """The route exists, but not for this method; `allow` lists the methods it takes."""

    code = "method_not_allowed"

    def __init__(self, message: str, allow: tuple[str, ...]) -> None:
        super().__init__(message, details=[{"allow": list(allow)}])
        self.allow = allow


class ConflictError(SyncError):
    """The change conflicts with what is stored; retrying the same change will not help."""

    code = "conflict"


class StaleError(ConflictError):
    """The change is older than the stored version: a newer write already won."""

    code = "stale"


class ReferencedError(ConflictError):
    """A delete of a record that other records still name; `details` lists the referring keys."""

    code = "still_referenced"


class JobRunningError(ConflictError):
    """A job that writes the entity's records has not ended yet; `details` names it. Start again once it has."""

    code = "job_running"


class RejectedError(SyncError):
    """A field or business rule of either side fails. Permanent: fix the record, do not retry."""

    code = "validation_failed"

    def __init__(self, message: str, failures: list[Failure]) -> None:
        super().__init__(message, details=[failure.as_dict() for failure in failures])
        self.failures = failures


def rejected(title: str, key: object | None, failures: list[Failure]) -> RejectedError:
    """The 422 for a record of entity `title` (its key, when known) and every rule it failed."""
    what = str(key) if key else "record"
    count = len(failures)
    return RejectedError(
        f"{title} {what} was rejected: {count} rule{'s' * (count != 1)} failed; nothing was written", failures
    )


class TransientError(SyncError):
    """Storage failed or was contended; the change may be retried (queues retry it by themselves)."""

    code = "transient"


class ConfigurationError(SyncError):
    """The app's settings are wrong; raised at start-up, listing every bad setting."""

    code = "configuration"


HTTP_STATUS: dict[type[SyncError], int] = {
    BadRequestError: 400,
    UnauthorizedError: 401,
    ForbiddenError: 403,
    NotFoundError: 404,
    MethodNotAllowedError: 405,
    ConflictError: 409,
    PayloadTooLargeError: 413,
    RejectedError: 422,
    TransientError: 503,
    ConfigurationError: 500,
}


def http_status(error: SyncError) -> int:
    """The status for an error: the entry of its nearest class in HTTP_STATUS (subclasses inherit)."""
    for cls in type(error).__mro__:
        if cls in HTTP_STATUS:
            return HTTP_STATUS[cls]
    return 500
