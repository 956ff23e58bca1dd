"""pyproject.toml declares what the code imports: the app's runtime exactly as requirements.txt (which Azure
installs on deployment) pins it, and the command line's own two."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def requirement_lines(path: Path) -> set[str]:
    lines = (line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return {line for line in lines if line and not line.startswith("-")}


def test_the_package_declares_the_apps_requirements_and_the_clis() -> None:
    declared = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"])
    runtime = requirement_lines(ROOT / "requirements.txt")
    assert runtime <= declared, runtime - declared
    assert {name.split(">")[0] for name in declared - runtime} == {"requests", "rich"}
