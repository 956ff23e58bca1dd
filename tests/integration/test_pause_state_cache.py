"""The pause states' cache against a read that was under way while this process wrote a state: the write must
win. A read that started before a resume and came back after it used to be cached as it was, so for a second
this process saw the entity without its catch-up job — and the catch-up's first chunk, run at once, stopped
as if a newer resume had taken over (seen in `make test` once queue sends woke their pollers at once)."""

from __future__ import annotations

import threading
import uuid
from typing import Any

from azure.core.pipeline.policies import SansIOHTTPPolicy
from azure.data.tables import TableClient

from shared.operations.states import PauseStates


class HeldRead(SansIOHTTPPolicy[Any, Any]):
    """Holds the answer of the first query (a GET) until `release` is set: a write lands meanwhile."""

    def __init__(self) -> None:
        self.reading, self.release, self.armed = threading.Event(), threading.Event(), True

    def on_response(self, request: Any, response: Any) -> None:
        if self.armed and request.http_request.method == "GET":
            self.armed = False
            self.reading.set()
            assert self.release.wait(30)


def test_a_read_under_way_does_not_hide_a_write_of_this_process(connection: str) -> None:
    table = f"States{uuid.uuid4().hex[:12]}"
    held = HeldRead()
    client = TableClient.from_connection_string(connection, table, per_call_policies=[held])
    client.create_table()
    try:
        states = PauseStates(client)
        held.armed = False
        states.pause(["payment-terms"], "maintenance")  # its read and write, not held
        fresh = PauseStates(client)  # another object on the same table: its cache is empty
        held.armed = True
        reader = threading.Thread(target=fresh.states)  # reads "paused, no catch-up" and is held there
        reader.start()
        assert held.reading.wait(30)
        fresh.catch_up("payment-terms", "job-1")  # the resume's write lands while the read is held
        held.release.set()
        reader.join(30)
        assert fresh.state("payment-terms").catch_up_job == "job-1"  # the cache holds the write, not the old read
        assert states.fresh("payment-terms").catch_up_job == "job-1"  # and a fresh read sees it from storage
    finally:
        client.delete_table()
