"""deploy/azuredeploy.json (ARM): every setting the app reads, secrets as Key Vault references, the tables
and queues the app uses, and a static security scan (checkov, from .venv-scan/) that finds nothing."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

import function_app
from deploy import template
from devhost.loader import describe
from shared.entities import ENTITIES
from shared.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = json.loads((ROOT / "deploy" / "azuredeploy.json").read_text(encoding="utf-8"))
PLATFORM = {"WEBSITE_SITE_NAME"}  # set by Azure itself, never by the template
CHECKOV = Path(os.environ.get("CHECKOV", ROOT / ".venv-scan" / "bin" / "checkov"))


def resource(kind: str) -> dict[str, Any]:
    return next(r for r in TEMPLATE["resources"] if r["type"] == kind)


APP_SETTINGS: dict[str, str] = resource("Microsoft.Web/sites/config")["properties"]


def env_name(name: str) -> str:
    field = Settings.model_fields[name]
    return str(field.validation_alias) if field.validation_alias else f"SYNC_{name.upper()}"


def test_the_template_sets_every_setting_the_app_reads_and_no_other() -> None:
    read = {env_name(name) for name in Settings.model_fields} - PLATFORM
    set_by_template = {name for name in APP_SETTINGS if name.startswith("SYNC_")} | {"AzureWebJobsStorage"}
    assert read == set_by_template


def test_every_secret_is_a_key_vault_reference_to_a_secret_of_the_template() -> None:
    secret_names = {r["name"].split("'")[-2] for r in TEMPLATE["resources"] if r["type"].endswith("vaults/secrets")}
    for name, field in Settings.model_fields.items():
        secret = field.annotation is SecretStr or "SecretStr" in str(field.annotation)
        value = APP_SETTINGS.get(env_name(name), "")
        assert secret == ("@Microsoft.KeyVault" in value), name
        if secret:
            assert re.search(r"'([a-z-]+)'\)\]$", value).group(1) in secret_names  # type: ignore[union-attr]
    secure = {name for name, p in TEMPLATE["parameters"].items() if p["type"] == "securestring"}
    assert secure == {"fsSecrets", "scmSecrets", "adminSecrets"}


def test_the_settings_the_template_writes_are_valid_settings() -> None:
    literal = {k: v for k, v in APP_SETTINGS.items() if k.startswith("SYNC_") and not v.startswith("[")}
    defaults = {k: p.get("defaultValue") for k, p in TEMPLATE["parameters"].items()}
    from_parameters = {"SYNC_COMPANIES": defaults["companies"], "SYNC_PRIMARY_SIDE": defaults["primarySide"]}
    values = {"AzureWebJobsStorage": "UseDevelopmentStorage=true", **literal, **from_parameters}
    settings = Settings.model_validate({name.removeprefix("SYNC_").lower() if name.startswith("SYNC_") else name: v
                                        for name, v in values.items()})  # fmt: skip
    assert settings.error_table == "SyncErrors" and settings.max_body_bytes == 256 * 1024


def test_the_tables_and_queues_the_app_uses_are_created() -> None:
    variables = TEMPLATE["variables"]
    assert {spec.table for spec in ENTITIES.values()} | {"SyncErrors"} <= set(variables["tables"])
    queues = {f.queue for f in describe(function_app.app) if f.kind == "queue"}
    assert set(variables["queues"]) == queues


def test_the_template_is_written_from_the_entity_registry() -> None:
    """`python -m deploy.template` writes the tables and queues (make package runs it); the committed template
    is what it writes, and a template missing an entity's table is rewritten whole."""
    assert template.main(["--check"]) == 0
    stale = json.loads(template.TEMPLATE.read_text(encoding="utf-8"))
    stale["variables"]["tables"].remove(next(iter(ENTITIES.values())).table)
    assert json.loads(template.rendered(stale))["variables"] == TEMPLATE["variables"]


def test_a_python_3_11_function_app_on_linux_functions_v4() -> None:
    site = resource("Microsoft.Web/sites")
    assert site["kind"] == "functionapp,linux" and site["properties"]["siteConfig"]["linuxFxVersion"] == "Python|3.11"
    assert site["properties"]["httpsOnly"] is True and site["identity"]["type"] == "SystemAssigned"
    assert APP_SETTINGS["FUNCTIONS_EXTENSION_VERSION"] == "~4" and APP_SETTINGS["FUNCTIONS_WORKER_RUNTIME"] == "python"
    assert "APPLICATIONINSIGHTS_CONNECTION_STRING" in APP_SETTINGS


@pytest.mark.slow
def test_the_static_security_scan_finds_nothing(tmp_path: Path) -> None:
    """checkov on the template: no failed check, and every skipped one says why (in the template itself)."""
    assert CHECKOV.exists(), f"{CHECKOV} is missing: run `make scan-tools` (make test does)"
    result = subprocess.run(
        [str(CHECKOV), "-d", str(ROOT / "deploy"), "--framework", "arm", "--skip-download", "-o", "json"],
        capture_output=True, text=True, timeout=300, env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},
    )  # fmt: skip
    report = json.loads(result.stdout)
    failed = [(c["check_id"], c["resource"]) for c in report.get("results", {}).get("failed_checks", [])]
    assert not failed, failed
    assert report["summary"]["parsing_errors"] == 0 and report["summary"]["resource_count"] >= 15
    skipped = report["results"]["skipped_checks"]
    assert len(skipped) == report["summary"]["skipped"] > 0
    assert all(check["check_result"].get("suppress_comment", "").strip() for check in skipped)
