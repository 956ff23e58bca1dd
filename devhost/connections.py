"""Storage connection strings, checked at start-up so that a bad one is one plain sentence.

Without this, a garbage AzureWebJobsStorage surfaces as a ValueError traceback from the SDK (or,
for a key that is not base64, only at the first request). The rules are those the Python SDKs and
the Functions host share: `UseDevelopmentStorage=true` alone, or `Key=Value` pairs naming an
account with its key or a SAS, and somewhere to reach the queue service. Messages name the setting
and the part that is wrong, never a value: connection strings hold secrets.
"""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import urlsplit

from .failures import HostConfigError

DEV_STORAGE = "UseDevelopmentStorage=true"
ENDPOINTS = ("BlobEndpoint", "QueueEndpoint", "TableEndpoint", "FileEndpoint")
KNOWN_KEYS = (
    "DefaultEndpointsProtocol",
    "AccountName",
    "AccountKey",
    "SharedAccessSignature",
    "EndpointSuffix",
    *ENDPOINTS,
    *(name.replace("Endpoint", "SecondaryEndpoint") for name in ENDPOINTS),
)
_CANONICAL = {key.lower(): key for key in KNOWN_KEYS}
_WORD = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,40}$")
EXPECTED = "expected UseDevelopmentStorage=true, or AccountName=...;AccountKey=... (and endpoints if not Azure's)"


def checked_connection(setting: str, value: str) -> str:
    """The connection string of `setting`, ready for the SDK; HostConfigError if it cannot work."""
    text = value.strip()
    reason = problem(text)
    if reason is not None:
        raise HostConfigError(f"app setting {setting!r} is not a storage connection string: {reason}; {EXPECTED}")
    # The queue SDK takes only lower-case "true"; the Functions host takes any case.
    return DEV_STORAGE if text.lower() == DEV_STORAGE.lower() else text


def problem(text: str) -> str | None:
    """What is wrong with a connection string, in words that quote no value; None if nothing."""
    pairs, reason = _pairs(text)
    if reason is not None:
        return reason
    if "usedevelopmentstorage" in pairs:
        return _development_problem(pairs)
    unknown = [key for key in pairs if key not in _CANONICAL]
    if unknown:
        return f"{_key_name(unknown[0])} is not a connection string key"
    return _credential_problem(pairs) or _endpoint_problem(pairs)


def _pairs(text: str) -> tuple[dict[str, str], str | None]:
    """Lower-cased key → value; a reason instead when the text is not `Key=Value;...`."""
    parts = [part for part in text.split(";") if part.strip()]
    if not parts:
        return {}, "it is empty"
    pairs: dict[str, str] = {}
    for number, part in enumerate(parts, start=1):
        key, equals, value = part.partition("=")
        key = key.strip().lower()
        if not equals or not key:
            return {}, f"part {number} of {len(parts)} (separated by ';') is not Key=Value"
        if key in pairs:
            return {}, f"it gives {_key_name(key)} twice"
        pairs[key] = value.strip()
    return pairs, None


def _development_problem(pairs: dict[str, str]) -> str | None:
    if pairs["usedevelopmentstorage"].lower() != "true":
        return "UseDevelopmentStorage may only be true"
    if len(pairs) > 1:
        return "UseDevelopmentStorage=true must be the whole connection string"
    return None


def _credential_problem(pairs: dict[str, str]) -> str | None:
    if "accountkey" in pairs:
        if not pairs.get("accountname"):
            return "it has an AccountKey but no AccountName"
        if not _is_base64(pairs["accountkey"]):
            return "its AccountKey is not base64"
        return None
    if pairs.get("sharedaccesssignature"):
        return None
    return "it has no credentials (AccountName with AccountKey, or SharedAccessSignature)"


def _endpoint_problem(pairs: dict[str, str]) -> str | None:
    protocol = pairs.get("defaultendpointsprotocol", "https").lower()
    if protocol not in ("http", "https"):
        return "its DefaultEndpointsProtocol is neither http nor https"
    for key in (k.lower() for k in KNOWN_KEYS if k.endswith("Endpoint")):
        if key in pairs and not _is_url(pairs[key]):
            return f"its {_CANONICAL[key]} is not an http(s) URL"
    if "queueendpoint" not in pairs and not pairs.get("accountname"):
        return "it names no queue service (QueueEndpoint, or an AccountName for Azure's endpoints)"
    return None


def _is_base64(text: str) -> bool:
    try:
        return bool(text) and bool(base64.b64decode(text, validate=True))
    except (binascii.Error, ValueError):
        return False


def _is_url(text: str) -> bool:
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def _key_name(key: str) -> str:
    """A key as the message may show it: a known key's spelling, a plain word, or nothing of it."""
    if key in _CANONICAL:
        return _CANONICAL[key]
    return f"the key {key!r}" if _WORD.match(key) else "one of its keys"
