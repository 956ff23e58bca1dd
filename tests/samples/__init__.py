"""Valid records of every entity, for tests that exercise the sync itself rather than one entity's rules.

Each entity declares its samples in a module of this package (an `EntitySamples`: both sides' records,
a webhook's and a data event's columns, and the records of other entities they name), registered in
SAMPLES by slug. `samples_of(slug)` fails loudly for an entity without samples, and
tests/unit/test_samples.py checks that every entity of the registry has them.

`sample(slug, side, ident, version)` is a minimal record that passes both sides' rules, names no record
but its entity's `needs`, and whose two-way content differs for every `version`; with `at=seconds` it also
carries its side's modification time, that many seconds after T0.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from shared.entities import ENTITIES
from tests.samples import customer_assets, payment_terms, ship_via, sites, warehouses
from tests.samples.model import T0, EntitySamples

SAMPLES: dict[str, EntitySamples] = {
    "warehouses": warehouses.SAMPLES,
    "customer-assets": customer_assets.SAMPLES,
    "payment-terms": payment_terms.SAMPLES,
    "ship-via": ship_via.SAMPLES,
    "sites": sites.SAMPLES,
}


def samples_of(slug: str) -> EntitySamples:
    """The entity's samples; a KeyError saying where to declare them when it has none."""
    try:
        return SAMPLES[slug]
    except KeyError:
        raise KeyError(
            f"entity {slug!r} has no test samples: declare its EntitySamples in tests/samples/<entity>.py "
            "and register it in SAMPLES (tests/samples/__init__.py)"
        ) from None


def sample(
    slug: str, side: str, ident: str, version: int = 0, company: str = "USMF", at: float | None = None
) -> dict[str, Any]:
    record = samples_of(slug).side(side)(company, ident, version)
    if at is not None:
        modified = ENTITIES[slug].side(side).modified_field  # type: ignore[arg-type]
        record[modified] = (T0 + dt.timedelta(seconds=at)).isoformat()
    return record


def needs(slug: str, company: str = "USMF") -> list[tuple[str, dict[str, Any]]]:
    """The records an entity's samples name, each as (its entity, its FS sample), in the order to create
    them: a need's own needs first."""
    ordered: list[tuple[str, dict[str, Any]]] = []
    for entity, ident in samples_of(slug).needs:
        ordered += [*needs(entity, company), (entity, sample(entity, "fs", ident, company=company))]
    return ordered


__all__ = ["SAMPLES", "T0", "EntitySamples", "needs", "sample", "samples_of"]
