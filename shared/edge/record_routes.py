"""The operator's routes on one record and one error entry, host-free: the record view and dismiss
(docs/operating.md, "Record view" and "Error log, retry, …")."""

from __future__ import annotations

from typing import Any

from shared.edge.request import Answer, Request, json_body
from shared.edge.services import Services
from shared.errors import Failure, RejectedError
from shared.operations import error_entries, records
from shared.settings import get_settings


def record_view(services: Services, slug: str, company: str, ident: str) -> Answer:
    """`GET /api/sync/{entity}/records/{company}/{id}`: both sides, whether in step, the open entries."""
    engine = services.engine(slug)  # 404 for an unknown entity
    return 200, records.view(engine, services.error_log(), get_settings(), company, ident)


def dismiss(services: Services, entry_id: str, request: Request) -> Answer:
    """`POST /api/sync/errors/{id}/dismiss` with `{"note": "..."}` → the entry, `state: dismissed`."""
    error_entries.split_id(entry_id)  # 404 for an id this API never gave out, before the body is read
    note = _note(json_body(request))
    return 200, error_entries.dismiss(services.error_log(), entry_id, note)


def _note(body: dict[str, Any]) -> str:
    """The operator's note: what was done about the error outside the sync (1 to 1000 characters)."""
    note = body.get("note")
    text = note.strip() if isinstance(note, str) else ""
    problems = []
    if not text:
        problems.append(Failure("note", "required", "request", "note is required: say how the error was dealt with"))
    elif len(text) > error_entries.MAX_NOTE:
        problems.append(Failure("note", "max_length", "request", f"note is over {error_entries.MAX_NOTE} characters"))
    if unknown := sorted(set(body) - {"note"}):
        problems.append(Failure(unknown[0], "unknown_field", "request", "dismiss takes only {note}"))
    if problems:
        raise RejectedError("dismiss takes {note: 1 to 1000 characters}; nothing was written", problems)
    return text
