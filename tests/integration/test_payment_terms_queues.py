"""Payment Terms through the queues: both directions, deletes, the error log and the poison queue."""

from __future__ import annotations

import pytest
from azure.data.tables import TableServiceClient
from azure.storage.queue import QueueServiceClient

from shared import jsonio
from shared.errors import TransientError
from shared.sync.errorlog import stored_change
from shared.sync.store import EntityStore
from tests.integration.support import Api, eventually, peek, rows, send

FS_QUEUE, SCM_QUEUE = "fs-to-scm-payment-terms", "scm-to-fs-payment-terms"
FS_RECORD = {"msdyn_company": "USMF", "msdyn_name": "Net14", "msdyn_days": 14, "modifiedon": "2026-02-01T08:00:00Z"}
SCM_RECORD = {"dataAreaId": "USSI", "Name": "COD", "NumberOfDays": 0, "PaymentMethodType": "COD"}


def errors(tables: TableServiceClient) -> list[dict]:
    return list(tables.create_table_if_not_exists("SyncErrors").list_entities())


def test_fs_to_scm_queue(api: Api, connection: str, tables: TableServiceClient, queues: QueueServiceClient) -> None:
    send(connection, FS_QUEUE, {"operation": "upsert", "record": FS_RECORD})
    scm = eventually(lambda: rows(tables, "PaymentTerms", "SCM"))
    assert scm["USMF|NET14"]["NumberOfDays"] == 14
    assert rows(tables, "PaymentTerms", "FS")["USMF|NET14"]["msdyn_name"] == "Net14"
    eventually(lambda: not peek(queues, FS_QUEUE))


def test_scm_to_fs_queue_upsert_then_delete(api: Api, connection: str, tables: TableServiceClient) -> None:
    send(connection, SCM_QUEUE, {"operation": "upsert", "record": SCM_RECORD})
    fs = eventually(lambda: rows(tables, "PaymentTerms", "FS"))
    assert fs["USSI|COD"]["msdyn_paymentmethodtype"] == 806380996
    send(connection, SCM_QUEUE, {"operation": "delete", "key": {"company": "ussi", "id": "cod"}})
    eventually(lambda: not rows(tables, "PaymentTerms", "FS") and not rows(tables, "PaymentTerms", "SCM"))
    assert errors(tables) == []


def test_delete_of_a_missing_key_is_done_not_an_error(
    api: Api, connection: str, tables: TableServiceClient, queues: QueueServiceClient
) -> None:
    send(connection, FS_QUEUE, {"operation": "delete", "key": {"company": "USMF", "id": "GONE"}})
    eventually(lambda: not peek(queues, FS_QUEUE))
    assert errors(tables) == []
    assert peek(queues, f"{FS_QUEUE}-poison") == []


@pytest.mark.parametrize(
    ("message", "code"),
    [
        pytest.param(
            {"operation": "upsert", "record": {**FS_RECORD, "msdyn_days": -3}}, "validation_failed", id="rule"
        ),
        pytest.param({"operation": "rename", "record": FS_RECORD}, "bad_request", id="unknown-operation"),
        pytest.param("this is not json", "bad_request", id="not-json"),
    ],
)
def test_invalid_message_goes_to_the_error_log_and_is_removed(
    api: Api, connection: str, tables: TableServiceClient, queues: QueueServiceClient, message: object, code: str
) -> None:
    send(connection, FS_QUEUE, message)
    [entry] = eventually(lambda: errors(tables))
    assert entry["PartitionKey"] == "payment-terms"
    assert entry["Direction"] == "fs-to-scm"
    assert entry["Code"] == code
    assert entry["RowKey"]  # the key's open entry; the queue message id when the message names no key
    assert entry["DequeueCount"] == 1
    reasons = jsonio.loads(entry["Reasons"])
    assert isinstance(reasons, list)
    if code == "validation_failed":
        assert (entry["Company"], entry["Id"]) == ("USMF", "NET14")  # the key as compared, as the filters name it
        assert reasons[0]["field"] == "msdyn_days" and reasons[0]["side"] == "fs"
    assert 'msdyn_days": -3' not in entry["Reasons"]  # reasons, never the record
    eventually(lambda: not peek(queues, FS_QUEUE))
    assert peek(queues, f"{FS_QUEUE}-poison") == []
    assert rows(tables, "PaymentTerms", "SCM") == {}


def test_stale_message_is_dropped_with_an_error_log_entry(
    api: Api, connection: str, tables: TableServiceClient
) -> None:
    assert api.post("fs", "payment-terms", {**FS_RECORD, "modifiedon": "2026-03-01T00:00:00Z"}).status_code == 201
    send(
        connection,
        SCM_QUEUE,
        {
            "operation": "upsert",
            "record": {
                "dataAreaId": "USMF",
                "Name": "NET14",
                "NumberOfDays": 99,
                "ModifiedDateTime": "2026-02-15T00:00:00Z",
            },
        },
    )
    [entry] = eventually(lambda: errors(tables))
    assert entry["Code"] == "stale" and entry["Direction"] == "scm-to-fs"
    assert rows(tables, "PaymentTerms", "SCM")["USMF|NET14"]["NumberOfDays"] == 14


def test_message_that_keeps_failing_lands_in_poison(
    api: Api, connection: str, tables: TableServiceClient, queues: QueueServiceClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Azurite cannot be made to fail on demand: inject a storage fault at the store seam for one key.
    real_read = EntityStore.read
    attempts: list[str] = []

    def failing_read(self: EntityStore, side: str, key: object) -> object:
        if "POISON" in str(key):
            if side == "fs":  # a change reads both sides (at once): count each try once
                attempts.append(str(key))
            raise TransientError("injected storage fault")
        return real_read(self, side, key)  # type: ignore[arg-type]

    monkeypatch.setattr(EntityStore, "read", failing_read)
    body = jsonio.dumps({"operation": "upsert", "record": {**FS_RECORD, "msdyn_name": "POISON"}}).decode()
    send(connection, FS_QUEUE, body)
    # the host moves it to the poison queue; the poison trigger logs it (body kept) and acknowledges it
    [entry] = eventually(lambda: errors(tables), timeout=30)
    assert (entry["Source"], entry["Code"], entry["Id"]) == ("poison", "poisoned", "POISON")
    assert stored_change(entry) == body.encode()  # moved unchanged
    assert len(attempts) == 5  # maxDequeueCount
    assert peek(queues, FS_QUEUE) == []
    eventually(lambda: not peek(queues, f"{FS_QUEUE}-poison"))
    monkeypatch.undo()  # the storage fault is over: the operator retries the entry
    retried = api.session.post(f"{api.base}/sync/errors/payment-terms~{entry['RowKey']}/retry", timeout=30)
    assert retried.status_code == 200 and retried.json()["entry"]["state"] == "resolved", retried.text
    assert "USMF|POISON" in rows(tables, "PaymentTerms", "SCM")


def test_message_that_is_not_base64_goes_to_poison_without_running(
    api: Api, queues: QueueServiceClient, tables: TableServiceClient
) -> None:
    queues.get_queue_client(FS_QUEUE).send_message("{not base64!}")  # sent without the base64 policy
    # not base64 either in the poison queue: the poison trigger cannot read it, the host moves it on
    [poisoned] = eventually(lambda: peek(queues, f"{FS_QUEUE}-poison-poison"))
    assert poisoned == "{not base64!}"
    assert errors(tables) == []
