"""The app served by the local host over real HTTP, against the session's Azurite."""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import pytest
from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
from azure.data.tables import TableClient, TableServiceClient
from azure.storage.queue import QueueServiceClient

from devhost import LocalHost
from devtools.azurite import Azurite
from functions import runtime
from shared.entities import ENTITIES
from tests.integration.support import Api, prepare
from tests.samples import SAMPLES

ROOT = Path(__file__).resolve().parents[2]
CLEANED = [spec.table for spec in ENTITIES.values()] + ["SyncErrors", "SyncJobs"]


@pytest.fixture(scope="session")
def connection(azurite: Azurite) -> Iterator[str]:
    """The app's settings point at the test Azurite; every setting else keeps its default."""
    saved = {name: os.environ.get(name) for name in ("AzureWebJobsStorage", "SYNC_COMPANIES", "SYNC_PRIMARY_SIDE")}
    os.environ["AzureWebJobsStorage"] = azurite.connection_string
    os.environ.pop("SYNC_COMPANIES", None)
    os.environ.pop("SYNC_PRIMARY_SIDE", None)
    runtime.reset()
    yield azurite.connection_string
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    runtime.reset()


@pytest.fixture(scope="session")
def host(connection: str) -> Iterator[LocalHost]:
    # host.json's 30 s visibility timeout shortened, so that a retry comes within the test. An idle queue is looked
    # at every maxPollingInterval (host.json's 2 s): a message sent from this process, the app's or a test's, ends
    # the back-off at once (devhost/watch.py), and polling 5 times a second cost a third of a core per worker.
    overrides = {"visibilityTimeout": 1}
    with LocalHost.from_module("function_app", host_json=ROOT / "host.json", queue_overrides=overrides) as served:
        yield served


@pytest.fixture
def api(host: LocalHost, clean: None) -> Api:
    return Api(host.base_url)


@pytest.fixture
def prerequisites(request: pytest.FixtureRequest, api: Api) -> None:
    """The records of other entities that samples name (a warehouse's site), created in USMF before a test
    that writes those samples: `pytestmark = pytest.mark.usefixtures("prerequisites")`. A test parametrized
    by `slug` gets its entity's only, so that a test of the named entity itself starts from none."""
    params = getattr(request.node, "callspec", None)
    slug = params.params.get("slug") if params is not None else None
    for entity in [slug] if isinstance(slug, str) else SAMPLES:
        prepare(api, entity)


@pytest.fixture
def tables(connection: str) -> TableServiceClient:
    return TableServiceClient.from_connection_string(connection)


@pytest.fixture
def queues(connection: str) -> QueueServiceClient:
    return QueueServiceClient.from_connection_string(connection)


@pytest.fixture
def clean(tables: TableServiceClient, queues: QueueServiceClient) -> None:
    """Every test starts with empty entity tables, error log and queues, and no confirmation of an earlier
    test's change still waiting in the app (shared/sync/confirmations.py) to be sent during this one."""
    for engine in runtime.engines():
        engine.journal.confirmations.flush()
    for table in CLEANED:
        _empty(tables.get_table_client(table))
    for queue in queues.list_queues():
        queues.get_queue_client(queue.name).clear_messages()


def _empty(client: TableClient) -> None:
    """Delete every row, a transaction of up to 100 per partition at a time (one request, not one per row). The
    table is listed straight away, not created first (a refused create per table per test); one that is missing
    (never made yet, or dropped by a test) is made, as tests expect it to be there."""
    partitions: dict[str, list[dict[str, str]]] = defaultdict(list)
    try:
        for row in client.list_entities(select=["PartitionKey", "RowKey"]):
            partitions[row["PartitionKey"]].append({"PartitionKey": row["PartitionKey"], "RowKey": row["RowKey"]})
    except ResourceNotFoundError:
        with suppress(ResourceExistsError):  # the app, making it on first use meanwhile
            client.create_table()
        return
    for rows in partitions.values():
        for start in range(0, len(rows), 100):
            client.submit_transaction([("delete", row) for row in rows[start : start + 100]])
