"""The generated parts of deploy/azuredeploy.json. The storage, derived from the entity registry: a table per
entity (and the error log's), and every queue the app's functions read. The alert rules' queries, written from the
names the app's log lines carry (shared/logs.py FIELDS, the codes below), so that a renamed code or logger changes
the query with it. `make package` writes them before building the zip, and tests/deploy/test_template.py fails
when the committed template differs, so a new entity or a renamed code never needs a hand edit.

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
from shared.edge import poison
from shared.edge.poison import SUFFIX as POISON
from shared.entities import ENTITIES
from shared.entities.spec import SIDES
from shared.jobs.runner import QUEUE as JOBS_QUEUE
from shared.operations import alerts
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


# The app's log lines in Application Insights: with SYNC_LOG_FORMAT=json (the template sets it) each trace's
# message is one JSON object (shared/logs.py); `itemCount` counts what sampling left out too.
LINES = 'traces | where message startswith "{" | extend line = parse_json(message)'


def _lines_where(condition: str) -> str:
    return f"{LINES} | where {condition} | summarize n = sum(itemCount)"


def alert_rules() -> list[dict[str, Any]]:
    """The scheduled query rules (one resource, copied per entry); `threshold` may name a template parameter."""
    return [
        {
            "name": "entity-paused",
            "displayName": "an entity paused itself",
            "description": "The failure alert paused an entity (too many failed changes in its window): changes are "
            "held until an operator resumes it (docs/operating.md).",
            "severity": 1,
            "evaluationFrequency": "PT5M",
            "windowSize": "PT5M",
            "query": _lines_where(
                f'tostring(line.logger) == "{alerts.log.name}" and tostring(line.code) == "{alerts.ALERT_CODE}"'
            ),
            "threshold": 0,
        },
        {
            "name": "poison-messages",
            "displayName": "poison messages",
            "description": "A queue message failed every attempt and went to its poison queue; it is in the error "
            "log, waiting for a retry once the cause is fixed.",
            "severity": 2,
            "evaluationFrequency": "PT15M",
            "windowSize": "PT15M",
            "query": _lines_where(
                f'tostring(line.logger) == "{poison.log.name}" and tostring(line.code) == "{poison.PoisonedError.code}"'
            ),
            "threshold": 0,
        },
        {
            "name": "errors-rising",
            "displayName": "error log entries rising",
            "description": "More changes than the threshold failed for good within an hour (jobs' rows aside): "
            "each is an open entry of the error log.",
            "severity": 2,
            "evaluationFrequency": "PT15M",
            "windowSize": "PT1H",
            "query": _lines_where('isnotempty(tostring(line.error_source)) and tostring(line.error_source) != "job"'),
            "threshold": "[parameters('alertErrorsPerHour')]",
        },
        {
            "name": "http-5xx",
            "displayName": "HTTP 5xx answers",
            "description": "The app answered 5xx more often than the threshold: storage failing or unreachable "
            "(no input makes a route answer 500 otherwise).",
            "severity": 1,
            "evaluationFrequency": "PT5M",
            "windowSize": "PT15M",
            "query": "requests | where toint(resultCode) >= 500 | summarize n = sum(itemCount)",
            "threshold": "[parameters('alert5xxPer15Minutes')]",
        },
    ]


def rendered(template: dict[str, Any]) -> str:
    template["variables"].update(storage())
    template["variables"]["alerts"] = alert_rules()
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
        print(f"{TEMPLATE.name}: tables, queues and alert queries written from the code")
    return 0


if __name__ == "__main__":
    sys.exit(main())
