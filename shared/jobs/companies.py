"""Rows of a company that is not configured: written into a partition behind the sync's back, out of reach
of every route. Jobs copy and repair none of them: each is a row the job fails, with this reason."""

from __future__ import annotations

from shared.entities.spec import EntitySpec, Side
from shared.errors import Failure
from shared.keys import Key, normalise, printable
from shared.settings import Settings


def known(settings: Settings, key: Key) -> bool:
    return normalise(key.company) in settings.companies


def unknown_company(spec: EntitySpec, settings: Settings, side: Side, key: Key) -> Failure:
    """Why a row of `side` whose company is not configured is refused: the live path's rule."""
    names = ", ".join(settings.companies)
    message = f"company {printable(key.company)} is not one of {names}: no route reaches its records"
    return Failure(spec.side(side).company_field, "known_company", side, message)
