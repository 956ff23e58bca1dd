"""Storage faults said truthfully: a dropped table is created again, a fault is a 503 that says storage
failed (never a 404 or "changed by others"), and recovery reports each entity on its own."""

from __future__ import annotations

import logging
from typing import Any

import pytest
import requests
from azure.core.exceptions import ServiceRequestError
from azure.core.pipeline import PipelineRequest
from azure.core.pipeline.policies import SansIOHTTPPolicy
from azure.data.tables import TableServiceClient

from shared.entities import ENTITIES
from tests.integration.storage import Fault, policy
from tests.integration.support import Api, eventually, send
from tests.samples import sample

pytestmark = pytest.mark.usefixtures("prerequisites")  # a warehouse's site, created first


def recover(api: Api) -> requests.Response:
    return api.session.post(f"{api.base}/operations/recover", params={"grace_seconds": "0"}, timeout=60)


def table_names(tables: TableServiceClient) -> set[str]:
    return {table.name for table in tables.list_tables()}


@pytest.mark.parametrize("slug", sorted(ENTITIES))
def test_a_table_dropped_while_the_app_runs_is_created_again(slug: str, api: Api, tables: TableServiceClient) -> None:
    """Used to answer 503 "being changed by others" after 30 tries, and never create the table again."""
    table = ENTITIES[slug].table
    assert api.post("fs", slug, sample(slug, "fs", "BEFORE", 1, at=1)).status_code == 201
    tables.delete_table(table)
    missing = api.get(f"fs/{slug}/USMF/BEFORE")
    assert missing.status_code == 404, missing.text  # the table went with its rows: truly not there
    assert table in table_names(tables)  # ... and the read created the table again
    tables.delete_table(table)
    created = api.post("fs", slug, sample(slug, "fs", "AFTER", 1, at=2))
    assert created.status_code == 201, created.text
    tables.delete_table(table)
    assert api.get(f"scm/{slug}", company="USMF").json()["items"] == []
    assert recover(api).status_code == 200


def test_a_storage_fault_is_a_503_that_says_so(api: Api) -> None:
    slug = "payment-terms"
    assert api.post("fs", slug, sample(slug, "fs", "F", 1, at=1)).status_code == 201
    fault = Fault(ENTITIES[slug].table)
    with policy(fault):
        fault.arm(1, after=False)
        read = api.get(f"fs/{slug}/USMF/F")
        fault.arm(1, after=False)
        write = api.post("fs", slug, sample(slug, "fs", "F", 2, at=2))
    for answer in (read, write):
        assert answer.status_code == 503, answer.text
        error = answer.json()["error"]
        assert error["code"] == "transient" and "storage failed" in error["message"], error


class Unreachable(SansIOHTTPPolicy[Any, Any]):
    """Every request to one table fails, as if its storage were down."""

    def __init__(self, table: str) -> None:
        self.table = table

    def on_request(self, request: PipelineRequest[Any]) -> None:
        if f"/{self.table}" in request.http_request.url:
            raise ServiceRequestError(f"injected: {self.table} unreachable")


def test_recovery_reports_each_entity_on_its_own(api: Api) -> None:
    """One entity whose storage fails used to lose every entity's report."""
    with policy(Unreachable("Warehouses")):
        answer = recover(api)
    assert answer.status_code == 503, answer.text
    reports = {report["entity"]: report for report in answer.json()["error"]["details"]}
    assert set(reports) == set(ENTITIES)
    assert reports["warehouses"]["error"]["code"] == "transient"
    assert all("error" not in report for slug, report in reports.items() if slug != "warehouses")


def test_log_lines_escape_caller_text_and_carry_structured_fields(
    api: Api, connection: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    forged = "X\n[2026-01-01 00:00:00] FORGED line"
    assert api.get(f"fs/ship-via/USMF/{requests.utils.quote(forged, safe='')}").status_code == 404
    send(connection, "fs-to-scm-ship-via", {"operation": "delete", "key": {"company": "USMF", "id": forged}})
    assert api.post("fs", "ship-via", sample("ship-via", "fs", "LOGGED", 1, at=1)).status_code == 201
    eventually(
        lambda: any(
            "FORGED" in record.getMessage() for record in caplog.records if record.name == "shared.edge.messages"
        )
    )
    for record in caplog.records:
        if not record.name.startswith("azure"):  # the SDK's own HTTP logging is not ours
            assert "\n" not in record.getMessage(), record.getMessage()
    created = [r for r in caplog.records if r.name == "shared.sync.engine" and "LOGGED" in r.getMessage()]
    assert created, [r.getMessage() for r in caplog.records]
    fields = {name: getattr(created[0], name, None) for name in ("entity", "key", "side", "operation_id")}
    assert fields["entity"] == "ship-via" and fields["key"] == "USMF/LOGGED" and fields["side"] == "fs"
    assert fields["operation_id"]
