"""Per-system credentials on every route family (docs/calling.md, "Credentials and signatures"), over real HTTP."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
import requests

from functions import runtime
from shared import jsonio
from tests.integration.callers import ADMIN_KEY, FS_KEY, FS_NEXT, SCM_KEY, key, secured, signed
from tests.integration.support import Api
from tests.samples import sample

__all__ = ["secured"]
SLUG = "ship-via"
Call = Callable[[Api, dict[str, str]], requests.Response]


def _post(side: str) -> Call:
    body = jsonio.dumps(sample(SLUG, side, "CRED", 1))
    return lambda api, headers: api.session.post(f"{api.base}/{side}/{SLUG}", data=body, headers=headers, timeout=30)


def _get(side: str, path: str = "") -> Call:
    return lambda api, headers: api.session.get(f"{api.base}/{side}/{SLUG}{path}", headers=headers, timeout=30)


def _delete(side: str) -> Call:
    return lambda api, headers: api.session.delete(f"{api.base}/{side}/{SLUG}/USMF/NONE", headers=headers, timeout=30)


def _recover(api: Api, headers: dict[str, str]) -> requests.Response:
    return api.session.post(f"{api.base}/operations/recover", headers=headers, timeout=60)


# (route, the role it takes, what a permitted call answers)
ROUTES = [
    pytest.param(_post("fs"), "fs", {200, 201}, id="POST /fs/{entity}"),
    pytest.param(_get("fs"), "fs", {200}, id="GET /fs/{entity}"),
    pytest.param(_get("fs", "/USMF/NONE"), "fs", {404}, id="GET /fs/{entity}/{company}/{id}"),
    pytest.param(_delete("fs"), "fs", {404}, id="DELETE /fs/{entity}/{company}/{id}"),
    pytest.param(_post("scm"), "scm", {200, 201}, id="POST /scm/{entity}"),
    pytest.param(_get("scm"), "scm", {200}, id="GET /scm/{entity}"),
    pytest.param(_delete("scm"), "scm", {404}, id="DELETE /scm/{entity}/{company}/{id}"),
    pytest.param(_recover, "admin", {200}, id="POST /operations/recover"),
]
SECRET_OF = {"fs": FS_KEY, "scm": SCM_KEY, "admin": ADMIN_KEY}
JSON = {"content-type": "application/json"}


def _error(answer: requests.Response, status: int, code: str) -> None:
    assert answer.status_code == status, answer.text
    assert set(answer.json()) == {"error"} and answer.json()["error"]["code"] == code
    assert not any(secret in answer.text for secret in (FS_KEY, FS_NEXT, SCM_KEY, ADMIN_KEY))  # never echoed


@pytest.mark.parametrize(("call", "role", "ok"), ROUTES)
def test_none_or_a_wrong_credential_is_401(api: Api, secured: None, call: Call, role: str, ok: set[int]) -> None:
    _error(call(api, JSON), 401, "unauthorized")
    _error(call(api, {**JSON, "x-sync-key": SECRET_OF[role] + "x"}), 401, "unauthorized")
    _error(call(api, {**JSON, "x-sync-key": ""}), 401, "unauthorized")


@pytest.mark.parametrize(("call", "role", "ok"), ROUTES)
def test_another_system_or_role_is_403(api: Api, secured: None, call: Call, role: str, ok: set[int]) -> None:
    for other in {"fs", "scm", "admin"} - {role}:
        _error(call(api, key(other)), 403, "forbidden")


@pytest.mark.parametrize(("call", "role", "ok"), ROUTES)
def test_the_right_key_passes(api: Api, secured: None, call: Call, role: str, ok: set[int]) -> None:
    answer = call(api, key(role))
    assert answer.status_code in ok, answer.text


def test_two_fs_secrets_work_at_once_while_one_is_rotated(api: Api, secured: None) -> None:
    for secret in (FS_KEY, FS_NEXT):
        answer = _get("fs")(api, {"x-sync-key": secret})
        assert answer.status_code == 200, answer.text


def _signed_post(api: Api, secret: str, body: bytes, at: float | None = None, tamper: bytes = b"") -> requests.Response:
    headers = signed(secret, "POST", f"/api/fs/{SLUG}", body, at)
    return api.session.post(f"{api.base}/fs/{SLUG}", data=body + tamper, headers=headers, timeout=30)


def test_a_signed_request_passes_and_a_tampered_one_does_not(api: Api, secured: None) -> None:
    body = jsonio.dumps(sample(SLUG, "fs", "SIGNED", 1))
    assert _signed_post(api, FS_NEXT, body).status_code == 201
    _error(_signed_post(api, FS_KEY, body, tamper=b" "), 401, "unauthorized")  # the body is signed, byte for byte
    _error(_signed_post(api, SCM_KEY, body), 403, "forbidden")


@pytest.mark.parametrize("age", [301, -301, 86_400])
def test_a_replayed_or_future_signature_is_refused(api: Api, secured: None, age: int) -> None:
    body = jsonio.dumps(sample(SLUG, "fs", "REPLAY", 1))
    _error(_signed_post(api, FS_KEY, body, at=time.time() - age), 401, "unauthorized")


def test_a_malformed_signature_is_401_not_500(api: Api, secured: None) -> None:
    for headers in (
        {"x-sync-signature": "sha256=zz", "x-sync-timestamp": str(int(time.time()))},
        {"x-sync-signature": "md5=00", "x-sync-timestamp": "soon"},
        {"x-sync-signature": "ü", "x-sync-timestamp": "1" * 40},
    ):
        _error(_get("fs")(api, headers), 401, "unauthorized")


def test_health_and_the_description_stay_anonymous(api: Api, secured: None) -> None:
    assert api.get("health").status_code == 200
    assert api.get("openapi.json").status_code == 200


@pytest.mark.parametrize("site_name", ["fs-scm-sync-test", ""], ids=["named", "present but empty"])
def test_in_azure_a_side_without_secrets_is_closed(api: Api, monkeypatch: pytest.MonkeyPatch, site_name: str) -> None:
    """Fails closed: with WEBSITE_SITE_NAME present (any value), FS routes answer 401 when SYNC_FS_SECRETS
    is unset."""
    monkeypatch.setenv("WEBSITE_SITE_NAME", site_name)
    monkeypatch.setenv("SYNC_SCM_SECRETS", SCM_KEY)
    runtime.reset()
    try:
        _error(_get("fs")(api, {"x-sync-key": FS_KEY}), 401, "unauthorized")
        assert _get("scm")(api, key("scm")).status_code == 200
        _error(_recover(api, key("admin")), 401, "unauthorized")
    finally:
        monkeypatch.undo()
        runtime.reset()


def test_locally_a_side_without_secrets_is_open(api: Api) -> None:
    """What every other integration test relies on: no secrets, no Azure, the routes are open."""
    assert _get("fs")(api, JSON).status_code == 200
    assert _recover(api, JSON).status_code == 200


def test_a_secrets_setting_of_only_blanks_and_commas_is_a_configuration_error(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not taken as unset, which would leave the FS routes open: every route answers the settings error."""
    monkeypatch.setenv("SYNC_FS_SECRETS", " , ,, ")
    runtime.reset()
    try:
        answer = _get("fs")(api, JSON)
        _error(answer, 500, "configuration")
        assert [detail["setting"] for detail in answer.json()["error"]["details"]] == ["SYNC_FS_SECRETS"]
    finally:
        monkeypatch.undo()
        runtime.reset()
