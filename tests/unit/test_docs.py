"""The documents hold together: every relative link in README.md and docs/*.md names a file that exists
(and, with `#anchor`, a heading of it), README.md links every page of docs/, and nothing in the repository
names the team's brief, which a person who clones the project does not have."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

FENCE = re.compile(r"^(`{3,}|~{3,}).*?^\1[ \t]*$", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)", re.DOTALL)
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)  # http:, https:, mailto:

# Built, not spelled, so that this file does not name them itself.
BRIEF = [f"{stem}.md".encode() for stem in ("DESIGN", "DOMAIN", "AZURE")]
NOT_OURS = {".git", ".venv", ".venv-scan", "node_modules", ".azurite", "dist", "test-output", "__pycache__"}
NOT_OURS |= {".mypy_cache", ".ruff_cache", ".pytest_cache", ".hypothesis", ".import_linter_cache"}


def prose(text: str) -> str:
    """The text without code blocks and code spans, where brackets and hashes are not links or headings."""
    return CODE_SPAN.sub("", FENCE.sub("", text))


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: its text (a link's text, no code marks), lower case, punctuation
    dropped, each space a hyphen."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    return re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every heading's anchor in a document; a repeated heading gets -1, -2, … as on GitHub."""
    seen: dict[str, int] = {}
    found = set()
    for match in HEADING.finditer(FENCE.sub("", path.read_text(encoding="utf-8"))):
        base = slug(match.group(1))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def links(path: Path) -> list[str]:
    return LINK.findall(prose(path.read_text(encoding="utf-8")))


def shown(path: Path) -> str:
    return str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


def dangling(path: Path) -> list[str]:
    """The relative links of a document that name no file, or no heading of the file they name."""
    wrong = []
    for target in links(path):
        if EXTERNAL.match(target):
            continue
        name, _, anchor = target.partition("#")
        named = (path.parent / name).resolve() if name else path
        if not named.exists():
            wrong.append(f"{target}: no file {shown(named)}")
        elif anchor and named.suffix == ".md" and anchor not in anchors(named):
            wrong.append(f"{target}: no heading #{anchor} in {shown(named)}")
    return wrong


@pytest.mark.parametrize("path", DOCS, ids=[str(path.relative_to(ROOT)) for path in DOCS])
def test_every_relative_link_names_a_file_and_heading_that_exist(path: Path) -> None:
    assert dangling(path) == []


def test_the_readme_links_every_page_of_docs() -> None:
    linked = {(ROOT / target.partition("#")[0]).resolve() for target in links(ROOT / "README.md")}
    pages = {path.resolve() for path in DOCS[1:]}
    assert pages - linked == set(), "add them to README.md, 'Where to read next'"


def test_the_link_check_finds_what_dangles(tmp_path: Path) -> None:
    """The check itself: a missing file, a missing heading and a link in code are told apart."""
    (tmp_path / "other.md").write_text("# Other page\n\n## Pause, resume and status\n", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text(
        "# Page\n\n[ok](other.md#pause-resume-and-status) [self](#page) [web](https://example.com/x.md)\n"
        "[gone](missing.md) [no heading](other.md#nope) `[in code](missing.md)`\n\n"
        "```\n[in a block](missing.md)\n```\n",
        encoding="utf-8",
    )
    wrong = [entry.split(":")[0] for entry in dangling(page)]
    assert wrong == ["missing.md", "other.md#nope"]


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("Lists: near= and q=", "lists-near-and-q"),
        ("SCM: F&O data events and business events", "scm-fo-data-events-and-business-events"),
        ("Create or update (4 requests)", "create-or-update-4-requests"),
        ("An administrator's session", "an-administrators-session"),
        ("`make bench`: changes", "make-bench-changes"),
    ],
)
def test_anchors_are_spelled_as_github_spells_them(heading: str, anchor: str) -> None:
    assert slug(heading) == anchor


def ours() -> list[Path]:
    """Every file of the project: code, documents, tests, settings; not what tools and runs leave."""
    found = []
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = sorted(name for name in subfolders if name not in NOT_OURS)
        found += [Path(folder, name) for name in sorted(files) if not name.endswith(".png")]
    return found


def test_nothing_in_the_repository_names_the_team_brief() -> None:
    naming = [path for path in ours() if any(name in path.read_bytes().upper() for name in BRIEF)]
    assert [str(path.relative_to(ROOT)) for path in naming] == []
