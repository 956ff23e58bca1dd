"""Valid records of every entity, for tests that exercise the sync itself rather than one entity's rules.

`sample(slug, side, ident, version)` is a minimal record that passes both sides' rules, names no other
record, and whose two-way content differs for every `version`; with `at=seconds` it also carries its
side's modification time, that many seconds after T0.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from shared.entities import ENTITIES

T0 = dt.datetime(2026, 5, 1, 8, 0, tzinfo=dt.UTC)

Builder = Callable[[str, str, int], dict[str, Any]]


def _payment_terms_fs(company: str, ident: str, version: int) -> dict[str, Any]:
    return {"msdyn_company": company, "msdyn_name": ident, "msdyn_description": f"v{version}", "msdyn_days": version}


def _payment_terms_scm(company: str, ident: str, version: int) -> dict[str, Any]:
    return {"dataAreaId": company, "Name": ident, "Description": f"v{version}", "NumberOfDays": version}


def _warehouses_fs(company: str, ident: str, version: int) -> dict[str, Any]:
    return {
        "msdyn_company": company,
        "msdyn_warehouseidentifier": ident,
        "msdyn_operationalsite": "1",
        "msdyn_description": f"v{version}",
        **_position("msdyn_primaryaddresslatitude", "msdyn_primaryaddresslongitude", version),
    }


def _warehouses_scm(company: str, ident: str, version: int) -> dict[str, Any]:
    return {
        "dataAreaId": company,
        "WarehouseId": ident,
        "OperationalSiteId": "1",
        "WarehouseName": f"v{version}",
        **_position("PrimaryAddressLatitude", "PrimaryAddressLongitude", version),
    }


def _position(latitude: str, longitude: str, version: int) -> dict[str, Any]:
    """A position that moves with the version, by about half a degree (another band of the position index)."""
    return {latitude: 40.25 + version / 2, longitude: -100.125 - version / 4}


def _customer_assets_fs(company: str, ident: str, version: int) -> dict[str, Any]:
    return {
        "msdyn_company": company,
        "msdyn_maintenanceassetid": ident,
        "msdyn_name": f"v{version}",
        "msdyn_customerassetcategory": "PUMP",  # SCM requires an asset type
    }


def _customer_assets_scm(company: str, ident: str, version: int) -> dict[str, Any]:
    return {"dataAreaId": company, "MaintenanceAssetId": ident, "Name": f"v{version}", "MaintenanceAssetTypeId": "PUMP"}


def _ship_via_fs(company: str, ident: str, version: int) -> dict[str, Any]:
    return {"msdyn_company": company, "msdyn_name": ident, "msdyn_description": f"v{version}"}


def _ship_via_scm(company: str, ident: str, version: int) -> dict[str, Any]:
    return {"dataAreaId": company, "ModeCode": ident, "ModeDescription": f"v{version}"}


BUILDERS: dict[str, dict[str, Builder]] = {
    "warehouses": {"fs": _warehouses_fs, "scm": _warehouses_scm},
    "customer-assets": {"fs": _customer_assets_fs, "scm": _customer_assets_scm},
    "payment-terms": {"fs": _payment_terms_fs, "scm": _payment_terms_scm},
    "ship-via": {"fs": _ship_via_fs, "scm": _ship_via_scm},
}


def sample(
    slug: str, side: str, ident: str, version: int = 0, company: str = "USMF", at: float | None = None
) -> dict[str, Any]:
    record = BUILDERS[slug][side](company, ident, version)
    if at is not None:
        modified = ENTITIES[slug].side(side).modified_field  # type: ignore[arg-type]
        record[modified] = (T0 + dt.timedelta(seconds=at)).isoformat()
    return record
