"""`python -m bench.lists`: the two lists field service lives on, as one company grows.

A technician's nearby warehouses (`near=` 50 km) and a dispatcher's asset searches (`q=`: a serial
number that one asset has, a name that a tenth of them begin, and a `*` search inside the serial
numbers), through the local host's HTTP routes, with 1,000, 10,000 and 30,000 records of each entity
in one company; beside them, a raw `query_entities` of the same company's rows (what a list that reads
every row costs at least, and what a `*` search reads) and a raw read of the rows the one-asset search
reads (its word index range and the record), the two interleaved round by round. Each figure is the
median of several GETs after one warm-up; the storage rows each search read are counted by a pipeline
policy on the app's clients (bench/counting.py).

The tables are filled fast (bench/fill.py) with rows made from one record of each entity written by
the app itself, so every column is what the app stores; each filled record gets its own key, search
fields and position, the warehouses their position index rows (shared/sync/geo.py) and the assets their
words' index rows (shared/sync/search.py), as the app writes them. Warehouses stand at random points of
the contiguous United States (a fixed seed); the 50 km circle is around Kansas City. On demand, never
part of the tests: about 4 minutes at its defaults, most of it filling; `--sizes 1000,10000,100000` takes
over 30 minutes (1.2 million asset rows with their words at 100,000, and Azurite slows as its table grows).
"""

from __future__ import annotations

import argparse
import contextlib
import random
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from azure.data.tables import TableClient

from bench import figures, report
from bench.fill import Filler
from bench.hosted import host_without_timers, pointed_at
from bench.measure import BenchError, expect
from bench.searching import PAGE_Q, Searches
from devtools.azurite import Azurite
from functions import runtime
from shared import jsonio
from shared.entities import ENTITIES
from shared.keys import Key, company_range
from shared.sync import geo, search

COMPANY = "USMF"
WAREHOUSES, ASSETS = ENTITIES["warehouses"], ENTITIES["customer-assets"]
KANSAS_CITY = (39.0997, -94.5786)
RADIUS_KM = 50
BOX = ((25.0, 49.0), (-124.0, -67.0))  # contiguous United States, roughly
REPEAT = 7
JSON = {"content-type": "application/json"}
SEED = 20261129
TEMPLATES = {  # one valid FS record of each entity
    "warehouses": {
        "msdyn_company": COMPANY,
        "msdyn_warehouseidentifier": "TEMPLATE",
        "msdyn_operationalsite": "1",
        "msdyn_description": "Regional warehouse",
        "msdyn_primaryaddresslatitude": 39.0,
        "msdyn_primaryaddresslongitude": -95.0,
    },
    "customer-assets": {
        "msdyn_company": COMPANY,
        "msdyn_maintenanceassetid": "TEMPLATE",
        "msdyn_name": "Pump",
        "msdyn_customerassetcategory": "PUMP",
        "msdyn_serialid": "SN-TEMPLATE",
    },
}


@dataclass(frozen=True)
class Row:
    size: int
    fill_seconds: float
    near_ms: float
    near_items: int
    index_ms: float  # of near_ms: reading the position index rows of the circle (in process, no HTTP)
    search_ms: float  # the searches: bench/searching.py
    search_items: int
    search_rows: int
    raw_search_ms: float
    page_ms: float
    page_rows: int
    star_ms: float
    star_items: int
    star_rows: int
    raw_warehouses_ms: float
    raw_assets_ms: float

    def as_dict(self) -> dict[str, Any]:
        return {name: round(value, 3) if isinstance(value, float) else value for name, value in vars(self).items()}


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.lists", description=__doc__)
    parser.add_argument("--sizes", default="1000,10000,30000", help="records per entity, increasing (%(default)s)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write every figure as JSON to PATH")
    args = parser.parse_args(argv)
    try:
        args.sizes = figures.sizes(args.sizes)
    except ValueError as exc:
        parser.error(str(exc))
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    info, rows, start = report.machine(), [], time.perf_counter()
    print("starting Azurite ...", file=sys.stderr, flush=True)
    with Azurite.on_free_ports() as azurite, serving(azurite.connection_string) as base:
        bench = Lists(azurite.connection_string, base)
        for size in args.sizes:
            print(f"{size} records per entity: filling ...", end="", file=sys.stderr, flush=True)
            rows.append(bench.row(size))
            print(f" {rows[-1].fill_seconds:.1f} s; near {rows[-1].near_ms:.0f} ms", file=sys.stderr, flush=True)
    print(table(info, rows), f"total {time.perf_counter() - start:.1f} s", sep="\n\n")
    if args.json:
        document = {"machine": info, "rows": [row.as_dict() for row in rows]}
        args.json.write_bytes(jsonio.dumps(document) + b"\n")
    return 0


class Lists:
    def __init__(self, connection: str, base: str) -> None:
        self.base, self.session = base, requests.Session()
        self.clients = {
            spec.slug: TableClient.from_connection_string(connection, spec.table) for spec in (WAREHOUSES, ASSETS)
        }
        site = {"msdyn_company": COMPANY, "msdyn_siteid": "1", "msdyn_sitename": "Site 1"}  # the warehouses' site
        answer = self.session.post(f"{self.base}/api/fs/sites", data=jsonio.dumps(site), headers=JSON, timeout=30)
        expect("POST the warehouses' site", answer.status_code, 201)
        self.templates = {spec.slug: self._template(spec) for spec in (WAREHOUSES, ASSETS)}
        self.filled = 0
        self.random = random.Random(SEED)
        self.searches = Searches(self.session, base, self.clients[ASSETS.slug], COMPANY, self._get, REPEAT)

    def row(self, size: int) -> Row:
        began = time.perf_counter()
        self._fill(self.filled, size)
        self.filled = size
        fill_seconds = time.perf_counter() - began
        near = {"company": COMPANY, "near": f"{KANSAS_CITY[0]},{KANSAS_CITY[1]}", "radius_km": str(RADIUS_KM)}
        near_ms, near_items = self._get(f"fs/{WAREHOUSES.slug}", near)
        index_ms = self._index()
        searched = self.searches.measure(serial(size // 2))  # one asset's serial number: a rare search
        raw = {"raw_warehouses_ms": self._raw(WAREHOUSES.slug, size), "raw_assets_ms": self._raw(ASSETS.slug, size)}
        return Row(size, fill_seconds, near_ms, near_items, index_ms, **searched._asdict(), **raw)

    def _get(self, path: str, params: dict[str, str]) -> tuple[float, int]:
        """Median milliseconds of REPEAT GETs (after one warm-up), and the number of items listed."""
        times, items = [], -1
        for attempt in range(REPEAT + 1):
            began = time.perf_counter()
            answer = self.session.get(f"{self.base}/api/{path}", params=params, timeout=300)
            elapsed = (time.perf_counter() - began) * 1000
            expect(f"GET {path}", answer.status_code, 200)
            items = len(answer.json()["items"])
            if attempt:
                times.append(elapsed)
        return statistics.median(times), items

    def _index(self) -> float:
        """Median milliseconds of the app's own read of the circle's position index rows."""
        store, spans = runtime.engine(WAREHOUSES.slug).store, geo.ranges(KANSAS_CITY, RADIUS_KM)
        times = []
        for _ in range(REPEAT):
            began = time.perf_counter()
            store.located("fs", spans)
            times.append((time.perf_counter() - began) * 1000)
        return statistics.median(times)

    def _raw(self, slug: str, size: int) -> float:
        """Median milliseconds of reading the company's FS rows of an entity, every column."""
        low, high = company_range(COMPANY)
        times = []
        for attempt in range(3 + 1):
            began = time.perf_counter()
            found = sum(
                1
                for _ in self.clients[slug].query_entities(
                    "PartitionKey eq 'FS' and RowKey ge @lo and RowKey lt @hi",
                    parameters={"lo": low, "hi": high},
                    results_per_page=1000,
                )
            )
            if attempt:
                times.append((time.perf_counter() - began) * 1000)
        if found < size:
            raise BenchError(f"{slug}: {found} rows read, {size} filled")
        return statistics.median(times)

    def _template(self, spec: Any) -> dict[str, dict[str, Any]]:
        """Each side's row of one record the app itself wrote (created through the route), its intent
        left out (the filled records stand for records synced long ago)."""
        record = TEMPLATES[spec.slug]
        answer = self.session.post(
            f"{self.base}/api/fs/{spec.slug}", data=jsonio.dumps(record), headers=JSON, timeout=30
        )
        expect(f"POST {spec.slug} template", answer.status_code, 201)
        client = self.clients[spec.slug]
        row_key = Key(COMPANY, "TEMPLATE").row_key
        rows = {side: dict(client.get_entity(partition, row_key)) for side, partition in (("fs", "FS"), ("scm", "SCM"))}
        return {side: {k: v for k, v in row.items() if not k.startswith("SyncPending")} for side, row in rows.items()}

    def _fill(self, first: int, last: int) -> None:
        for spec in (WAREHOUSES, ASSETS):
            rows = {"FS": [], "SCM": []}  # type: dict[str, list[dict[str, Any]]]
            for number in range(first, last):
                point = self._point() if spec is WAREHOUSES else None
                for side, partition in (("fs", "FS"), ("scm", "SCM")):
                    rows[partition] += entities(spec, side, self.templates[spec.slug][side], number, point)
            filler = Filler(self.clients[spec.slug], [], "")
            for partition_rows in rows.values():
                filler.insert(partition_rows)

    def _point(self) -> geo.Point:
        (south, north), (west, east) = BOX
        return round(self.random.uniform(south, north), 6), round(self.random.uniform(west, east), 6)


def ident(number: int) -> str:
    return f"B{number:07d}"


def serial(number: int) -> str:
    return f"SN-{number:08d}"


def entities(
    spec: Any, side: str, template: dict[str, Any], number: int, point: geo.Point | None
) -> list[dict[str, Any]]:
    """A filled record's row on one side (and its position index row), from the template's row."""
    name = ident(number)
    row_key = Key(COMPANY, name).row_key
    row = {**template, "RowKey": row_key, spec.side(side).id_field: name}
    if spec is ASSETS:
        values = (f"Pump {number % 997}", name, serial(number))
        row.update({pair.name(side): value for pair, value in zip(spec.search, values, strict=True)})
        row["SyncSearch"] = stamped = search.stamp(values)
        assert stamped is not None
        keys = search.index_keys(row_key, values)
        return [row, *(search.index_row(row["PartitionKey"], key, stamped) for key in keys)]
    assert point is not None and spec.geo is not None
    row.update({pair.name(side): value for pair, value in zip(spec.geo, point, strict=True)})
    row["SyncGeo"] = geo.stamp(point)
    partition = row["PartitionKey"]
    return [row, geo.index_row(partition, row_key, point)]


def table(info: dict[str, Any], rows: list[Row]) -> str:
    first = rows[0]
    lines = [
        f"date: {info['date']}; machine: {info['cores']} cores, {info['platform']}, Python {info['python']}, "
        f"Azurite {info['azurite']}",
        f"one company; near = {RADIUS_KM} km around Kansas City; raw = query_entities of the company's FS rows; "
        f"medians of {REPEAT} GETs; index ms: the near list's read of the position index alone",
        f"{'records':>9}{'fill s':>9}{'near ms':>10}{'items':>7}{'index ms':>10}"
        f"{'raw wh ms':>11}{'raw asset ms':>14}{'near ×first':>13}",
    ]
    for row in rows:
        lines.append(
            f"{row.size:>9}{row.fill_seconds:>9.1f}{row.near_ms:>10.1f}{row.near_items:>7}{row.index_ms:>10.1f}"
            f"{row.raw_warehouses_ms:>11.1f}{row.raw_assets_ms:>14.1f}{row.near_ms / first.near_ms:>13.2f}"
        )
    lines += [
        "",
        f"q = one asset's serial number (begins-with), raw q = the same rows read raw (its word index range, the "
        f"record), interleaved; page = q={PAGE_Q!r}, the first 100 of a ninth of the assets; * = the serial's "
        "digits inside a field (a scan); rows = storage rows the GET read",
        f"{'records':>9}{'q ms':>9}{'raw q ms':>10}{'rows':>6}{'q ×first':>10}{'rows ×first':>13}"
        f"{'page ms':>9}{'rows':>6}{'* ms':>10}{'rows':>8}{'raw asset ms':>14}",
    ]
    for row in rows:
        lines.append(
            f"{row.size:>9}{row.search_ms:>9.1f}{row.raw_search_ms:>10.1f}{row.search_rows:>6}"
            f"{row.search_ms / first.search_ms:>10.2f}{row.search_rows / first.search_rows:>13.2f}"
            f"{row.page_ms:>9.1f}{row.page_rows:>6}{row.star_ms:>10.1f}{row.star_rows:>8}{row.raw_assets_ms:>14.1f}"
        )
    return "\n".join(lines)


@contextlib.contextmanager
def serving(connection: str) -> Iterator[str]:
    """The app (routes and queues, no timers) on a free port, against this run's Azurite; its base URL."""
    with pointed_at(connection), host_without_timers() as host:
        yield host.base_url


if __name__ == "__main__":
    sys.exit(main())
