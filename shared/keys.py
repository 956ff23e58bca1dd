"""Integration keys: company + id, normalised the way both real systems compare them, safe as a RowKey."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, unquote

SEPARATOR = "|"
# Percent-encoding leaves only [A-Za-z0-9_.~-] and '%': none of Table Storage's forbidden key
# characters (/ \ # ? and control characters) can get through, and SEPARATOR never appears inside a part.
_SAFE = ""


def normalise(part: str) -> str:
    """Both systems compare keys case-insensitively and ignore surrounding blanks."""
    return part.strip().upper()


def encode(part: str) -> str:
    return quote(normalise(part), safe=_SAFE)


@dataclass(frozen=True)
class Key:
    """A record's integration key, as the caller spelled it."""

    company: str
    id: str

    @property
    def row_key(self) -> str:
        return f"{encode(self.company)}{SEPARATOR}{encode(self.id)}"

    def as_dict(self) -> dict[str, str]:
        return {"company": normalise(self.company), "id": normalise(self.id)}

    def __str__(self) -> str:
        return f"{normalise(self.company)}/{normalise(self.id)}"


def decode_row_key(row_key: str) -> Key:
    company, _, ident = row_key.partition(SEPARATOR)
    return Key(unquote(company), unquote(ident))


def company_range(company: str) -> tuple[str, str]:
    """RowKey bounds [low, high) holding exactly one company's rows ('}' sorts right after '|')."""
    prefix = encode(company)
    return f"{prefix}{SEPARATOR}", f"{prefix}}}"


# Rows that are not records (a company's guard row) have keys starting with GUARD_PREFIX: percent-encoding
# never produces '!', and it sorts before '%', the lowest character an encoded key starts with.
GUARD_PREFIX = "!"
FIRST_RECORD_KEY = "%"


def guard_row_key(company: str) -> str:
    return f"{GUARD_PREFIX}guard{SEPARATOR}{encode(company)}"
