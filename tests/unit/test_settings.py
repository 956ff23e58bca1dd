"""Settings: read from the environment, every problem listed at once, the secret never shown."""

from __future__ import annotations

import pytest

from shared.errors import ConfigurationError, http_status
from shared.settings import load_settings

SECRET = "DefaultEndpointsProtocol=http;AccountName=a;AccountKey=c2VjcmV0;"


def test_defaults_and_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AzureWebJobsStorage", SECRET)
    monkeypatch.setenv("SYNC_COMPANIES", " usmf, demf ,,")
    monkeypatch.setenv("SYNC_PRIMARY_SIDE", "FS")
    settings = load_settings()
    assert settings.companies == ("USMF", "DEMF")
    assert settings.primary_side == "fs"
    assert settings.storage_connection.get_secret_value() == SECRET
    assert "c2VjcmV0" not in repr(settings) and "c2VjcmV0" not in str(settings)


def test_every_bad_setting_is_listed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AzureWebJobsStorage", raising=False)
    monkeypatch.setenv("SYNC_PRIMARY_SIDE", "erp")
    monkeypatch.setenv("SYNC_MAX_BODY_BYTES", "-1")
    with pytest.raises(ConfigurationError) as caught:
        load_settings()
    assert {d["setting"] for d in caught.value.details} == {
        "AzureWebJobsStorage",
        "SYNC_PRIMARY_SIDE",
        "SYNC_MAX_BODY_BYTES",
    }
    assert http_status(caught.value) == 500
    assert "erp" not in str(caught.value.payload())  # names the setting, never echoes a value
