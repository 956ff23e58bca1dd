"""Alerts: an entity that fails more than N changes in M minutes pauses itself, saying why.

Checked after each failure the error log records (jobs excepted: an initial sync's broken rows are
its report, not a live sync going wrong). One query a failure, of at most N + 1 keys: the entries
of the entity logged in the last M minutes. Resume clears the pause and its reason.
"""

from __future__ import annotations

import datetime as dt
import logging

from shared.errors import SyncError
from shared.keys import printable
from shared.operations.states import PauseStates
from shared.settings import Settings
from shared.sync.errorlog import ErrorEntry, ErrorLog

log = logging.getLogger(__name__)
QUIET_SOURCES = ("job",)
ALERT_CODE = "paused_by_alert"  # the `code` field of the log line a pause by this alert writes (Azure alerts on it)


def watch(errors: ErrorLog, control: PauseStates, settings: Settings, entry: ErrorEntry) -> None:
    """Pause `entry.entity` when it has failed more than `alert_failures` times within `alert_minutes`."""
    if entry.source in QUIET_SOURCES:
        return
    try:
        if control.is_paused(entry.entity):
            return
        count = recent_failures(errors, entry.entity, settings)
        if count > settings.alert_failures:
            control.pause([entry.entity], reason=reason(count, settings, entry), by="alert")
            log.error(
                "%s paused by alert: %d failures",
                entry.entity,
                count,
                extra={"entity": entry.entity, "code": ALERT_CODE},
            )
    except SyncError as exc:  # the failure itself is logged; the next one checks again
        log.warning("%s: the failure alert could not be checked: %s", entry.entity, exc.code)


def recent_failures(errors: ErrorLog, entity: str, settings: Settings) -> int:
    since = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=settings.alert_minutes)
    odata = "PartitionKey eq @entity and LoggedAt ge @since and Source ne 'job'"
    rows, _ = errors.query(odata, {"entity": entity, "since": since}, settings.alert_failures + 1, select=["RowKey"])
    return len(rows)


def reason(count: int, settings: Settings, entry: ErrorEntry) -> str:
    minutes = f"{settings.alert_minutes:g}"
    last = printable(f"{entry.error.code}: {entry.error.message}")[:300]
    return (
        f"{count} failures in {minutes} minutes (more than {settings.alert_failures}); "
        f"last: {last}. Fix the cause, then resume"
    )
