"""Times an operator types (`--since 1h`, `30m`, `2d`, `yesterday`, an ISO time), as the ISO time the
app takes: converted here, so the routes keep one format."""

from __future__ import annotations

import argparse
import datetime as dt
import re

SINCE_HELP = "1h, 30m, 2d, today, yesterday (local midnight), or an ISO time, e.g. 2026-11-29T03:00:00Z"
_SPAN = re.compile(r"([0-9]{1,6})\s*([smhdw])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def since(text: str, now: dt.datetime | None = None) -> str:
    """The UTC ISO time `text` means; an argparse type, so a bad value is a usage error naming the option."""
    now = now or dt.datetime.now(dt.UTC)
    word = text.strip().lower()
    if match := _SPAN.fullmatch(word):
        return _iso(now - dt.timedelta(**{_UNITS[match[2]]: int(match[1])}))
    if word in ("today", "yesterday"):
        midnight = now.astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
        return _iso(midnight - dt.timedelta(days=word == "yesterday"))
    try:
        moment = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a time: say {SINCE_HELP}") from None
    # without a zone: UTC, as the routes read it
    return _iso(moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC))


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
