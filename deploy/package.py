"""`make package`: the zip that is deployed — the app's source and requirements.txt, nothing of the local tooling.

What `.funcignore` names (devhost/, devtools/, tests/, bench/, deploy/, ...) stays out, as Core Tools leaves it
out of `func azure functionapp publish`; Azure installs requirements.txt on deployment (remote build). The
archive is reproducible: files in name order, every date 1980-01-01.

    .venv/bin/python -m deploy.package [--out dist/app.zip]
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
ALWAYS_OUT = ("*.pyc", "dist")


def ignored_patterns(root: Path = ROOT) -> list[str]:
    lines = (root / ".funcignore").read_text(encoding="utf-8").splitlines()
    return [line.strip().rstrip("/") for line in lines if line.strip() and not line.startswith("#")] + list(ALWAYS_OUT)


def files(root: Path = ROOT) -> Iterator[Path]:
    """Every file to deploy, relative to the root, in name order: none under a name `.funcignore` matches
    (ignored folders are not even walked: node_modules/ and the virtualenvs are large)."""
    patterns = ignored_patterns(root)

    def ignored(name: str) -> bool:
        return any(fnmatch.fnmatch(name, pattern) for pattern in patterns)

    found: list[Path] = []
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = [name for name in subfolders if not ignored(name)]
        found += [Path(folder, name).relative_to(root) for name in names if not ignored(name)]
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
