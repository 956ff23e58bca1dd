"""Payment Terms: FS `msdyn_paymentterm` ⇄ SCM Terms of payment (PaymentTermEntity). Key: company + name."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from shared.converters import YES_NO, value_map
from shared.entities.common import FS_OPTION_BASE, Count, DayOfMonth, FsRecord, ScmRecord, YesNo, fs_side, scm_side
from shared.keys import normalise
from shared.spec import ContextRule, EntitySpec, FieldPair, Lookup, Record, Rule

# F&O enum PaymTermType (values 0–5 and 7); FS option value = 192350000 + the F&O enum value.
PAYMENT_METHODS = {
    "Net": 0,
    "CurrentMonth": 1,
    "CurrentQuarter": 2,
    "CurrentYear": 3,
    "CurrentWeek": 4,
    "COD": 5,
    "CutOffDate": 7,
}
PAYMENT_METHOD = value_map(
    "payment_method_type", {FS_OPTION_BASE + value: name for name, value in PAYMENT_METHODS.items()}
)
FsPaymentMethod = Literal[192350000, 192350001, 192350002, 192350003, 192350004, 192350005, 192350007]
ScmPaymentMethod = Literal["Net", "CurrentMonth", "CurrentQuarter", "CurrentYear", "CurrentWeek", "COD", "CutOffDate"]


class FsPaymentTerm(FsRecord):
    msdyn_name: str = Field(min_length=1, max_length=100)
    msdyn_description: str | None = Field(default=None, max_length=2000)
    msdyn_days: Count
    msdyn_numberofmonth: Count | None = None
    msdyn_cutoffdayofmonth: DayOfMonth | None = None
    msdyn_paymentmethodtype: FsPaymentMethod | None = None
    msdyn_iscashpayment: bool | None = None
    msdyn_isdefaultpaymentterm: bool | None = None


class ScmPaymentTerm(ScmRecord):
    Name: str = Field(min_length=1, max_length=10)
    Description: str | None = Field(default=None, max_length=60)
    NumberOfDays: Count
    NumberOfMonths: Count | None = None
    CutoffDayOfMonth: DayOfMonth | None = None
    PaymentMethodType: ScmPaymentMethod | None = None
    IsCashPayment: YesNo | None = None
    IsDefaultPaymentTerm: YesNo | None = None


def _cutoff_day_required(record: Record) -> str | None:
    if record.get("PaymentMethodType") != "CutOffDate":
        return None
    day = record.get("CutoffDayOfMonth")
    return None if day is not None and 1 <= day <= 31 else "payment method CutOffDate needs a cut-off day 1-31"


def _is_default(record: Record) -> bool:
    return record.get("IsDefaultPaymentTerm") == "Yes"


def _one_default_per_company(record: Record, lookup: Lookup) -> str | None:
    if not _is_default(record):
        return None
    # asked of FS's records: FS is written first (the lead), so a default still being synced is seen too
    defaults = lookup.find("fs", record["dataAreaId"], {"msdyn_isdefaultpaymentterm": True})
    own = normalise(record["Name"])
    others = sorted(row["msdyn_name"] for row in defaults if normalise(row["msdyn_name"]) != own)
    return f"company {record['dataAreaId']} already has a default payment term: {others[0]}" if others else None


SPEC = EntitySpec(
    slug="payment-terms",
    table="PaymentTerms",
    title="Payment Terms",
    fs=fs_side("msdyn_paymentterm", FsPaymentTerm, "msdyn_name"),
    scm=scm_side(
        "PaymentTermEntity",
        ScmPaymentTerm,
        "Name",
        rules=(Rule("cutoff_day_required", "CutoffDayOfMonth", _cutoff_day_required),),
    ),
    fields=(
        FieldPair("msdyn_name", "Name"),
        FieldPair("msdyn_description", "Description"),
        FieldPair("msdyn_days", "NumberOfDays"),
        FieldPair("msdyn_numberofmonth", "NumberOfMonths"),
        FieldPair("msdyn_cutoffdayofmonth", "CutoffDayOfMonth"),
        FieldPair("msdyn_paymentmethodtype", "PaymentMethodType", converter=PAYMENT_METHOD),
        FieldPair("msdyn_iscashpayment", "IsCashPayment", converter=YES_NO),
        FieldPair("msdyn_isdefaultpaymentterm", "IsDefaultPaymentTerm", converter=YES_NO),
    ),
    context_rules=(
        ContextRule("one_default_per_company", "IsDefaultPaymentTerm", "scm", _one_default_per_company, _is_default),
    ),
)
