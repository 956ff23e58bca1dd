"""The entity registry: every synced entity's spec, by URL slug."""

from __future__ import annotations

from shared.entities import customer_assets, payment_terms, ship_via, sites, warehouses
from shared.entities.spec import EntitySpec

ENTITIES: dict[str, EntitySpec] = {
    spec.slug: spec for spec in (warehouses.SPEC, customer_assets.SPEC, payment_terms.SPEC, ship_via.SPEC, sites.SPEC)
}
