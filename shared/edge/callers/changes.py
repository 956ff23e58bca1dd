"""What a caller's body asks for, once parsed: a record to upsert, or a key to delete at a time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.entities.spec import EntitySpec, Side
from shared.errors import Failure, RejectedError, rejected


@dataclass(frozen=True)
class Upsert:
    record: dict[str, Any]


@dataclass(frozen=True)
class Delete:
    company: str
    ident: str
    modified: Any = None  # the delete's time in the source system; None: when it arrives


Change = Upsert | Delete


def refuse(spec: EntitySpec, side: Side, field: str, rule: str, message: str) -> RejectedError:
    """The 422 for a native body that cannot be applied, naming the part of it that is wrong."""
    return rejected(spec.title, None, [Failure(field, rule, side, message)])


def key_of(spec: EntitySpec, side: Side, record: dict[str, Any]) -> tuple[str, str] | None:
    """The company and id a record names, when both are non-blank text."""
    own = spec.side(side)
    company, ident = record.get(own.company_field), record.get(own.id_field)
    if isinstance(company, str) and company.strip() and isinstance(ident, str) and ident.strip():
        return company, ident
    return None
