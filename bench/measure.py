"""One scenario's numbers, and the loop that times it."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from bench.counting import RequestCounter

T = TypeVar("T")


class BenchError(RuntimeError):
    """A scenario did not do what it measures (wrong status, records missing): its numbers would lie."""


@dataclass(frozen=True)
class Result:
    scenario: str
    n: int
    seconds: float
    p50_ms: float | None
    p95_ms: float | None
    requests: int | None  # storage requests sent during the scenario, if counted
    # storage requests of the work the scenario's changes left for later (their intents' confirmations and
    # recovery's pass), sent once the scenario ended; None: not measured
    deferred: int | None = None
    recovery_seconds: float | None = None  # the recovery pass after the scenario (the timer's, no purge)

    @property
    def ops_per_s(self) -> float:
        return self.n / self.seconds

    @property
    def requests_per_op(self) -> float | None:
        return None if self.requests is None else self.requests / self.n

    @property
    def total_requests_per_op(self) -> float | None:
        """Requests per change with the deferred work counted."""
        if self.requests is None or self.deferred is None:
            return None
        return (self.requests + self.deferred) / self.n

    def as_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "n": self.n,
            "seconds": round(self.seconds, 3),
            "ops_per_s": round(self.ops_per_s, 1),
            "p50_ms": _rounded(self.p50_ms),
            "p95_ms": _rounded(self.p95_ms),
            "requests_per_op": _rounded(self.requests_per_op),
            "deferred_requests": self.deferred,
            "requests_per_op_with_deferred": _rounded(self.total_requests_per_op),
            "recovery_seconds_after": _rounded(self.recovery_seconds),
        }


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def result(scenario: str, seconds: float, latencies_ms: Sequence[float], requests: int | None) -> Result:
    p50, p95 = percentile(latencies_ms, 0.50), percentile(latencies_ms, 0.95)
    return Result(scenario, len(latencies_ms), seconds, p50, p95, requests)


def timed(scenario: str, items: Iterable[T], op: Callable[[T], object], counter: RequestCounter | None) -> Result:
    """Run `op` on each item in turn; the wall time of the whole loop gives ops/s, each call's its latency."""
    before = counter.count if counter else 0
    latencies: list[float] = []
    clock = time.perf_counter
    start = clock()
    for item in items:
        began = clock()
        op(item)
        latencies.append((clock() - began) * 1000)
    seconds = clock() - start
    return result(scenario, seconds, latencies, counter.count - before if counter else None)


def expect(what: str, got: object, want: object) -> None:
    if got != want:
        raise BenchError(f"{what}: expected {want!r}, got {got!r}")


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
