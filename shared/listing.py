"""Lists of one side's records: `GET /api/{side}/{entity}?company=…&limit=…&continuation=…`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.engine import Engine
from shared.errors import BadRequestError, NotFoundError
from shared.keys import normalise
from shared.spec import Side

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


def list_records(engine: Engine, side: Side, params: Mapping[str, str]) -> dict[str, Any]:
    company = params.get("company")
    if company is not None and normalise(company) not in engine.settings.companies:
        raise NotFoundError(f"unknown company; known: {', '.join(engine.settings.companies)}")
    rows, next_token = engine.store.page(side, company, _limit(params.get("limit")), params.get("continuation"))
    items = [{"key": key.as_dict(), **row.as_dict()} for key, row in rows]
    return {"items": items, "continuation": next_token}


def _limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise BadRequestError(f"limit must be a whole number from 1 to {MAX_LIMIT}")
    return int(raw)
