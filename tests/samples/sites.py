"""Site samples: a site names no other record; its name, position and a Yes/No option move with the version."""

from __future__ import annotations

from tests.fixtures.dataverse import company, option, ref
from tests.samples.model import BASE, EntitySamples, Record, position


def fs(company_code: str, ident: str, version: int) -> Record:
    return {
        "msdyn_company": company_code,
        "msdyn_siteid": ident,
        "msdyn_sitename": f"v{version}",
        "msdyn_isreceivingwarehouseoverrideallowed": version % 2 == 1,
        **position("msdyn_primaryaddresslatitude", "msdyn_primaryaddresslongitude", version),
    }


def scm(company_code: str, ident: str, version: int) -> Record:
    return {
        "dataAreaId": company_code,
        "SiteId": ident,
        "SiteName": f"v{version}",
        "IsReceivingWarehouseOverrideAllowed": "Yes" if version % 2 == 1 else "No",
        **position("PrimaryAddressLatitude", "PrimaryAddressLongitude", version),
    }


def dataverse(ident: str, version: int, code: str) -> Record:
    return {
        "msdyn_company": company(code),
        "msdyn_siteid": ident,
        "msdyn_sitename": f"v{version}",
        "msdyn_isreceivingwarehouseoverrideallowed": False,
        "msdyn_masterplannedusestransferjournal": True,
        "msdyn_primaryaddresscity": "Galvin",
        "msdyn_primaryaddresslatitude": 46.7395,
        "msdyn_primaryaddresslongitude": -122.9254,
        "statecode": option(0),
        "ownerid": ref("systemuser", "75c2dd85-e89e-e711-8122-000d3aa2331c"),
    }


def fno(ident: str, version: int, code: str) -> tuple[Record, dict[str, str]]:
    columns = {
        "mserp_dataareaid": code.lower(),
        "mserp_siteid": ident,
        "mserp_sitename": f"v{version}",
        "mserp_isreceivingwarehouseoverrideallowed": option(BASE + 0),
        "mserp_primaryaddresscity": "Galvin",
        "mserp_primaryaddresslocationroles": "Delivery",
        "mserp_primaryaddresslatitude": 0.0,  # F&O's "not set"
        "mserp_primaryaddresslongitude": 0.0,
    }
    return columns, {"mserp_isreceivingwarehouseoverrideallowed": "No"}


SAMPLES = EntitySamples(fs, scm, dataverse, fno, ("msdyn_sitename", "SiteName"))
