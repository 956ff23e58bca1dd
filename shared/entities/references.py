"""Context checks for a field naming another record of the same entity and company (a self-reference).

Each factory returns a `ContextCheck` for one side's record. Ids compare case-insensitively, as in
both systems, and a blank reference names nothing. A record naming *itself* is judged by its own new
values: it is not stored yet, or stored with the values this very change replaces.
"""

from __future__ import annotations

from collections.abc import Callable

from shared.entities.spec import ContextCheck, Lookup, Record, SideSpec
from shared.keys import normalise

MAX_DEPTH = 100  # ancestors walked before a chain counts as a loop among stored records


def named(record: Record, field: str) -> str | None:
    """The id a reference field names, or None when it is empty."""
    value = record.get(field)
    return value if isinstance(value, str) and value.strip() else None


def names(field: str) -> Callable[[Record], bool]:
    """`applies` of a rule about a reference: the record names another one in `field`."""
    return lambda record: named(record, field) is not None


def is_kind(kind: tuple[str, str]) -> Callable[[Record], bool]:
    """`applies` of a rule about records of one kind (e.g. WarehouseType Quarantine)."""
    return lambda record: record.get(kind[0]) == kind[1]


def _same(left: str, right: str) -> bool:
    return normalise(left) == normalise(right)


def exists(side: SideSpec, field: str, kind: tuple[str, str] | None = None, *, itself: bool = True) -> ContextCheck:
    """The named record exists in the record's company and, with `kind=(field, value)`, has that value.

    `itself=False` refuses a record naming itself (e.g. a warehouse refilled from itself).
    """

    def check(record: Record, lookup: Lookup) -> str | None:
        ref = named(record, field)
        if ref is None:
            return None
        company = record[side.company_field]
        if _same(ref, record[side.id_field]):
            if not itself:
                return f"{field} names the record itself ({ref}); it must name another one"
            target: Record | None = record
        else:
            target = lookup.get(side.side, company, ref)
        if target is None:
            return f"{field} names {ref}, which does not exist in company {normalise(company)}"
        if kind is not None and target.get(kind[0]) != kind[1]:
            return f"{field} names {ref}, whose {kind[0]} is {target.get(kind[0])}, not {kind[1]}"
        return None

    return check


def keeps_kind(side: SideSpec, fields: tuple[str, ...], kind: tuple[str, str]) -> ContextCheck:
    """A record that others name in `fields` keeps `kind=(field, value)` (a quarantine warehouse in use
    stays of type Quarantine): the change that would break their references is refused."""

    def check(record: Record, lookup: Lookup) -> str | None:
        if record.get(kind[0]) == kind[1]:
            return None
        company, ident = record[side.company_field], record[side.id_field]
        stored = lookup.get(side.side, company, ident)
        if stored is None or stored.get(kind[0]) != kind[1]:
            return None  # it was not of that kind before, so no reference can rely on it
        users = sorted(lookup.referring(side.side, company, fields, ident), key=normalise)
        if not users:
            return None
        return f"{kind[0]} must stay {kind[1]}: {', '.join(users)} name(s) {ident} in {', '.join(fields)}"

    return check


def no_cycle(side: SideSpec, field: str, max_depth: int = MAX_DEPTH) -> ContextCheck:
    """Following `field` from the record never leads back to it, at any depth (an asset is never its own
    ancestor). A loop among stored records, or a chain deeper than `max_depth`, is refused as well."""

    def check(record: Record, lookup: Lookup) -> str | None:
        ident, company = record[side.id_field], record[side.company_field]
        seen = {normalise(ident)}
        current = named(record, field)
        for _ in range(max_depth):
            if current is None:
                return None
            if normalise(current) == normalise(ident):
                return f"{field} {named(record, field)} would make {ident} its own ancestor"
            if normalise(current) in seen:
                return f"the stored chain of {field} loops at {current}; fix those records first"
            seen.add(normalise(current))
            parent = lookup.get(side.side, company, current)
            current = named(parent, field) if parent is not None else None
        return f"the chain of {field} is deeper than {max_depth} levels"

    return check
