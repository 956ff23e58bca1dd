"""The parts of host.json the local host follows: the HTTP route prefix and the queue settings.

Durations in host.json are .NET TimeSpans ("00:00:02", "1.00:00:00"); overrides given in code
may also be plain seconds, which keeps tests short to write.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .failures import HostConfigError

_TIMESPAN = re.compile(r"^(?:(?P<days>\d+)\.)?(?P<h>\d+):(?P<m>\d{1,2}):(?P<s>\d{1,2}(?:\.\d+)?)$")

# The Functions host's documented defaults (newBatchThreshold is not followed: a batch is
# finished before the next is fetched, which changes throughput, not correctness).
QUEUE_DEFAULTS: dict[str, Any] = {
    "batchSize": 16,
    "maxDequeueCount": 5,
    "visibilityTimeout": "00:00:00",
    "maxPollingInterval": "00:01:00",
    "messageEncoding": "base64",
}
MAX_BATCH_SIZE = 32  # the Storage service never returns more messages per receive
MAX_VISIBILITY_TIMEOUT = 7 * 86400  # seconds: the most Update Message accepts


def parse_timespan(value: str | float | int, setting: str) -> float:
    """Seconds from a TimeSpan string or a number of seconds."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    match = _TIMESPAN.match(str(value).strip())
    if match is None:
        raise HostConfigError(f"host.json {setting}: {value!r} is not a TimeSpan like '00:00:02'")
    days = int(match["days"] or 0)
    return days * 86400 + int(match["h"]) * 3600 + int(match["m"]) * 60 + float(match["s"])


@dataclass(frozen=True)
class QueueSettings:
    batch_size: int = 16
    max_dequeue_count: int = 5
    visibility_timeout: float = 0.0
    max_polling_interval: float = 60.0
    message_encoding: str = "base64"

    @classmethod
    def from_json(cls, section: dict[str, Any]) -> QueueSettings:
        merged = {**QUEUE_DEFAULTS, **section}
        batch = int(merged["batchSize"])
        if not 1 <= batch <= MAX_BATCH_SIZE:
            raise HostConfigError(f"host.json batchSize: {batch} is not between 1 and {MAX_BATCH_SIZE}")
        encoding = str(merged["messageEncoding"]).lower()
        if encoding not in ("base64", "none"):
            raise HostConfigError(f"host.json messageEncoding: {encoding!r} is neither 'base64' nor 'none'")
        dequeues = int(merged["maxDequeueCount"])
        if dequeues < 1:
            raise HostConfigError(f"host.json maxDequeueCount: {dequeues} is not 1 or more")
        visibility = parse_timespan(merged["visibilityTimeout"], "visibilityTimeout")
        if not 0 <= visibility <= MAX_VISIBILITY_TIMEOUT:
            raise HostConfigError(f"host.json visibilityTimeout: {visibility:g} s is not between 0 and 7 days")
        return cls(
            batch_size=batch,
            max_dequeue_count=dequeues,
            visibility_timeout=visibility,
            max_polling_interval=parse_timespan(merged["maxPollingInterval"], "maxPollingInterval"),
            message_encoding=encoding,
        )


@dataclass(frozen=True)
class HostConfig:
    route_prefix: str = "api"
    queues: QueueSettings = field(default_factory=QueueSettings)
    function_timeout: float | None = 300.0  # None: unlimited ("-1")

    @classmethod
    def load(cls, path: Path | None, queue_overrides: dict[str, Any] | None = None) -> HostConfig:
        """Read host.json (a missing file means all defaults); overrides use host.json's key names."""
        data = _read_json(path) if path is not None and path.exists() else {}
        extensions = data.get("extensions", {})
        queues = {**extensions.get("queues", {}), **(queue_overrides or {})}
        return cls(
            route_prefix=str(extensions.get("http", {}).get("routePrefix", "api")).strip("/"),
            queues=QueueSettings.from_json(queues),
            function_timeout=_function_timeout(data.get("functionTimeout", "00:05:00")),
        )


def _function_timeout(value: str | float) -> float | None:
    if str(value).strip() == "-1":
        return None
    return parse_timespan(value, "functionTimeout")


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise HostConfigError(f"{path}: cannot read it as JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise HostConfigError(f"{path}: expected a JSON object")
    return data
