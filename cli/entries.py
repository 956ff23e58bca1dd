"""Error log entry ids as an operator types them: `errors` shows each id's shortest unique prefix (at least
MIN_PREFIX characters of the part after `<entity>~`), and `retry` / `dismiss` take a full id or such a prefix,
found by listing the entries (the routes themselves take full ids only)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from cli.client import ApiError, Client, CommandError
from shared.entities import ENTITIES

T = TypeVar("T")
MIN_PREFIX = 8
PAGE = 1000  # the most the list route gives a page
SHOWN_CANDIDATES = 10


def short_ids(ids: list[str]) -> dict[str, str]:
    """Each id's shortest prefix, after `<entity>~`, that no other of `ids` shares; the full id when another
    entity's entry has the same part after `~` (only the entity tells them apart)."""
    tails = sorted((_tail(full), full) for full in set(ids))
    short: dict[str, str] = {}
    for n, (tail, full) in enumerate(tails):
        neighbours = [tails[i][0] for i in (n - 1, n + 1) if 0 <= i < len(tails)]
        if tail in neighbours:
            short[full] = full
            continue
        shared = max((_common(tail, other) for other in neighbours), default=0)
        short[full] = tail[: max(MIN_PREFIX, shared + 1)]
    return short


def acting_on(client: Client, given: str, action: Callable[[str], T]) -> tuple[str, T]:
    """`action` on the entry `given` names, and its full id. A full id goes straight to the route; a prefix
    (or an id the route does not know) is looked up among the open entries, then among all."""
    if "~" in given:
        try:
            return given, action(given)
        except ApiError as exc:
            if exc.status != 404:
                raise
    full = resolve(client, given)
    return full, action(full)


def resolve(client: Client, given: str) -> str:
    """The one entry id that is `given` or starts with it (also after `<entity>~`); a clear error for none or
    several (listing them)."""
    entity = given.partition("~")[0]
    within = entity if entity in ENTITIES else None  # a prefix naming its entity lists that entity's only
    for state in ("open", None):
        found = [entry for entry in listed(client, within, state) if _fits(entry, given)]
        exact = [entry for entry in found if entry["id"] == given]
        if exact or len(found) == 1:
            return str((exact or found)[0]["id"])
        if found:
            raise CommandError(_ambiguous(given, found))
    raise CommandError(f"no such entry: {given!r} is no entry's id or prefix (fs-scm-sync errors --state all)")


def listed(client: Client, entity: str | None, state: str | None) -> Iterator[dict[str, Any]]:
    """Every entry of the error log (of `entity`, in `state`), page after page."""
    params: dict[str, Any] = {"limit": PAGE}
    params |= {name: value for name, value in (("entity", entity), ("state", state)) if value}
    while True:
        page = client.call("GET", "sync/errors", **params)
        yield from page["items"]
        if not page.get("continuation"):
            return
        params["continuation"] = page["continuation"]


def _fits(entry: dict[str, Any], given: str) -> bool:
    full = str(entry["id"])
    return full.startswith(given) or _tail(full).startswith(given)


def _ambiguous(given: str, found: list[dict[str, Any]]) -> str:
    lines = [f"{given!r} is the start of {len(found)} entries; give more of the id:"]
    for entry in found[:SHOWN_CANDIDATES]:
        key = entry.get("key") or {}
        lines.append(f"  {entry['id']}  {key.get('company') or '?'}/{key.get('id') or '?'}  {entry['state']}")
    if len(found) > SHOWN_CANDIDATES:
        lines.append(f"  … and {len(found) - SHOWN_CANDIDATES} more")
    return "\n".join(lines)


def _tail(full: str) -> str:
    return full.partition("~")[2] or full


def _common(one: str, other: str) -> int:
    n = 0
    while n < min(len(one), len(other)) and one[n] == other[n]:
        n += 1
    return n
