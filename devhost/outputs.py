"""Queue output bindings: `func.Out` arguments and `$return`, sent after the function succeeds.

Other input or output bindings (blob, table, ...) are not provided; the host warns about them at
start-up so that a function needing one fails with a known cause.
"""

from __future__ import annotations

import logging
from typing import Any

import azure.functions as func

from .settings import connection_string, resolve
from .storage import Senders, encode

log = logging.getLogger("devhost")

QUEUE_OUTPUT = "queue"
RETURN = "$return"
Messages = dict[str, list[bytes]]  # an invocation's queue output messages: binding name → bodies
_SUPPORTED = {QUEUE_OUTPUT, "http"}  # http: the HTTP trigger's own response binding


class OutValue(func.Out[Any]):
    def __init__(self) -> None:
        self._value: Any = None

    def set(self, val: Any) -> None:
        self._value = val

    def get(self) -> Any:
        return self._value


def unsupported(bindings: tuple[Any, ...]) -> list[str]:
    """Binding types among `bindings` that the local host cannot provide."""
    return sorted({b.get_binding_name() for b in bindings} - _SUPPORTED)


def out_arguments(bindings: tuple[Any, ...]) -> dict[str, OutValue]:
    return {b.name: OutValue() for b in queue_outputs(bindings) if b.name != RETURN}


class QueueOutputs:
    """Sends what a function put in its queue outputs, encoded like the host does."""

    def __init__(self, senders: Senders, encoding: str) -> None:
        self._senders = senders
        self._encoding = encoding

    def send(self, bindings: tuple[Any, ...], messages: Messages) -> None:
        """Send `messages` (binding name → bodies, from `collect`) to each binding's queue."""
        for binding in queue_outputs(bindings):
            bodies = messages.get(binding.name)
            if bodies:
                client = self._senders.get(connection_string(binding.connection), resolve(binding.queue_name))
                for body in bodies:
                    client.send_message(encode(body, self._encoding))


def collect(bindings: tuple[Any, ...], outs: dict[str, OutValue], result: Any) -> Messages:
    """What a finished invocation put in its queue outputs, as bytes per binding name: all a worker process
    hands back to the host, which sends it (as the Functions host sends its workers' output bindings)."""
    collected: Messages = {}
    for binding in queue_outputs(bindings):
        value = result if binding.name == RETURN else outs[binding.name].get()
        collected[binding.name] = _messages(value)
    return collected


def queue_outputs(bindings: tuple[Any, ...]) -> list[Any]:
    """The queue output bindings among a function's bindings."""
    return [b for b in bindings if b.get_binding_name() == QUEUE_OUTPUT]


def _messages(value: Any) -> list[bytes]:
    if value is None:
        return []
    items = value if isinstance(value, list | tuple) else [value]
    return [_body(item) for item in items]


def _body(item: Any) -> bytes:
    if isinstance(item, func.QueueMessage):
        return item.get_body()
    if isinstance(item, bytes):
        return item
    return str(item).encode("utf-8")
