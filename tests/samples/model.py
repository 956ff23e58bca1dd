"""What one entity's test samples are made of (an `EntitySamples`, declared in that entity's module here)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

T0 = dt.datetime(2026, 5, 1, 8, 0, tzinfo=dt.UTC)
# A data event's option values: Dataverse numbers an F&O enum's options per environment, so these are only
# illustrative (BASE + n), and the app reads the labels that come with them (tests/fixtures/fno.py).
BASE = 200_000_000

Record = dict[str, Any]
Builder = Callable[[str, str, int], Record]  # (company, id, version) → a record of one side
Columns = Callable[[str, int, str], Record]  # (id, version, company) → a webhook's columns
Row = Callable[[str, int, str], tuple[Record, dict[str, str]]]  # → a data event's columns and option labels


@dataclass(frozen=True)
class EntitySamples:
    """One entity's samples. Each builder's record passes both sides' rules and its two-way content differs
    for every version; it names no record but those `needs` lists, which a test creates first
    (tests/integration/support.py, `prepare`)."""

    fs: Builder  # the FS record, in the sync's own JSON
    scm: Builder  # the SCM record, as OData sends it
    dataverse: Columns  # the columns of a Dataverse webhook's row: typed values, lookups as EntityReferences
    fno: Row  # the columns of an F&O data event's virtual-table row (`mserp_`), with its option labels
    text: tuple[str, str]  # a plain text field (FS name, SCM name) that a test may change on its own
    needs: tuple[tuple[str, str], ...] = ()  # (entity, id) of the records of other entities the samples name

    def side(self, side: str) -> Builder:
        return self.fs if side == "fs" else self.scm


def position(latitude: str, longitude: str, version: int) -> Record:
    """A position that moves with the version, by about half a degree (another band of the position index)."""
    return {latitude: 40.25 + version / 2, longitude: -100.125 - version / 4}
