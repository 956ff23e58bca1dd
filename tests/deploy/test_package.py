"""`make package`: the zip holds the app and nothing of the local tooling, and installs into a clean virtualenv
from requirements.txt alone, where function_app imports and lists every function."""

from __future__ import annotations

import subprocess
import sys
import time
import venv
import zipfile
from pathlib import Path

import pytest

import function_app  # noqa: F401  (the app as the tests see it: its function count is compared below)
from deploy.package import build
from devhost.loader import describe

LOCAL_ONLY = ("devhost/", "devtools/", "tests/", "bench/", "deploy/", "docs/", "node_modules/", ".venv", "cli/")


def test_the_package_holds_the_app_and_no_local_tooling(tmp_path: Path) -> None:
    names = zipfile.ZipFile(build(tmp_path / "app.zip")).namelist()
    assert {"function_app.py", "host.json", "requirements.txt", "shared/edge/api.py", "functions/entities.py"} <= set(
        names
    )
    assert not [name for name in names if name.startswith(LOCAL_ONLY) or name.endswith(".pyc")]
    assert not [name for name in names if "local.settings" in name]


@pytest.mark.slow
def test_the_package_installs_and_imports_in_a_clean_virtualenv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    started = time.monotonic()
    app = tmp_path / "app"
    zipfile.ZipFile(build(tmp_path / "app.zip")).extractall(app)
    venv.create(tmp_path / "venv", with_pip=True)
    python = tmp_path / "venv" / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", "requirements.txt"],
        cwd=app, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr[-2000:]
    probe = "import function_app; print(len(function_app.app.get_functions()))"
    imported = subprocess.run(
        [str(python), "-I", "-c", f"import sys; sys.path.insert(0, '.'); {probe}"],
        cwd=app, capture_output=True, text=True, timeout=120, env={"PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert imported.returncode == 0, imported.stderr[-2000:]
    assert int(imported.stdout.strip()) == len(describe(sys.modules["function_app"].app))
    with capsys.disabled():
        size = (tmp_path / "app.zip").stat().st_size
        print(f"\n  package: {size:,} bytes; clean install + import in {time.monotonic() - started:.0f} s")
