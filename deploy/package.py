"""`make package`: the zip that is deployed — the app's source and requirements.txt, nothing else.

`.funcignore` is an allowlist (everything out, then `!function_app.py`, `!functions`, `!shared`, ...), and this
module reads it as Azure Functions Core Tools does (`GitIgnoreParser`, a port of codemix's gitignore-parser):
a path is published when a `!` pattern matches its beginning, or when no other pattern does. So
`func azure functionapp publish` and `make package` deploy the same files, and a folder nobody listed — an
Azurite `--data` folder, a virtualenv, a scratch directory — stays out of both. Compiled Python (`*.pyc`,
`__pycache__`) is left out here too. The archive is reproducible: files in name order, every date 1980-01-01.

    .venv/bin/python -m deploy.package [--out dist/app.zip]
"""

from __future__ import annotations

import argparse
import os
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
COMPILED = ("__pycache__", ".pyc")


def _regex(pattern: str) -> str:
    """One .funcignore pattern as Core Tools makes it a regular expression: `**` any path, `*` one name."""
    escaped = re.sub(r"[\-\[\]/{}()+?.\\^$|]", lambda found: "\\" + found.group(0), pattern)
    return escaped.replace("**", "(.+)").replace("*", "([^\\/]+)")


def _anchored(patterns: list[str]) -> re.Pattern[str]:
    """Patterns that match a path's beginning up to a word boundary; none: a regex that never matches."""
    if not patterns:
        return re.compile("$^")
    return re.compile("^((" + ")|(".join(_regex(p) for p in sorted(patterns)) + "))\\b")


class FuncIgnore:
    """`.funcignore` as Core Tools applies it to a path relative to the app's root (with `/` separators)."""

    def __init__(self, text: str) -> None:
        lines = [line.strip() for line in text.split("\n")]
        lines = [line for line in lines if line and not line.startswith("#")]
        self._negative = [line[1:].lstrip("/") for line in lines if line.startswith("!")]
        positive = [line.lstrip("/") for line in lines if not line.startswith("!")]
        self._keep, self._drop = _anchored(self._negative), _anchored(positive)

    def accepts(self, path: str) -> bool:
        return bool(self._keep.match(path)) or not self._drop.match(path)

    def may_hold(self, folder: str) -> bool:
        """Whether a file under `folder` could be accepted (Core Tools tests files, not folders: this only
        spares walking node_modules/ and the virtualenvs): one directly in it is, or a `!` pattern reaches
        further down into it, or one has a wildcard."""
        return self.accepts(f"{folder}/x") or any(
            "*" in pattern or pattern.startswith(f"{folder}/") for pattern in self._negative
        )


def files(root: Path = ROOT) -> Iterator[Path]:
    """Every file to deploy, relative to the root, in name order. A folder is walked only when something in
    it could be accepted (node_modules/ and the virtualenvs are large)."""
    ignore = FuncIgnore((root / ".funcignore").read_text(encoding="utf-8"))
    found: list[Path] = []
    for folder, subfolders, names in os.walk(root):
        relative = Path(folder).relative_to(root)
        subfolders[:] = [
            name for name in subfolders if name != COMPILED[0] and ignore.may_hold((relative / name).as_posix())
        ]
        found += [
            relative / name
            for name in names
            if not name.endswith(COMPILED[1]) and ignore.accepts((relative / name).as_posix())
        ]
    yield from sorted(found)


def build(out: Path, root: Path = ROOT) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for relative in files(root):
            info = zipfile.ZipInfo(relative.as_posix(), FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, (root / relative).read_bytes())
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "dist" / "app.zip")
    out = build(parser.parse_args().out)
    with zipfile.ZipFile(out) as archive:
        count = len(archive.namelist())
    print(f"{out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}: {count} files, {out.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
