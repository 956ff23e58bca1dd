"""The words a record is found by (`q=`, as Dataverse Quick Find does it), and the index that finds them.

A record's search fields (a customer asset's name, id and serial number) are split into words at
blanks and punctuation (anything but letters and digits) and casefolded. Each word of `q` must begin
a word of one field, all of them within the same field, in any order; a `q` word written `*word`
must be inside that field's text (casefolded) instead.

Each distinct (field, word) of a record has an index row in the record's own partition, written,
changed and removed in the same transaction as the record (shared/sync/store/writes.py): RowKey
`$q|<company>|<word>!<record's RowKey>|<field>` (the word percent-encoded, at most WORD_CHARS of it;
'!' sorts before every character of an encoded word, so a word comes before the longer ones it begins),
with the record's search fields as indexed (`SyncSearch`, the JSON list of their values). The record
row names them the same way (`SyncSearch`), so a write that changes, empties or deletes the record
knows which index rows to remove. The words that begin with `w` in one company are one RowKey range;
a query reads the range of its longest plain word and checks each index row against every word of
`q` on the fields the row carries, without reading the record. A record with several index rows in
that range (two words, or two fields, that begin with `w`) is listed once: at its first index row
that matches. Only a query made of `*` words alone reads the company's records.

A record is indexed by its first MAX_WORDS distinct (field, word) pairs, so that the record, its old
and new index rows and the rows that go with them always fit one transaction of 100. A word past
those is still checked on the whole field, but a query whose longest word begins only such words
(the one whose range is read) does not find the record; a `*` search does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from shared import jsonio
from shared.entities.spec import EntitySpec, Side
from shared.errors import Failure, RejectedError
from shared.keys import SEARCH_PREFIX, SEPARATOR, encode

MAX_WORDS = 40  # index rows of one record: 2 × 40 (old and new) + the record, its intent's row, a guard
WORD_CHARS = 32  # of a word, in its index row's key (a RowKey holds at most 1 KiB)
MAX_QUERY = 200  # characters of `q`
MAX_TERMS = 10  # words of `q`
_END = "!"  # ends a word in an index row's key: below '%', digits and letters, which an encoded word holds
_WORD = re.compile(r"[^\W_]+")  # letters and digits: '_' is punctuation too

Values = tuple[str | None, ...]  # a record's search fields, in the entity's order
Stamp = Callable[[Side, Mapping[str, Any]], str | None]


def words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def values(spec: EntitySpec, side: Side, record: Mapping[str, Any]) -> Values:
    """The record's search fields' values (None where empty)."""
    named = (record.get(name) for pair in spec.search if (name := pair.name(side)))
    return tuple(str(value) if value is not None and value != "" else None for value in named)


def stamper(spec: EntitySpec) -> Stamp | None:
    """What a record's row names as indexed (its `SyncSearch`); None for an entity without search fields."""
    if not spec.search:
        return None
    return lambda side, record: stamp(values(spec, side, record))


def stamp(indexed: Values) -> str | None:
    return jsonio.dumps(list(indexed)).decode() if any(indexed) else None


def unstamp(text: str | None) -> Values:
    if not text:
        return ()
    loaded = jsonio.loads(text.encode())
    return tuple(value if isinstance(value, str) else None for value in loaded) if isinstance(loaded, list) else ()


def entries(indexed: Values) -> list[tuple[str, int]]:
    """The (word as indexed, field number) pairs a record has index rows for: distinct, the first MAX_WORDS."""
    found: dict[tuple[str, int], None] = {}
    for field, text in enumerate(indexed):
        for word in words(text or ""):
            found.setdefault((word[:WORD_CHARS], field), None)
            if len(found) == MAX_WORDS:
                return list(found)
    return list(found)


def index_key(row_key: str, word: str, field: int) -> str:
    """The RowKey of the index row of word `word` (as indexed) of field `field` of the record `row_key`."""
    company = row_key.partition(SEPARATOR)[0]  # already encoded
    return f"{SEARCH_PREFIX}{company}{SEPARATOR}{quote(word, safe='')}{_END}{row_key}{SEPARATOR}{field}"


def index_keys(row_key: str, indexed: Values) -> list[str]:
    return [index_key(row_key, word, field) for word, field in entries(indexed)]


def record_key(index_row_key: str) -> str:
    """The record's RowKey an index row names."""
    inner = index_row_key.partition(_END)[2]
    return inner.rpartition(SEPARATOR)[0]


def span(company: str, prefix: str) -> tuple[str, str]:
    """The RowKey range [low, high) of one company's index rows whose word begins with `prefix`
    ('}' sorts after every character an encoded word holds, and after the word's end)."""
    low = f"{SEARCH_PREFIX}{encode(company)}{SEPARATOR}{quote(prefix[:WORD_CHARS], safe='')}"
    return low, low + "}"


@dataclass(frozen=True)
class Terms:
    """The words of a `q`: those a field's word must begin with, and the `*` ones its text must hold."""

    begins: tuple[str, ...]
    inside: tuple[str, ...]

    @property
    def lead(self) -> str | None:
        """The word whose index range is read: the longest (likely the fewest rows), None for `*` alone."""
        return max(self.begins, key=len) if self.begins else None

    def field_matches(self, text: str | None) -> bool:
        if not text:
            return False
        own, folded = words(text), text.casefold()
        return all(any(word.startswith(term) for word in own) for term in self.begins) and all(
            term in folded for term in self.inside
        )

    def matches(self, indexed: Values) -> bool:
        return any(self.field_matches(text) for text in indexed)

    def first_key(self, row_key: str, indexed: Values) -> str | None:
        """The first index row (in key order) of the record through which this query finds it: of a word
        beginning with the lead word, in a field that matches every word; None when it does not match."""
        lead = self.lead
        assert lead is not None, "only a query with a plain word reads the index"
        lead = lead[:WORD_CHARS]
        fitting = [
            index_key(row_key, word, field)
            for word, field in entries(indexed)
            if word.startswith(lead) and self.field_matches(indexed[field])
        ]
        return min(fitting, default=None)


def parse(raw: str, side: Side) -> Terms:
    """The words of `q`; 422 naming `q` for one that has none, a lone `*`, or too much."""
    text = raw.strip()
    if len(text) > MAX_QUERY:
        raise _bad(side, "too_long", f"q is longer than {MAX_QUERY} characters")
    begins: list[str] = []
    inside: list[str] = []
    for chunk in text.split():
        if chunk.startswith("*"):
            term = chunk.lstrip("*").casefold()
            if not term:
                raise _bad(side, "empty_word", "q has a lone '*': write the text a field must hold after it (*ump)")
            inside.append(term)
        else:
            begins += words(chunk)
    if not begins and not inside:
        raise _bad(side, "empty_word", "q has no word to search for: letters or digits, or *text")
    if len(begins) + len(inside) > MAX_TERMS:
        raise _bad(side, "too_many_words", f"q has more than {MAX_TERMS} words")
    return Terms(tuple(dict.fromkeys(begins)), tuple(dict.fromkeys(inside)))


def _bad(side: Side, rule: str, message: str) -> RejectedError:
    return RejectedError(f"the search was rejected: {message}", [Failure("q", rule, side, message)])


def index_row(partition: str, index_row_key: str, stamped: str) -> dict[str, Any]:
    return {"PartitionKey": partition, "RowKey": index_row_key, "SyncSearch": stamped}
