"""Payment terms samples: the number of days moves with the version."""

from __future__ import annotations

from tests.fixtures.dataverse import company, option, ref
from tests.samples.model import BASE, EntitySamples, Record


def fs(company_code: str, ident: str, version: int) -> Record:
    return {
        "msdyn_company": company_code,
        "msdyn_name": ident,
        "msdyn_description": f"v{version}",
        "msdyn_days": version,
    }


def scm(company_code: str, ident: str, version: int) -> Record:
    return {"dataAreaId": company_code, "Name": ident, "Description": f"v{version}", "NumberOfDays": version}


def dataverse(ident: str, version: int, code: str) -> Record:
    return {
        "msdyn_company": company(code),
        "msdyn_name": ident,
        "msdyn_description": f"v{version}",
        "msdyn_days": version,
        "msdyn_paymentmethodtype": option(806380991),
        "msdyn_iscashpayment": False,
        "msdyn_paymentdayname": ref(
            "msdyn_paymentday", "d4e5f6a7-5b6f-ef11-bfe3-000d3a8e4f6b", "Fridays", msdyn_name="FRI"
        ),
    }


def fno(ident: str, version: int, code: str) -> tuple[Record, dict[str, str]]:
    columns = {
        "mserp_dataareaid": code.lower(),
        "mserp_name": ident,
        "mserp_description": f"v{version}",
        "mserp_numberofdays": version,
        "mserp_paymentmethodtype": option(BASE + 6),
        "mserp_cutoffdayofmonth": 15,
        "mserp_iscashpayment": option(BASE + 0),
    }
    return columns, {"mserp_paymentmethodtype": "Cut-off date", "mserp_iscashpayment": "No"}


SAMPLES = EntitySamples(fs, scm, dataverse, fno, ("msdyn_description", "Description"))
