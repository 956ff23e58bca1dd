"""Credentials, host-free: which secret proves which role, signatures and their age, open and closed sides."""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest

from functions.http import sent_path
from shared.edge.callers import credentials
from shared.edge.callers.credentials import Signable, authorise, sign, signed_text
from shared.errors import ConfigurationError, ForbiddenError, UnauthorizedError
from shared.settings import Settings, load_settings

FS, SCM, ADMIN = "f" * 20, "s" * 20, "a" * 20
NOW = 1_800_000_000.0


def settings(**values: object) -> Settings:
    base: dict[str, object] = {"AzureWebJobsStorage": "UseDevelopmentStorage=true"}
    return Settings.model_validate({**base, **values})


SECURED = settings(fs_secrets=f"{FS},{'g' * 20}", scm_secrets=SCM, admin_secrets=ADMIN)


REQUEST = Signable("POST", "/api/fs/ship-via", b"{}")


def check(
    role: str, headers: dict[str, str], request: Signable = REQUEST, config: Settings = SECURED
) -> dt.datetime | None:
    return authorise(config, role, request, headers, clock=lambda: NOW)  # type: ignore[arg-type]


def signature(secret: str, at: float = NOW, request: Signable = REQUEST) -> dict[str, str]:
    return {"x-sync-signature": sign(secret, int(at), request), "x-sync-timestamp": str(int(at))}


@pytest.mark.parametrize(("role", "secret"), [("fs", FS), ("fs", "g" * 20), ("scm", SCM), ("admin", ADMIN)])
def test_each_role_takes_its_own_secret_as_key_or_signature(role: str, secret: str) -> None:
    assert check(role, {"x-sync-key": secret}) is None  # a key dates nothing: a change keeps its arrival
    assert check(role, signature(secret, NOW - 42)) == dt.datetime.fromtimestamp(int(NOW) - 42, dt.UTC)


def test_what_is_signed_is_timestamp_method_path_and_body() -> None:
    request = Signable("delete", "/api/scm/payment-terms/USMF/N30?modified=2026-12-01T10:00:00Z", b"")
    expected = b"1800000000.DELETE./api/scm/payment-terms/USMF/N30?modified=2026-12-01T10:00:00Z."
    assert signed_text("1800000000", request) == expected


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("https://app.azurewebsites.net/api/scm/ship-via/USMF/A%2fB%c3%89", "/api/scm/ship-via/USMF/A%2fB%c3%89"),
        ("http://127.0.0.1:7071/api/fs/ship-via?modified=2026-12-01T10%3A00%3A00Z&x=a+b", None),
        ("http://127.0.0.1:7071/api/sync/status?", "/api/sync/status?"),
        ("/api/fs/ship-via", "/api/fs/ship-via"),
    ],
)
def test_the_signed_path_is_the_hosts_url_untouched(url: str, path: str | None) -> None:
    assert sent_path(url) == (path or url.removeprefix("http://127.0.0.1:7071"))


@pytest.mark.parametrize(
    "presented",
    [
        Signable("DELETE", "/api/fs/ship-via", b"{}"),
        Signable("POST", "/api/fs/payment-terms", b"{}"),
        Signable("POST", "/api/fs/ship-via?x=1", b"{}"),
        Signable("POST", "/api/fs/ship-via", b"{ }"),
    ],
    ids=["method", "route", "query", "body"],
)
def test_a_signature_binds_method_path_query_and_body(presented: Signable) -> None:
    with pytest.raises(UnauthorizedError, match=re.escape("<METHOD>.<path>")):
        check("fs", signature(FS), presented)


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
        signature(FS, NOW - 301),
        signature(FS, NOW + 301),
        signature(FS, request=Signable("POST", "/api/fs/ship-via", b"{ }")),
        {"x-sync-signature": signature(FS)["x-sync-signature"]},
        {"x-sync-signature": "sha1=" + signature(FS)["x-sync-signature"][7:], "x-sync-timestamp": str(int(NOW))},
    ],
    ids=["none", "wrong key", "signed 301 s ago", "signed 301 s ahead", "other body", "no timestamp", "not sha256"],
)
def test_missing_wrong_or_stale_credentials_are_unauthorized(headers: dict[str, str]) -> None:
    with pytest.raises(UnauthorizedError):
        check("fs", headers)


def test_a_signature_300_s_old_still_passes() -> None:
    check("fs", signature(FS, NOW - 300))


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


@pytest.mark.parametrize("site_name", ["fs-scm-sync-prod", ""], ids=["named", "present but empty"])
def test_unset_roles_are_closed_in_azure(site_name: str) -> None:
    in_azure = settings(scm_secrets=SCM, WEBSITE_SITE_NAME=site_name)
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
