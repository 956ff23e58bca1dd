"""Helpers for tests that call the app and look into its storage."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import requests
from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import TableClient, TableServiceClient
from azure.storage.queue import QueueClient, QueueServiceClient, TextBase64EncodePolicy

from shared import jsonio
from shared.entities import ENTITIES
from shared.jobs import importer
from shared.keys import is_record_key
from shared.settings import Settings
from tests.samples import needs

T = TypeVar("T")


class Api:
    """A caller of the app's HTTP routes."""

    def __init__(self, base_url: str) -> None:
        self.base = f"{base_url}/api"
        self.session = requests.Session()

    def post(self, side: str, entity: str, body: Any, **kwargs: Any) -> requests.Response:
        data = body if isinstance(body, (bytes, str)) else jsonio.dumps(body)
        headers = kwargs.pop("headers", {"content-type": "application/json"})
        return self.session.post(f"{self.base}/{side}/{entity}", data=data, headers=headers, timeout=30, **kwargs)

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.session.get(f"{self.base}/{path}", params=params, timeout=30)

    def delete(self, path: str) -> requests.Response:
        return self.session.delete(f"{self.base}/{path}", timeout=30)


def post_ok(api: Api, side: str, body: dict[str, Any], *, entity: str) -> dict[str, Any]:
    """POST a change that must succeed; its answer."""
    answer = api.post(side, entity, body)
    assert answer.status_code in (200, 201), answer.text
    return dict(answer.json())


def refused(api: Api, side: str, body: dict[str, Any], *, entity: str) -> set[tuple[str, str, str]]:
    """POST a change that must be refused (422, nothing written); its failures as (field, rule, side)."""
    answer = api.post(side, entity, body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] == "validation_failed"
    return {(d["field"], d["rule"], d["side"]) for d in answer.json()["error"]["details"]}


def prepare(api: Api, slug: str, company: str = "USMF") -> None:
    """Create, through the app, the records of other entities that the entity's samples name (their `needs`,
    tests/samples/: a warehouse's site), so that its samples can be written."""
    for entity, record in needs(slug, company):
        answer = api.post("fs", entity, record)
        assert answer.status_code in (200, 201), answer.text


def rows(tables: TableServiceClient, table: str, partition: str) -> dict[str, dict[str, Any]]:
    """A partition's records by RowKey (a company's guard row and a delete's tombstone are no records)."""
    client: TableClient = tables.get_table_client(table)
    found = client.query_entities("PartitionKey eq @pk", parameters={"pk": partition})
    return {row["RowKey"]: dict(row) for row in found if is_record_key(row["RowKey"]) and not row.get("SyncDeleted")}


def send(connection: str, queue: str, message: Any) -> None:
    client = QueueClient.from_connection_string(connection, queue, message_encode_policy=TextBase64EncodePolicy())
    client.send_message(message if isinstance(message, str) else jsonio.dumps(message).decode())


def peek(queues: QueueServiceClient, queue: str) -> list[str]:
    client = queues.get_queue_client(queue)
    try:
        return [m.content for m in client.peek_messages(max_messages=32)]
    except ResourceNotFoundError:  # the queue does not exist yet
        return []


def eventually(probe: Callable[[], T], timeout: float = 15.0) -> T:
    """The probe's first truthy result, polled until `timeout`; fails the test after."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(0.05)


def held(
    tables: TableServiceClient, slug: str, side: str, records: Sequence[Mapping[str, Any]]
) -> importer.ImportReport:
    """Write records a system already holds (no sync metadata) into its partition, as an import does: the
    import's own checks and creates, the records numbered as the lines of a file, companies the defaults."""
    client = tables.create_table_if_not_exists(ENTITIES[slug].table)
    settings = Settings(storage_connection="UseDevelopmentStorage=true")  # only its companies are read
    return importer.load(client, ENTITIES[slug], side, list(enumerate(records, start=1)), settings=settings)  # type: ignore[arg-type]
