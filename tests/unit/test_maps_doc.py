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


def test_writing_the_maps_adds_a_new_entitys_section() -> None:
    """`python -m tests.maps_doc --write` brings docs/maps.md, lacking an entity's table, in step with the code."""
    text = maps_doc.DOC.read_text(encoding="utf-8")
    start, end = maps_doc.block("ship-via")
    without = text.replace(start + (maps_doc.in_doc(text, "ship-via") or "") + end, "")
    written = maps_doc.written(without)
    assert maps_doc.in_doc(written, "ship-via") == maps_doc.table(ENTITIES["ship-via"])
    assert written.index("<!-- /map:customer-assets -->") < written.index("<!-- map:ship-via -->")
    assert maps_doc.written(written) == written


def test_the_business_events_table_is_the_specs() -> None:
    text = maps_doc.EVENTS_DOC.read_text(encoding="utf-8")
    assert maps_doc.written_events(text) == text, "run: .venv/bin/python -m tests.maps_doc --write"
    assert "`FsScmSyncSiteChanged`" in maps_doc.events_table()
