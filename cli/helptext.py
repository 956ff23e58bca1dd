"""`--help` as an operator reads it at 80 columns: lines break at blanks only, never inside an entity slug
(`ship-via`, `customer-assets`) or an option, and an epilog keeps its own lines."""

from __future__ import annotations

import argparse
import textwrap
from typing import Any


class Formatter(argparse.HelpFormatter):
    """argparse's formatter, wrapping with break_on_hyphens=False (its default breaks `ship-` / `via`)."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        return _wrap(" ".join(text.split()), width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        """Each line of a description or epilog on its own: as written when it fits (an epilog's columns stay
        aligned), else wrapped at blanks, keeping its leading blanks."""
        lines = []
        for line in text.strip("\n").splitlines():
            if len(indent + line.rstrip()) <= width:
                lines.append(indent + line.rstrip())
                continue
            inset = indent + line[: len(line) - len(line.lstrip())]
            wrapped = _wrap(" ".join(line.split()), max(width - len(inset), 20))
            lines += [inset + part for part in wrapped] or [""]
        return "\n".join(lines)


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose help (and its subcommands' help) uses Formatter."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", Formatter)
        super().__init__(*args, **kwargs)


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width, break_on_hyphens=False, break_long_words=False)
