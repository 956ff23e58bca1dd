"""Ship Via samples: a mode of delivery and its description."""

from __future__ import annotations

from tests.fixtures.dataverse import company
from tests.samples.model import EntitySamples, Record


def fs(company_code: str, ident: str, version: int) -> Record:
    return {"msdyn_company": company_code, "msdyn_name": ident, "msdyn_description": f"v{version}"}


def scm(company_code: str, ident: str, version: int) -> Record:
    return {"dataAreaId": company_code, "ModeCode": ident, "ModeDescription": f"v{version}"}


def dataverse(ident: str, version: int, code: str) -> Record:
    return {"msdyn_company": company(code), "msdyn_name": ident, "msdyn_description": f"v{version}"}


def fno(ident: str, version: int, code: str) -> tuple[Record, dict[str, str]]:
    return {"mserp_dataareaid": code.lower(), "mserp_modecode": ident, "mserp_modedescription": f"v{version}"}, {}


SAMPLES = EntitySamples(fs, scm, dataverse, fno, ("msdyn_description", "ModeDescription"))
