"""`fs-scm-sync --help` and every subcommand's, at 80 columns: no line past the edge, no entity slug or
option broken at its hyphen, and the environment variables the command reads are named."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import parser
from shared.entities import ENTITIES

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = sorted(parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]


def helped(*args: str) -> str:
    command = [sys.executable, "-m", "cli", *args, "--help"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60, env={"COLUMNS": "80"})
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_fits_80_columns_and_breaks_no_word_at_a_hyphen(command: str | None) -> None:
    text = helped(*([command] if command else []))
    assert all(len(line) <= 80 for line in text.splitlines()), text
    assert not re.search(r"[A-Za-z]-\n", text), text  # was: "ship-\nvia"
    for slug in ENTITIES:
        if slug.replace("-", " ") in " ".join(text.split()):
            assert slug in text  # a slug is whole wherever it is named


def test_the_top_help_names_the_environment() -> None:
    text = helped()
    for name in ("SYNC_URL", "SYNC_ADMIN_KEY", "SYNC_FUNCTION_KEY"):
        assert name in text
    assert "--url URL" in text and "COMMAND" in text
