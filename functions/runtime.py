"""The wiring: the one place that builds the process's objects — storage clients, one engine per entity, the
error log, the pause states, the backlog, the status board and the job runner — and hands them down. Nothing
below the triggers imports it; the edge, operations and jobs take what they need as arguments.

Importing it sets the log level and format once for the process (SYNC_LOG_LEVEL, SYNC_LOG_FORMAT, read by
shared/logs.py): a bad one stops the app from loading, as the Functions host or the local host reports.

`add_request_policy` puts an azure-core pipeline policy on every storage client made after it (the
tests count round trips with one; fault-injection tests raise from one).
"""

from __future__ import annotations

import os
from functools import cache, lru_cache
from typing import Any

from azure.data.tables import TableClient, TableServiceClient
from azure.storage.queue import QueueClient, TextBase64EncodePolicy

from shared.connections import transport
from shared.edge.replay import HeldChanges
from shared.entities import ENTITIES
from shared.errors import NotFoundError
from shared.jobs.runner import KINDS, QUEUE, JobRunner
from shared.jobs.table import JobTable
from shared.logs import configure as configure_logs
from shared.operations import catchup
from shared.operations.alerts import watch as watch_failures
from shared.operations.backlog import TABLE as BACKLOG_TABLE
from shared.operations.backlog import Backlog
from shared.operations.states import TABLE as STATES_TABLE
from shared.operations.states import PauseStates
from shared.operations.status import StatusBoard
from shared.settings import get_settings
from shared.sync.engine import Engine
from shared.sync.errorlog import ErrorEntry, ErrorLog
from shared.sync.geo import locator
from shared.sync.neighbours import Neighbours
from shared.sync.search import stamper
from shared.sync.store import EntityStore

configure_logs(os.environ)  # once, where the app starts: before any trigger can log

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
    store = EntityStore(table_client(spec.table), locator(spec), stamper(spec))
    # the other entities' stores, each read through its own engine's when first needed (engines that name
    # each other are built one at a time)
    neighbours = Neighbours(ENTITIES, lambda other: engine(other).store)
    # a change that goes through resolves its key's open error entry, whatever path it came by
    return Engine(spec, store, get_settings(), neighbours=neighbours, after_write=error_log().resolve_written)


def engines() -> list[Engine]:
    return [engine(slug) for slug in ENTITIES]


@lru_cache(maxsize=1)
def error_log() -> ErrorLog:
    return ErrorLog(table_client(get_settings().error_table), after_record=_alert)


def _alert(entry: ErrorEntry) -> None:
    """After each logged failure: pause the entity if it fails too often (shared/operations/alerts.py)."""
    watch_failures(error_log(), pause_states(), get_settings(), entry)


JOBS_TABLE = "SyncJobs"


@lru_cache(maxsize=1)
def job_runner() -> JobRunner:
    """Jobs and the `sync-jobs` queue that carries their chunks (base64, as the host reads); the catch-up
    kind added to the jobs layer's own, with what its chunks need."""
    jobs = JobTable(table_client(JOBS_TABLE))
    queue = QueueClient.from_connection_string(  # the queue SDK ignores per-call policies: the transport only
        _connection(), QUEUE, message_encode_policy=TextBase64EncodePolicy(), transport=_transport()
    )
    catch_up = catchup.kind(pause_states(), backlog(), HeldChanges(), status_board().touch)
    return JobRunner(jobs, queue, engine, error_log(), {**KINDS, catchup.KIND: catch_up})


@lru_cache(maxsize=1)
def pause_states() -> PauseStates:
    """Which entities are paused (table `SyncControl`)."""
    return PauseStates(table_client(STATES_TABLE))


@lru_cache(maxsize=1)
def backlog() -> Backlog:
    """Changes held while their entity is paused (table `SyncBacklog`)."""
    return Backlog(table_client(BACKLOG_TABLE))


@lru_cache(maxsize=1)
def status_board() -> StatusBoard:
    return StatusBoard(table_service(), pause_states(), backlog(), get_settings().error_table)


class Process:
    """The process's objects as the edge asks for them (shared/edge/services.py: Services)."""

    def engine(self, slug: str) -> Engine:
        return engine(slug)

    def engines(self) -> list[Engine]:
        return engines()

    def error_log(self) -> ErrorLog:
        return error_log()

    def pause_states(self) -> PauseStates:
        return pause_states()

    def backlog(self) -> Backlog:
        return backlog()

    def job_runner(self) -> JobRunner:
        return job_runner()

    def status_board(self) -> StatusBoard:
        return status_board()


PROCESS = Process()


def reset() -> None:
    """Forget settings and clients (tests that change the environment call this)."""
    cached = (get_settings, table_service, engine, error_log, job_runner, pause_states, backlog, status_board)
    for function in cached:
        function.cache_clear()
