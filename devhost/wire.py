"""What crosses the pipe between the host and a worker process: trigger values and results as plain data.

`func.HttpRequest` holds its parameters in read-only mappings that pickle refuses, and an
`HttpResponse` is rebuilt more cheaply from its parts than pickled whole; so each value travels as a
tuple of bytes, strings and numbers and is built again on the other side. Bodies stay bytes end to end
(a binary or non-UTF-8 body arrives as sent), and headers keep their names and values.
"""

from __future__ import annotations

from typing import Any

import azure.functions as func
from azure.functions.queue import QueueMessage
from azure.functions.timer import TimerRequest

HTTP, QUEUE, TIMER, OTHER = "http", "queue", "timer", "other"
RESPONSE, NONE, BYTES, TEXT = "response", "none", "bytes", "text"
Packed = tuple[Any, ...]
# The messages' first element. Host → worker: (START, settings) once, (INVOKE, call id, function, reason,
# trigger), (STOP,). Worker → host: (READY, pid) or (FAILED, why) once, then (DONE, call id, result,
# queue outputs), (ERROR, call id), (LOG, level, text), (SENT, queue).
START, INVOKE, STOP = "start", "invoke", "stop"
READY, FAILED, DONE, ERROR, LOG, SENT = "ready", "failed", "done", "error", "log", "sent"


def pack_trigger(value: Any) -> Packed:
    if isinstance(value, func.HttpRequest):
        return (
            HTTP,
            value.method,
            value.url,
            dict(value.headers.items()),
            dict(value.params),
            dict(value.route_params),
            value.get_body(),
        )
    if isinstance(value, QueueMessage):
        return (
            QUEUE,
            value.id,
            value.get_body(),
            value.dequeue_count,
            value.insertion_time,
            value.expiration_time,
            value.time_next_visible,
            value.pop_receipt,
        )
    if isinstance(value, TimerRequest):
        return (TIMER, value.past_due)
    return (OTHER, value)  # anything else the host makes must pickle as it is


def unpack_trigger(packed: Packed) -> Any:
    kind, *parts = packed
    if kind == HTTP:
        method, url, headers, params, route_params, body = parts
        return func.HttpRequest(
            method=method, url=url, headers=headers, params=params, route_params=route_params, body=body
        )
    if kind == QUEUE:
        message_id, body, dequeue_count, inserted, expires, next_visible, pop_receipt = parts
        return QueueMessage(
            id=message_id,
            body=body,
            dequeue_count=dequeue_count,
            insertion_time=inserted,
            expiration_time=expires,
            time_next_visible=next_visible,
            pop_receipt=pop_receipt,
        )
    if kind == TIMER:
        return TimerRequest(past_due=parts[0])
    return parts[0]


def pack_result(result: Any) -> Packed:
    """A function's return value as the host uses it (web.to_wsgi_response): a response, bytes, text or none."""
    if isinstance(result, func.HttpResponse):
        headers = list(result.headers.items())
        return (RESPONSE, result.status_code, headers, result.mimetype, result.charset, result.get_body())
    if result is None:
        return (NONE,)
    if isinstance(result, bytes):
        return (BYTES, result)
    return (TEXT, str(result))


def unpack_result(packed: Packed) -> Any:
    kind, *parts = packed
    if kind == RESPONSE:
        status, headers, mimetype, charset, body = parts
        response = func.HttpResponse(body, status_code=status, mimetype=mimetype, charset=charset)
        for name, value in headers:  # one by one: a repeated header (Set-Cookie) stays repeated
            response.headers.add_header(name, value)
        return response
    if kind == NONE:
        return None
    return parts[0]
