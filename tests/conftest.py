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

# The hosts the tests start run the app in their own process unless a test asks for workers
# (tests/devhost/test_workers.py): faults injected and logs captured in this process must reach the app.
os.environ.pop("FUNCTIONS_WORKER_PROCESS_COUNT", None)


@pytest.fixture(scope="session")
def azurite() -> Iterator[Azurite]:
    """A real Azurite (in memory) on free ports, so a running `make run` never clashes."""
    with Azurite.on_free_ports() as server:
        yield server


# Where a file's folder puts it when no slow test does: the app's own tests before the local host's, the many
# quick unit tests last, where they even out the two workers' ends.
ORDER = {"integration": 0, "browser": 0, "deploy": 0, "devhost": 1}


@pytest.hookimpl(trylast=True)  # after `-m` deselected: a test that does not run is no reason to go first
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files that hold a slow test (a minute or so) first, then by folder (ORDER), each file whole. make test
    runs `-n 2 --dist loadfile --no-loadscope-reorder`: each worker takes the next file in this order as it
    becomes free, so a long file handed out last cannot leave the other worker idle at the end (xdist's own
    order, most tests first, put the one-test job resume last)."""
    slow = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: (item.path not in slow, ORDER.get(item.path.parent.name, 2)))
