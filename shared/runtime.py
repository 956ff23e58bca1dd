"""The process-wide objects the triggers share: one storage client, one engine per entity."""

from __future__ import annotations

from functools import cache, lru_cache

from azure.data.tables import TableServiceClient

from shared.engine import Engine
from shared.entities import ENTITIES
from shared.errorlog import ErrorLog
from shared.errors import NotFoundError
from shared.settings import get_settings
from shared.store import EntityStore


@lru_cache(maxsize=1)
def table_service() -> TableServiceClient:
    return TableServiceClient.from_connection_string(get_settings().storage_connection.get_secret_value())


@cache
def engine(slug: str) -> Engine:
    spec = ENTITIES.get(slug)
    if spec is None:
        raise NotFoundError(f"unknown entity {slug!r}; known: {', '.join(ENTITIES)}")
    return Engine(spec, EntityStore(table_service(), spec.table), get_settings())


@lru_cache(maxsize=1)
def error_log() -> ErrorLog:
    return ErrorLog(table_service(), get_settings().error_table)


def reset() -> None:
    """Forget settings and clients (tests that change the environment call this)."""
    for cached in (get_settings, table_service, engine, error_log):
        cached.cache_clear()
