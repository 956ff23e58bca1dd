"""The process-wide objects the triggers share: storage clients, one engine per entity.

`add_request_policy` puts an azure-core pipeline policy on every storage client made after it (the
tests count round trips with one; fault-injection tests raise from one).
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Any

from azure.data.tables import TableClient, TableServiceClient
from azure.storage.queue import QueueClient, TextBase64EncodePolicy

from shared.connections import transport
from shared.engine import Engine
from shared.entities import ENTITIES
from shared.errorlog import ErrorEntry, ErrorLog
from shared.errors import NotFoundError
from shared.geo import locator
from shared.jobs.runner import QUEUE, JobRunner
from shared.jobs.table import JobTable
from shared.neighbours import Neighbours
from shared.operations.alerts import watch as watch_failures
from shared.operations.backlog import TABLE as BACKLOG_TABLE
from shared.operations.backlog import Backlog
from shared.operations.control import TABLE as CONTROL_TABLE
from shared.operations.control import Control
from shared.settings import get_settings
from shared.store import EntityStore

_policies: list[Any] = []


def add_request_policy(policy: Any) -> None:
    """Add a pipeline policy (e.g. a SansIOHTTPPolicy) to the storage clients made from now on."""
    _policies.append(policy)
    reset()


def remove_request_policy(policy: Any) -> None:
    _policies.remove(policy)
    reset()


def _connection() -> str:
    return get_settings().storage_connection.get_secret_value()


def _transport() -> Any:
    """A transport over the process's shared pool of storage connections."""
    return transport(get_settings().storage_connections)


def _client_options() -> dict[str, Any]:
    """Every table client: the request policies, and the shared pool of connections."""
    return {"per_call_policies": list(_policies), "transport": _transport()}


def table_client(table: str) -> TableClient:
    """A TableClient of its own: policies given to a TableServiceClient do not reach the clients it hands out."""
    return TableClient.from_connection_string(_connection(), table, **_client_options())


@lru_cache(maxsize=1)
def table_service() -> TableServiceClient:
    return TableServiceClient.from_connection_string(_connection(), **_client_options())


@cache
def engine(slug: str) -> Engine:
    spec = ENTITIES.get(slug)
    if spec is None:
        raise NotFoundError(f"unknown entity {slug!r}; known: {', '.join(ENTITIES)}")
    store = EntityStore(table_client(spec.table), locator(spec))
    # the other entities' stores, each read through its own engine's when first needed (engines that name
    # each other are built one at a time)
    neighbours = Neighbours(ENTITIES, lambda other: engine(other).store)
    return Engine(spec, store, get_settings(), neighbours=neighbours)


def engines() -> list[Engine]:
    return [engine(slug) for slug in ENTITIES]


@lru_cache(maxsize=1)
def error_log() -> ErrorLog:
    return ErrorLog(table_service(), get_settings().error_table, after_record=_alert)


def _alert(entry: ErrorEntry) -> None:
    """After each logged failure: pause the entity if it fails too often (shared/operations/alerts.py)."""
    watch_failures(error_log(), control(), get_settings(), entry)


JOBS_TABLE = "SyncJobs"


@lru_cache(maxsize=1)
def job_runner() -> JobRunner:
    """Jobs (initial sync) and the `sync-jobs` queue that carries their chunks (base64, as the host reads)."""
    from shared.operations import catchup  # noqa: F401  (adds the catch-up job kind to KINDS)

    jobs = JobTable(table_client(JOBS_TABLE))
    queue = QueueClient.from_connection_string(  # the queue SDK ignores per-call policies: the transport only
        _connection(), QUEUE, message_encode_policy=TextBase64EncodePolicy(), transport=_transport()
    )
    return JobRunner(jobs, queue, engine, error_log())


@lru_cache(maxsize=1)
def control() -> Control:
    """Which entities are paused (table `SyncControl`)."""
    return Control(table_client(CONTROL_TABLE))


@lru_cache(maxsize=1)
def backlog() -> Backlog:
    """Changes held while their entity is paused (table `SyncBacklog`)."""
    return Backlog(table_client(BACKLOG_TABLE))


def reset() -> None:
    """Forget settings and clients (tests that change the environment call this)."""
    for cached in (get_settings, table_service, engine, error_log, job_runner, control, backlog):
        cached.cache_clear()
