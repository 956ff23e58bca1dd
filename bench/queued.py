"""Waiting for queued records to land on the SCM side, and when each one did."""

from __future__ import annotations

import time

from azure.data.tables import TableClient

from bench.measure import BenchError
from bench.records import COMPANY
from shared.entities.payment_terms import SPEC
from shared.keys import Key, decode_row_key
from shared.sync.store import PARTITION

POLL = 0.1  # seconds; each poll is one (uncounted) query that Azurite also has to answer


def wait_for_scm(connection: str, prefix: str, n: int, timeout: float) -> dict[str, float]:
    """Name → time (epoch s) its SCM row was written, from Azurite's Timestamp, once all n are there."""
    table = TableClient.from_connection_string(connection, SPEC.table)
    low = Key(COMPANY, prefix).row_key
    high = low[:-1] + chr(ord(low[-1]) + 1)  # every key starting with `low`, and nothing after
    query = "PartitionKey eq @pk and RowKey ge @lo and RowKey lt @hi"
    params = {"pk": PARTITION["scm"], "lo": low, "hi": high}
    deadline = time.monotonic() + timeout
    with table:
        while True:
            rows = list(table.query_entities(query, parameters=params, select=["RowKey", "Timestamp"]))
            if len(rows) >= n:
                return {decode_row_key(row["RowKey"]).id: row.metadata["timestamp"].timestamp() for row in rows}
            if time.monotonic() > deadline:
                raise BenchError(f"only {len(rows)} of {n} queued records reached SCM within {timeout:.0f} s")
            time.sleep(POLL)
