"""Poison queues: a message the host gave up on (moved to `<queue>-poison` after maxDequeueCount)
becomes an error log entry with source `poison`, keeping the message for a retry, and is done."""

from __future__ import annotations

import logging
from contextlib import suppress

from shared.edge.messages import message_key, parse_message
from shared.edge.services import Services
from shared.entities.spec import Side, other
from shared.errors import SyncError
from shared.keys import printable
from shared.sync.errorlog import ErrorEntry

log = logging.getLogger(__name__)
SUFFIX = "-poison"


class PoisonedError(SyncError):
    """The message failed every time the host ran it; the host moved it to the poison queue."""

    code = "poisoned"


def record(services: Services, slug: str, source: Side, body: bytes, message_id: str, dequeue_count: int) -> None:
    """Log one poison message (with its body, for a retry). Raises only when the log cannot be written."""
    engine = services.engine(slug)
    queue = f"{source}-to-{other(source)}-{slug}"
    company, ident = None, None
    with suppress(SyncError):  # not a message the sync reads: still logged, with its body, without a key
        company, ident = message_key(engine, source, parse_message(body))
    error = PoisonedError(
        f"{engine.spec.title} message failed every attempt and was moved to {queue}{SUFFIX}; "
        "retry it once the cause is fixed"
    )
    entry = ErrorEntry(
        slug,
        f"{source}-to-{other(source)}",
        company,
        ident,
        f"poison-{message_id}",
        dequeue_count,
        error,
        source="poison",
        change=body,
    )
    services.error_log().record(entry)
    where = printable(f"{company}/{ident}")
    log.warning(
        "%s poison message %s recorded",
        slug,
        message_id,
        extra={"entity": slug, "key": where, "code": error.code, "error_source": entry.source},
    )
