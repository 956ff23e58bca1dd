"""Transaction CPU: a two-entity transaction through the SDK's `submit_transaction` and through the project's codec
(shared/tablebatch.py), against one upsert — client CPU per call, in interleaved rounds of the same run.

A two-entity transaction is what the engine sends for a lead write (the row and its intent's index row); the
goal is the codec's at most 1.3x an upsert's CPU (the SDK's was 3.5x)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from azure.data.tables import TableClient, UpdateMode

from shared import tablebatch

ROUNDS = 5
NAMES = ("upsert", "sdk", "codec")


@dataclass(frozen=True)
class TransactionCpu:
    """Client CPU in ms per call, each round's figure, by path: upsert, SDK transaction, codec transaction."""

    rounds: dict[str, list[float]]

    def median(self, name: str) -> float:
        return statistics.median(self.rounds[name])

    def ratio(self, name: str) -> float:
        return self.median(name) / self.median("upsert")

    def as_dict(self) -> dict[str, Any]:
        return {
            "ms_per_call": {name: [round(value, 3) for value in self.rounds[name]] for name in NAMES},
            "vs_upsert": {name: round(self.ratio(name), 3) for name in NAMES},
        }


def measure(client: TableClient, templates: Sequence[dict[str, Any]], n: int) -> TransactionCpu:
    """`n` calls of each path per round, ROUNDS rounds, the paths taking turns within each round; rows of the
    templates' size (the engine's own rows), each call on new RowKeys."""
    lead = {**templates[0], "PartitionKey": "TX"}

    def rows(tag: str, index: int) -> list[tuple[Any, ...]]:
        entity = {**lead, "RowKey": f"{tag}{index:07}"}
        return [("upsert", entity, {"mode": UpdateMode.REPLACE}), ("upsert", {**entity, "RowKey": f"$i{tag}{index}"})]

    paths: dict[str, Callable[[int], Any]] = {
        "upsert": lambda i: client.upsert_entity({**lead, "RowKey": f"u{i:07}"}, mode=UpdateMode.REPLACE),
        "sdk": lambda i: client.submit_transaction(rows("s", i)),
        "codec": lambda i: tablebatch.submit(client, rows("c", i)),
    }
    rounds: dict[str, list[float]] = {name: [] for name in NAMES}
    for round_ in range(ROUNDS):
        for name in NAMES:
            began = time.process_time()
            for index in range(round_ * n, (round_ + 1) * n):
                paths[name](index)
            rounds[name].append((time.process_time() - began) / n * 1000)
    return TransactionCpu(rounds)


def line(cpu: TransactionCpu) -> str:
    """The report's row: each path's median ms of CPU per call (min-max over the rounds) and its ratio."""
    cells = [
        f"{label} {cpu.median(name):.2f} ms ({min(cpu.rounds[name]):.2f}-{max(cpu.rounds[name]):.2f}, "
        f"{cpu.ratio(name):.2f}x)"
        for name, label in (("upsert", "one upsert"), ("sdk", "SDK two-entity transaction"), ("codec", "codec"))
    ]
    return "transaction CPU per call, median of 5 interleaved rounds (min-max, vs one upsert): " + "; ".join(cells)
