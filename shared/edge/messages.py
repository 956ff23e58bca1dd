"""Queue messages: `{"operation": "upsert", "record": {...}}` or `{"operation": "delete", "key": {...}}`."""

from __future__ import annotations

import logging
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from shared import jsonio
from shared.edge import holding
from shared.edge.services import Services
from shared.entities.spec import Side, other
from shared.errors import BadRequestError, ConflictError, NotFoundError, RejectedError, failures_of, problems
from shared.keys import printable
from shared.sync.engine import Engine
from shared.sync.errorlog import ErrorEntry
from shared.sync.outcome import Outcome

log = logging.getLogger(__name__)


class _Message(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class MessageKey(_Message):
    company: str = Field(min_length=1, max_length=64)
    id: str = Field(min_length=1, max_length=256)


class UpsertMessage(_Message):
    operation: Literal["upsert"]
    record: dict[str, Any]


class DeleteMessage(_Message):
    operation: Literal["delete"]
    key: MessageKey
    modified: Any = None  # the delete's time in the source system; absent: when it is processed


Message = Annotated[UpsertMessage | DeleteMessage, Field(discriminator="operation")]
_MESSAGE: TypeAdapter[UpsertMessage | DeleteMessage] = TypeAdapter(Message)


def parse_message(body: bytes) -> UpsertMessage | DeleteMessage:
    try:
        return _MESSAGE.validate_python(jsonio.loads_object(body))
    except ValidationError as exc:
        details = problems(failures_of(exc, "sync"))
        raise BadRequestError("queue message is not an upsert or delete message", details=details) from None


def apply_message(engine: Engine, source: Side, message: UpsertMessage | DeleteMessage) -> Outcome:
    if isinstance(message, UpsertMessage):
        return engine.upsert(source, message.record)
    return engine.delete(source, message.key.company, message.key.id, message.modified)


def message_key(engine: Engine, source: Side, message: UpsertMessage | DeleteMessage) -> tuple[str | None, str | None]:
    """The company and id a message is about, as far as they can be read (for the error log)."""
    if isinstance(message, DeleteMessage):
        return _text(message.key.company), _text(message.key.id)
    side = engine.spec.side(source)
    company, ident = message.record.get(side.company_field), message.record.get(side.id_field)
    return _text(company), _text(ident)


def _text(value: Any) -> str | None:
    return value[:256] if isinstance(value, str) else None


def process(services: Services, slug: str, source: Side, body: bytes, message_id: str, dequeue_count: int) -> str:
    """Handle one queue message. Permanent failures go to the error log and the message is done;
    transient ones raise, so that the queue host retries and finally moves the message to poison."""
    engine = services.engine(slug)
    if services.pause_states().is_paused(slug):  # paused: kept in the backlog in arrival order, and the message is done
        return holding.hold_message(services.backlog(), slug, source, body, message_id, dequeue_count)
    message: UpsertMessage | DeleteMessage | None = None
    try:
        message = parse_message(body)
        outcome = apply_message(engine, source, message).status
        services.status_board().touch(slug)
        return outcome
    except NotFoundError:
        if isinstance(message, DeleteMessage):  # already gone: a repeated delete is done, not an error
            where = printable(f"{message.key.company}/{message.key.id}")
            log.info(
                "%s delete of %s: nothing to delete",
                slug,
                where,
                extra={"entity": slug, "key": where, "outcome": "absent"},
            )
            return "absent"
        raise
    except (BadRequestError, RejectedError, ConflictError) as exc:
        company, ident = message_key(engine, source, message) if message else (None, None)
        direction = f"{source}-to-{other(source)}"
        entry = ErrorEntry(slug, direction, company, ident, message_id, dequeue_count, exc, change=body)
        services.error_log().record(entry)
        log.warning(
            "%s message %s rejected for good (%s): %s",
            slug,
            message_id,
            exc.code,
            printable(exc.message),
            extra={
                "entity": slug,
                "side": source,
                "key": printable(f"{company}/{ident}"),
                "outcome": "rejected",
                "code": exc.code,
                "error_source": entry.source,
            },
        )
        return "rejected"
