"""Test-wide fixtures: one real Azurite for the whole run, on free ports; Hypothesis derandomized.

The property tests draw their examples from a seed fixed by each test, so that a run of `make test` (and CI) is
the same run every time: a failure is a defect that reproduces, never a random example met once. To explore
new examples on purpose: `HYPOTHESIS_PROFILE=explore .venv/bin/python -m pytest tests/unit`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from devtools.azurite import Azurite

# A property test fails on its examples, never on time: a loaded machine (tests run two at a time) must not
# turn a slow example into a failure.
UNTIMED = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile("repeatable", derandomize=True, database=None, print_blob=True, **UNTIMED)
settings.register_profile("explore", max_examples=1_000, print_blob=True, **UNTIMED)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


@pytest.fixture(scope="session")
def azurite() -> Iterator[Azurite]:
    """A real Azurite (in memory) on free ports, so a running `make run` never clashes."""
    with Azurite.on_free_ports() as server:
        yield server
