"""Filling a table fast with synced-looking rows: 100-row transactions through the project's codec.

`TableClient.submit_transaction` spends about 1 ms of Python per entity building the multipart body
and parsing the answer with the `email` package, so 200,000 entities (100,000 records, both
partitions) would take over 3 minutes of this process's CPU alone. shared/tablebatch.py writes the
same body by hand and sends it through the client's own pipeline; Azurite is then the limit, at
several thousand entities/s.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from azure.data.tables import EdmType, EntityProperty, TableClient

from bench.measure import BenchError
from bench.records import COMPANY
from shared import tablebatch
from shared.keys import Key

BATCH = 100  # a transaction's limit (Table Storage: at most 100 operations)
IN_FLIGHT = 4  # transactions at once: keeps single-threaded Azurite busy while Python builds the next
INT32 = range(-(2**31), 2**31)


def odata(entity: dict[str, Any]) -> dict[str, Any]:
    """An entity as stored: an int beyond Int32 as an Int64 (the SDK, so the codec, refuses a bare one)."""
    return {
        name: EntityProperty(value, EdmType.INT64)
        if isinstance(value, int) and not isinstance(value, bool) and value not in INT32
        else value
        for name, value in entity.items()
    }


def named(template: dict[str, Any], template_name: str, name: str) -> dict[str, Any]:
    """The template's row for record `name`: its RowKey, and every column that held the template's name."""
    row = {column: name if value == template_name else value for column, value in template.items()}
    return {**row, "RowKey": Key(COMPANY, name).row_key}


class Filler:
    """Inserts rows made from templates (one per partition) into the templates' table."""

    def __init__(self, client: TableClient, templates: Sequence[dict[str, Any]], template_name: str) -> None:
        self.client, self.templates, self.template_name = client, templates, template_name
        tablebatch.pipeline(client)  # the SDK's private pipeline, there or said missing before anything runs

    def fill(self, names: Sequence[str]) -> None:
        """Insert both partitions' rows of every name, 100 to a transaction, IN_FLIGHT at once."""
        with ThreadPoolExecutor(IN_FLIGHT) as pool:
            for _ in pool.map(self._insert, self._batches(names)):
                pass

    def insert(self, entities: Sequence[dict[str, Any]]) -> None:
        """Insert rows as they are (all of one partition), 100 to a transaction, IN_FLIGHT at once."""
        batches = [list(entities[start : start + BATCH]) for start in range(0, len(entities), BATCH)]
        with ThreadPoolExecutor(IN_FLIGHT) as pool:
            for _ in pool.map(self._insert, batches):
                pass

    def _batches(self, names: Sequence[str]) -> Iterator[list[dict[str, Any]]]:
        for start in range(0, len(names), BATCH):
            chunk = names[start : start + BATCH]
            for template in self.templates:
                yield [named(template, self.template_name, name) for name in chunk]

    def _insert(self, entities: list[dict[str, Any]]) -> None:
        results = tablebatch.submit(self.client, [("create", odata(entity)) for entity in entities])
        if len(results) != len(entities):
            raise BenchError(f"a fill transaction inserted {len(results)} of {len(entities)} rows")
