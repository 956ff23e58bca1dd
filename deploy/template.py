"""The storage part of deploy/azuredeploy.json, derived from the entity registry: a table per entity (and the
error log's), and every queue the app's functions read. `make package` writes it before building the zip, and
tests/deploy/test_template.py fails when the committed template differs, so a new entity never needs a hand edit.

    .venv/bin/python -m deploy.template          # rewrite the template's `tables` and `queues`
    .venv/bin/python -m deploy.template --check  # exit 1 if the template is not up to date
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from functions.entities import queue_name
from shared.edge.poison import SUFFIX as POISON
from shared.entities import ENTITIES
from shared.entities.spec import SIDES
from shared.jobs.runner import QUEUE as JOBS_QUEUE
from shared.settings import Settings

TEMPLATE = Path(__file__).resolve().parent / "azuredeploy.json"


def storage() -> dict[str, list[str]]:
    """The tables and queues the template creates, in a stable order."""
    entity_queues = [queue_name(spec, side) for spec in ENTITIES.values() for side in SIDES]
    error_table = Settings.model_fields["error_table"].default
    return {
        "tables": [spec.table for spec in ENTITIES.values()] + [error_table],
        "queues": [*entity_queues, JOBS_QUEUE, *(name + POISON for name in entity_queues)],
    }


def rendered(template: dict[str, Any]) -> str:
    template["variables"].update(storage())
    return json.dumps(template, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.template", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say whether the template is up to date")
    args = parser.parse_args(argv)
    current = TEMPLATE.read_text(encoding="utf-8")
    wanted = rendered(json.loads(current))
    if args.check:
        if wanted != current:
            print(f"{TEMPLATE.name} is out of date: run python -m deploy.template", file=sys.stderr)
            return 1
        return 0
    if wanted != current:
        TEMPLATE.write_text(wanted, encoding="utf-8")
        print(f"{TEMPLATE.name}: tables and queues written from the entity registry")
    return 0


if __name__ == "__main__":
    sys.exit(main())
