"""Which version wins: a change's version is its source time (docs/calling.md, "How a change is judged").

Each side's row keeps the newest time seen for its key: of a change, of a change that left the
content as it was, and of a delete (its tombstone, which a delete that finds nothing to delete leaves
too). A change or a delete older than that is stale; equal times go to the side that wrote last, or to
the primary side. A time too far ahead of this clock is refused, since it would make every later change
look stale.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import ValidationError

from shared.entities.common import SOURCE_TIME
from shared.entities.spec import EntitySpec, Side, other
from shared.errors import Failure, StaleError, failures_of, rejected
from shared.keys import Key
from shared.settings import Settings
from shared.sync.journal import Pair
from shared.sync.rows import OLDEST


def as_time(value: Any) -> dt.datetime:
    """A stored or validated time (ISO text or datetime) as an aware UTC datetime."""
    parsed = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)
    return parsed.astimezone(dt.UTC)


def future(spec: EntitySpec, settings: Settings, source: Side, at: dt.datetime, now: dt.datetime) -> Failure | None:
    """Failure `future_time` for a time more than SYNC_MAX_CLOCK_SKEW_SECONDS ahead of `now`."""
    skew = dt.timedelta(seconds=settings.max_clock_skew_seconds)
    if at <= now + skew:
        return None
    name = spec.side(source).modified_field
    return Failure(name, "future_time", source, f"{name} is more than {skew.total_seconds():g} s ahead of now")


def delete_time(
    spec: EntitySpec, settings: Settings, source: Side, key: Key, modified: Any, now: dt.datetime
) -> dt.datetime:
    """A delete's own time (its `modifiedon` / `ModifiedDateTime`), checked like a change's."""
    name = spec.side(source).modified_field
    try:
        at = SOURCE_TIME.validate_python(modified)
    except ValidationError as exc:
        reason = failures_of(exc, source)[0].message
        raise rejected(spec.title, key, [Failure(name, "type", source, f"the delete's time: {reason}")]) from None
    if failure := future(spec, settings, source, at, now):
        raise rejected(spec.title, key, [failure])
    return at


def newer(at: dt.datetime, stored: Pair) -> bool:
    """Whether a time is newer than every time either side's row has seen for the key."""
    return all(row is None or at > row.meta.source_time for row in stored.values())


def as_judged(
    source: Side, at: dt.datetime, stamped: bool, stored: Pair, copy_of: str | None
) -> tuple[dt.datetime, Pair]:
    """The time a change is judged by, and the rows it is judged against: its time, against both sides'.

    A repair's copy of a record that only `source` holds (`copy_of`: the ETag of that row as the repair
    read it) is judged against the other side's row alone, its tombstone if it has one: the source row's
    stored version is the very version being copied, so it never makes the copy stale. It is judged by the
    record's own time; one without a time (`stamped`) is older than any timed change. Once the pair is no
    longer as the repair read it, the copy is judged as any change is.
    """
    row, target = stored[source], stored[other(source)]
    if copy_of is None or row is None or row.etag != copy_of or (target is not None and not target.deleted):
        return at, stored
    return (OLDEST if stamped else at), {source: None, other(source): target}


def check_fresh(spec: EntitySpec, settings: Settings, source: Side, key: Key, at: dt.datetime, stored: Pair) -> None:
    """StaleError for a change or a delete older than the newest time either side has seen."""
    rows = [row for row in stored.values() if row]
    if not rows:
        return
    newest = max(rows, key=lambda row: row.meta.source_time)
    seen, origin = newest.meta.source_time, newest.meta.origin
    if at > seen or (at == seen and (origin == source or source == settings.primary_side)):
        return
    version = "delete" if newest.deleted else "version"
    raise StaleError(
        f"{spec.title} {key}: this change ({source}, modified {at.isoformat()}) is not newer than the stored "
        f"{version} ({origin}, modified {seen.isoformat()}); not applied",
        details=[
            {
                "stored_source_time": seen.isoformat(),
                "stored_origin": origin,
                "stored_deleted": newest.deleted,
                "primary_side": settings.primary_side,
            }
        ],
    )
