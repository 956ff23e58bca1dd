"""The pure parts of filtered lists: parsing `near` / `radius_km` / `q`, distances, tokens, paging order."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel

from shared.edge import listing
from shared.edge.listing import Query
from shared.entities.spec import EntitySpec, FieldPair, SideSpec
from shared.errors import BadRequestError
from shared.keys import Key
from shared.sync import geo
from shared.sync.rows import Row, SyncMeta
from shared.sync.search import Terms


class _Model(BaseModel):
    pass


def _spec(*, search: bool = True, geo: bool = True) -> EntitySpec:
    def side(name: str, company: str, ident: str) -> SideSpec:
        return SideSpec(name, name, _Model, company, ident, "modified")  # type: ignore[arg-type]

    return EntitySpec(
        slug="things",
        table="Things",
        title="Things",
        fs=side("fs", "msdyn_company", "msdyn_id"),
        scm=side("scm", "dataAreaId", "Id"),
        fields=(),
        search=(FieldPair("msdyn_name", "Name"), FieldPair("msdyn_id", "Id")) if search else (),
        geo=(FieldPair("msdyn_latitude", "Lat"), FieldPair("msdyn_longitude", "Lon")) if geo else None,
    )


SPEC = _spec()


def _row(ident: str, created_by: str = "fs", **record: Any) -> tuple[Key, Row]:
    meta = SyncMeta(dt.datetime(2026, 1, 1, tzinfo=dt.UTC), "fs", created_by, "h", "op")  # type: ignore[arg-type]
    return Key("USMF", ident), Row({"msdyn_id": ident, **record}, meta, "etag")


# -- parameters -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "point"),
    [
        pytest.param("47.61,-122.33", (47.61, -122.33), id="plain"),
        pytest.param(" 47.61 , -122.33 ", (47.61, -122.33), id="blanks"),
        pytest.param("-90,180", (-90.0, 180.0), id="corner"),
        pytest.param("0,0", (0.0, 0.0), id="zero"),
        pytest.param("+1e1,.5", (10.0, 0.5), id="exponent"),
    ],
)
def test_near_parses(raw: str, point: tuple[float, float]) -> None:
    assert listing.parse_near(raw) == point


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("", id="empty"),
        pytest.param("47.61", id="one-number"),
        pytest.param("1,2,3", id="three-numbers"),
        pytest.param("north,west", id="words"),
        pytest.param("nan,0", id="nan"),
        pytest.param("0,inf", id="inf"),
        pytest.param("1e999,0", id="overflow"),
        pytest.param("90.0001,0", id="lat-high"),
        pytest.param("-91,0", id="lat-low"),
        pytest.param("0,180.5", id="lon-high"),
        pytest.param("0,-181", id="lon-low"),
        pytest.param("1_0,2", id="underscore"),
        pytest.param("٤,2", id="non-ascii-digit"),
    ],
)
def test_bad_near_is_400(raw: str) -> None:
    with pytest.raises(BadRequestError, match="near"):
        listing.parse_near(raw)


@pytest.mark.parametrize(
    "raw", ["0", "-5", "", "ten", "nan", "inf", "1e999", "20037.6", "²"], ids=lambda raw: raw or "empty"
)
def test_bad_radius_is_400(raw: str) -> None:
    with pytest.raises(BadRequestError, match="radius_km"):
        listing.parse_radius(raw)


def test_radius_up_to_half_the_equator() -> None:
    assert listing.parse_radius("50") == 50.0
    assert listing.parse_radius("20037.5") == listing.MAX_RADIUS_KM


@pytest.mark.parametrize(
    ("spec", "params", "message"),
    [
        pytest.param(_spec(search=False), {"q": "x"}, "cannot be searched", id="q-without-search"),
        pytest.param(_spec(geo=False), {"near": "0,0", "radius_km": "5"}, "no coordinates", id="near-without-geo"),
        pytest.param(_spec(geo=False), {"radius_km": "5"}, "no coordinates", id="radius-without-geo"),
        pytest.param(SPEC, {"near": "0,0"}, "go together", id="near-without-radius"),
        pytest.param(SPEC, {"radius_km": "5"}, "go together", id="radius-without-near"),
    ],
)
def test_unusable_queries_are_400(spec: EntitySpec, params: dict[str, str], message: str) -> None:
    with pytest.raises(BadRequestError, match=message):
        listing.parse_query(spec, "fs", "USMF", params)


def test_query_from_parameters() -> None:
    assert listing.parse_query(SPEC, "fs", "usmf", {"limit": "5"}) is None
    assert listing.parse_query(SPEC, "fs", "usmf", {"q": " PuMp "}) == Query("fs", "USMF", Terms(("pump",), ()))
    near = listing.parse_query(SPEC, "scm", None, {"near": "1,2", "radius_km": "3"})
    assert near == Query("scm", None, None, (1.0, 2.0), 3.0)


# -- distance -------------------------------------------------------------------------------------


def test_haversine_known_distances() -> None:
    one_degree = 2 * math.pi * geo.EARTH_RADIUS_KM / 360
    assert geo.haversine_km((0, 0), (0, 1)) == pytest.approx(one_degree)
    assert geo.haversine_km((0, 0), (1, 0)) == pytest.approx(one_degree)
    assert geo.haversine_km((90, 0), (-90, 0)) == pytest.approx(math.pi * geo.EARTH_RADIUS_KM)
    # Nashville BNA to Los Angeles LAX: Rosetta Code's haversine task gives 2887.2599506 km for R = 6372.8 km
    bna_lax = geo.haversine_km((36.12, -86.67), (33.94, -118.40))
    assert bna_lax * 6372.8 / geo.EARTH_RADIUS_KM == pytest.approx(2887.2599506, abs=1e-6)
    assert geo.haversine_km((0, 179.5), (0, -179.5)) == pytest.approx(one_degree)  # across the date line


points = st.tuples(st.floats(-90, 90), st.floats(-180, 180))


@given(a=points, b=points)
def test_haversine_is_a_bounded_symmetric_distance(a: tuple[float, float], b: tuple[float, float]) -> None:
    distance = geo.haversine_km(a, b)
    assert 0 <= distance <= math.pi * geo.EARTH_RADIUS_KM + 1e-9
    assert distance == pytest.approx(geo.haversine_km(b, a), abs=1e-9)
    assert geo.haversine_km(a, a) == 0


@pytest.mark.parametrize(
    "record",
    [
        pytest.param({}, id="none"),
        pytest.param({"msdyn_latitude": 1.0}, id="latitude-only"),
        pytest.param({"msdyn_latitude": True, "msdyn_longitude": 1}, id="bool"),
        pytest.param({"msdyn_latitude": "1", "msdyn_longitude": "2"}, id="text"),
        pytest.param({"msdyn_latitude": math.nan, "msdyn_longitude": 2.0}, id="nan"),
        pytest.param({"msdyn_latitude": 10**400, "msdyn_longitude": 2}, id="huge-int"),
        pytest.param({"msdyn_latitude": 91.0, "msdyn_longitude": 2.0}, id="out-of-range"),
        pytest.param({"msdyn_latitude": 0, "msdyn_longitude": 0.0}, id="zero-zero-is-fos-not-set"),
        pytest.param({"msdyn_latitude": -0.0, "msdyn_longitude": 0}, id="negative-zero-too"),
    ],
)
def test_records_without_usable_coordinates_have_none(record: dict[str, Any]) -> None:
    assert geo.coordinates(SPEC, "fs", record) is None


def test_coordinates_of_each_side() -> None:
    assert geo.coordinates(SPEC, "fs", {"msdyn_latitude": 1, "msdyn_longitude": 2.5}) == (1.0, 2.5)
    assert geo.coordinates(SPEC, "scm", {"Lat": -1.5, "Lon": 3}) == (-1.5, 3.0)
    assert geo.coordinates(SPEC, "fs", {"msdyn_latitude": 0, "msdyn_longitude": 5}) == (0.0, 5.0)  # the equator
    assert geo.coordinates(_spec(geo=False), "fs", {"msdyn_latitude": 1, "msdyn_longitude": 2}) is None


# -- continuation tokens --------------------------------------------------------------------------

QUERY = Query("fs", "USMF", Terms(("pump",), ()))


def test_token_round_trip_is_url_safe() -> None:
    position = (12.345678901234567, "USMF|W%2F1")
    token = listing.encode_token(QUERY, position)
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert listing.decode_token(token, QUERY) == position
    assert listing.decode_token(None, QUERY) is None and listing.decode_token("", QUERY) is None


def test_a_token_only_serves_its_own_query() -> None:
    token = listing.encode_token(QUERY, (0.0, "USMF|A"))
    assert listing.decode_token(token, Query("fs", "USMF", Terms(("pump",), ()))) == (0.0, "USMF|A")
    for other in (
        Query("fs", "USMF", Terms(("valve",), ())),
        Query("scm", "USMF", Terms(("pump",), ())),
        Query("fs", None, Terms(("pump",), ())),
    ):
        with pytest.raises(BadRequestError, match="another query"):
            listing.decode_token(token, other)


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(b"[1, 2]", id="array"),
        pytest.param(b'{"PartitionKey": "FS", "RowKey": "USMF|A"}', id="plain-list-token"),
        pytest.param(b'{"v": 2, "q": "x", "after": [0, "A"]}', id="other-version"),
        pytest.param(b'{"v": 1, "q": "x", "after": [-1, "A"]}', id="negative-distance"),
        pytest.param(b'{"v": 1, "q": "x", "after": [true, "A"]}', id="bool-distance"),
        pytest.param(b'{"v": 1, "q": "x", "after": [1e999, "A"]}', id="infinite-distance"),
        pytest.param(b'{"v": 1, "q": "x", "after": [0, 5]}', id="number-key"),
        pytest.param(b'{"v": 1, "q": "x", "after": [0]}', id="short"),
        pytest.param(b'{"v": 1, "q": "x", "after": [0, "A"], "more": 1}', id="extra-field"),
        pytest.param(b"\xff\xfe", id="not-utf8"),
    ],
)
def test_tampered_tokens_are_400(payload: bytes) -> None:
    with pytest.raises(BadRequestError, match="not one this API gave out"):
        listing.decode_token(base64.urlsafe_b64encode(payload).decode(), QUERY)


@given(st.text(max_size=80))
def test_no_token_text_raises_anything_but_400(token: str) -> None:
    with contextlib.suppress(BadRequestError):
        listing.decode_token(token, QUERY)
