"""Error log entries without storage: row keys safe in a URL, the change split and joined, filters, items."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.errors import NotFoundError, RejectedError, SyncError
from shared.operations import alerts
from shared.operations.error_entries import item, parse, split_id
from shared.settings import Settings
from shared.sync.errorlog import CHUNK_BYTES, SAFE_ROW_KEY, ErrorEntry, change_columns, row_key, stored_change


@given(st.text(min_size=1, max_size=300))
def test_every_message_id_gets_a_url_safe_stable_row_key(message_id: str) -> None:
    key = row_key(message_id)
    assert SAFE_ROW_KEY.fullmatch(key) and key == row_key(message_id)
    assert split_id(f"payment-terms~{key}") == ("payment-terms", key)


def test_row_keys_of_different_ids_differ_and_safe_ids_stay() -> None:
    assert row_key("0f9c6a3e-7d1b-4a8e-9a51-2b6c1f0d9e77") == "0f9c6a3e-7d1b-4a8e-9a51-2b6c1f0d9e77"
    assert row_key("job-1-USMF|A_B") != row_key("job-1-USMF_A|B")


@given(st.binary(max_size=3 * CHUNK_BYTES + 10))
def test_a_change_is_split_into_columns_and_joined_again(change: bytes) -> None:
    columns = change_columns(change)
    assert all(len(columns[f"Change{n}"]) <= CHUNK_BYTES for n in range(columns["ChangeParts"]))
    assert stored_change(columns) == change


@pytest.mark.parametrize("size", [0, CHUNK_BYTES, CHUNK_BYTES + 1, 256 * 1024])
def test_changes_up_to_the_body_limit_fit(size: int) -> None:
    change = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    columns = change_columns(change)
    assert columns["ChangeParts"] == max(1, -(-size // CHUNK_BYTES)) and stored_change(columns) == change


def test_an_entry_without_a_change_keeps_none_and_old_callers_still_construct_it() -> None:
    entry = ErrorEntry("ship-via", "fs-to-scm", "USMF", "AIR", "m-1", 1, SyncError("x"), "job", "j-1")
    assert entry.change is None and change_columns(entry.change) == {} and stored_change({}) is None


@pytest.mark.parametrize(
    ("params", "bad"),
    [
        pytest.param({"entity": "nope"}, {"entity"}, id="entity"),
        pytest.param({"direction": "up", "source": "mail"}, {"direction", "source"}, id="direction-source"),
        pytest.param({"state": "closed", "limit": "0"}, {"state", "limit"}, id="state-limit"),
        pytest.param({"limit": "1001", "since": "today"}, {"limit", "since"}, id="limit-since"),
        pytest.param({"continuation": "%%%", "company": "C" * 300}, {"continuation", "company"}, id="token-company"),
    ],
)
def test_bad_filters_are_one_422_naming_each(params: dict[str, str], bad: set[str]) -> None:
    with pytest.raises(RejectedError) as caught:
        parse(params)
    assert {detail["field"] for detail in caught.value.details} == bad


def test_filters_become_parameterised_odata() -> None:
    query = parse({"entity": "warehouses", "id": "x' or 'a'='a", "since": "2026-11-29T03:00:00Z", "limit": "5"})
    assert query.odata == "PartitionKey eq @entity and Id eq @id and LoggedAt ge @since"
    assert query.parameters["id"] == "X' OR 'A'='A"  # a parameter, never spliced into the filter (a key, as compared)
    assert query.parameters["since"] == dt.datetime(2026, 11, 29, 3, tzinfo=dt.UTC) and query.limit == 5
    assert parse({}).odata == "PartitionKey ne ''" and parse({}, state="open").parameters == {"state": "open"}


@pytest.mark.parametrize("value", ["", "warehouses", "nope~abc", "warehouses~a|b", "warehouses~a/b", "~x"])
def test_ids_that_are_not_ours_are_404(value: str) -> None:
    with pytest.raises(NotFoundError):
        split_id(value)


def test_an_item_shows_reasons_and_never_the_change() -> None:
    row = {
        "PartitionKey": "customer-assets",
        "RowKey": "m-1",
        "Direction": "fs-to-scm",
        "Company": "USMF",
        "Id": "KID",
        "Source": "queue",
        "LoggedAt": dt.datetime(2026, 11, 29, 3, tzinfo=dt.UTC),
        "Attempts": 2,
        "State": "open",
        "Code": "validation_failed",
        "Reasons": '[{"field": "msdyn_parentasset", "rule": "parent_exists", "side": "scm", "message": "m"}]',
        **change_columns(b'{"secret": "record body"}'),
    }
    shown = item(row)
    assert shown["id"] == "customer-assets~m-1" and shown["key"] == {"company": "USMF", "id": "KID"}
    assert shown["at"] == "2026-11-29T03:00:00Z" and shown["reasons"][0]["rule"] == "parent_exists"
    assert shown["retryable"] is True and "record body" not in str(shown)


def test_the_alert_reason_says_how_many_in_how_long_and_the_last_cause() -> None:
    settings = Settings.model_validate({"AzureWebJobsStorage": "UseDevelopmentStorage=true"})
    assert (settings.alert_failures, settings.alert_minutes) == (10, 15)
    entry = ErrorEntry("warehouses", "fs-to-scm", "USMF", "W1", "m", 1, SyncError("Warehouse USMF/W1: bad\n"))
    reason = alerts.reason(11, settings, entry)
    assert reason.startswith("11 failures in 15 minutes (more than 10); last: sync_error:")
    assert "\n" not in reason
