"""The vocabulary an entity module declares itself with: field pairs, sides, rules — all plain data."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Literal, Protocol

from pydantic import BaseModel

from shared.converters import IDENTITY, Converter

Side = Literal["fs", "scm"]
SIDES: tuple[Side, Side] = ("fs", "scm")


def other(side: Side) -> Side:
    return "scm" if side == "fs" else "fs"


class Direction(Enum):
    BOTH = "="  # both ways, through the pair's converter (identity for `=`, a transform for `><`)
    TO_FS = "->FS"  # filled on FS from the SCM field, never written back
    FS_ONLY = "FS only"  # kept on FS, never sent to SCM
    SCM_ONLY = "SCM only"


@dataclass(frozen=True)
class FieldPair:
    """One field of each side and how values cross. `lookup` names the key column of the row an FS lookup
    column refers to (the template's `msdyn_x.msdyn_y`): such a column is carried as that row's code.
    `note` is the rule or remark the map table in docs/maps.md shows beside the field's types."""

    fs: str | None
    scm: str | None
    direction: Direction = Direction.BOTH
    converter: Converter = IDENTITY
    lookup: str | None = None
    note: str = ""

    def name(self, side: Side) -> str | None:
        return self.fs if side == "fs" else self.scm


Record = Mapping[str, Any]
Check = Callable[[Record], str | None]


@dataclass(frozen=True)
class Rule:
    """A rule on one validated record of one side; `check` returns why it fails, or None."""

    name: str
    field: str
    check: Check


class Lookup(Protocol):
    """What a rule may ask of the stored data (the store implements it; specs never import it)."""

    def find(self, side: Side, company: str, equals: Mapping[str, Any]) -> list[dict[str, Any]]: ...

    def get(self, side: Side, company: str, ident: str) -> dict[str, Any] | None: ...

    def referring(self, side: Side, company: str, fields: tuple[str, ...], ident: str) -> list[str]:
        """Ids of the company's records whose `fields` name `ident` (ids compare case-insensitively)."""
        ...


ContextCheck = Callable[[Record, Lookup], str | None]


@dataclass(frozen=True)
class ContextRule:
    """A rule that needs other stored records (uniqueness, references), run after every field rule passed."""

    name: str
    field: str
    side: Side
    check: ContextCheck
    # Whether a record is one this rule can be about (it names another record, it is a default, ...).
    # A change where it holds for the new or the stored record is serialised with every other such
    # change of its company (the company's guard row), so that no two decide on the same state.
    applies: Callable[[Record], bool] = lambda record: True


@dataclass(frozen=True)
class Reference:
    """A field naming another record of the same entity and company (a warehouse's quarantine warehouse,
    an asset's parent). A record that others still name cannot be deleted (409 lists who names it)."""

    fs: str
    scm: str

    def name(self, side: Side) -> str:
        return self.fs if side == "fs" else self.scm


@dataclass(frozen=True)
class Foreign:
    """A field naming a record of another entity of the same company, by that record's id (a warehouse's
    site). The named record must exist on each side the record is written to (422 naming the field, rule
    `rule`), and it cannot be deleted while a record names it (409). The engine reads the other entity's
    store through what the wiring gives it (shared/sync/neighbours.py), never through a global."""

    fs: str
    scm: str
    entity: str  # the named entity's slug
    rule: str

    def name(self, side: Side) -> str:
        return self.fs if side == "fs" else self.scm


@dataclass(frozen=True)
class SideSpec:
    """One system's view of the entity: its model and the names of its key and time columns."""

    side: Side
    entity_name: str  # e.g. msdyn_paymentterm / PaymentTermEntity
    model: type[BaseModel]
    company_field: str
    id_field: str
    modified_field: str
    rules: tuple[Rule, ...] = ()


@dataclass(frozen=True)
class EntitySpec:
    slug: str
    table: str
    title: str
    fs: SideSpec
    scm: SideSpec
    fields: tuple[FieldPair, ...]
    context_rules: tuple[ContextRule, ...] = field(default=())
    references: tuple[Reference, ...] = ()  # self-references that block deletes
    foreign: tuple[Foreign, ...] = ()  # records of other entities that these records name
    search: tuple[FieldPair, ...] = ()  # fields `q=` searches in a list (case-insensitive substring)
    geo: tuple[FieldPair, FieldPair] | None = None  # latitude and longitude, for `near=` lists
    event_name: str = ""  # in this project's F&O business-event ids (FsScmSync<name>Changed); default: the title

    @property
    def business_events(self) -> dict[str, Literal["upsert", "delete"]]:
        """The ids of this entity's F&O business events (the project's own: F&O has none for these entities)."""
        name = self.event_name or self.title.replace(" ", "")
        return {f"FsScmSync{name}Changed": "upsert", f"FsScmSync{name}Deleted": "delete"}

    def side(self, side: Side) -> SideSpec:
        return self.fs if side == "fs" else self.scm

    def two_way(self) -> tuple[FieldPair, ...]:
        return tuple(pair for pair in self.fields if pair.direction is Direction.BOTH)

    def one_side(self, side: Side) -> tuple[str, ...]:
        """Fields the other side never writes: kept as they are when the other side updates."""
        own = Direction.FS_ONLY if side == "fs" else Direction.SCM_ONLY
        return tuple(name for pair in self.fields if pair.direction is own and (name := pair.name(side)))
