"""Filling a table fast with synced-looking rows: 100-row transactions whose body is built here.

`TableClient.submit_transaction` spends about 1 ms of Python per entity building the multipart body
and parsing the answer with the `email` package, so 200,000 entities (100,000 records, both
partitions) would take over 3 minutes of this process's CPU alone. The body of an insert-only
transaction is plain text, so it is written here and sent through the client's own pipeline (for its
Shared Key signature); Azurite is then the limit, at several thousand entities/s. That pipeline is
the SDK's private `_client` (azure-data-tables 12.7): if a new version drops it, `Filler` says so.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from azure.core.rest import HttpRequest
from azure.data.tables import TableClient

from bench.measure import BenchError
from bench.records import COMPANY
from shared import jsonio
from shared.keys import Key

BATCH = 100  # a transaction's limit (Table Storage: at most 100 operations)
IN_FLIGHT = 4  # transactions at once: keeps single-threaded Azurite busy while Python builds the next
INT32 = range(-(2**31), 2**31)


def odata(entity: dict[str, Any]) -> dict[str, Any]:
    """An entity as the Table REST API takes it: dates and big ints carry their EDM type."""
    out: dict[str, Any] = {}
    for name, value in entity.items():
        if isinstance(value, dt.datetime):
            out[name] = value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            out[f"{name}@odata.type"] = "Edm.DateTime"
        elif isinstance(value, int) and not isinstance(value, bool) and value not in INT32:
            out[name], out[f"{name}@odata.type"] = str(value), "Edm.Int64"
        else:
            out[name] = value
    return out


def named(template: dict[str, Any], template_name: str, name: str) -> dict[str, Any]:
    """The template's row for record `name`: its RowKey, and every column that held the template's name."""
    row = {column: name if value == template_name else value for column, value in template.items()}
    return {**row, "RowKey": Key(COMPANY, name).row_key}


def transaction_body(table_url: str, entities: Sequence[dict[str, Any]]) -> tuple[str, bytes]:
    """(boundary, body) of one changeset inserting `entities` (all of one partition)."""
    batch, changeset = f"batch_{uuid.uuid4()}", f"changeset_{uuid.uuid4()}"
    parts = [f"--{batch}\r\nContent-Type: multipart/mixed; boundary={changeset}\r\n\r\n"]
    for index, entity in enumerate(entities):
        parts.append(
            f"--{changeset}\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n"
            f"Content-ID: {index}\r\n\r\nPOST {table_url} HTTP/1.1\r\nContent-Type: application/json\r\n"
            "Accept: application/json;odata=nometadata\r\nPrefer: return-no-content\r\nDataServiceVersion: 3.0\r\n\r\n"
            f"{jsonio.dumps(odata(entity)).decode()}\r\n"
        )
    parts.append(f"--{changeset}--\r\n\r\n--{batch}--\r\n")
    return batch, "".join(parts).encode()


class Filler:
    """Inserts rows made from templates (one per partition) into the templates' table."""

    def __init__(self, client: TableClient, templates: Sequence[dict[str, Any]], template_name: str) -> None:
        self.client, self.templates, self.template_name = client, templates, template_name
        self.account_url = client.url.rstrip("/")
        self._send = getattr(client, "_client", None)
        if self._send is None or not hasattr(self._send, "send_request"):
            raise BenchError("azure-data-tables has no TableClient._client.send_request any more: update bench/fill.py")

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
        boundary, body = transaction_body(f"{self.account_url}/{self.client.table_name}", entities)
        headers = {
            "x-ms-version": "2019-02-02",
            "DataServiceVersion": "3.0",
            "MaxDataServiceVersion": "3.0;NetFx",
            "Content-Type": f"multipart/mixed; boundary={boundary}",
            "Accept": "application/json",
        }
        request = HttpRequest("POST", f"{self.account_url}/$batch", headers=headers, content=body)
        response = self._send.send_request(request, stream=True)  # type: ignore[union-attr]
        answer = response.read().decode(errors="replace")
        inserted = answer.count(" 204 ")  # one "HTTP/1.1 204 No Content" per row; a failed one has its error
        if response.status_code != 202 or inserted != len(entities):
            raise BenchError(f"a fill transaction inserted {inserted} of {len(entities)} rows: {answer[-300:]!r}")
