"""Warehouse samples: each names site "1" of its company, which a test creates first (`needs`)."""

from __future__ import annotations

from tests.fixtures.dataverse import company, option, ref
from tests.samples.model import BASE, EntitySamples, Record, position

SITE = "1"
SITE_GUID = "a4c8d1e2-5b6f-ef11-bfe3-000d3a8e4f6b"


def fs(company_code: str, ident: str, version: int) -> Record:
    return {
        "msdyn_company": company_code,
        "msdyn_warehouseidentifier": ident,
        "msdyn_operationalsite": SITE,
        "msdyn_description": f"v{version}",
        **position("msdyn_primaryaddresslatitude", "msdyn_primaryaddresslongitude", version),
    }


def scm(company_code: str, ident: str, version: int) -> Record:
    return {
        "dataAreaId": company_code,
        "WarehouseId": ident,
        "OperationalSiteId": SITE,
        "WarehouseName": f"v{version}",
        **position("PrimaryAddressLatitude", "PrimaryAddressLongitude", version),
    }


def dataverse(ident: str, version: int, code: str) -> Record:
    return {
        "msdyn_company": company(code),
        "msdyn_warehouseidentifier": ident,
        "msdyn_name": ident,
        "msdyn_description": f"v{version}",
        "msdyn_operationalsite": ref("msdyn_operationalsite", SITE_GUID, "Site 1", msdyn_siteid=SITE),
        "msdyn_warehousetype": option(192350003),
        "msdyn_isfallbackwarehouse": False,
        "msdyn_primaryaddresslatitude": 41.8781,
        "msdyn_primaryaddresslongitude": -87.6298,
        "statecode": option(0),
        "ownerid": ref("systemuser", "75c2dd85-e89e-e711-8122-000d3aa2331c"),
    }


def fno(ident: str, version: int, code: str) -> tuple[Record, dict[str, str]]:
    columns = {
        "mserp_dataareaid": code.lower(),
        "mserp_warehouseid": ident,
        "mserp_warehousename": f"v{version}",
        "mserp_operationalsiteid": SITE,
        "mserp_warehousetype": option(BASE + 0),
        "mserp_isfallbackwarehouse": option(BASE + 1),
        "mserp_primaryaddresscity": "Chicago",
        "mserp_primaryaddresslatitude": 0.0,  # F&O's "not set"
        "mserp_primaryaddresslongitude": 0.0,
        "mserp_primaryfield": f"{ident}|{code.lower()}",
    }
    return columns, {"mserp_warehousetype": "Standard", "mserp_isfallbackwarehouse": "Yes"}


SAMPLES = EntitySamples(fs, scm, dataverse, fno, ("msdyn_description", "WarehouseName"), needs=(("sites", SITE),))
