"""The jobs table (`SyncJobs`): one row per job (partition `job`), per job the rows that wait for a later
pass because they name records not written yet (partition `deferred|{job id}`), and per entity the lock
row of the job that writes its records (partition `lock`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from azure.core import MatchConditions
from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import TableClient, UpdateMode

from shared import tablebatch
from shared.errors import NotFoundError
from shared.jobs.model import JOB_PARTITION, LOCK_PARTITION, Job, Lock
from shared.storage import Table, WriteConflictError, row_absent

T = TypeVar("T")
MAX_BATCH = 100


class JobTable:
    """Jobs and their deferred rows. Thread-safe; creates its table on first use (and again if dropped)."""

    def __init__(self, client: TableClient) -> None:
        self._table = Table(client)

    def _call(self, action: str, call: Callable[[TableClient], T]) -> T:
        return self._table.call(action, call)

    def create(self, job: Job) -> Job:
        result = self._call("create a job", lambda client: client.create_entity(job.columns()))
        job.etag = result["etag"]
        return job

    def get(self, job_id: str) -> Job:
        def read(client: TableClient) -> Job:
            try:
                return Job.from_entity(client.get_entity(JOB_PARTITION, job_id))
            except ResourceNotFoundError as exc:
                row_absent(exc)
                raise NotFoundError(f"no job {job_id!r}") from None

        return self._call(f"read job {job_id}", read)

    def save(self, job: Job) -> Job:
        """Write the job back only if nobody else did since it was read (WriteConflictError otherwise)."""
        result = self._call(
            f"save job {job.id}",
            lambda client: client.update_entity(
                job.columns(), mode=UpdateMode.REPLACE, etag=job.etag, match_condition=MatchConditions.IfNotModified
            ),
        )
        job.etag = result["etag"]
        return job

    def recent(self, limit: int = 20) -> list[Job]:
        def query(client: TableClient) -> list[Job]:
            found = client.query_entities(
                "PartitionKey eq @pk", parameters={"pk": JOB_PARTITION}, results_per_page=limit
            )
            return [Job.from_entity(entity) for entity, _ in zip(found, range(limit), strict=False)]

        return self._call("list jobs", query)

    # -- an entity's lock row ------------------------------------------------------------------

    def lock(self, entity: str) -> Lock | None:
        def read(client: TableClient) -> Lock | None:
            try:
                return Lock.from_entity(client.get_entity(LOCK_PARTITION, entity))
            except ResourceNotFoundError as exc:
                row_absent(exc)
                return None

        return self._call(f"read the lock of {entity}", read)

    def take(self, lock: Lock, held: Lock | None) -> Lock:
        """Write the lock row: a new one when `held` is None, else in place of `held` provided nobody wrote or
        deleted it since it was read (WriteConflictError otherwise)."""

        def write(client: TableClient) -> Any:
            if held is None:
                return client.create_entity(lock.columns())
            try:
                return client.update_entity(
                    lock.columns(),
                    mode=UpdateMode.REPLACE,
                    etag=held.etag,
                    match_condition=MatchConditions.IfNotModified,
                )
            except ResourceNotFoundError as exc:
                row_absent(exc)
                raise WriteConflictError(f"take the lock of {lock.entity}") from exc

        lock.etag = self._call(f"take the lock of {lock.entity}", write)["etag"]
        return lock

    def free(self, lock: Lock) -> None:
        """Delete the lock row, provided it is still as read (WriteConflictError otherwise); gone is fine."""
        self._call(
            f"free the lock of {lock.entity}",
            lambda client: client.delete_entity(
                LOCK_PARTITION, lock.entity, etag=lock.etag, match_condition=MatchConditions.IfNotModified
            ),
        )

    # -- deferred rows -------------------------------------------------------------------------

    def defer(self, job_id: str, row_keys: list[str], pass_number: int) -> None:
        """Rows that wait for pass `pass_number` (written again if they waited for an earlier one)."""
        for start in range(0, len(row_keys), MAX_BATCH):
            operations: list[Any] = [
                (
                    "upsert",
                    {"PartitionKey": _deferred(job_id), "RowKey": key, "Pass": pass_number},
                    {"mode": UpdateMode.REPLACE},
                )
                for key in row_keys[start : start + MAX_BATCH]
            ]
            self._call("defer rows", lambda client, ops=operations: tablebatch.submit(client, ops))  # type: ignore[misc]

    def resolve(self, job_id: str, row_keys: list[str]) -> None:
        """Rows that no longer wait (written, failed, or found in conflict)."""
        for start in range(0, len(row_keys), MAX_BATCH):
            operations: list[Any] = [
                ("delete", {"PartitionKey": _deferred(job_id), "RowKey": key})
                for key in row_keys[start : start + MAX_BATCH]
            ]
            self._call("resolve deferred rows", lambda client, ops=operations: tablebatch.submit(client, ops))  # type: ignore[misc]

    def deferred(self, job_id: str, pass_number: int, after: str | None, limit: int) -> list[str]:
        """Row keys waiting for a pass, in key order, after a RowKey."""
        query = "PartitionKey eq @pk and Pass eq @pass"
        params: dict[str, Any] = {"pk": _deferred(job_id), "pass": pass_number}
        if after is not None:
            query += " and RowKey gt @after"
            params["after"] = after

        def read(client: TableClient) -> list[str]:
            found = client.query_entities(query, parameters=params, select=["RowKey"], results_per_page=limit)
            return [entity["RowKey"] for entity, _ in zip(found, range(limit), strict=False)]

        return self._call("read deferred rows", read)

    def count_deferred(self, job_id: str, pass_number: int) -> int:
        return sum(1 for _ in self._keys(job_id, pass_number))

    def _keys(self, job_id: str, pass_number: int) -> Iterator[str]:
        after: str | None = None
        while page := self.deferred(job_id, pass_number, after, 1000):
            yield from page
            after = page[-1]


def _deferred(job_id: str) -> str:
    return f"deferred|{job_id}"
