"""Integration keys: company + id, normalised the way both real systems compare them, safe as a RowKey.

Both systems compare keys case-insensitively by *simple* case mapping: a character is upper-cased on
its own, and only when that gives one character whose lower case is the character again. So `wh-01`
and `WH-01` are one key, while `straße`/`STRASSE` (ß upper-cases to two letters), `ıd`/`ID` (dotless ı
is not the lower case of I) and `ﬁx`/`FIX` (a ligature) are two.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache
from urllib.parse import quote, unquote

SEPARATOR = "|"
# Percent-encoding leaves only [A-Za-z0-9_.~-] and '%': none of Table Storage's forbidden key
# characters (/ \ # ? and control characters) can get through, and SEPARATOR never appears inside a part.
_SAFE = ""
# Characters no key may hold: no URL route can carry them (`/ \ # ?`), and control characters forge
# log lines and are refused by Table Storage.
ROUTE_UNSAFE = frozenset("/\\#?")


@lru_cache(maxsize=4096)
def _upper(char: str) -> str:
    upper = char.upper()
    return upper if len(upper) == 1 and upper.lower() == char else char


def simple_upper(text: str) -> str:
    """Upper case by simple case mapping, character by character (see the module's docstring)."""
    return text.upper() if text.isascii() else "".join(_upper(char) for char in text)


def trim(part: str) -> str:
    """Keys ignore surrounding blanks: the trimmed spelling is the one both sides store."""
    return part.strip()


def normalise(part: str) -> str:
    """The comparable form of a key part: trimmed, upper-cased by simple case mapping."""
    return simple_upper(trim(part))


def bad_characters(part: str) -> list[str]:
    """The characters of a (trimmed) key part that no key may hold, in order, each once."""
    found: list[str] = []
    for char in part:
        if (char in ROUTE_UNSAFE or unicodedata.category(char) in ("Cc", "Cs")) and char not in found:
            found.append(char)
    return found


def printable(text: str) -> str:
    """Caller text made safe for a log line or a message: control characters escaped, no line breaks."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else char.encode("unicode_escape").decode("ascii") for char in text)


def encode(part: str) -> str:
    return quote(normalise(part), safe=_SAFE, errors="surrogatepass")


@dataclass(frozen=True)
class Key:
    """A record's integration key, as the caller spelled it."""

    company: str
    id: str

    @cached_property  # asked for several times a row by a bulk job; the quoting is the cost
    def row_key(self) -> str:
        return f"{encode(self.company)}{SEPARATOR}{encode(self.id)}"

    def as_dict(self) -> dict[str, str]:
        return {"company": normalise(self.company), "id": normalise(self.id)}

    def __str__(self) -> str:
        return printable(f"{normalise(self.company)}/{normalise(self.id)}")


def decode_row_key(row_key: str) -> Key:
    company, _, ident = row_key.partition(SEPARATOR)
    return Key(unquote(company, errors="surrogatepass"), unquote(ident, errors="surrogatepass"))


def company_range(company: str) -> tuple[str, str]:
    """RowKey bounds [low, high) holding exactly one company's rows ('}' sorts right after '|')."""
    prefix = encode(company)
    return f"{prefix}{SEPARATOR}", f"{prefix}}}"


# Rows that are not records have keys that sort before FIRST_RECORD_KEY ('%', the lowest character an
# encoded key starts with; percent-encoding never produces '!' or '$'): a company's guard row starts
# with GUARD_PREFIX, the index row of an operation in flight with PENDING_PREFIX, a record's position's
# index row (shared/sync/geo.py) with GEO_PREFIX, the index rows of its words (shared/sync/search.py) with
# SEARCH_PREFIX.
GUARD_PREFIX = "!"
PENDING_PREFIX = "$pending" + SEPARATOR
GEO_PREFIX = "$geo" + SEPARATOR
SEARCH_PREFIX = "$q" + SEPARATOR
FIRST_RECORD_KEY = "%"


def guard_row_key(company: str) -> str:
    return f"{GUARD_PREFIX}guard{SEPARATOR}{encode(company)}"


def pending_row_key(row_key: str) -> str:
    """The index row of the operation in flight on the record with this RowKey (one at a time per record)."""
    return PENDING_PREFIX + row_key


def pending_range() -> tuple[str, str]:
    """RowKey bounds [low, high) holding exactly the index rows of operations in flight."""
    return PENDING_PREFIX, PENDING_PREFIX[:-1] + chr(ord(SEPARATOR) + 1)


def is_record_key(row_key: str) -> bool:
    return row_key >= FIRST_RECORD_KEY
