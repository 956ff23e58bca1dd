"""What the edge needs from the process: the objects the wiring (functions/runtime.py) builds once and hands
down with every call. The edge never builds them itself, so a test can hand it its own."""

from __future__ import annotations

from typing import Protocol

from shared.jobs.runner import JobRunner
from shared.operations.backlog import Backlog
from shared.operations.states import PauseStates
from shared.operations.status import StatusBoard
from shared.sync.engine import Engine
from shared.sync.errorlog import ErrorLog


class Services(Protocol):
    def engine(self, slug: str) -> Engine:
        """The entity's engine; NotFoundError for an unknown entity."""

    def engines(self) -> list[Engine]: ...

    def error_log(self) -> ErrorLog: ...

    def pause_states(self) -> PauseStates: ...

    def backlog(self) -> Backlog: ...

    def job_runner(self) -> JobRunner: ...

    def status_board(self) -> StatusBoard: ...
