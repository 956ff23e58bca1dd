"""Customer asset samples: each carries the asset type SCM requires (a code, no record of the sync's)."""

from __future__ import annotations

from tests.fixtures.dataverse import company, money, option, ref
from tests.samples.model import EntitySamples, Record


def fs(company_code: str, ident: str, version: int) -> Record:
    return {
        "msdyn_company": company_code,
        "msdyn_maintenanceassetid": ident,
        "msdyn_name": f"v{version}",
        "msdyn_customerassetcategory": "PUMP",  # SCM requires an asset type
    }


def scm(company_code: str, ident: str, version: int) -> Record:
    return {
        "dataAreaId": company_code,
        "MaintenanceAssetId": ident,
        "Name": f"v{version}",
        "MaintenanceAssetTypeId": "PUMP",
    }


def dataverse(ident: str, version: int, code: str) -> Record:
    return {
        "msdyn_company": company(code),
        "msdyn_maintenanceassetid": ident,
        "msdyn_name": f"v{version}",
        "msdyn_customerassetcategory": ref(
            "msdyn_customerassetcategory", "0c1d2e3f-5b6f-ef11-bfe3-000d3a8e4f6b", "Pumps",
            msdyn_maintenanceassettypeid="PUMP",
        ),
        "msdyn_account": ref("account", "b1c2d3e4-5b6f-ef11-bfe3-000d3a8e4f6b", "Adventure Works"),
        "msdyn_acquisitioncost": money(1250.5),
        "msdyn_acquisitiondate": "/Date(1767225600000)/",  # 2026-01-01
        "statecode": option(0),
    }  # fmt: skip


def fno(ident: str, version: int, code: str) -> tuple[Record, dict[str, str]]:
    columns = {
        "mserp_dataareaid": code.lower(),
        "mserp_maintenanceassetid": ident,
        "mserp_name": f"v{version}",
        "mserp_maintenanceassettypeid": "PUMP",
        "mserp_serialid": "SN-1",
        "mserp_activefrom": "/Date(1767225600000)/",  # the other dates are null: left out
    }
    return columns, {}


SAMPLES = EntitySamples(fs, scm, dataverse, fno, ("msdyn_name", "Name"))
