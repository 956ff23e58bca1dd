"""Start-up settings said in one line each: what is wrong, never the value."""

from __future__ import annotations

import pytest

from shared.errors import ConfigurationError
from shared.settings import load_settings

GOOD = "DefaultEndpointsProtocol=http;AccountName=a;AccountKey=c2VjcmV0;TableEndpoint=http://127.0.0.1:1/a;"


def problems(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, str]:
    monkeypatch.setenv("AzureWebJobsStorage", GOOD)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError) as caught:
        load_settings()
    return {d["setting"]: d["problem"] for d in caught.value.details}


@pytest.mark.parametrize("value", [" , ", ",", "  "])
def test_a_company_list_naming_no_company_is_refused(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    assert "names no company" in problems(monkeypatch, SYNC_COMPANIES=value)["SYNC_COMPANIES"]


def test_a_company_code_that_cannot_be_a_key_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "SYNC_COMPANIES" in problems(monkeypatch, SYNC_COMPANIES="USMF,US/SI")


@pytest.mark.parametrize("value", ["None", "garbage", "null", "AccountKey"])
def test_a_connection_string_that_is_not_one_is_refused(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    found = problems(monkeypatch, AzureWebJobsStorage=value)
    assert "not a storage connection string" in found["AzureWebJobsStorage"]
    assert value not in found["AzureWebJobsStorage"].replace("connection string", "")


@pytest.mark.parametrize("value", ["UseDevelopmentStorage=true", GOOD])
def test_real_connection_strings_pass(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("AzureWebJobsStorage", value)
    assert load_settings().storage_connection.get_secret_value() == value


def test_time_settings_have_their_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AzureWebJobsStorage", GOOD)
    settings = load_settings()
    assert settings.max_clock_skew_seconds == 300 and settings.tombstone_days == 7


@pytest.mark.parametrize(("name", "value"), [("SYNC_TOMBSTONE_DAYS", "-1"), ("SYNC_MAX_CLOCK_SKEW_SECONDS", "x")])
def test_bad_time_settings_are_listed(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    assert name in problems(monkeypatch, **{name: value})


@pytest.mark.parametrize("name", ["SYNC_FS_SECRETS", "SYNC_SCM_SECRETS", "SYNC_ADMIN_SECRETS"])
@pytest.mark.parametrize("value", [" , ,, ", ",", "   "])
def test_a_secrets_setting_holding_no_secret_is_refused(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    """Present but empty of secrets is a slip, not "unset" (which opens the routes locally)."""
    assert "only blanks and commas" in problems(monkeypatch, **{name: value})[name]


def test_an_empty_secrets_setting_is_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    """What local.settings.example.json holds: the routes are open locally, nothing is misconfigured."""
    monkeypatch.setenv("AzureWebJobsStorage", GOOD)
    monkeypatch.setenv("SYNC_FS_SECRETS", "")
    assert load_settings().fs_secrets == ()


@pytest.mark.parametrize(("value", "in_azure"), [("fs-scm-sync-prod", True), ("", True), (None, False)])
def test_the_site_name_present_with_any_value_means_azure(
    monkeypatch: pytest.MonkeyPatch, value: str | None, in_azure: bool
) -> None:
    monkeypatch.setenv("AzureWebJobsStorage", GOOD)
    if value is None:
        monkeypatch.delenv("WEBSITE_SITE_NAME", raising=False)
    else:
        monkeypatch.setenv("WEBSITE_SITE_NAME", value)
    assert load_settings().in_azure is in_azure
