"""Field types of every entity: strict, lengths in UTF-16 code units, dates and times in F&O's range."""

from __future__ import annotations

import typing
from typing import Any

import annotated_types
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic.fields import FieldInfo

from shared.entities import ENTITIES
from shared.entities.common import Length, utf16_units
from shared.entities.customer_assets import SPEC as ASSETS
from shared.entities.payment_terms import SPEC as TERMS
from shared.entities.ship_via import SPEC as SHIP_VIA
from shared.entities.spec import EntitySpec
from shared.entities.warehouses import SPEC as WAREHOUSES
from shared.sync.translate import translate

TERM = {"msdyn_company": "USMF", "msdyn_name": "NET10", "msdyn_days": 10}
SCM_TERM = {"dataAreaId": "USMF", "Name": "NET10", "NumberOfDays": 10}
WAREHOUSE = {"msdyn_company": "USMF", "msdyn_warehouseidentifier": "WH-1", "msdyn_operationalsite": "1"}
ASSET = {
    "msdyn_company": "USMF",
    "msdyn_maintenanceassetid": "A-1",
    "msdyn_name": "A",
    "msdyn_customerassetcategory": "T",
}
SCM_ASSET = {"dataAreaId": "USMF", "MaintenanceAssetId": "A-1", "Name": "A", "MaintenanceAssetTypeId": "T"}
EMOJI = "\N{GRINNING FACE}"  # one code point, two UTF-16 code units


def failures(spec: EntitySpec, source: str, record: dict[str, Any]) -> set[tuple[str, str, str]]:
    records, found = translate(spec, source, record)  # type: ignore[arg-type]
    assert found and records == {}, "expected the record to be refused"
    return {(f.field, f.rule, f.side) for f in found}


def passes(spec: EntitySpec, source: str, record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    records, found = translate(spec, source, record)  # type: ignore[arg-type]
    assert found == [], found
    return records


# -- strict types ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "source", "record", "field"),
    [
        pytest.param(TERMS, "fs", {**TERM, "msdyn_days": True}, "msdyn_days", id="true-is-no-number-of-days"),
        pytest.param(TERMS, "fs", {**TERM, "msdyn_days": "30"}, "msdyn_days", id="text-is-no-whole-number"),
        pytest.param(TERMS, "fs", {**TERM, "msdyn_days": 30.0}, "msdyn_days", id="decimal-is-no-whole-number"),
        pytest.param(TERMS, "scm", {**SCM_TERM, "NumberOfDays": False}, "NumberOfDays", id="scm-false-days"),
        pytest.param(TERMS, "fs", {**TERM, "msdyn_cutoffdayofmonth": "1"}, "msdyn_cutoffdayofmonth", id="day-text"),
        pytest.param(TERMS, "fs", {**TERM, "msdyn_iscashpayment": 1}, "msdyn_iscashpayment", id="one-is-no-bool"),
        pytest.param(TERMS, "fs", {**TERM, "msdyn_iscashpayment": 0}, "msdyn_iscashpayment", id="zero-is-no-bool"),
        pytest.param(TERMS, "fs", {**TERM, "msdyn_iscashpayment": "true"}, "msdyn_iscashpayment", id="text-bool"),
        pytest.param(
            TERMS, "fs", {**TERM, "msdyn_paymentmethodtype": "806380991"}, "msdyn_paymentmethodtype", id="option-text"
        ),
        pytest.param(
            TERMS, "fs", {**TERM, "msdyn_paymentmethodtype": 806380991.0}, "msdyn_paymentmethodtype", id="option-float"
        ),
        pytest.param(
            WAREHOUSES,
            "fs",
            {**WAREHOUSE, "msdyn_primaryaddresslatitude": True},
            "msdyn_primaryaddresslatitude",
            id="true-is-no-latitude",
        ),
        pytest.param(
            WAREHOUSES,
            "scm",
            {"dataAreaId": "USMF", "WarehouseId": "W", "OperationalSiteId": "1", "PrimaryAddressLongitude": "8.5"},
            "PrimaryAddressLongitude",
            id="text-is-no-longitude",
        ),
        pytest.param(ASSETS, "fs", {**ASSET, "msdyn_acquisitioncost": False}, "msdyn_acquisitioncost", id="cost-bool"),
        pytest.param(SHIP_VIA, "scm", {"dataAreaId": "USMF", "ModeCode": 5}, "ModeCode", id="number-is-no-text"),
    ],
)
def test_strict_types_refuse_look_alikes(spec: EntitySpec, source: str, record: dict[str, Any], field: str) -> None:
    assert (field, "type", source) in failures(spec, source, record)


def test_a_whole_number_is_a_fine_decimal() -> None:
    records = passes(
        WAREHOUSES, "fs", {**WAREHOUSE, "msdyn_primaryaddresslatitude": 47, "msdyn_primaryaddresslongitude": -122}
    )
    assert records["scm"]["PrimaryAddressLatitude"] == 47.0 and records["scm"]["PrimaryAddressLongitude"] == -122.0
    assert passes(ASSETS, "scm", {**SCM_ASSET, "AcquisitionCost": 1200})["fs"]["msdyn_acquisitioncost"] == 1200.0


@pytest.mark.parametrize("slug", sorted(ENTITIES))
def test_every_model_is_strict(slug: str) -> None:
    for side in ("fs", "scm"):
        assert ENTITIES[slug].side(side).model.model_config.get("strict") is True  # type: ignore[arg-type]


# -- modification times ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "stamp",
    [1718000000, 1718000000000, 1718000000.5, "1718000000", " 1718000000 ", True, "soon", "20260301T123000Z"],
)
@pytest.mark.parametrize("source", ["fs", "scm"])
def test_bare_numbers_and_unreadable_text_are_no_modification_times(stamp: Any, source: str) -> None:
    record, name = (TERM, "modifiedon") if source == "fs" else (SCM_TERM, "ModifiedDateTime")
    assert failures(TERMS, source, {**record, name: stamp}) == {(name, "type", source)}


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        ("2026-03-01T12:30:00Z", "2026-03-01T12:30:00Z"),
        ("2026-03-01T14:30:00+02:00", "2026-03-01T12:30:00Z"),
        ("2026-03-01T12:30:00", "2026-03-01T12:30:00Z"),  # no zone: UTC, as both systems store times
        ("2026-03-01T12:30:00.1234567Z", "2026-03-01T12:30:00.123456Z"),  # .NET's seven digits
        ("/Date(1772368200000)/", "2026-03-01T12:30:00Z"),
    ],
)
def test_modification_times_as_the_systems_send_them(stamp: str, expected: str) -> None:
    assert passes(TERMS, "fs", {**TERM, "modifiedon": stamp})["scm"]["ModifiedDateTime"] == expected


# -- lengths in UTF-16 code units --------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "source", "record", "failure"),
    [
        pytest.param(
            WAREHOUSES,
            "fs",
            {**WAREHOUSE, "msdyn_warehouseidentifier": EMOJI * 10},
            ("msdyn_warehouseidentifier", "max_length", "fs"),
            id="ten-emoji-are-20-units-over-a-10-id",
        ),
        pytest.param(TERMS, "fs", {**TERM, "msdyn_name": EMOJI * 6}, ("Name", "max_length", "scm"), id="scm-key-10"),
        pytest.param(
            TERMS, "fs", {**TERM, "msdyn_company": EMOJI * 6}, ("msdyn_company", "max_length", "fs"), id="company-10"
        ),
        pytest.param(
            TERMS, "fs", {**TERM, "msdyn_name": EMOJI * 51}, ("msdyn_name", "max_length", "fs"), id="fs-key-100"
        ),
        pytest.param(
            TERMS,
            "fs",
            {**TERM, "msdyn_description": "a" * 58 + EMOJI * 2},
            ("Description", "max_length", "scm"),
            id="scm-description-60",
        ),
        pytest.param(
            ASSETS,
            "fs",
            {**ASSET, "msdyn_notes": EMOJI * 1001},
            ("msdyn_notes", "max_length", "fs"),
            id="memo-2000",
        ),
        pytest.param(
            SHIP_VIA,
            "scm",
            {"dataAreaId": "USMF", "ModeCode": ""},
            ("ModeCode", "min_length", "scm"),
            id="empty-key-min-length",
        ),
    ],
)
def test_lengths_count_utf16_code_units(
    spec: EntitySpec, source: str, record: dict[str, Any], failure: tuple[str, str, str]
) -> None:
    assert failure in failures(spec, source, record)


def test_a_text_of_exactly_the_limit_in_units_passes() -> None:
    records = passes(WAREHOUSES, "fs", {**WAREHOUSE, "msdyn_warehouseidentifier": EMOJI * 5})
    assert records["scm"]["WarehouseId"] == EMOJI * 5


def test_the_length_failure_says_how_long_in_units() -> None:
    _, [failure] = translate(WAREHOUSES, "fs", {**WAREHOUSE, "msdyn_warehouseidentifier": EMOJI * 10})
    assert failure.message == "should have at most 10 characters (UTF-16 code units), not 20"


@given(st.text())
def test_utf16_units_are_what_utf16_encoding_counts(text: str) -> None:
    assert utf16_units(text) == len(text.encode("utf-16-le", "surrogatepass")) // 2
    assert utf16_units(text) >= len(text)


def test_a_lone_surrogate_counts_one_unit() -> None:
    assert utf16_units("\ud800") == 1


def _metadata(annotation: Any, extra: list[Any]) -> list[Any]:
    """Every constraint object anywhere in an annotation (through Annotated, unions and FieldInfo)."""
    found = list(extra)
    for item in list(found):
        if isinstance(item, FieldInfo):
            found += item.metadata
    if typing.get_origin(annotation) is typing.Annotated:
        base, *meta = typing.get_args(annotation)
        return found + _metadata(base, meta)
    for arg in typing.get_args(annotation):
        found += _metadata(arg, [])
    return found


@pytest.mark.parametrize("slug", sorted(ENTITIES))
def test_no_text_length_is_counted_in_code_points(slug: str) -> None:
    """Every length bound is a `Length` (UTF-16 units), never pydantic's min_length/max_length."""
    for side in ("fs", "scm"):
        model = ENTITIES[slug].side(side).model  # type: ignore[arg-type]
        for name, info in model.model_fields.items():
            constraints = _metadata(info.annotation, info.metadata)
            assert not any(isinstance(c, annotated_types.MinLen | annotated_types.MaxLen) for c in constraints), name
            if "str" in str(info.annotation) and name not in ("modifiedon", "ModifiedDateTime"):
                assert any(isinstance(c, Length) for c in constraints), f"{slug} {side} {name} has no length"


# -- dates and times in F&O's range ------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "record", "field"),
    [
        pytest.param("fs", {**ASSET, "msdyn_replacementdate": "1899-12-31"}, "msdyn_replacementdate", id="fs-1899"),
        pytest.param("fs", {**ASSET, "msdyn_activeto": "2155-01-01"}, "msdyn_activeto", id="fs-2155"),
        pytest.param("scm", {**SCM_ASSET, "AcquisitionDate": "0001-01-01"}, "AcquisitionDate", id="scm-year-1"),
        pytest.param("scm", {**SCM_ASSET, "ActiveFrom": "9999-12-31T00:00:00Z"}, "ActiveFrom", id="scm-9999-as-a-time"),
        pytest.param(
            "fs",
            {**ASSET, "msdyn_warrantydatefromvend": "/Date(-2208988800001)/"},
            "msdyn_warrantydatefromvend",
            id="wcf-just-before-1900",
        ),
        pytest.param("fs", {**ASSET, "modifiedon": "1899-12-31T23:59:59Z"}, "modifiedon", id="time-1899"),
        pytest.param("scm", {**SCM_ASSET, "ModifiedDateTime": "2155-01-01T00:00:00Z"}, "ModifiedDateTime", id="2155"),
        pytest.param("fs", {**ASSET, "modifiedon": "/Date(99999999999999999)/"}, "modifiedon", id="wcf-far-away"),
        pytest.param("fs", {**ASSET, "modifiedon": "0001-01-01T00:00:00+01:00"}, "modifiedon", id="before-year-1"),
    ],
)
def test_dates_and_times_outside_fos_range_are_refused(source: str, record: dict[str, Any], field: str) -> None:
    assert failures(ASSETS, source, record) == {(field, "date_range", source)}


@pytest.mark.parametrize("date", ["1900-01-02", "2154-12-31", "2154-12-31T23:59:59Z"])
def test_the_edges_of_the_range_pass(date: str) -> None:
    assert passes(ASSETS, "fs", {**ASSET, "msdyn_activeto": date})["scm"]["ActiveTo"] == date[:10]


def test_1900_01_01_is_scms_empty_date_not_a_range_error() -> None:
    assert failures(ASSETS, "fs", {**ASSET, "msdyn_activeto": "1900-01-01"}) == {
        ("msdyn_activeto", "not_null_date", "fs")
    }
    assert passes(ASSETS, "scm", {**SCM_ASSET, "ActiveTo": "1900-01-01"})["fs"]["msdyn_activeto"] is None
    assert passes(TERMS, "fs", {**TERM, "modifiedon": "1900-01-01T00:00:00Z"})


# -- no input makes translation raise ----------------------------------------------------------

iso_like = st.builds(
    "{:04d}-{:02d}-{:02d}{}".format,
    st.integers(0, 9999),
    st.integers(0, 13),
    st.integers(0, 32),
    st.sampled_from(["", "T00:00:00Z", "T23:59:59.9999999+14:00", "T12:00:00-23:59", "T25:00", " 12:00"]),
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text()
    | iso_like
    | st.integers().map("/Date({})/".format),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=6,
)


@given(st.data())
def test_no_input_makes_translate_raise(data: st.DataObject) -> None:
    spec = ENTITIES[data.draw(st.sampled_from(sorted(ENTITIES)))]
    source = data.draw(st.sampled_from(["fs", "scm"]))
    names = [name for pair in spec.fields for name in (pair.fs, pair.scm) if name]
    names += ["msdyn_company", "dataAreaId", "modifiedon", "ModifiedDateTime"]
    record = data.draw(st.dictionaries(st.sampled_from(names), json_values, max_size=12))
    records, found = translate(spec, source, record)  # type: ignore[arg-type]
    assert bool(records) != bool(found)
