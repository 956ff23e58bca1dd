"""References between entities: a record naming a record of another entity of its company (a warehouse's
site, `Foreign` in the spec). The engine of one entity reads the other's store through a `Neighbours`
that the wiring gives it (functions/runtime.py), never through a global.

Two rules hold, as both real systems enforce them (F&O by a foreign key, Dataverse by a lookup):

- A record is written only if each record it names exists, in its company, on each side it is written to:
  its FS record's name on the FS side, its SCM record's name on SCM (422 naming the field). Read as rules
  read (journal.lead_first): a record being deleted is gone already, one being created is there.
- A record that others name is not deleted (409 listing them, on whichever side they are stored).

The two decide on different tables, so no one transaction can hold both. They meet on the naming entity's
guard row of the company instead (docs/sync-protocol.md): a write that makes a record name another one
commits with that guard, read before it looks; a delete of a named entity reads the guards, looks for
records naming it, writes its tombstone, and then rewrites each guard, only if unchanged since read. A
naming write committed meanwhile makes that rewrite fail: the delete looks again, and puts the record
back if it is named now. A naming write that commits after the rewrite read the guard after it, so after
the tombstone, and is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from shared.entities.references import named
from shared.entities.spec import SIDES, EntitySpec, Foreign, Side
from shared.errors import Failure, ReferencedError, TransientError
from shared.keys import Key, decode_row_key, normalise
from shared.storage import WriteConflictError
from shared.sync.journal import LEAD, as_seen
from shared.sync.rows import Guard
from shared.sync.store import EntityStore

Records = Mapping[Side, Mapping[str, Any]]
Putback = Callable[[], None]
Seen = dict[tuple[str, str], dict[Side, Any]]  # (entity, RowKey) → each side's record as rules see it
TRIES = 30  # lost guard races of one delete before it gives up (puts the record back, 503)


@dataclass(frozen=True)
class Naming:
    """A record of another entity that names the one being deleted, as stored on one side."""

    entity: str
    side: Side
    company: str
    id: str
    field: str

    def as_dict(self) -> dict[str, str]:
        return {"entity": self.entity, "side": self.side, "company": self.company, "id": self.id, "field": self.field}


class Neighbours:
    """The entities of the registry and their stores, by slug (`store` is called when one is first needed, so
    that engines that name each other can be built one after the other)."""

    def __init__(self, entities: Mapping[str, EntitySpec], store: Callable[[str], EntityStore]) -> None:
        self.entities = entities
        self._store = store

    def by_table(self, table: str) -> tuple[EntitySpec, EntityStore] | None:
        """The entity whose FS records a Dataverse table holds, and its store (a lookup's target)."""
        spec = next((spec for spec in self.entities.values() if spec.fs.entity_name == table.lower()), None)
        return (spec, self._store(spec.slug)) if spec is not None else None

    def missing(self, spec: EntitySpec, records: Records, seen: Seen | None = None) -> list[Failure]:
        """Each record a side's record names that this side does not hold in the record's company (both
        sides' names of one record are looked up together: its lead row is read once). `seen` keeps what was
        looked up, for a job's chunk: its rows name a few sites many times, and the chunk's guard makes them
        decide again if one is deleted meanwhile."""
        failures = []
        for ref in spec.foreign:
            wanted: dict[Key, list[tuple[Side, str]]] = {}
            for side in SIDES:
                record = records[side]
                ident = named(record, ref.name(side))
                company = record.get(spec.side(side).company_field)
                if ident is not None and isinstance(company, str):
                    wanted.setdefault(Key(company, ident), []).append((side, ident))
            for key, names in wanted.items():
                found = seen.get((ref.entity, key.row_key)) if seen is not None else None
                if found is None:
                    sides = tuple(side for side, _ in names) if seen is None else SIDES
                    found = as_seen(self._store(ref.entity), key, sides)
                    if seen is not None:
                        seen[(ref.entity, key.row_key)] = found
                failures += [self._missing(ref, side, key.company, ident) for side, ident in names if not found[side]]
        return failures

    def _missing(self, ref: Foreign, side: Side, company: str, ident: str) -> Failure:
        title = self.entities[ref.entity].title.lower()
        return Failure(
            ref.name(side),
            ref.rule,
            side,
            f"{ref.name(side)} names {title} {ident}, which {side.upper()} does not hold in company "
            f"{normalise(company)}: create or sync the {title} first",
        )

    def naming_entities(self, spec: EntitySpec) -> list[tuple[EntitySpec, Foreign]]:
        """The entities whose records may name this one's, with the reference they name it by."""
        return [(other, ref) for other in self.entities.values() for ref in other.foreign if ref.entity == spec.slug]

    def naming(self, spec: EntitySpec, company: str, ident: str) -> list[Naming]:
        """The records of other entities, on either side, that name this entity's record (ids compare as keys)."""
        wanted = normalise(ident)
        found = []
        for other, ref in self.naming_entities(spec):
            store = self._store(other.slug)
            for side in SIDES:
                field = ref.name(side)
                for row_key, columns in store.columns(side, company, [field]):
                    value = columns.get(field)
                    if isinstance(value, str) and normalise(value) == wanted:
                        found.append(Naming(other.slug, side, normalise(company), decode_row_key(row_key).id, field))
        return found

    def guards(self, spec: EntitySpec, company: str) -> list[tuple[str, Guard]]:
        """The company's guard of every entity whose records may name this one's, read now."""
        slugs = sorted({other.slug for other, _ in self.naming_entities(spec)})
        return [(slug, self._store(slug).read_guard(LEAD, company)) for slug in slugs]

    def refuse_if_named(self, spec: EntitySpec, key: Key) -> None:
        """ReferencedError (409) when records of another entity name this record."""
        if found := self.naming(spec, key.company, key.id):
            raise still_named(spec, key, found)

    def keep_unnamed(
        self, spec: EntitySpec, key: Key, guards: list[tuple[str, Guard]], operation_id: str, put_back: Putback
    ) -> None:
        """After a delete's tombstone: rewrite the guards read before the delete looked for records naming it.
        One that changed meanwhile means a naming write committed: look again (with the guards read anew),
        and if the record is named now, `put_back` the record and refuse the delete (409)."""
        for _ in range(TRIES):
            try:
                for slug, guard in guards:
                    self._store(slug).touch_guard(LEAD, guard, operation_id)
                return
            except WriteConflictError:
                guards = self.guards(spec, key.company)
                if found := self.naming(spec, key.company, key.id):
                    put_back()
                    raise still_named(spec, key, found) from None
        put_back()
        raise TransientError(f"{spec.title} {key}: records naming it kept changing; nothing was deleted, retry")


def still_named(spec: EntitySpec, key: Key, found: list[Naming]) -> ReferencedError:
    entities = sorted({naming.entity for naming in found})
    named_by = "; ".join(
        f"{entity} {', '.join(sorted({n.id for n in found if n.entity == entity}))} "
        f"({', '.join(sorted({n.field for n in found if n.entity == entity}))})"
        for entity in entities
    )
    return ReferencedError(
        f"{spec.title} {key} is still named by {named_by} of company {normalise(key.company)}; nothing was deleted",
        details=[naming.as_dict() for naming in found],
    )


def names_anew(spec: EntitySpec, new: Mapping[str, Any], stored: Mapping[str, Any] | None) -> bool:
    """Whether a lead record names a record of another entity that its stored version did not name: only
    such a write can race a delete of the named record (see the module), so only it takes the guard."""
    for ref in spec.foreign:
        ident = named(new, ref.name(LEAD))
        before = named(stored, ref.name(LEAD)) if stored is not None else None
        if ident is not None and (before is None or normalise(before) != normalise(ident)):
            return True
    return False


def names_any(spec: EntitySpec, record: Mapping[str, Any], side: Side) -> bool:
    """Whether a record names any record of another entity."""
    return any(named(record, ref.name(side)) is not None for ref in spec.foreign)
