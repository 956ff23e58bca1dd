"""Pause and resume (docs/operating.md, "Pause, resume and status"): which entities hold their changes, and
the catch-up a resume starts.

An entity holds its changes while its pause state says paused. Resume does not mark it running at once:
it starts a catch-up job and keeps the entity held with that job in the state's `catch_up_job`, so that
changes arriving meanwhile still queue up *behind* the backlog; the job marks the entity running when the
backlog is empty (catchup.py). Status shows such an entity as `running` with `catching_up: true` — it is
no longer paused by anyone, it is working off what waited.
"""

from __future__ import annotations

import logging

from shared.entities import ENTITIES
from shared.errors import NotFoundError
from shared.jobs.runner import JobRunner
from shared.keys import printable
from shared.operations import catchup
from shared.operations.backlog import Backlog
from shared.operations.states import PauseStates

log = logging.getLogger(__name__)


def entities(name: str) -> list[str]:
    """`all`, or one known entity (404 otherwise)."""
    if name == "all":
        return list(ENTITIES)
    if name not in ENTITIES:
        raise NotFoundError(f"unknown entity {printable(name)!r}; known: {', '.join(ENTITIES)} or all")
    return [name]


def pause(states: PauseStates, slugs: list[str], reason: str | None) -> None:
    states.pause(slugs, reason or None)
    log.info("paused %s", ", ".join(slugs), extra={"entity": ",".join(slugs)})


def resume(states: PauseStates, runner: JobRunner, backlog: Backlog, slugs: list[str]) -> None:
    """Start a catch-up for each paused entity (one not paused is left alone; one whose catch-up job
    still runs keeps it). Entities whose records others name (sites) start first: a catch-up of the
    others (warehouses) waits while theirs runs (catchup.py)."""
    named = {ref.entity for spec in ENTITIES.values() for ref in spec.foreign}
    for slug in sorted(slugs, key=lambda slug: slug not in named):
        state = states.state(slug)
        if not state.paused:
            continue
        if state.catch_up_job is not None:
            try:
                if runner.jobs.get(state.catch_up_job).state in ("queued", "running"):
                    continue
            except NotFoundError:
                pass
        catchup.start(runner, states, backlog, slug)
