"""Where records stand, and the index that finds the ones near a point without reading the others.

Each record with a position has an index row in its own partition, written in the same transaction
as the record (shared/sync/store/writes.py): RowKey `$geo|<band>|<longitude>|<record's RowKey>`, with the
position in `Lat` and `Lon`. A band is one degree of latitude; within a band the rows sort by longitude (fixed
width, micro-degrees). The records within R km of a point then lie in the bands the circle's
latitudes cross, between the longitudes its widest point reaches: one RowKey range per band (two where
the circle crosses the antimeridian), read in parallel. A circle around a pole, or too big to be worth
it, reads the whole index instead, which is still far smaller than the records.

The record row names its index row (`SyncGeo`), so that a write that moves, removes or deletes the
record removes the old index row in the same transaction. Distances are great-circle, on the IUGG
mean radius.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from shared.entities.spec import EntitySpec, Side
from shared.keys import GEO_PREFIX, SEPARATOR

EARTH_RADIUS_KM = 6371.0088  # the IUGG mean radius
BAND_DEGREES = 1
BANDS = 180 // BAND_DEGREES
MAX_RANGES = 12  # range reads for one circle; beyond, the whole index is read (one query)
_MICRO = 1_000_000
_MARGIN = 1e-9  # degrees added around a circle's box: the box only has to hold every point of the circle

Point = tuple[float, float]  # latitude, longitude in degrees
Locate = Callable[[Side, Mapping[str, Any]], Point | None]


def haversine_km(a: Point, b: Point) -> float:
    """Great-circle distance between two (latitude, longitude) points in degrees."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def coordinates(spec: EntitySpec, side: Side, record: Mapping[str, Any]) -> Point | None:
    """A record's (latitude, longitude), or None when it has no usable pair. 0, 0 is no position: F&O's
    OData sends it for "not set" (a record stored before that rule may still hold it)."""
    if spec.geo is None:
        return None
    lat, lon = (finite(record.get(pair.name(side) or "")) for pair in spec.geo)
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180) or lat == lon == 0:
        return None
    return lat, lon


def locator(spec: EntitySpec) -> Locate | None:
    """Where a record of this entity stands (for the store's index rows); None for an entity without positions."""
    if spec.geo is None:
        return None
    return lambda side, record: coordinates(spec, side, record)


def finite(value: Any) -> float | None:
    """A JSON number as a float (never a bool, NaN or infinity), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an int beyond float range
        return None
    return number if math.isfinite(number) else None


def index_key(point: Point, row_key: str) -> str:
    """The RowKey of the index row of the record with RowKey `row_key` standing at `point`."""
    lat, lon = point
    return f"{GEO_PREFIX}{_band(lat):03d}{SEPARATOR}{_micro(lon):09d}{SEPARATOR}{row_key}"


def stamp(point: Point) -> str:
    """A position as a record row names it (`SyncGeo`): exact, so that a change of it is seen."""
    return f"{point[0]!r},{point[1]!r}"


def unstamp(text: str | None) -> Point | None:
    if not text:
        return None
    lat, _, lon = text.partition(",")
    return float(lat), float(lon)


def index_row(partition: str, row_key: str, point: Point) -> dict[str, Any]:
    return {"PartitionKey": partition, "RowKey": index_key(point, row_key), "Lat": point[0], "Lon": point[1]}


def record_key(index_row_key: str) -> str:
    """The record's RowKey an index row names."""
    return index_row_key[len(GEO_PREFIX) :].split(SEPARATOR, 2)[2]


def ranges(center: Point, radius_km: float) -> list[tuple[str, str]] | None:
    """RowKey ranges [low, high) of index rows that hold every record within `radius_km` of `center` (and
    some beyond it: the caller measures each); None when the whole index is the better read."""
    lat, lon = center
    reach = math.degrees(radius_km / EARTH_RADIUS_KM)  # the circle's angular radius, in degrees
    south, north = lat - reach - _MARGIN, lat + reach + _MARGIN
    if south <= -90 or north >= 90:
        return None  # a pole is inside: every longitude
    widest = math.sin(math.radians(reach)) / math.cos(math.radians(lat))
    if widest >= 1:
        return None
    half = math.degrees(math.asin(widest)) + _MARGIN
    spans = _longitudes(lon - half, lon + half)
    bands = range(_band(south), _band(north) + 1)
    if len(bands) * len(spans) > MAX_RANGES:
        return None
    return [
        (_bound(band, west, math.floor), _bound(band, east, math.ceil, 1)) for band in bands for west, east in spans
    ]


def everything() -> tuple[str, str]:
    """The RowKey range [low, high) of the whole index."""
    return GEO_PREFIX, GEO_PREFIX[:-1] + chr(ord(SEPARATOR) + 1)


def index_query(partition: str, span: tuple[str, str] | None = None) -> tuple[str, dict[str, str]]:
    """The filter and its parameters that read a partition's index rows in a RowKey range (None: all)."""
    low, high = span or everything()
    return "PartitionKey eq @pk and RowKey ge @lo and RowKey lt @hi", {"pk": partition, "lo": low, "hi": high}


def _longitudes(west: float, east: float) -> list[tuple[float, float]]:
    """[west, east] as spans within -180..180, split at the antimeridian."""
    if east - west >= 360:
        return [(-180.0, 180.0)]
    if west < -180:
        return [(-180.0, east), (west + 360, 180.0)]
    if east > 180:
        return [(west, 180.0), (-180.0, east - 360)]
    return [(west, east)]


def _band(lat: float) -> int:
    return min(max(math.floor((lat + 90) / BAND_DEGREES), 0), BANDS - 1)


def _micro(lon: float) -> int:
    return round((lon + 180) * _MICRO)


def _bound(band: int, lon: float, rounding: Callable[[float], int], past: int = 0) -> str:
    micro = min(max(rounding((lon + 180) * _MICRO) + past, 0), 360 * _MICRO + 1)
    return f"{GEO_PREFIX}{band:03d}{SEPARATOR}{micro:09d}"
