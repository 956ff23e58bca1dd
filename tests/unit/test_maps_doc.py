"""The map tables of docs/maps.md are exactly what the entity specs say (tests/maps_doc.py renders them)."""

from __future__ import annotations

import pytest

from shared.entities import ENTITIES
from tests import maps_doc


@pytest.mark.parametrize("slug", sorted(ENTITIES))
def test_the_documented_map_table_is_the_specs(slug: str) -> None:
    held = maps_doc.in_doc(maps_doc.DOC.read_text(encoding="utf-8"), slug)
    assert held is not None, f"docs/maps.md has no <!-- map:{slug} --> table"
    assert held == maps_doc.table(ENTITIES[slug]), "run: .venv/bin/python -m tests.maps_doc --write"


@pytest.mark.parametrize("slug", sorted(ENTITIES))
def test_every_field_of_both_models_is_in_the_map(slug: str) -> None:
    """So a field added to a model without its pair (or the other way round) cannot hide from the table."""
    spec = ENTITIES[slug]
    for side in ("fs", "scm"):
        declared = set(spec.side(side).model.model_fields)  # type: ignore[arg-type]
        own = spec.side(side)  # type: ignore[arg-type]
        paired = {pair.name(side) for pair in spec.fields} | {own.company_field, own.modified_field}  # type: ignore[arg-type]
        assert declared == paired - {None}, (side, declared ^ (paired - {None}))


def test_a_table_shows_lookups_directions_and_option_values() -> None:
    warehouses = maps_doc.table(ENTITIES["warehouses"])
    assert "| `msdyn_operationalsite` → `msdyn_siteid` | = | `OperationalSiteId` |" in warehouses
    assert "| `msdyn_name` | > | `WarehouseId` |" in warehouses
    assert "192350003 `Standard`" in warehouses
    assert "| — | SCM only | `ModelProductId` |" in maps_doc.table(ENTITIES["customer-assets"])
