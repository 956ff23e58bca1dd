"""Several host processes of the app on one Azurite, as instances of one app on one storage account: the
callers that spread changes over them, and what the tests read back from storage."""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import requests
from azure.data.tables import TableServiceClient

from shared.entities import ENTITIES
from shared.keys import Key
from tests.samples import T0, sample

SIDES = ("fs", "scm")


def at(seconds: float) -> str:
    return (T0 + dt.timedelta(seconds=seconds)).isoformat()


class Times:
    """Strictly increasing modification times (seconds after T0), handed out across threads."""

    def __init__(self) -> None:
        self._next, self._lock = 0, threading.Lock()

    def take(self) -> int:
        with self._lock:
            self._next += 1
            return self._next


@dataclass
class Answers:
    """What the callers sent and got: per key, the times answered 2xx (a delete marked); every status."""

    statuses: Counter[int] = field(default_factory=Counter)
    accepted: dict[str, list[tuple[int, bool]]] = field(default_factory=dict)  # ident → (time, deleted)
    failed: list[str] = field(default_factory=list)  # requests that got no answer (a killed host's)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, ident: str, time: int, deleted: bool, status: int) -> None:
        with self.lock:
            self.statuses[status] += 1
            if 200 <= status < 300:
                self.accepted.setdefault(ident, []).append((time, deleted))


def change(
    session: requests.Session, url: str, slug: str, side: str, ident: str, time: int, deleted: bool
) -> requests.Response:
    """A change of `ident` reported by `side` at `time`: a delete, or a record whose content the time names."""
    if deleted:
        params = {"modified": at(time)}
        return session.delete(f"{url}/api/{side}/{slug}/USMF/{ident}", params=params, timeout=30)
    return session.post(f"{url}/api/{side}/{slug}", json=sample(slug, side, ident, time, at=time), timeout=30)


def caller(
    urls: list[str], slug: str, idents: list[str], times: Times, answers: Answers, stop: threading.Event, seed: int
) -> None:
    """Sends changes until `stop`: a random host (of `urls` as it is then), side and key, a delete one time in
    five, each with the next time. A request that gets no answer (its host killed) is counted, not retried."""
    chance = random.Random(seed)
    session = requests.Session()
    while not stop.is_set():
        url, side, ident = chance.choice(list(urls)), chance.choice(SIDES), chance.choice(idents)
        deleted, time = chance.random() < 0.2, times.take()
        try:
            answer = change(session, url, slug, side, ident, time, deleted)
        except requests.RequestException as exc:
            with answers.lock:
                answers.failed.append(f"{url}: {type(exc).__name__}")
            session = requests.Session()
            continue
        answers.record(ident, time, deleted, answer.status_code)


def stored(tables: TableServiceClient, slug: str, ident: str) -> dict[str, Any]:
    """Both sides' rows of a key: time, deleted, intent and content hash, as storage holds them."""
    client = tables.get_table_client(ENTITIES[slug].table)
    rows = {}
    for side, partition in (("fs", "FS"), ("scm", "SCM")):
        found = list(
            client.query_entities(f"PartitionKey eq '{partition}' and RowKey eq @rk", parameters={"rk": row_key(ident)})
        )
        rows[side] = found[0] if found else None
    return rows


def row_key(ident: str) -> str:
    return Key("USMF", ident).row_key


def seconds_of(row: dict[str, Any]) -> int:
    """The modification time a row holds, as the seconds after T0 the callers sent."""
    return round((row["SyncSourceTime"] - T0).total_seconds())


def check_key(tables: TableServiceClient, slug: str, ident: str, accepted: list[tuple[int, bool]]) -> list[str]:
    """What is wrong with a key after the callers stopped and recovery ran: a divergent pair (the sides
    disagree, or an intent is left), a lost update (the newest change answered 2xx is not what is stored),
    a resurrection (a record stored where the newest accepted change was a delete). Empty: nothing."""
    rows = stored(tables, slug, ident)
    fs, scm = rows["fs"], rows["scm"]
    problems = []
    if fs is None or scm is None:
        if fs is not None or scm is not None or accepted:
            problems.append(f"{ident}: divergent, one side only or none though changes were accepted")
        return problems
    if fs.get("SyncPending"):
        problems.append(f"{ident}: divergent, an intent is left")
    if (fs["SyncHash"], bool(fs.get("SyncDeleted"))) != (scm["SyncHash"], bool(scm.get("SyncDeleted"))):
        problems.append(f"{ident}: divergent, the sides hold different versions")
    if accepted:
        newest, deleted = max(accepted)
        if seconds_of(fs) < newest:
            problems.append(f"{ident}: lost update, stored time {seconds_of(fs)} < accepted {newest}")
        if deleted and seconds_of(fs) == newest and not fs.get("SyncDeleted"):
            problems.append(f"{ident}: resurrection, a record where the newest accepted change deleted it")
    return problems


def pause_reaches(pauser: str, others: list[str], slug: str, window: float) -> dict[str, float]:
    """Pause `slug` through host `pauser`, then send each of the `others` a change (a key of its own, from FS)
    every few milliseconds until it holds one (202): how long each took after the pause was answered (no
    entry for a host that held none within twice the window)."""
    session = requests.Session()
    answer = session.post(f"{pauser}/api/sync/{slug}/pause", json={"reason": "the window"}, timeout=30)
    assert answer.status_code == 200, answer.text
    paused_at, seen = time.monotonic(), {}
    for index, url in enumerate(others):
        n = 0
        while time.monotonic() - paused_at < 2 * window:
            n += 1
            if change(session, url, slug, "fs", f"PROBE-{index}-{n}", 10_000_000 + n, False).status_code == 202:
                seen[url] = time.monotonic() - paused_at
                break
    return seen
