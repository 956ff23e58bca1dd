"""The Payment Terms map: golden cases both ways, every rule, and round-trip properties."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.entities.payment_terms import SPEC
from shared.sync.translate import translate
from tests.unit import golden

T0 = dt.datetime(2026, 3, 1, 12, 30, tzinfo=dt.UTC)
T0_TEXT = "2026-03-01T12:30:00Z"

FS_FULL = {
    "msdyn_company": "USMF",
    "modifiedon": T0_TEXT,
    "msdyn_name": "Net30",
    "msdyn_description": "Net 30 days",
    "msdyn_days": 30,
    "msdyn_numberofmonth": 1,
    "msdyn_cutoffdayofmonth": 15,
    "msdyn_paymentmethodtype": 806380997,
    "msdyn_iscashpayment": False,
    "msdyn_isdefaultpaymentterm": True,
    "msdyn_iscertifiedcompanycheck": False,
    "msdyn_creditcardpaymenttype": 806380999,
    "msdyn_creditcardcreditchecktype": 806380001,
    "msdyn_paymentdayname": "Fri",
    "msdyn_paymentschedulename": "3x monthly",
}
SCM_FULL = {
    "dataAreaId": "USMF",
    "ModifiedDateTime": T0_TEXT,
    "Name": "Net30",
    "Description": "Net 30 days",
    "NumberOfDays": 30,
    "NumberOfMonths": 1,
    "CutoffDayOfMonth": 15,
    "PaymentMethodType": "CutOffDate",
    "IsCashPayment": "No",
    "IsDefaultPaymentTerm": "Yes",
    "IsCertifiedCompanyCheck": "No",
    "CreditCardPaymentType": "CreditCard",
    "CreditCardCreditCheckType": "ByPass",
    "PaymentDayName": "Fri",
    "PaymentScheduleName": "3x monthly",
}
FS_OK = {"msdyn_company": "USMF", "msdyn_name": "NET10", "msdyn_days": 10}
SCM_OK = {"dataAreaId": "USMF", "Name": "NET10", "NumberOfDays": 10}
BASES: Any = {"fs": FS_OK, "scm": SCM_OK}

# The template "Terms of payment (msdyn_paymentterms)", field by field and value by value
GOLDEN: list[golden.Row] = [
    ("msdyn_name", "Net30", "Name", "Net30"),
    ("msdyn_description", "Net 30 days", "Description", "Net 30 days"),
    ("msdyn_days", 30, "NumberOfDays", 30),
    ("msdyn_numberofmonth", 2, "NumberOfMonths", 2),
    ("msdyn_cutoffdayofmonth", 15, "CutoffDayOfMonth", 15),
    ("msdyn_paymentmethodtype", 806380991, "PaymentMethodType", "Net"),
    ("msdyn_paymentmethodtype", 806380992, "PaymentMethodType", "CurrentMth"),
    ("msdyn_paymentmethodtype", 806380993, "PaymentMethodType", "CurrentQuart"),
    ("msdyn_paymentmethodtype", 806380994, "PaymentMethodType", "CurrentYear"),
    ("msdyn_paymentmethodtype", 806380995, "PaymentMethodType", "CurrentWeek"),
    ("msdyn_paymentmethodtype", 806380996, "PaymentMethodType", "COD"),
    ("msdyn_paymentmethodtype", None, "PaymentMethodType", None),
    ("msdyn_iscashpayment", True, "IsCashPayment", "Yes"),
    ("msdyn_iscashpayment", False, "IsCashPayment", "No"),
    ("msdyn_isdefaultpaymentterm", True, "IsDefaultPaymentTerm", "Yes"),
    ("msdyn_isdefaultpaymentterm", False, "IsDefaultPaymentTerm", "No"),
    ("msdyn_iscertifiedcompanycheck", True, "IsCertifiedCompanyCheck", "Yes"),
    ("msdyn_iscertifiedcompanycheck", False, "IsCertifiedCompanyCheck", "No"),
    ("msdyn_creditcardpaymenttype", 806380998, "CreditCardPaymentType", "NA"),
    ("msdyn_creditcardpaymenttype", 806380999, "CreditCardPaymentType", "CreditCard"),
    ("msdyn_creditcardcreditchecktype", 806380000, "CreditCardCreditCheckType", "Normal"),
    ("msdyn_creditcardcreditchecktype", 806380001, "CreditCardCreditCheckType", "ByPass"),
    ("msdyn_paymentdayname", "Fri", "PaymentDayName", "Fri"),
    ("msdyn_paymentschedulename", "3x monthly", "PaymentScheduleName", "3x monthly"),
]


@pytest.mark.parametrize(("fs_field", "fs_value", "scm_field", "scm_value"), golden.params(GOLDEN))
def test_golden_field(fs_field: str, fs_value: Any, scm_field: str, scm_value: Any) -> None:
    golden.assert_both_ways(SPEC, BASES, (fs_field, fs_value, scm_field, scm_value))


def test_cut_off_date_both_ways() -> None:  # its own row: the method needs a cut-off day
    day = {"msdyn_cutoffdayofmonth": 1}
    golden.assert_both_ways(
        SPEC,
        {"fs": {**FS_OK, **day}, "scm": {**SCM_OK, "CutoffDayOfMonth": 1}},
        ("msdyn_paymentmethodtype", 806380997, "PaymentMethodType", "CutOffDate"),
    )


def test_every_field_and_option_value_has_a_golden_row() -> None:
    rows = [*GOLDEN, ("msdyn_paymentmethodtype", 806380997, "PaymentMethodType", "CutOffDate")]
    assert golden.uncovered(SPEC, rows) == set()


def _nulls(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if v is not None}


@pytest.mark.parametrize(
    ("source", "record", "expected"),
    [
        pytest.param("fs", FS_FULL, SCM_FULL, id="fs-full"),
        pytest.param("scm", SCM_FULL, FS_FULL, id="scm-full"),
        pytest.param(
            "fs",
            {"msdyn_company": "usmf", "msdyn_name": "cod", "msdyn_days": 0, "modifiedon": T0_TEXT},
            {"dataAreaId": "usmf", "Name": "cod", "NumberOfDays": 0, "ModifiedDateTime": T0_TEXT},
            id="fs-minimal-keeps-spelling",
        ),
        pytest.param(
            "scm",
            {"dataAreaId": "DEMF", "Name": "CASH", "NumberOfDays": 0, "IsCashPayment": "yes", "ModifiedDateTime": T0},
            {
                "msdyn_company": "DEMF",
                "msdyn_name": "CASH",
                "msdyn_days": 0,
                "msdyn_iscashpayment": True,
                "modifiedon": T0_TEXT,
            },
            id="scm-yes-to-true",
        ),
        pytest.param(
            "fs",
            {**FS_FULL, "unknown_column": "ignored", "modifiedon": "/Date(1772368200000)/"},
            SCM_FULL,
            id="fs-unknown-fields-ignored-and-wcf-date",
        ),
    ],
)
def test_golden_map(source: str, record: dict[str, Any], expected: dict[str, Any]) -> None:
    records, failures = translate(SPEC, source, record)  # type: ignore[arg-type]
    assert failures == []
    target = "scm" if source == "fs" else "fs"
    assert _nulls(records[target]) == expected


@pytest.mark.parametrize(
    ("spelled", "canonical"),
    [("currentmth", "CurrentMth"), ("CURRENTQUART", "CurrentQuart"), ("cod", "COD"), ("creditcard", "CreditCard")],
)
def test_scm_enum_names_match_case_insensitively_and_are_written_canonically(spelled: str, canonical: str) -> None:
    field = "CreditCardPaymentType" if canonical == "CreditCard" else "PaymentMethodType"
    assert golden.mapped(SPEC, "scm", {**SCM_OK, field: spelled})["scm"][field] == canonical


@pytest.mark.parametrize("old", ["CurrentMonth", "CurrentQuarter"])
def test_the_guessed_enum_names_are_gone(old: str) -> None:
    assert _failures("scm", {**SCM_OK, "PaymentMethodType": old}) == {("PaymentMethodType", "allowed_values", "scm")}


def _failures(source: str, record: dict[str, Any]) -> set[tuple[str, str, str]]:
    records, failures = translate(SPEC, source, record)  # type: ignore[arg-type]
    assert failures, "expected the record to be rejected"
    assert records == {}
    return {(f.field, f.rule, f.side) for f in failures}


@pytest.mark.parametrize(
    ("source", "record", "expected"),
    [
        pytest.param("fs", {**FS_OK, "msdyn_name": "ELEVENCHARS"}, {("Name", "max_length", "scm")}, id="name-11"),
        pytest.param("fs", {**FS_OK, "msdyn_name": ""}, {("msdyn_name", "min_length", "fs")}, id="name-empty"),
        pytest.param("scm", {**SCM_OK, "Name": ""}, {("Name", "min_length", "scm")}, id="scm-name-empty"),
        pytest.param("fs", {**FS_OK, "msdyn_days": -1}, {("msdyn_days", "minimum", "fs")}, id="days-negative"),
        pytest.param("scm", {**SCM_OK, "NumberOfDays": -1}, {("NumberOfDays", "minimum", "scm")}, id="scm-days"),
        pytest.param(
            "fs",
            {k: v for k, v in FS_OK.items() if k != "msdyn_days"},
            {("msdyn_days", "required", "fs")},
            id="days-missing",
        ),
        pytest.param("fs", {**FS_OK, "msdyn_days": 2**31}, {("msdyn_days", "maximum", "fs")}, id="days-int32"),
        pytest.param("fs", {**FS_OK, "msdyn_days": "ten"}, {("msdyn_days", "type", "fs")}, id="days-text"),
        pytest.param(
            "fs", {**FS_OK, "msdyn_numberofmonth": -1}, {("msdyn_numberofmonth", "minimum", "fs")}, id="months-negative"
        ),
        pytest.param(
            "fs", {**FS_OK, "msdyn_cutoffdayofmonth": 32}, {("msdyn_cutoffdayofmonth", "maximum", "fs")}, id="cutoff-32"
        ),
        pytest.param(
            "fs",
            {**FS_OK, "msdyn_paymentmethodtype": 806380997},
            {("CutoffDayOfMonth", "cutoff_day_required", "scm")},
            id="cutoffdate-needs-day",
        ),
        pytest.param(
            "scm",
            {**SCM_OK, "PaymentMethodType": "CutOffDate", "CutoffDayOfMonth": 0},
            {("CutoffDayOfMonth", "cutoff_day_required", "scm")},
            id="cutoffdate-day-0",
        ),
        pytest.param(
            "fs",
            {**FS_OK, "msdyn_paymentmethodtype": 192350000},
            {("msdyn_paymentmethodtype", "allowed_values", "fs")},
            id="unknown-option",
        ),
        pytest.param(
            "scm",
            {**SCM_OK, "PaymentMethodType": "Weekly"},
            {("PaymentMethodType", "allowed_values", "scm")},
            id="unknown-enum",
        ),
        pytest.param(
            "scm", {**SCM_OK, "IsCashPayment": "Maybe"}, {("IsCashPayment", "allowed_values", "scm")}, id="yes-no"
        ),
        pytest.param(
            "fs", {**FS_OK, "msdyn_description": "x" * 61}, {("Description", "max_length", "scm")}, id="description-60"
        ),
        pytest.param(
            "fs",
            {
                "msdyn_company": "USMF",
                "msdyn_name": "ELEVENCHARS",
                "msdyn_days": -5,
                "msdyn_cutoffdayofmonth": 40,
                "msdyn_paymentmethodtype": 1,
            },
            {
                ("Name", "max_length", "scm"),
                ("msdyn_days", "minimum", "fs"),
                ("msdyn_cutoffdayofmonth", "maximum", "fs"),
                ("msdyn_paymentmethodtype", "allowed_values", "fs"),
            },
            id="every-failure-at-once",
        ),
    ],
)
def test_rules(source: str, record: dict[str, Any], expected: set[tuple[str, str, str]]) -> None:
    assert _failures(source, record) == expected


# -- properties --------------------------------------------------------------------------------

counts = st.integers(min_value=0, max_value=2**31 - 1)
names = golden.text(10, 1, blank=False)
options = st.sampled_from(range(806380991, 806380998))
times = st.datetimes(
    min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2154, 12, 31, 23, 59), timezones=st.just(dt.UTC)
).map(lambda t: t.replace(microsecond=0))


@st.composite
def fs_payment_terms(draw: st.DrawFn) -> dict[str, Any]:
    method = draw(st.none() | options)
    cutoff = draw(st.integers(1, 31)) if method == 806380997 else draw(st.none() | st.integers(0, 31))
    return {
        "msdyn_company": draw(st.sampled_from(["USMF", "ussi", "DeMf"])),
        "modifiedon": draw(times),
        "msdyn_name": draw(names),
        "msdyn_description": draw(st.none() | golden.text(60)),
        "msdyn_days": draw(counts),
        "msdyn_numberofmonth": draw(st.none() | counts),
        "msdyn_cutoffdayofmonth": cutoff,
        "msdyn_paymentmethodtype": method,
        "msdyn_iscashpayment": draw(st.none() | st.booleans()),
        "msdyn_isdefaultpaymentterm": draw(st.none() | st.booleans()),
        "msdyn_iscertifiedcompanycheck": draw(st.none() | st.booleans()),
        "msdyn_creditcardpaymenttype": draw(st.none() | st.sampled_from([806380998, 806380999])),
        "msdyn_creditcardcreditchecktype": draw(st.none() | st.sampled_from([806380000, 806380001])),
        "msdyn_paymentdayname": draw(st.none() | golden.text(10)),
        "msdyn_paymentschedulename": draw(st.none() | golden.text(30)),
    }


@given(st.data())
def test_every_two_way_field_round_trips(data: st.DataObject) -> None:
    record = data.draw(fs_payment_terms())
    for pair in SPEC.two_way():
        value = record[pair.fs]
        assert pair.converter.to_fs(pair.converter.to_scm(value)) == value


@given(fs_payment_terms())
def test_record_round_trips_fs_scm_fs(record: dict[str, Any]) -> None:
    to_scm, failures = translate(SPEC, "fs", record)
    assert failures == []
    back, failures = translate(SPEC, "scm", to_scm["scm"])
    assert failures == []
    assert back["fs"] == to_scm["fs"]


wcf_dates = st.integers().map(lambda ms: f"/Date({ms})/")
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text() | wcf_dates,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)
field_names = st.sampled_from(
    [f for p in SPEC.fields for f in (p.fs, p.scm) if f]
    + ["msdyn_company", "dataAreaId", "modifiedon", "ModifiedDateTime"]
)


@given(st.sampled_from(["fs", "scm"]), st.dictionaries(field_names | st.text(), json_values, max_size=12))
def test_no_input_breaks_translate(source: str, record: dict[str, Any]) -> None:
    records, failures = translate(SPEC, source, record)  # type: ignore[arg-type]
    assert bool(records) != bool(failures)


@given(st.sampled_from(["fs", "scm"]), st.integers() | st.text(max_size=30))
def test_any_modification_time_is_parsed_or_rejected(source: str, stamp: int | str) -> None:
    side = SPEC.side(source)  # type: ignore[arg-type]
    value = f"/Date({stamp})/" if isinstance(stamp, int) else stamp
    record = {side.company_field: "USMF", side.id_field: "A", "msdyn_days": 1, "NumberOfDays": 1}
    records, failures = translate(SPEC, source, {**record, side.modified_field: value})  # type: ignore[arg-type]
    assert bool(records) != bool(failures)
    assert all(f.field == side.modified_field for f in failures)
