"""Timer triggers: NCRONTAB schedules (six fields, seconds first) or TimeSpan intervals, in UTC.

Like the host, one timer never overlaps itself: the next occurrence is computed after a run ends,
and occurrences missed while it ran are skipped. With a storage account, a timer runs only on the host
that holds its lease (leases.py), so several hosts on one account run each occurrence once.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from datetime import UTC, datetime, timedelta

from azure.functions.timer import TimerRequest
from croniter import croniter

from .failures import HostConfigError
from .hostconfig import parse_timespan
from .invoke import Invoking
from .leases import TimerLease
from .loader import FunctionInfo

log = logging.getLogger("devhost")

PAST_DUE_AFTER = timedelta(seconds=1)  # later than this past its occurrence, a run is "past due"


class Schedule:
    """When a timer fires next: a six-field NCRONTAB expression or a TimeSpan like '00:05:00'."""

    def __init__(self, expression: str) -> None:
        self.expression = expression.strip()
        self._interval: timedelta | None = None
        if ":" in self.expression and " " not in self.expression:
            self._interval = timedelta(seconds=parse_timespan(self.expression, "schedule"))
            if self._interval <= timedelta(0):
                raise HostConfigError(f"timer schedule {expression!r}: the interval must be positive")
        elif len(self.expression.split()) != 6 or not croniter.is_valid(self.expression, second_at_beginning=True):
            # croniter accepts five fields too; the host does not, so neither do we.
            raise HostConfigError(
                f"timer schedule {expression!r} is not NCRONTAB with six fields "
                "(second minute hour day month day-of-week)"
            )

    def next_after(self, moment: datetime) -> datetime:
        if self._interval is not None:
            return moment + self._interval
        return croniter(self.expression, moment, second_at_beginning=True).get_next(datetime)


class TimerRunner:
    def __init__(
        self, info: FunctionInfo, schedule: Schedule, invoker: Invoking, lease: TimerLease | None = None
    ) -> None:
        self.info = info
        self.schedule = schedule
        self._invoker = invoker
        self._lease = lease  # None: this host alone runs it
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"devhost-timer-{info.name}", daemon=True)

    def start(self) -> None:
        if self._lease is not None:
            self._lease.start()
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        if self._lease is not None:  # after the last run: another host takes over from here
            self._lease.stop()

    def _run(self) -> None:
        if self.info.run_on_startup:
            self._fire(datetime.now(UTC), past_due=False)
        while not self._stop.is_set():
            due = self.schedule.next_after(datetime.now(UTC))
            if not self._sleep_until(due):
                return
            self._fire(due, past_due=datetime.now(UTC) - due > PAST_DUE_AFTER)

    def _sleep_until(self, due: datetime) -> bool:
        """Wait for `due`; False if the host stops first."""
        while (left := (due - datetime.now(UTC)).total_seconds()) > 0:
            if self._stop.wait(left):
                return False
        return not self._stop.is_set()

    def _fire(self, due: datetime, past_due: bool) -> None:
        if self._lease is not None and not self._lease.held():
            return  # another host runs this occurrence
        reason = f"Timer fired at {due.isoformat()}"
        # The invoker has logged a failure; like the host, the schedule carries on.
        with contextlib.suppress(Exception):
            self._invoker.invoke(self.info, reason, TimerRequest(past_due=past_due))
