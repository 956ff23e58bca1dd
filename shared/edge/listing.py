"""Lists of one side's records: `GET /api/{side}/{entity}?company=…&limit=…&continuation=…`.

A plain list pages through Table Storage in key order. A distance list (`near=lat,lon&radius_km=R`)
reads the position index (shared/sync/geo.py): the index rows in the RowKey ranges the circle covers, each
measured here, then only the page's records, each checked against its index row. A search (`q=`, as
Dataverse Quick Find: shared/sync/search.py) reads the word index: the index rows of the words that
begin with its longest word, in key order, each checked against every word of `q` on the fields it
carries, then only the page's records, each checked again. A search of `*` words alone reads the
side's rows (of the company) in key order, only their search fields. Their continuation token is our
own: the position of the last row returned (its index row's key for a search, its row key for a
`*` search, with its distance for `near`), so a page never shifts when unrelated rows change, and
bound to the query it was given out for.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from itertools import islice
from typing import Any

from shared import jsonio
from shared.entities.spec import EntitySpec, Side
from shared.errors import BadRequestError, NotFoundError
from shared.keys import Key, company_range, decode_row_key, normalise
from shared.sync import geo, search
from shared.sync.engine import Engine
from shared.sync.geo import coordinates, finite, haversine_km
from shared.sync.rows import Row
from shared.sync.search import Terms

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_RADIUS_KM = 20_037.5  # half the equator: every point on the sphere is within π·R ≈ 20,015 km
DISTANCE_DECIMALS = 3  # metres
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_TOKEN_VERSION = 1

Position = tuple[float, str]  # (distance, row key or index row key); distance 0.0 in lists ordered by key
Candidate = tuple[Position, str, geo.Point | None]  # where it stands, the record's RowKey, its indexed position


@dataclass(frozen=True)
class Query:
    """What a filtered list asks for: the validated `company`, `q`, `near` and `radius_km`."""

    side: Side
    company: str | None
    terms: Terms | None = None
    near: tuple[float, float] | None = None
    radius_km: float = 0.0

    @property
    def by_distance(self) -> bool:
        return self.near is not None

    def fingerprint(self) -> str:
        """A short digest of the query, so that a token from one query is refused by another."""
        words = [list(self.terms.begins), list(self.terms.inside)] if self.terms else None
        spelled = [self.side, self.company, words, self.near, self.radius_km]
        return hashlib.sha256(jsonio.dumps_canonical(spelled)).hexdigest()[:16]


def list_records(engine: Engine, side: Side, params: Mapping[str, str]) -> dict[str, Any]:
    company = _company(engine, params.get("company"))
    limit = _limit(params.get("limit"))
    query = parse_query(engine.spec, side, company, params)
    if query is None:
        rows, next_token = engine.store.page(side, company, limit, params.get("continuation"))
        return {"items": [_item(key, row) for key, row in rows], "continuation": next_token}
    after = decode_token(params.get("continuation"), query)
    if query.by_distance:
        page, more = nearest(engine, query, after, limit)
    else:
        page, more = searched(engine, query, after, limit)
    items = [_item(key, row, at[0] if query.by_distance else None) for at, key, row in page]
    return {"items": items, "continuation": encode_token(query, position(page[-1])) if more else None}


def parse_query(spec: EntitySpec, side: Side, company: str | None, params: Mapping[str, str]) -> Query | None:
    """The filtered list the parameters ask for, or None for a plain list; 400 for anything unusable."""
    text, near, radius = params.get("q"), params.get("near"), params.get("radius_km")
    if text is None and near is None and radius is None:
        return None
    if text is not None and not spec.search:
        raise BadRequestError(f"{spec.title} cannot be searched: q= is not supported on this list")
    if (near is not None or radius is not None) and spec.geo is None:
        raise BadRequestError(f"{spec.title} records have no coordinates: near= and radius_km= are not supported")
    if (near is None) != (radius is None):
        raise BadRequestError("near= and radius_km= go together: near=lat,lon&radius_km=R")
    company = normalise(company) if company is not None else None
    searched = search.parse(text, side) if text is not None else None
    if near is None or radius is None:
        return Query(side, company, searched)
    return Query(side, company, searched, parse_near(near), parse_radius(radius))


def parse_near(raw: str) -> tuple[float, float]:
    parts = raw.split(",")
    if len(parts) != 2 or not all(_NUMBER.fullmatch(part.strip()) for part in parts):
        raise BadRequestError("near must be two decimal numbers: near=latitude,longitude (e.g. near=47.61,-122.33)")
    lat, lon = (float(part) for part in parts)
    if not (math.isfinite(lat) and -90 <= lat <= 90 and math.isfinite(lon) and -180 <= lon <= 180):
        raise BadRequestError("near is out of range: latitude must be -90..90 and longitude -180..180")
    return lat, lon


def parse_radius(raw: str) -> float:
    radius = float(raw) if _NUMBER.fullmatch(raw.strip()) else math.nan
    if not (math.isfinite(radius) and 0 < radius <= MAX_RADIUS_KM):
        raise BadRequestError(f"radius_km must be a number of kilometres above 0 and at most {MAX_RADIUS_KM}")
    return radius


def nearest(engine: Engine, query: Query, after: Position | None, limit: int) -> tuple[list[Listed], bool]:
    """The `limit` records nearest the query's point after `after`, within its radius, and whether more
    follow: found by the position index, each record then read and kept only if it still stands where
    its index row says (a record changed outside the sync since is left out until it is written again)."""
    assert query.near is not None
    spec, side, terms = engine.spec, query.side, query.terms
    within = geo.ranges(query.near, query.radius_km)
    prefix = company_range(query.company)[0] if query.company is not None else ""
    candidates = sorted(
        ((distance, row_key), row_key, point)
        for row_key, point in engine.store.located(side, within)
        if row_key.startswith(prefix) and (distance := haversine_km(query.near, point)) <= query.radius_km
    )  # a record may have a stale index row beside its own (an import that moved it): kept only where it stands

    def keep(row: Row, candidate: Candidate) -> bool:
        stands = coordinates(spec, side, row.record) == candidate[2]
        return stands and (terms is None or terms.matches(search.values(spec, side, row.record)))

    later = (candidate for candidate in candidates if after is None or candidate[0] > after)
    return _read_page(engine, side, later, limit, keep)


def searched(engine: Engine, query: Query, after: Position | None, limit: int) -> tuple[list[Listed], bool]:
    """The first `limit` records whose search fields match the query, after `after`, and whether more
    follow: by the word index, in the order of its rows (the word that begins with the query's longest
    word, then the record's key), each record listed at its first index row that matches; then only
    the page's records are read whole, each checked again (it may have changed between the two reads;
    one whose row names other fields than its index row carries was changed outside the sync, and is
    left out until it is written again)."""
    terms, spec, side = query.terms, engine.spec, query.side
    assert terms is not None
    lead = terms.lead
    if lead is None:
        return _scanned(engine, query, terms, after, limit)
    companies = [query.company] if query.company is not None else engine.settings.companies
    spans = sorted(search.span(company, lead) for company in companies)
    resume = after[1] if after is not None else None
    hits = (
        ((0.0, index_key), record_key, None)
        for low, high in spans
        if resume is None or high > resume
        for index_key, indexed in engine.store.worded(side, low, high, resume, 4 * (limit + 1))
        if terms.first_key(record_key := search.record_key(index_key), indexed) == index_key
    )

    def keep(row: Row, candidate: Candidate) -> bool:
        return terms.first_key(candidate[1], search.values(spec, side, row.record)) == candidate[0][1]

    return _read_page(engine, side, hits, limit, keep)


def _scanned(
    engine: Engine, query: Query, terms: Terms, after: Position | None, limit: int
) -> tuple[list[Listed], bool]:
    """A search of `*` words alone: the partition (of the company) read in key order for the search
    fields alone, resuming in storage after the last row key returned."""
    spec, side = engine.spec, query.side
    fields = tuple(name for pair in spec.search if (name := pair.name(side)))
    resume = after[1] if after is not None else None
    hits = (
        ((0.0, row_key), row_key, None)
        for row_key, columns in engine.store.columns(side, query.company, fields, after=resume)
        if terms.matches(search.values(spec, side, columns))
    )
    return _read_page(engine, side, hits, limit, lambda row, _: terms.matches(search.values(spec, side, row.record)))


Listed = tuple[Position, Key, Row]


def _read_page(
    engine: Engine,
    side: Side,
    candidates: Iterator[Candidate],
    limit: int,
    keep: Callable[[Row, Candidate], bool],
) -> tuple[list[Listed], bool]:
    """The first `limit` candidates, in order, whose records are there and `keep` keeps, and whether more
    follow: read whole, a page's worth at a time, in parallel."""
    found: list[Listed] = []
    while len(found) <= limit and (chunk := list(islice(candidates, limit + 1 - len(found)))):
        rows = engine.store.read_many(side, [decode_row_key(row_key) for _, row_key, _ in chunk])
        for candidate in chunk:
            row = rows[candidate[1]]
            if row is not None and not row.deleted and keep(row, candidate):
                found.append((candidate[0], decode_row_key(candidate[1]), row))
    return found[:limit], len(found) > limit


def position(item: Listed) -> Position:
    """Where a listed row stands in (distance, row key) order: what a continuation token resumes after."""
    return item[0]


def encode_token(query: Query, position: Position) -> str:
    payload = {"v": _TOKEN_VERSION, "q": query.fingerprint(), "after": list(position)}
    return base64.urlsafe_b64encode(jsonio.dumps(payload)).decode("ascii").rstrip("=")


def decode_token(token: str | None, query: Query) -> Position | None:
    """The position a token resumes after; 400 for a token this API did not give out for this query."""
    if not token:
        return None
    payload = _token_payload(token)
    after = payload.get("after") if isinstance(payload, dict) and set(payload) == {"v", "q", "after"} else None
    if not (isinstance(after, list) and len(after) == 2 and payload["v"] == _TOKEN_VERSION):
        raise BadRequestError("continuation token is not one this API gave out")
    distance, row_key = finite(after[0]), after[1]
    if distance is None or distance < 0 or not isinstance(row_key, str):
        raise BadRequestError("continuation token is not one this API gave out")
    if payload["q"] != query.fingerprint():
        raise BadRequestError("continuation token belongs to another query; resend the query without it")
    return distance, row_key


def _token_payload(token: str) -> Any:
    try:
        raw = base64.urlsafe_b64decode(token.encode("ascii") + b"=" * (-len(token) % 4))
        return jsonio.loads(raw)
    except (ValueError, binascii.Error, BadRequestError):  # UnicodeEncodeError is a ValueError
        return None


def _item(key: Key, row: Row, distance: float | None = None) -> dict[str, Any]:
    item = {"key": key.as_dict(), **row.as_dict(), "origin": row.meta.created_by}
    if distance is not None:
        item["distance_km"] = round(distance, DISTANCE_DECIMALS)
    return item


def _company(engine: Engine, company: str | None) -> str | None:
    if company is not None and normalise(company) not in engine.settings.companies:
        raise NotFoundError(f"unknown company; known: {', '.join(engine.settings.companies)}")
    return company


def _limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    if not re.fullmatch(r"[0-9]{1,9}", raw) or not 1 <= int(raw) <= MAX_LIMIT:
        raise BadRequestError(f"limit must be a whole number from 1 to {MAX_LIMIT}")
    return int(raw)
