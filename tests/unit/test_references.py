"""Reference checks (shared/entities/references.py) against an in-memory Lookup: existence, kind, cycles."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from shared.entities import customer_assets, warehouses
from shared.entities.references import exists, keeps_kind, no_cycle
from shared.entities.spec import Side
from shared.keys import normalise


class Records:
    """The Lookup protocol over a dict: (company, id) → SCM record; keys compare case-insensitively."""

    def __init__(self, id_field: str, *records: dict[str, Any]) -> None:
        self.id_field = id_field
        self.rows = {(normalise(r["dataAreaId"]), normalise(r[id_field])): r for r in records}
        self.gets = 0

    def get(self, side: Side, company: str, ident: str) -> dict[str, Any] | None:
        self.gets += 1
        return self.rows.get((normalise(company), normalise(ident)))

    def find(self, side: Side, company: str, equals: Mapping[str, Any]) -> list[dict[str, Any]]:
        raise NotImplementedError

    def referring(self, side: Side, company: str, fields: tuple[str, ...], ident: str) -> list[str]:
        return [
            record[self.id_field]
            for (row_company, row_id), record in self.rows.items()
            if row_company == normalise(company)
            and row_id != normalise(ident)
            and any(normalise(record.get(name) or "") == normalise(ident) for name in fields)
        ]


def wh(ident: str, kind: str = "Standard", company: str = "USMF", **refs: str) -> dict[str, Any]:
    return {"dataAreaId": company, "WarehouseId": ident, "WarehouseType": kind, **refs}


QUARANTINE = exists(warehouses.SCM, "QuarantineWarehouseId", ("WarehouseType", "Quarantine"))
REFILLING = exists(warehouses.SCM, "MainRefillingWarehouseId", itself=False)
STORED = Records("WarehouseId", wh("Q1", "Quarantine"), wh("T1", "Transit"), wh("S1"), wh("Q9", "Quarantine", "DEMF"))


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        pytest.param(wh("W1"), None, id="no-reference"),
        pytest.param(wh("W1", QuarantineWarehouseId="Q1"), None, id="quarantine"),
        pytest.param(wh("W1", QuarantineWarehouseId="q1"), None, id="other-letter-case"),
        pytest.param(wh("W1", company="usmf", QuarantineWarehouseId=" Q1 "), None, id="blanks-and-company-case"),
        pytest.param(
            wh("W1", QuarantineWarehouseId="NOPE"), "names NOPE, which does not exist in company USMF", id="gone"
        ),
        pytest.param(wh("W1", QuarantineWarehouseId="Q9"), "does not exist in company USMF", id="other-company"),
        pytest.param(
            wh("W1", QuarantineWarehouseId="S1"), "whose WarehouseType is Standard, not Quarantine", id="kind"
        ),
        pytest.param(wh("W1", "Quarantine", QuarantineWarehouseId="w1"), None, id="itself-of-the-kind"),
        pytest.param(wh("Q1", "Standard", QuarantineWarehouseId="Q1"), "not Quarantine", id="itself-new-values"),
    ],
)
def test_quarantine_warehouse(record: dict[str, Any], reason: str | None) -> None:
    found = QUARANTINE(record, STORED)
    assert found == reason if reason is None else reason in str(found)


def test_a_warehouse_is_not_refilled_from_itself() -> None:
    assert REFILLING(wh("W1", MainRefillingWarehouseId="S1"), STORED) is None
    assert "names the record itself" in str(REFILLING(wh("W1", MainRefillingWarehouseId="w1"), STORED))


def test_a_quarantine_warehouse_in_use_keeps_its_type() -> None:
    stored = Records(
        "WarehouseId", wh("Q1", "Quarantine"), wh("W1", QuarantineWarehouseId="q1"), wh("Q2", "Quarantine")
    )
    check = keeps_kind(warehouses.SCM, ("QuarantineWarehouseId",), ("WarehouseType", "Quarantine"))
    assert "W1" in str(check(wh("Q1", "Standard"), stored))
    assert check(wh("Q2", "Standard"), stored) is None  # nobody names Q2
    assert check(wh("Q1", "Quarantine"), stored) is None
    assert check(wh("NEW", "Standard"), stored) is None


def asset(ident: str, parent: str | None = None) -> dict[str, Any]:
    return {"dataAreaId": "USMF", "MaintenanceAssetId": ident, "ParentMaintenanceAssetId": parent}


CYCLE = no_cycle(customer_assets.SCM, "ParentMaintenanceAssetId")
TREE = Records("MaintenanceAssetId", asset("ROOT"), asset("MID", "ROOT"), asset("LEAF", "mid"))


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        pytest.param(asset("NEW"), None, id="no-parent"),
        pytest.param(asset("NEW", "LEAF"), None, id="deep-chain"),
        pytest.param(asset("NEW", "GONE"), None, id="missing-parent-is-another-rule"),
        pytest.param(asset("ROOT", "LEAF"), "would make ROOT its own ancestor", id="cycle-through-update"),
        pytest.param(asset("root", "Leaf"), "would make root its own ancestor", id="cycle-any-case"),
        pytest.param(asset("MID", "mid"), "own ancestor", id="own-parent"),
    ],
)
def test_no_cycle(record: dict[str, Any], reason: str | None) -> None:
    found = CYCLE(record, TREE)
    assert found == reason if reason is None else reason in str(found)


def test_a_stored_loop_is_refused_without_walking_forever() -> None:
    corrupt = Records("MaintenanceAssetId", asset("A", "B"), asset("B", "A"))
    assert "loops at" in str(CYCLE(asset("NEW", "A"), corrupt))
    assert corrupt.gets <= 3


def test_a_chain_deeper_than_the_limit_is_refused() -> None:
    chain = Records("MaintenanceAssetId", *(asset(f"A{n}", f"A{n + 1}") for n in range(10)))
    shallow = no_cycle(customer_assets.SCM, "ParentMaintenanceAssetId", max_depth=5)
    assert "deeper than 5 levels" in str(shallow(asset("NEW", "A0"), chain))
    assert CYCLE(asset("NEW", "A0"), chain) is None
