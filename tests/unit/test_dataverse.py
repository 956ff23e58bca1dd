"""Reading native bodies, host-free: typed values, references and their resolution, enum labels."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from shared.edge.callers import context, fno
from shared.edge.callers.context import Reference, plain
from shared.edge.callers.lookups import guid_column, resolve
from shared.entities import ENTITIES
from shared.errors import BadRequestError
from shared.settings import Settings
from tests.fixtures import dataverse as dv

SETTINGS = Settings.model_validate(
    {"AzureWebJobsStorage": "UseDevelopmentStorage=true", "company_ids": f"USMF={dv.COMPANY_GUIDS['USMF']}"}
)


class Stored:
    """A stand-in for the store's `find`: records of FS by column value."""

    def __init__(self, *records: dict[str, Any]) -> None:
        self.records = records

    def find(self, side: str, company: str, equals: Mapping[str, Any]) -> list[dict[str, Any]]:
        return [
            r for r in self.records if r["msdyn_company"] == company and all(r.get(k) == v for k, v in equals.items())
        ]

    def get(self, side: str, company: str, ident: str) -> None:
        return None

    def referring(self, side: str, company: str, fields: tuple[str, ...], ident: str) -> list[str]:
        return []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dv.option(806380991), 806380991),
        (dv.money(12.5), 12.5),
        ({"Value": 3}, 3),
        ("/Date(1767225600000)/", "/Date(1767225600000)/"),
        (True, True),
        (None, None),
    ],
)
def test_typed_values_become_plain(value: Any, expected: Any) -> None:
    assert plain(value) == expected


def test_a_reference_keeps_table_guid_name_and_key_columns() -> None:
    found = plain(dv.ref("msdyn_operationalsite", "{A4C8D1E2-5B6F-EF11-BFE3-000D3A8E4F6B}", "Site 1", msdyn_siteid="1"))
    assert found == Reference(
        "msdyn_operationalsite", "a4c8d1e2-5b6f-ef11-bfe3-000d3a8e4f6b", "Site 1", {"msdyn_siteid": "1"}
    )


def test_references_resolve_by_key_attributes_stored_guids_and_the_company_directory() -> None:
    spec = ENTITIES["warehouses"]
    quarantine = {
        "msdyn_company": "USMF",
        "msdyn_warehouseidentifier": "Q1",
        guid_column(spec): "0" * 8 + "-0000-0000-0000-" + "0" * 12,
    }
    record = {
        "msdyn_company": plain(dv.company("USMF")),
        "msdyn_operationalsite": plain(dv.ref("msdyn_operationalsite", dv.USER, msdyn_siteid="2")),
        "msdyn_quarantinewarehouse": plain(dv.ref("msdyn_warehouse", quarantine[guid_column(spec)])),
        "ownerid": plain(dv.ref("systemuser", dv.USER)),
    }
    resolved, failures = resolve(spec, "fs", record, Stored(quarantine), SETTINGS)
    assert failures == []
    assert resolved == {"msdyn_company": "USMF", "msdyn_operationalsite": "2", "msdyn_quarantinewarehouse": "Q1"}


def test_unresolved_references_name_their_fields() -> None:
    record = {
        "msdyn_company": plain(dv.ref("cdm_company", dv.USER)),
        "msdyn_transitwarehouse": plain(dv.ref("msdyn_warehouse", dv.USER)),
    }
    _, failures = resolve(ENTITIES["warehouses"], "fs", record, Stored(), SETTINGS)
    assert {(f.field, f.rule) for f in failures} == {
        ("msdyn_company", "unresolved_reference"),
        ("msdyn_transitwarehouse", "unresolved_reference"),
    }


@pytest.mark.parametrize(
    ("label", "names", "expected"),
    [
        ("Cut-off date", ("Net", "CutOffDate"), "CutOffDate"),
        ("current week", ("CurrentWeek",), "CurrentWeek"),
        ("Goods in route (RU)", ("GoodsInRoute_RU",), "GoodsInRoute_RU"),
        ("Current month", ("CurrentMth",), None),  # a label that is not the enum's name is not guessed at
        (None, ("Net",), None),
    ],
)
def test_enum_labels_match_names_ignoring_case_blanks_and_punctuation(
    label: str | None, names: tuple[str, ...], expected: str | None
) -> None:
    assert fno._match(label, names) == expected


def test_a_malformed_context_is_a_bad_request() -> None:
    with pytest.raises(BadRequestError):
        context.parse_context({"MessageName": 1, "PrimaryEntityName": None})
    with pytest.raises(BadRequestError):
        context.entity({"Attributes": [{"value": 1}]})
