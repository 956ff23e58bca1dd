"""Credentials, host-free: which secret proves which role, signatures and their age, open and closed sides."""

from __future__ import annotations

import logging

import pytest

from shared.callers import credentials
from shared.callers.credentials import authorise, sign
from shared.errors import ConfigurationError, ForbiddenError, UnauthorizedError
from shared.settings import Settings, load_settings

FS, SCM, ADMIN = "f" * 20, "s" * 20, "a" * 20
NOW = 1_800_000_000.0


def settings(**values: object) -> Settings:
    base: dict[str, object] = {"AzureWebJobsStorage": "UseDevelopmentStorage=true"}
    return Settings.model_validate({**base, **values})


SECURED = settings(fs_secrets=f"{FS},{'g' * 20}", scm_secrets=SCM, admin_secrets=ADMIN)


def check(role: str, headers: dict[str, str], body: bytes = b"{}", config: Settings = SECURED) -> None:
    authorise(config, role, headers, body, clock=lambda: NOW)  # type: ignore[arg-type]


@pytest.mark.parametrize(("role", "secret"), [("fs", FS), ("fs", "g" * 20), ("scm", SCM), ("admin", ADMIN)])
def test_each_role_takes_its_own_secret_as_key_or_signature(role: str, secret: str) -> None:
    check(role, {"x-sync-key": secret})
    check(role, {"x-sync-signature": sign(secret, b"{}", int(NOW)), "x-sync-timestamp": str(int(NOW))})


@pytest.mark.parametrize("role", ["fs", "scm", "admin"])
def test_another_roles_secret_is_forbidden(role: str) -> None:
    for secret in {FS, SCM, ADMIN} - {dict(fs=FS, scm=SCM, admin=ADMIN)[role]}:
        with pytest.raises(ForbiddenError):
            check(role, {"x-sync-key": secret})


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"x-sync-key": FS[:-1]},
        {"x-sync-signature": sign(FS, b"{}", int(NOW) - 301), "x-sync-timestamp": str(int(NOW) - 301)},
        {"x-sync-signature": sign(FS, b"{}", int(NOW) + 301), "x-sync-timestamp": str(int(NOW) + 301)},
        {"x-sync-signature": sign(FS, b"{ }", int(NOW)), "x-sync-timestamp": str(int(NOW))},
        {"x-sync-signature": sign(FS, b"{}", int(NOW))},
        {"x-sync-signature": "sha1=" + sign(FS, b"{}", int(NOW))[7:], "x-sync-timestamp": str(int(NOW))},
    ],
    ids=["none", "wrong key", "signed 301 s ago", "signed 301 s ahead", "other body", "no timestamp", "not sha256"],
)
def test_missing_wrong_or_stale_credentials_are_unauthorized(headers: dict[str, str]) -> None:
    with pytest.raises(UnauthorizedError):
        check("fs", headers)


def test_a_signature_300_s_old_still_passes() -> None:
    check("fs", {"x-sync-signature": sign(FS, b"{}", int(NOW) - 300), "x-sync-timestamp": str(int(NOW) - 300)})


def test_unset_roles_are_open_locally_with_one_warning(caplog: pytest.LogCaptureFixture) -> None:
    open_locally = settings(scm_secrets=SCM)
    credentials._warned.clear()
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            check("fs", {}, config=open_locally)
            check("admin", {}, config=open_locally)
    warnings = [record for record in caplog.records if "open to any caller" in record.getMessage()]
    assert len(warnings) == 1
    assert "SYNC_FS_SECRETS, SYNC_ADMIN_SECRETS" in warnings[0].getMessage()
    with pytest.raises(UnauthorizedError):
        check("scm", {}, config=open_locally)


def test_unset_roles_are_closed_in_azure() -> None:
    in_azure = settings(scm_secrets=SCM, WEBSITE_SITE_NAME="fs-scm-sync-prod")
    with pytest.raises(UnauthorizedError, match="SYNC_FS_SECRETS is not configured"):
        check("fs", {"x-sync-key": FS}, config=in_azure)
    check("scm", {"x-sync-key": SCM}, config=in_azure)


def test_secrets_are_listed_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AzureWebJobsStorage", "UseDevelopmentStorage=true")
    monkeypatch.setenv("SYNC_FS_SECRETS", f" {FS} , {'g' * 20} ,")
    loaded = load_settings()
    assert [secret.get_secret_value() for secret in loaded.fs_secrets] == [FS, "g" * 20]
    assert FS not in repr(loaded) and FS not in str(loaded)


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({"SYNC_FS_SECRETS": "short"}, "shorter than 16"),
        ({"SYNC_FS_SECRETS": FS, "SYNC_SCM_SECRETS": f"{SCM},{FS}"}, "shares a secret with SYNC_FS_SECRETS"),
        ({"SYNC_COMPANY_IDS": "USMF=not-a-guid"}, "COMPANY=<GUID"),
        ({"SYNC_COMPANY_IDS": "ACME=5f3a8c2e-9d41-ef11-8409-000d3a8e4f6b"}, "not in SYNC_COMPANIES"),
    ],
)
def test_bad_secret_settings_are_named_without_their_value(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], problem: str
) -> None:
    monkeypatch.setenv("AzureWebJobsStorage", "UseDevelopmentStorage=true")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError) as caught:
        load_settings()
    assert any(problem in detail["problem"] for detail in caught.value.details), caught.value.details
    assert FS not in str(caught.value.payload())


def test_company_ids_are_read_into_a_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AzureWebJobsStorage", "UseDevelopmentStorage=true")
    monkeypatch.setenv(
        "SYNC_COMPANY_IDS", "usmf={5F3A8C2E-9D41-EF11-8409-000D3A8E4F6B}, DEMF=7a1b2c3d-9d41-ef11-8409-000d3a8e4f6b"
    )
    assert load_settings().company_ids == {
        "USMF": "5f3a8c2e-9d41-ef11-8409-000d3a8e4f6b",
        "DEMF": "7a1b2c3d-9d41-ef11-8409-000d3a8e4f6b",
    }
