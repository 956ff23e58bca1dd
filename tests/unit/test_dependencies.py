"""pyproject.toml declares what the code imports: the app's runtime exactly as requirements.txt (which Azure
installs on deployment) pins it, and the command line's own two; requirements-run.txt (what `make run`
installs) holds everything the code `make run` runs imports."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib import metadata
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


# What `make run` runs: the app, the local host and its launcher, the command line.
RUN_CODE = ("function_app.py", "functions", "shared", "devhost", "devtools", "cli")


def imported_packages() -> set[str]:
    """The top-level names the code `make run` runs imports, other than its own and the standard library's."""
    names: set[str] = set()
    for place in RUN_CODE:
        paths = [ROOT / place] if place.endswith(".py") else sorted((ROOT / place).rglob("*.py"))
        for path in paths:
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names |= {alias.name.split(".")[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    names.add(node.module.split(".")[0])
    own = {place.removesuffix(".py") for place in RUN_CODE}
    return {name for name in names - own if name not in sys.stdlib_module_names}


def installed_by(lines: set[str]) -> set[str]:
    """Distributions that installing `lines` brings, with everything they require (as installed here)."""
    todo = [re.split(r"[<>=!~\[ ;]", line)[0] for line in lines]
    found: set[str] = set()
    while todo:
        name = canonical(todo.pop())
        if name in found:
            continue
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:  # required on another platform only (a marker): not installed here
            continue
        found.add(name)
        for requirement in requires:
            if "extra ==" not in requirement:
                todo.append(re.split(r"[<>=!~\[ ;(]", requirement)[0])
    return found


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_make_run_installs_every_package_the_code_it_runs_imports() -> None:
    """requirements-run.txt (what `make run` installs) is requirements.txt and what the local host and the
    command line add; nothing they import is left to the test tools of requirements-dev.txt."""
    run_lines = requirement_lines(ROOT / "requirements-run.txt")
    assert "-r requirements.txt" in (ROOT / "requirements-run.txt").read_text(encoding="utf-8")
    installed = installed_by(run_lines | requirement_lines(ROOT / "requirements.txt"))
    providers = metadata.packages_distributions()
    missing = {name for name in imported_packages() if not {canonical(d) for d in providers.get(name, [])} & installed}
    assert not missing, f"imported by what make run runs, but not installed by requirements-run.txt: {missing}"
    cli = {line for line in run_lines if line.startswith(("requests", "rich"))}
    declared = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"])
    assert (
        {re.split(r"[<>=]", line)[0] for line in cli}
        == {"requests", "rich"}
        <= {re.split(r"[<>=]", name)[0] for name in declared}
    )
