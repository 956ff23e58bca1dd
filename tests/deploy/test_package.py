"""`make package`: the zip holds the app and nothing of the local tooling, and installs into a clean virtualenv
from requirements.txt alone, where function_app imports and lists every function."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import venv
import zipfile
from pathlib import Path

import pytest

import function_app  # noqa: F401  (the app as the tests see it: its function count is compared below)
from deploy.package import ROOT, FuncIgnore, build
from devhost.loader import describe

LOCAL_ONLY = ("devhost/", "devtools/", "tests/", "bench/", "deploy/", "docs/", "node_modules/", ".venv", "cli/")
THE_APP = ("function_app.py", "host.json", "requirements.txt", "functions/", "shared/")


def test_the_package_holds_the_app_and_no_local_tooling(tmp_path: Path) -> None:
    names = zipfile.ZipFile(build(tmp_path / "app.zip")).namelist()
    assert {"function_app.py", "host.json", "requirements.txt", "shared/edge/api.py", "functions/entities.py"} <= set(
        names
    )
    assert not [name for name in names if name.startswith(LOCAL_ONLY) or name.endswith(".pyc")]
    assert not [name for name in names if not name.startswith(THE_APP)]


def test_a_stray_local_folder_stays_out(tmp_path: Path) -> None:
    """An Azurite --data folder, a scratch folder, local settings, a virtualenv, compiled Python: none of it
    was listed anywhere, and none of it is deployed."""
    root = tmp_path / "checkout"
    app_files = ["function_app.py", "host.json", "requirements.txt", "functions/entities.py", "shared/logs.py"]
    stray = [
        ".azurite-n/__azurite_db_table__.json",
        "azurite-data/__blobstorage__/x",
        "scratch/notes.txt",
        "local.settings.json",
        "requirements-dev.txt",
        ".venv/lib/site.py",
        "functions_old/entities.py",
        "shared/__pycache__/logs.cpython-311.pyc",
    ]
    for name in [*app_files, *stray]:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("x", encoding="utf-8")
    (root / ".funcignore").write_text((ROOT / ".funcignore").read_text(encoding="utf-8"), encoding="utf-8")
    assert sorted(zipfile.ZipFile(build(tmp_path / "app.zip", root)).namelist()) == sorted(app_files)


@pytest.mark.parametrize(
    ("path", "published"),
    [
        pytest.param("shared/sync/engine.py", True, id="the app"),
        pytest.param(".azurite-2/__azurite_db_queue__.json", False, id="a --data folder"),
        pytest.param("functions_old/a.py", False, id="a name that only starts like the app's"),
        pytest.param("local.settings.json", False, id="local settings"),
    ],
)
def test_funcignore_reads_as_core_tools_reads_it(path: str, published: bool) -> None:
    """Core Tools' rule: a `!` pattern matching the path's start keeps it, else any other pattern drops it."""
    assert FuncIgnore((ROOT / ".funcignore").read_text(encoding="utf-8")).accepts(path) is published


def test_the_docs_name_what_the_zip_holds(tmp_path: Path) -> None:
    """docs/deploying.md lists the zip's top-level entries; no file count or size to go stale."""
    names = zipfile.ZipFile(build(tmp_path / "app.zip")).namelist()
    top = {name.split("/")[0] + ("/" if "/" in name else "") for name in names}
    doc = (ROOT / "docs" / "deploying.md").read_text(encoding="utf-8")
    listed = doc.split("<!-- package -->")[1]
    assert {entry for entry in re.findall(r"`([\w.]+/?)`", listed)} == top


@pytest.mark.slow
def test_the_package_installs_and_imports_in_a_clean_virtualenv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    started = time.monotonic()
    app = tmp_path / "app"
    zipfile.ZipFile(build(tmp_path / "app.zip")).extractall(app)
    venv.create(tmp_path / "venv")  # empty: this run's own pip installs into it (no copy of pip to set up first)
    python = tmp_path / "venv" / "bin" / "python"
    # --no-compile: the probe below compiles what it imports; byte-compiling every installed module is time only.
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--disable-pip-version-check"]
    install = subprocess.run(
        [*pip, "--no-compile", "-r", "requirements.txt"], cwd=app, capture_output=True, text=True, timeout=600
    )
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
