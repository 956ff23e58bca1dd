"""Lookups as Dataverse sends them (`EntityReference`: a table and a GUID) resolved to the codes the sync
carries, and records found by the GUID the sync stored with them.

A reference resolves, in this order, by its `KeyAttributes` (the referenced row's key column, e.g.
`msdyn_siteid`), by the GUID of a record the sync holds (a warehouse naming another warehouse or its site,
an asset its parent: FS's primary GUID is stored with every record a webhook has reported), and for a
company by `SYNC_COMPANY_IDS`. One that resolves by none of these fails as `unresolved_reference`, naming the field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from shared.edge.callers.context import Reference
from shared.entities.spec import EntitySpec, Lookup, Side
from shared.errors import Failure
from shared.settings import Settings
from shared.sync.engine import Engine

COMPANY_TABLE, COMPANY_KEY = "cdm_company", "cdm_companycode"
GUID = re.compile(r"[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}")


def guid_column(spec: EntitySpec) -> str:
    """FS's primary key column of the entity's table (Dataverse names it `<table>id`)."""
    return f"{spec.fs.entity_name}id"


def as_guid(value: Any) -> str | None:
    text = value.strip().strip("{}").lower() if isinstance(value, str) else ""
    return text if GUID.fullmatch(text) else None


def find_by_guid(spec: EntitySpec, lookup: Lookup, companies: tuple[str, ...], guid: str) -> dict[str, Any] | None:
    """The FS record stored with this GUID, in any configured company (one query per company)."""
    for company in companies:
        if found := lookup.find("fs", company, {guid_column(spec): guid}):
            return found[0]
    return None


def company_code(settings: Settings, reference: Reference) -> str | None:
    """A company lookup's code: its KeyAttributes, else the configured directory SYNC_COMPANY_IDS."""
    if isinstance(code := reference.keys.get(COMPANY_KEY), str) and code.strip():
        return code
    return next((code for code, guid in settings.company_ids.items() if guid == reference.id), None)


# The entity a Dataverse table holds and its store, for a reference to another entity's row (a warehouse's
# site): shared/sync/neighbours.py, Neighbours.by_table.
Others = Callable[[str], tuple[EntitySpec, Lookup] | None]


def resolve(
    spec: EntitySpec,
    side: Side,
    record: Mapping[str, Any],
    lookup: Lookup,
    settings: Settings,
    others: Others | None = None,
) -> tuple[dict[str, Any], list[Failure]]:
    """The record with every reference replaced by its code; references to columns the sync does not
    carry (owner, created by, ...) are dropped; a reference in a column the map keeps as text (the asset's
    customer, `msdyn_account`) is its `Name`; those that cannot be resolved are failures. A reference to a
    row of another entity the sync holds resolves by that entity's stored GUIDs (`others`)."""
    company_field = spec.side(side).company_field
    columns = {pair.name(side): pair.lookup for pair in spec.fields if pair.lookup and pair.name(side)}
    resolved: dict[str, Any] = {}
    failures: list[Failure] = []
    company = record.get(company_field)
    if isinstance(company, Reference):
        company = company_code(settings, company)
        if company is None:
            failures.append(_unresolved(company_field, side, record[company_field], COMPANY_KEY, "SYNC_COMPANY_IDS"))
    for name, value in record.items():
        if not isinstance(value, Reference):
            resolved[name] = value
        elif name == company_field:
            resolved[name] = company
        elif name in columns:
            code = _code(spec, value, columns[name], company, lookup, others)
            if code is None:
                failures.append(_unresolved(name, side, value, columns[name] or "", "the GUIDs the sync holds"))
            resolved[name] = code
        elif name in spec.side(side).model.model_fields:  # a text column the map keeps as text (msdyn_account)
            if value.name is None:
                failures.append(_unresolved(name, side, value, "name", "the reference's Name"))
            resolved[name] = value.name
    return resolved, failures


def _code(
    spec: EntitySpec, reference: Reference, column: str, company: Any, lookup: Lookup, others: Others | None
) -> str | None:
    if isinstance(code := reference.keys.get(column), str) and code.strip():
        return code
    if not (isinstance(company, str) and as_guid(reference.id)):
        return None
    if reference.logical_name == spec.fs.entity_name:
        owner: tuple[EntitySpec, Lookup] | None = (spec, lookup)
    else:
        owner = others(reference.logical_name or "") if others is not None else None
    if owner is None or owner[0].fs.id_field != column:
        return None
    found = owner[1].find("fs", company, {guid_column(owner[0]): reference.id})
    return str(found[0][owner[0].fs.id_field]) if found else None


def _unresolved(name: str, side: Side, reference: Reference, column: str, directory: str) -> Failure:
    return Failure(
        name,
        "unresolved_reference",
        side,
        f"the {reference.logical_name or 'referenced'} row {reference.id} could not be resolved to its "
        f"{column}: the reference carries no KeyAttributes with it, and it is not in {directory}",
    )


def others(engine: Engine) -> Others | None:
    """How an engine finds the entity of a referenced Dataverse table (shared/sync/neighbours.py), if it can."""
    return engine.neighbours.by_table if engine.neighbours is not None else None
