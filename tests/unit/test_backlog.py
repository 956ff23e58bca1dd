"""The backlog's pure parts: keys that sort in arrival order, and bodies split across columns and back."""

from __future__ import annotations

import datetime as dt
import threading
from types import SimpleNamespace

import pytest

from shared.errors import PayloadTooLargeError
from shared.operations.backlog import MAX_PIECES, PIECE, Held, arrival_key

ARRIVED = dt.datetime(2026, 5, 1, 8, 0, tzinfo=dt.UTC)


class Entity(dict):  # type: ignore[type-arg]
    """What the SDK hands back: the columns, and metadata."""

    metadata = SimpleNamespace()


def round_trip(held: Held) -> Held:
    return Held.from_entity(Entity(held.columns()))


def test_keys_sort_in_arrival_order_also_within_one_nanosecond_and_across_threads() -> None:
    keys: list[str] = []
    lock = threading.Lock()

    def take() -> None:
        mine = [arrival_key() for _ in range(2000)]
        assert mine == sorted(mine)  # each thread's arrivals in its order
        with lock:
            keys.extend(mine)

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(keys)) == len(keys) == 8000


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b'{"a": "\xc3\xa9t\xc3\xa9"}', id="utf-8"),
        pytest.param(b"x" * (PIECE * 3 + 7), id="four-columns"),
        pytest.param(bytes(range(256)), id="not-utf-8"),
    ],
)
def test_a_body_comes_back_byte_for_byte(body: bytes) -> None:
    held = Held(
        "payment-terms",
        "http",
        "fs",
        "DELETE",
        body,
        ARRIVED,
        company="USMF",
        ident="A",
        headers={"x-ms-dynamics-msg-size-exceeded": "1"},
        modified="2026-05-01T08:00:00Z",
        row_key="k",
    )
    columns = held.columns()
    assert all(len(value) <= PIECE for name, value in columns.items() if name.startswith("Body"))
    assert round_trip(held) == held


def test_a_body_too_large_for_one_row_is_refused_clearly() -> None:
    held = Held("payment-terms", "queue", "scm", "POST", b"x" * (PIECE * MAX_PIECES + 1), ARRIVED)
    with pytest.raises(PayloadTooLargeError, match="at most 450000"):
        held.columns()
