"""The entity registry: every synced entity's spec, by URL slug."""

from __future__ import annotations

from shared.entities import payment_terms
from shared.spec import EntitySpec

ENTITIES: dict[str, EntitySpec] = {spec.slug: spec for spec in (payment_terms.SPEC,)}
