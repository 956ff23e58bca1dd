"""Held changes read as they came (a request's body and route, or a queue message) and applied: what the
catch-up job (shared/operations/catchup.py) runs for each change held while its entity was paused."""

from __future__ import annotations

from typing import Any

from shared import jsonio
from shared.edge.callers import native
from shared.edge.callers.changes import Delete
from shared.edge.messages import DeleteMessage, apply_message, message_key, parse_message
from shared.errors import NotFoundError, SyncError
from shared.operations.backlog import Held
from shared.sync.engine import Engine


class HeldChanges:
    """The catch-up's Replay: applies, keys and replays held changes as the live path reads them."""

    def apply(self, engine: Engine, held: Held) -> str:
        return apply(engine, held)

    def key(self, engine: Engine, held: Held) -> tuple[str | None, str | None]:
        return _message_key(engine, held)

    def replayable(self, held: Held) -> bytes:
        return _replayable(held)


def apply(engine: Engine, held: Held) -> str:
    """Apply one held change as the live path would have on its arrival; the outcome's status."""
    if held.origin == "queue":
        message = parse_message(held.body)
        if isinstance(message, DeleteMessage):
            return _delete(engine, held, message.key.company, message.key.id, message.modified)
        return apply_message(engine, held.side, message).status
    if held.method == "DELETE":
        return _delete(engine, held, held.company or "", held.ident or "", held.modified)
    change = native.parse(engine, held.side, jsonio.loads_object(held.body), held.headers)
    if isinstance(change, Delete):
        return _delete(engine, held, change.company, change.ident, change.modified)
    return engine.upsert(held.side, change.record).status


def _delete(engine: Engine, held: Held, company: str, ident: str, modified: Any) -> str:
    try:
        return engine.delete(held.side, company, ident, modified).status
    except NotFoundError:  # already gone (or never there): a delete with nothing to delete is done
        return "absent"


def _message_key(engine: Engine, held: Held) -> tuple[str | None, str | None]:
    try:
        return message_key(engine, held.side, parse_message(held.body))
    except SyncError:
        return None, None


def _replayable(held: Held) -> bytes:
    """What a retry from the error log runs again: the body as it came, or a delete message for an HTTP
    DELETE (its key is in the route; its time is the caller's, else its arrival)."""
    if held.method != "DELETE" or held.origin == "queue":
        return held.body
    modified = held.modified if held.modified is not None else held.arrived.isoformat()
    key = {"company": held.company, "id": held.ident}
    return jsonio.dumps({"operation": "delete", "key": key, "modified": modified})
