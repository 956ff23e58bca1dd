"""The position index's key ranges (shared/sync/geo.py): every point within the radius is inside one of them."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from shared.keys import Key
from shared.sync import geo

ROW_KEY = Key("USMF", "WH-1").row_key
latitudes = st.floats(-90, 90, allow_nan=False)
longitudes = st.floats(-180, 180, allow_nan=False)


def inside(spans: list[tuple[str, str]] | None, point: geo.Point) -> bool:
    key = geo.index_key(point, ROW_KEY)
    low, high = geo.everything()
    assert low <= key < high  # the whole index holds every index row
    return spans is None or any(low <= key < high for low, high in spans)


@given(
    center=st.tuples(latitudes, longitudes),
    radius=st.floats(0.001, 20_037.5),
    bearing=st.floats(0, 2 * math.pi),
    share=st.floats(0, 1),
)
def test_every_point_within_the_radius_is_in_a_range(
    center: geo.Point, radius: float, bearing: float, share: float
) -> None:
    point = _destination(center, radius * share, bearing)
    assume(geo.haversine_km(center, point) <= radius)
    assert inside(geo.ranges(center, radius), point)


@example(center=(0.5, 179.0), radius=167.0)  # latitudes -1.0..2.0 end on band edges: five bands, split in two
@given(center=st.tuples(st.floats(-60, 60), longitudes), radius=st.floats(0.5, 200))
def test_a_small_circle_away_from_the_poles_reads_few_ranges(center: geo.Point, radius: float) -> None:
    spans = geo.ranges(center, radius)
    reach = math.degrees(radius / geo.EARTH_RADIUS_KM)
    # A latitude span of 2 x reach degrees crosses at most floor(2 x reach) + 1 band edges, so it touches
    # one band more than that; the antimeridian splits each band in two at most.
    bands = math.floor(2 * reach + 1e-6) + 2
    assert spans is not None and 1 <= len(spans) <= 2 * bands <= geo.MAX_RANGES


def test_the_antimeridian_splits_a_band() -> None:
    spans = geo.ranges((0.5, 179.9), 50)  # one band: 0.05..0.95 degrees north
    assert spans is not None and len(spans) == 2
    assert inside(spans, (0.5, -179.9)) and inside(spans, (0.5, 179.95))
    assert not inside(spans, (0.5, 0.0))


def test_a_pole_inside_reads_everything() -> None:
    assert geo.ranges((89.9, 10.0), 50) is None
    assert geo.ranges((0.0, 0.0), 20_037.5) is None


def test_positions_round_trip_exactly() -> None:
    point = (47.606209, -122.332071)
    assert geo.unstamp(geo.stamp(point)) == point
    assert geo.unstamp(None) is None
    assert geo.record_key(geo.index_key(point, ROW_KEY)) == ROW_KEY


@pytest.mark.parametrize("point", [(90.0, 180.0), (-90.0, -180.0), (0.0, 0.0)])
def test_extreme_points_have_keys_in_the_index(point: geo.Point) -> None:
    assert inside(None, point)


def _destination(start: geo.Point, distance_km: float, bearing: float) -> geo.Point:
    """The point `distance_km` from `start` along `bearing` (radians from north), on the sphere."""
    lat1, lon1 = map(math.radians, start)
    angle = distance_km / geo.EARTH_RADIUS_KM
    lat2 = math.asin(
        min(1.0, max(-1.0, math.sin(lat1) * math.cos(angle) + math.cos(lat1) * math.sin(angle) * math.cos(bearing)))
    )
    lon2 = lon1 + math.atan2(
        math.sin(bearing) * math.sin(angle) * math.cos(lat1), math.cos(angle) - math.sin(lat1) * math.sin(lat2)
    )
    lon = (math.degrees(lon2) + 540) % 360 - 180
    return math.degrees(lat2), lon
