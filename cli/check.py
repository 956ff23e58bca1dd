"""`fs-scm-sync check`: a smoke check after a deployment, one line per check (✓ or ✗), exit 0 only when all
pass. It reads and answers, and writes nothing: liveness, the admin key on the status, the OpenAPI
description (3.1, naming every entity's routes), and an echo round trip of a body that the app hashes."""

from __future__ import annotations

import argparse
import hashlib
import json
import uuid
from collections.abc import Callable
from typing import Any

from rich.console import Console

from cli.client import ApiError, Client, CommandError
from shared.entities import ENTITIES
from shared.entities.spec import SIDES

console = Console(highlight=False, soft_wrap=True)
REFUSED = (401, 403)


def register(commands: Any) -> None:
    check = commands.add_parser(
        "check",
        help="smoke-check a deployed app: health, key, OpenAPI, an echo (writes nothing)",
        description="Check an app after a deployment: GET /api/health, GET /api/sync/status with the admin key, "
        "GET /api/openapi.json (OpenAPI 3.1 with every entity's routes) and POST /api/sync/echo (the app hashes "
        "the body; nothing is written). One line per check; exit status 0 only when every check passes.",
    )
    # also after the subcommand, as a deployment script writes it: `fs-scm-sync check --url … --key …`
    check.add_argument("--url", default=argparse.SUPPRESS, help="the app (as the top-level --url)")
    check.add_argument("--key", default=argparse.SUPPRESS, help="an admin secret (as the top-level --key)")
    check.add_argument("--function-key", default=argparse.SUPPRESS, help="as the top-level --function-key")
    check.set_defaults(handler=run_checks)


def run_checks(client: Client, args: argparse.Namespace) -> int:
    checks: tuple[tuple[str, Callable[[Client], str]], ...] = (
        ("health", health),
        ("status", status),
        ("openapi", openapi),
        ("echo", echo),
    )
    failed = 0
    for name, check in checks:
        try:
            line = f"✓ {name}: {check(client)}"
        except ApiError as exc:
            failed += 1
            refused = "key refused: " if exc.status in REFUSED else ""
            line = f"✗ {name}: {refused}{str(exc).splitlines()[0]}"
        except CommandError as exc:
            failed += 1
            line = f"✗ {name}: {str(exc).splitlines()[0]}"
        console.print(line, markup=False)
    console.print(f"{client.base}: {'all checks passed' if not failed else f'{failed} of {len(checks)} failed'}")
    return 0 if not failed else 1


def health(client: Client) -> str:
    answer = client.call("GET", "health")
    if answer.get("status") != "ok":
        raise CommandError(f"the app says {answer.get('status')!r}, not 'ok'")
    return f"ok, {len(answer.get('entities') or [])} entities"


def status(client: Client) -> str:
    entities = client.call("GET", "sync/status")["entities"]
    paused = [entry["entity"] for entry in entities if entry["state"] == "paused"]
    errors = sum(entry["errors"]["open"] for entry in entities)
    held = f"paused: {', '.join(paused)}" if paused else "none paused"
    return f"an admin route answers; {len(entities)} entities, {held}, {errors} open errors"


def openapi(client: Client) -> str:
    document = client.call("GET", "openapi.json")
    version = str(document.get("openapi", ""))
    paths = document.get("paths") if isinstance(document.get("paths"), dict) else {}
    if not version.startswith("3.1."):
        raise CommandError(f"openapi is {version or 'missing'}, not 3.1")
    wanted = [f"/api/{side}/{slug}" for slug in ENTITIES for side in SIDES]
    missing = [route for route in wanted if not any(path.startswith(route) for path in paths)]
    if missing:
        raise CommandError(f"the description lacks {', '.join(missing)}")
    if not all(isinstance(op, dict) and "responses" in op for item in paths.values() for op in item.values()):
        raise CommandError("an operation has no responses")
    return f"OpenAPI {version}, {len(paths)} paths, every entity's routes on both sides"


def echo(client: Client) -> str:
    body = {"check": "fs-scm-sync", "nonce": uuid.uuid4().hex}
    sent = json.dumps(body).encode()  # sent as these bytes: the same bytes hashed on both ends
    answer = client.call("POST", "sync/echo", raw=sent)
    if (answer.get("bytes"), answer.get("sha256")) != (len(sent), hashlib.sha256(sent).hexdigest()):
        raise CommandError(f"the app saw another body: {answer.get('bytes')} bytes, sha256 {answer.get('sha256')}")
    return f"{len(sent)} bytes came back with the same SHA-256; nothing written"
