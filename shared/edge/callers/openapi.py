"""`GET /api/openapi.json`: OpenAPI 3.1 for every route, generated from the models the app validates with.

Request bodies are the entity models (the app's flat records) and the native shapes (Dataverse webhook,
F&O data event and business event); answers are the models of answers.py. Nothing here is written by hand
that the code could contradict: a field added to a model appears here, and schemathesis checks the
running app against this description in `make test`.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from shared.edge import ui
from shared.edge.callers import answers
from shared.edge.callers.context import ExecutionContext
from shared.edge.callers.credentials import KEY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER
from shared.edge.callers.fno import BusinessEvent
from shared.entities import ENTITIES
from shared.entities.spec import SIDES, EntitySpec, Side
from shared.jobs.exports import FORMATS

REF = "#/components/schemas/{model}"
# The operators' routes (docs/operating.md), by route: their bodies are described as
# JSON objects until their models are wired in here. A route missing here fails tests/integration/test_openapi.py.
ADMIN_ROUTES = (
    ("/api/sync/{entity}/initial-sync", "post", "Start an initial sync of an entity: 202 with the job"),
    ("/api/sync/{entity}/reconcile", "post", "Compare an entity's two sides (and repair the drift): 202 with the job"),
    ("/api/sync/jobs", "get", "Recent jobs"),
    ("/api/sync/jobs/{id}", "get", "One job, with its counts and progress"),
    ("/api/sync/status", "get", "Every entity's state, rows per side, backlog, pending, errors, last sync; jobs"),
    ("/api/sync/{entity}/pause", "post", "Pause an entity (or all): its changes wait in the backlog"),
    ("/api/sync/{entity}/resume", "post", "Resume an entity (or all): its backlog is applied in arrival order"),
    ("/api/sync/jobs/{id}/cancel", "post", "Cancel a job: it stops at its next chunk boundary, counts kept"),
    ("/api/sync/errors", "get", "Error entries by entity, company, id, direction, source, state, code, job, since"),
    ("/api/sync/errors/{id}", "get", "One error log entry, with the change it keeps as it was received"),
    ("/api/sync/errors/{id}/retry", "post", "Run an error log entry's change again: the entry and the outcome"),
    ("/api/sync/errors/{id}/dismiss", "post", "Dismiss an entry handled outside the sync, with a note: never retried"),
    ("/api/sync/{entity}/records/{company}/{id}", "get", "One key: both sides, in step or not, open errors"),
    ("/api/sync/errors/retry", "post", "Retry every open entry the filters match: retried, resolved, failed"),
    ("/api/sync/echo", "post", "A round trip that writes nothing: the JSON body's size and SHA-256"),
)
_ANY = {"description": "JSON object", "content": {"application/json": {"schema": {"type": "object"}}}}
ERRORS = {
    "400": "bad request: body not JSON or not an object, wrong content type, bad parameter",
    "401": "no credentials, or wrong ones",
    "403": "credentials of another system or role",
    "404": "unknown company or key",
    "409": "stale, or still referenced by other records; job_running: another job that writes the entity runs",
    "413": "body over the size limit; or a Dataverse webhook whose row was left out (recorded for a re-sync)",
    "422": "a field or business rule of either side fails; details list every failure",
    "503": "storage failed or is contended; retry",
}


@cache
def document() -> dict[str, Any]:
    models, paths = _models(), {}
    _, schemas = models_json_schema([(model, mode) for model, mode in models], ref_template=REF)
    for spec in ENTITIES.values():
        for side in SIDES:
            paths.update(_entity_paths(spec, side))
    paths["/api/health"] = {"get": _operation("health", "Liveness", [], {"200": _json(answers.Health)}, secure=False)}
    paths["/api/openapi.json"] = {
        "get": _operation("openapi", "This description", [], {"200": {"description": "OpenAPI 3.1"}}, secure=False)
    }
    paths.update(_operator_page())
    paths.update(_import())
    for path, method, summary in ADMIN_ROUTES:
        params = [_path(name) for name in re.findall(r"\{(\w+)\}", path)]
        operation = _operation(path.strip("/").replace("/", "-"), summary, params, {"200": _ANY, "202": _ANY}, "admin")
        if method == "post":
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": {"type": "object"}}},
            }
        paths.setdefault(path, {})[method] = operation
    grace = _query("grace_seconds", {"type": "string"}, "leave operations younger than this to their writers")
    paths["/api/operations/recover"] = {
        "post": _operation(
            "recover", "Finish half-done operations now", [grace], {"200": _json(answers.Recovered)}, "admin"
        )
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "fs-scm-sync",
            "version": "1",
            "description": "Two-way sync between Field Service (Dataverse) and SCM (F&O). Deployed, every route "
            "but health and this description also needs a function key (x-functions-key or ?code=).",
        },
        "paths": paths,
        "components": {"schemas": schemas.get("$defs", {}), "securitySchemes": _security_schemes()},
    }


def _models() -> list[tuple[type[BaseModel], Any]]:
    found: list[tuple[type[BaseModel], Any]] = [
        (ExecutionContext, "validation"),
        (BusinessEvent, "validation"),
        (answers.ErrorAnswer, "serialization"),
        (answers.Health, "serialization"),
        (answers.Recovered, "serialization"),
        (answers.Queued, "serialization"),
    ]
    for spec in ENTITIES.values():
        found.append((answers.outcome(spec), "serialization"))
        for side in SIDES:
            found += [(spec.side(side).model, "validation"), (answers.one(spec, side), "serialization")]
            found.append((answers.page(spec, side), "serialization"))
    return found


def _entity_paths(spec: EntitySpec, side: Side) -> dict[str, Any]:
    base, title = f"/api/{side}/{spec.slug}", f"{spec.title} ({side.upper()})"
    outcome = {"200": _json(answers.outcome(spec)), "202": _json(answers.Queued)}
    change = _operation(
        f"{spec.slug}-{side}-change",
        f"{title}: created or changed (or a native event)",
        [],
        {**outcome, "201": _json(answers.outcome(spec))},
        side,
    )
    change["requestBody"] = {"required": True, "content": {"application/json": {"schema": _body(spec, side)}}}
    record = [_path("company"), _path("id")]
    modified = _query("modified", {"type": "string"}, "the delete's time (ISO 8601 or /Date(ms)/); default: now")
    return {
        base: {
            "post": change,
            "get": _operation(
                f"{spec.slug}-{side}-list",
                f"{title}: list",
                _list(spec),
                {"200": _json(answers.page(spec, side))},
                side,
            ),
        },
        f"{base}/{{company}}/{{id}}": {
            "get": _operation(
                f"{spec.slug}-{side}-get", f"{title}: one record", record, {"200": _json(answers.one(spec, side))}, side
            ),
            "delete": _operation(f"{spec.slug}-{side}-delete", f"{title}: deleted", [*record, modified], outcome, side),
        },
    }


def _body(spec: EntitySpec, side: Side) -> dict[str, Any]:
    """The record (only the key is needed: the rest is laid over the stored record), or a native body."""
    own = spec.side(side)
    record = {"allOf": [{"$ref": REF.format(model=own.model.__name__)}], "required": [own.company_field, own.id_field]}
    native = ["ExecutionContext"] + (["BusinessEvent"] if side == "scm" else [])
    return {"anyOf": [record, *({"$ref": REF.format(model=name)} for name in native)]}


def _list(spec: EntitySpec) -> list[dict[str, Any]]:
    text = {"type": "string"}
    params = [
        _query("company", text, "one company's records"),
        _query("limit", {"type": "integer", "minimum": 1, "maximum": 1000}, "page size, default 100"),
        _query("continuation", text, "the previous page's continuation"),
    ]
    if spec.search:
        params.append(_query("q", {"type": "string", "maxLength": 200}, "substring of name, id or serial"))
    if spec.geo:
        params.append(_query("near", text, "lat,lon; with radius_km"))
        params.append(_query("radius_km", {"type": "number", "exclusiveMinimum": 0}, "with near"))
    return params


def _operation(
    op_id: str, summary: str, params: list[Any], ok: dict[str, Any], role: str = "", *, secure: bool = True
) -> dict[str, Any]:
    responses = dict(ok)
    if secure:
        responses.update({status: _json(answers.ErrorAnswer, text) for status, text in ERRORS.items()})
    security: list[dict[str, list[str]]] = [{f"{role}Key": []}, {f"{role}Signature": []}] if secure else []
    return {
        "operationId": op_id,
        "summary": summary,
        "parameters": params,
        "responses": responses,
        "security": security,
    }


def _operator_page() -> dict[str, Any]:
    """`GET /api/sync/ui[/{asset}]`: the operator page's static files, anonymous (its API calls carry the key)."""
    text = {"schema": {"type": "string"}}
    files = {"description": "the file", "content": {kind: text for kind in ui.ASSETS.values()}}
    missing = _json(answers.ErrorAnswer, "no such file")
    asset = _path("asset") | {"schema": {"type": "string", "enum": sorted(ui.ASSETS)}}
    page = {"200": files, "404": missing}
    return {
        "/api/sync/ui": {"get": _operation("operator-page", "The operator page (HTML)", [], page, secure=False)},
        "/api/sync/ui/{asset}": {
            "get": _operation("operator-page-asset", "A file of the operator page", [asset], page, secure=False)
        },
    }


def _import() -> dict[str, Any]:
    """`POST /api/sync/{entity}/import`: the export file itself is the body, not JSON."""
    side = _query("side", {"type": "string", "enum": list(SIDES)}, "whose export the file is") | {"required": True}
    kind = _query("format", {"type": "string", "enum": list(FORMATS)}, "csv, or JSON lines") | {"required": True}
    operation = _operation(
        "import",
        "Import an export file into one side's partition: read whole (400 naming the line it cannot read), "
        "then 202 with the job that loads it",
        [_path("entity"), side, kind],
        {"202": _ANY},
        "admin",
    )
    body = {"schema": {"type": "string", "contentMediaType": "application/octet-stream"}}
    operation["requestBody"] = {
        "required": True,
        "description": "the export, up to 100 MB: CSV with a header row, or one JSON object a line; UTF-8",
        "content": {media: body for media in ("text/csv", "application/x-ndjson", "application/octet-stream")},
    }
    return {"/api/sync/{entity}/import": {"post": operation}}


def _security_schemes() -> dict[str, Any]:
    schemes: dict[str, Any] = {}
    for role, who in (("fs", "Field Service"), ("scm", "SCM"), ("admin", "an operator")):
        schemes[f"{role}Key"] = {
            "type": "apiKey",
            "in": "header",
            "name": KEY_HEADER,
            "description": f"a secret of {who}",
        }
        schemes[f"{role}Signature"] = {
            "type": "apiKey",
            "in": "header",
            "name": SIGNATURE_HEADER,
            "description": (
                f"sha256=<hex HMAC-SHA256 of '<{TIMESTAMP_HEADER}>.<METHOD>.<path>.<body>'> with a secret of {who}; "
                "<path>: the path and query as sent"
            ),
        }
    return schemes


def _json(model: type[BaseModel], description: str = "") -> dict[str, Any]:
    schema = {"$ref": REF.format(model=model.__name__)}
    return {
        "description": description or model.__doc__ or model.__name__,
        "content": {"application/json": {"schema": schema}},
    }


def _path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}
