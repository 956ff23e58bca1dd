"""Which record a change is about: its key, read from the body the way both real systems compare keys.

Company and id are trimmed (the trimmed spelling is what both sides store), compared by simple case
mapping (keys.py), and refused when they hold characters that no route or RowKey can carry, when the
company is not configured, or when the key is too long for a RowKey.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.entities.spec import EntitySpec, Side
from shared.errors import Failure, NotFoundError, rejected
from shared.keys import Key, bad_characters, normalise, printable, trim
from shared.settings import Settings
from shared.sync.validation import check_fields

MAX_ROW_KEY = 512  # Table Storage's key limit, in UTF-16 units (an encoded key is ASCII)


def change_key(
    spec: EntitySpec, settings: Settings, source: Side, body: Mapping[str, Any]
) -> tuple[Key, dict[str, Any]]:
    """The change's key, and the body with its key and reference fields trimmed, or RejectedError."""
    side = spec.side(source)
    company, ident = body.get(side.company_field), body.get(side.id_field)
    if not (isinstance(company, str) and company.strip() and isinstance(ident, str) and ident.strip()):
        raise rejected(spec.title, None, _key_failures(spec, source, body))
    named = [ref.name(source) for ref in spec.references] + [ref.name(source) for ref in spec.foreign]
    compared = (side.company_field, side.id_field, *named)
    trimmed = {name: trim(value) for name in compared if isinstance(value := body.get(name), str)}
    body = {**body, **trimmed}
    key = Key(body[side.company_field], body[side.id_field])
    if failures := [
        _bad_characters(name, source, bad)
        for name in (side.company_field, side.id_field)
        if (bad := bad_characters(body[name]))
    ]:
        raise rejected(spec.title, None, failures)
    if len(key.row_key) > MAX_ROW_KEY:
        raise rejected(spec.title, None, [Failure(side.id_field, "max_length", source, "key is too long")])
    if normalise(key.company) not in settings.companies:
        known = ", ".join(settings.companies)
        failure = Failure(side.company_field, "known_company", source, f"company is not one of {known}")
        raise rejected(spec.title, key, [failure])
    return key, body


def known_key(spec: EntitySpec, settings: Settings, company: str, ident: str) -> Key:
    """The key a route names, or NotFoundError when no record can have it."""
    key = Key(trim(company), trim(ident))
    if (
        normalise(company) not in settings.companies
        or len(key.row_key) > MAX_ROW_KEY
        or bad_characters(key.company)
        or bad_characters(key.id)
    ):
        raise NotFoundError(f"{spec.title} {key} does not exist: unknown company or key")
    return key


def _bad_characters(name: str, source: Side, bad: list[str]) -> Failure:
    shown = ", ".join(printable(repr(char)) for char in bad)
    return Failure(
        name, "key_characters", source, f"{name} holds {shown}: control characters and / \\ # ? cannot be in a key"
    )


def _key_failures(spec: EntitySpec, source: Side, body: Mapping[str, Any]) -> list[Failure]:
    """Why a body has no usable key: its fields' own failures, and blank key fields."""
    side = spec.side(source)
    failures = check_fields(side, body).failures
    reported = {failure.field for failure in failures}
    for name in (side.company_field, side.id_field):
        value = body.get(name)
        if name not in reported and not (isinstance(value, str) and value.strip()):
            failures.append(Failure(name, "required", source, "a key field must be non-blank text"))
    return failures
