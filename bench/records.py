"""Payment-term records as FS sends them: distinct keys, realistic values, times in the past."""

from __future__ import annotations

import datetime as dt
from typing import Any

COMPANY = "USMF"
DAYS = (0, 7, 10, 14, 30, 45, 60, 90)
METHODS = (806380991, 806380992, 806380996)  # Net, CurrentMth, COD: none needs a cut-off day


def payment_term(prefix: str, index: int, modified: dt.datetime) -> dict[str, Any]:
    """One FS record; `prefix` + `index` is its name (the SCM side allows at most 10 characters)."""
    days = DAYS[index % len(DAYS)]
    return {
        "msdyn_company": COMPANY,
        "msdyn_name": f"{prefix}{index}",
        "msdyn_description": f"Net {days} days from invoice date",
        "msdyn_days": days,
        "msdyn_numberofmonth": 0,
        "msdyn_cutoffdayofmonth": 0,
        "msdyn_paymentmethodtype": METHODS[index % len(METHODS)],
        "msdyn_iscashpayment": False,
        "msdyn_isdefaultpaymentterm": False,
        "modifiedon": modified.isoformat(),
    }


def batch(prefix: str, n: int, modified: dt.datetime) -> list[dict[str, Any]]:
    return [payment_term(prefix, index, modified) for index in range(n)]


def changed(record: dict[str, Any], modified: dt.datetime) -> dict[str, Any]:
    """The same record, edited later in FS: more days."""
    return {**record, "msdyn_days": record["msdyn_days"] + 1, "modifiedon": modified.isoformat()}


def times() -> tuple[dt.datetime, dt.datetime, dt.datetime]:
    """Warm-up, create and update times: in the past (the engine refuses far-future ones), in order."""
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=3)
    return start, start + dt.timedelta(hours=1), start + dt.timedelta(hours=2)
