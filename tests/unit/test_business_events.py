"""The business events each SCM route takes: one list, the app's, and the table in docs/connecting.md says the same."""

from __future__ import annotations

import re
from pathlib import Path

from shared.edge.callers.fno import BUSINESS_EVENTS
from shared.entities import ENTITIES

DOC = Path(__file__).resolve().parents[2] / "docs" / "connecting.md"
ROW = re.compile(r"^\| `POST /api/scm/([\w-]+)` \| `(\w+)` \| `(\w+)` \|$", re.MULTILINE)


def documented_table() -> dict[str, dict[str, str]]:
    text = DOC.read_text(encoding="utf-8")
    start, end = text.index("<!-- business-events -->"), text.index("<!-- /business-events -->")
    return {slug: {changed: "upsert", deleted: "delete"} for slug, changed, deleted in ROW.findall(text[start:end])}


def test_the_doc_lists_exactly_the_events_each_route_takes() -> None:
    assert documented_table() == BUSINESS_EVENTS


def test_every_entity_takes_one_upsert_and_one_delete_event_of_its_own() -> None:
    assert set(BUSINESS_EVENTS) == set(ENTITIES)
    for events in BUSINESS_EVENTS.values():
        assert sorted(events.values()) == ["delete", "upsert"]
    every_id = [event_id for events in BUSINESS_EVENTS.values() for event_id in events]
    assert len(every_id) == len(set(every_id)), "an event id names one entity only"
