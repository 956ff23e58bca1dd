"""Payment Terms: FS `msdyn_paymentterm` ⇄ SCM Terms of payment (PaymentTermEntity). Key: company + name.

Fields and option values as Microsoft's dual-write template "Terms of payment (msdyn_paymentterms)"
maps them. Text sizes: F&O's PaymTermId 10, Description 60, PaymDayId 10, PaymSchedId 30.
"""

from __future__ import annotations

from typing import Annotated, Literal

from shared.converters import YES_NO, option_map
from shared.entities.common import (
    GUID_NOTE,
    Count,
    DayOfMonth,
    FsRecord,
    Guid,
    Length,
    Memo,
    OptionValue,
    ScmRecord,
    Text10,
    Text30,
    Text60,
    YesNo,
    by_name,
    fs_side,
    scm_side,
)
from shared.entities.spec import ContextRule, Direction, EntitySpec, FieldPair, Lookup, Record, Rule
from shared.keys import normalise

# Dataverse option sets ⇄ F&O enums (PaymTermType, CreditCardPaymentType, CreditCardCreditCheckType)
PaymentMethodValue = Literal[806380991, 806380992, 806380993, 806380994, 806380995, 806380996, 806380997]
PaymentMethodName = Literal["Net", "CurrentMth", "CurrentQuart", "CurrentYear", "CurrentWeek", "COD", "CutOffDate"]
PAYMENT_METHOD = option_map("payment_method_type", PaymentMethodValue, PaymentMethodName)

CreditCardPaymentValue = Literal[806380998, 806380999]
CreditCardPaymentName = Literal["NA", "CreditCard"]
CREDIT_CARD_PAYMENT = option_map("credit_card_payment_type", CreditCardPaymentValue, CreditCardPaymentName)

CreditCheckValue = Literal[806380000, 806380001]
CreditCheckName = Literal["Normal", "ByPass"]
CREDIT_CHECK = option_map("credit_card_credit_check_type", CreditCheckValue, CreditCheckName)


class FsPaymentTerm(FsRecord):
    msdyn_name: Annotated[str, Length(1, 100)]
    msdyn_description: Memo = None
    msdyn_days: Count
    msdyn_numberofmonth: Count | None = None
    msdyn_cutoffdayofmonth: DayOfMonth | None = None
    msdyn_paymentmethodtype: Annotated[PaymentMethodValue, OptionValue] | None = None
    msdyn_iscashpayment: bool | None = None
    msdyn_isdefaultpaymentterm: bool | None = None
    msdyn_iscertifiedcompanycheck: bool | None = None
    msdyn_creditcardpaymenttype: Annotated[CreditCardPaymentValue, OptionValue] | None = None
    msdyn_creditcardcreditchecktype: Annotated[CreditCheckValue, OptionValue] | None = None
    msdyn_paymentdayname: Text10 = None
    msdyn_paymentschedulename: Text30 = None
    msdyn_paymenttermid: Guid = None  # FS only


class ScmPaymentTerm(ScmRecord):
    Name: Annotated[str, Length(1, 10)]
    Description: Text60 = None
    NumberOfDays: Count
    NumberOfMonths: Count | None = None
    CutoffDayOfMonth: DayOfMonth | None = None
    PaymentMethodType: Annotated[PaymentMethodName, by_name(PaymentMethodName)] | None = None
    IsCashPayment: YesNo | None = None
    IsDefaultPaymentTerm: YesNo | None = None
    IsCertifiedCompanyCheck: YesNo | None = None
    CreditCardPaymentType: Annotated[CreditCardPaymentName, by_name(CreditCardPaymentName)] | None = None
    CreditCardCreditCheckType: Annotated[CreditCheckName, by_name(CreditCheckName)] | None = None
    PaymentDayName: Text10 = None
    PaymentScheduleName: Text30 = None


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
    event_name="PaymentTerm",
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
        FieldPair(
            "msdyn_cutoffdayofmonth", "CutoffDayOfMonth", note="**1–31 when the method is `CutOffDate`** (project rule)"
        ),
        FieldPair("msdyn_paymentmethodtype", "PaymentMethodType", converter=PAYMENT_METHOD),
        FieldPair("msdyn_iscashpayment", "IsCashPayment", converter=YES_NO),
        FieldPair(
            "msdyn_isdefaultpaymentterm",
            "IsDefaultPaymentTerm",
            converter=YES_NO,
            note="**at most one default per company** (project rule)",
        ),
        FieldPair("msdyn_iscertifiedcompanycheck", "IsCertifiedCompanyCheck", converter=YES_NO),
        FieldPair("msdyn_creditcardpaymenttype", "CreditCardPaymentType", converter=CREDIT_CARD_PAYMENT),
        FieldPair("msdyn_creditcardcreditchecktype", "CreditCardCreditCheckType", converter=CREDIT_CHECK),
        FieldPair("msdyn_paymentdayname", "PaymentDayName", lookup="msdyn_name"),
        FieldPair("msdyn_paymentschedulename", "PaymentScheduleName", lookup="msdyn_name"),
        FieldPair("msdyn_paymenttermid", None, Direction.FS_ONLY, note=GUID_NOTE),
    ),
    context_rules=(
        ContextRule("one_default_per_company", "IsDefaultPaymentTerm", "scm", _one_default_per_company, _is_default),
    ),
)
