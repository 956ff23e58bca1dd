"""`fs-scm-sync check`, the post-deployment smoke check, against the app served over HTTP; and the echo
route it ends with, which writes nothing."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import pytest

from devhost import LocalHost
from tests.integration.callers import ADMIN_KEY, secured
from tests.integration.support import Api
from tests.processes import ROOT

__all__ = ["secured"]  # the fixture, used by name


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "cli", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60, env={"COLUMNS": "80"})


def test_every_check_passes_on_a_healthy_app(api: Api, host: LocalHost) -> None:
    done = cli("check", "--url", host.base_url)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert [line.split(":")[0] for line in lines[:4]] == ["✓ health", "✓ status", "✓ openapi", "✓ echo"], done.stdout
    assert "OpenAPI 3.1" in lines[2] and "nothing written" in lines[3]
    assert lines[4].endswith("all checks passed") and all(len(line) <= 80 for line in lines)


@pytest.mark.usefixtures("secured")
def test_a_refused_key_is_said_and_fails_the_check(api: Api, host: LocalHost) -> None:
    wrong = cli("--key", "not-the-admin-key", "check", "--url", host.base_url)
    assert wrong.returncode == 1, wrong.stdout
    lines = wrong.stdout.splitlines()
    assert lines[0].startswith("✓ health") and lines[2].startswith("✓ openapi")  # anonymous routes
    assert lines[1].startswith("✗ status: key refused: 401 unauthorized: "), wrong.stdout
    assert lines[3].startswith("✗ echo: key refused: 401 unauthorized: ")
    assert lines[4].endswith("2 of 4 failed") and "not-the-admin-key" not in wrong.stdout
    right = cli("check", "--url", host.base_url, "--key", ADMIN_KEY)  # the options also after `check`
    assert right.returncode == 0 and "all checks passed" in right.stdout, right.stdout


def test_an_app_it_cannot_reach_fails_every_check() -> None:
    done = cli("check", "--url", "http://127.0.0.1:9")
    assert done.returncode == 1 and done.stdout.count("✗") == 4 and "cannot reach" in done.stdout, done.stdout
    assert "Traceback" not in done.stderr


def test_the_echo_answers_the_bodys_size_and_hash_and_writes_nothing(api: Api) -> None:
    body = b'{"check": "by hand"}'
    answer = api.session.post(f"{api.base}/sync/echo", data=body, headers={"content-type": "application/json"})
    assert answer.status_code == 200, answer.text
    echoed = answer.json()
    assert (echoed["bytes"], echoed["sha256"], echoed["written"]) == (
        len(body),
        hashlib.sha256(body).hexdigest(),
        False,
    )
    for bad, status in ((b"[1]", 400), (b"{not json", 400), (b"", 400)):
        refused = api.session.post(f"{api.base}/sync/echo", data=bad, headers={"content-type": "application/json"})
        assert refused.status_code == status and refused.json()["error"]["code"] == "bad_request", refused.text
    assert api.get("sync/jobs").json()["items"] == [] and api.get("sync/errors").json()["items"] == []
