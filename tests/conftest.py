"""Test-wide fixtures: one real Azurite for the whole run, on free ports."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devtools.azurite import Azurite


@pytest.fixture(scope="session")
def azurite() -> Iterator[Azurite]:
    """A real Azurite (in memory) on free ports, so a running `make run` never clashes."""
    with Azurite.on_free_ports() as server:
        yield server
