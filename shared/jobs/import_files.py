"""Where an import's file waits for its job: blob container `sync-imports` of the app's storage account.

Each upload is a folder `{entity}/{id}/` holding the file as it was sent (`file`) and what the survey
learnt of it (`layout.json`: pages, keys spelled twice). A job reads the layout and one page's bytes
per chunk, so a restarted job reads on from its checkpoint. The files stay after the job (what was
imported, for as long as the operator keeps them).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextlib import suppress
from functools import lru_cache
from typing import TypeVar

from azure.core.exceptions import AzureError, ResourceExistsError, ResourceNotFoundError
from azure.storage.blob import BlobServiceClient, ContainerClient

from shared.connections import transport
from shared.errors import TransientError
from shared.jobs.exports import Layout
from shared.settings import Settings

CONTAINER = "sync-imports"
T = TypeVar("T")


class ImportFiles:
    def __init__(self, container: ContainerClient) -> None:
        self._container = container

    def keep(self, slug: str, data: bytes, layout: Layout) -> str:
        """Store the file and its layout; the folder's name, for the job's parameters."""
        folder = f"{slug}/{uuid.uuid4().hex}"
        self._call("store the import's file", lambda: self._upload(f"{folder}/file", data))
        self._call("store the import's file", lambda: self._upload(f"{folder}/layout.json", layout.as_json()))
        return folder

    def layout(self, folder: str) -> Layout:
        return Layout.from_json(self._call("read the import's file", lambda: self._read(f"{folder}/layout.json")))

    def page(self, folder: str, span: tuple[int, int]) -> bytes:
        """The bytes [start, end) of the file."""
        start, end = span
        return self._call("read the import's file", lambda: self._read(f"{folder}/file", start, end - start))

    def drop(self, folder: str) -> None:
        """Remove an upload no job will read (its job could not be started)."""
        for name in (f"{folder}/file", f"{folder}/layout.json"):
            with suppress(AzureError):  # else left behind: a file no job names, which the operator may delete
                self._container.delete_blob(name)

    def _upload(self, name: str, data: bytes) -> None:
        try:
            self._container.upload_blob(name, data, overwrite=True, max_concurrency=4)
        except ResourceNotFoundError:  # the container is made on first use, like the tables
            with suppress(ResourceExistsError):
                self._container.create_container()
            self._container.upload_blob(name, data, overwrite=True, max_concurrency=4)

    def _read(self, name: str, offset: int | None = None, length: int | None = None) -> bytes:
        data: bytes = self._container.download_blob(name, offset=offset, length=length).readall()
        return data

    def _call(self, action: str, call: Callable[[], T]) -> T:
        try:
            return call()
        except AzureError as exc:
            raise TransientError(f"storage failed while trying to {action}; retry") from exc


def import_files(settings: Settings) -> ImportFiles:
    return _import_files(settings.storage_connection.get_secret_value(), settings.storage_connections)


@lru_cache(maxsize=4)
def _import_files(connection: str, pool: int) -> ImportFiles:
    service = BlobServiceClient.from_connection_string(connection, transport=transport(pool))
    return ImportFiles(service.get_container_client(CONTAINER))
