"""deploy/azuredeploy.json (ARM): every setting the app reads, secrets as Key Vault references, the tables
and queues the app uses, and a static security scan (checkov, from .venv-scan/) that finds nothing."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

import function_app
from deploy import template
from devhost.loader import describe
from shared.entities import ENTITIES
from shared.logs import FIELDS
from shared.logs import SETTINGS as LOG_SETTINGS
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
    read = ({env_name(name) for name in Settings.model_fields} | set(LOG_SETTINGS)) - PLATFORM
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


# App settings the Flex Consumption plan refuses or ignores: its functionAppConfig says what they said.
REFUSED_ON_FLEX = {
    "FUNCTIONS_WORKER_RUNTIME",
    "FUNCTIONS_EXTENSION_VERSION",
    "WEBSITE_RUN_FROM_PACKAGE",
    "WEBSITE_CONTENTSHARE",
    "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING",
    "SCM_DO_BUILD_DURING_DEPLOYMENT",
    "ENABLE_ORYX_BUILD",
    "WEBSITE_MAX_DYNAMIC_APPLICATION_SCALE_OUT",
    "WEBSITE_TIME_ZONE",
    "TZ",
}


def test_a_python_function_app_on_the_flex_consumption_plan() -> None:
    plan, site = resource("Microsoft.Web/serverfarms"), resource("Microsoft.Web/sites")
    assert plan["sku"] == {"name": "FC1", "tier": "FlexConsumption"} and plan["properties"]["reserved"] is True
    assert site["kind"] == "functionapp,linux" and site["identity"]["type"] == "SystemAssigned"
    assert site["properties"]["httpsOnly"] is True and "linuxFxVersion" not in site["properties"]["siteConfig"]
    config = site["properties"]["functionAppConfig"]
    assert config["runtime"] == {"name": "python", "version": "[parameters('pythonVersion')]"}
    assert config["scaleAndConcurrency"] == {
        "maximumInstanceCount": "[parameters('maximumInstanceCount')]",
        "instanceMemoryMB": "[parameters('instanceMemoryMB')]",
    }
    assert not REFUSED_ON_FLEX & set(APP_SETTINGS)
    assert "APPLICATIONINSIGHTS_CONNECTION_STRING" in APP_SETTINGS and APP_SETTINGS["SYNC_LOG_FORMAT"] == "json"


def test_the_python_version_is_one_flex_consumption_runs_and_the_project_supports() -> None:
    """Flex Consumption runs Python 3.10 to 3.12; the project needs its requires-python, and the default is the
    version the suite runs on here."""
    version = TEMPLATE["parameters"]["pythonVersion"]
    assert set(version["allowedValues"]) <= {"3.10", "3.11", "3.12"}
    needed = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["requires-python"]
    lowest = tuple(int(part) for part in needed.removeprefix(">=").split("."))
    assert all(tuple(int(p) for p in allowed.split(".")) >= lowest for allowed in version["allowedValues"])
    assert version["defaultValue"] == f"{sys.version_info.major}.{sys.version_info.minor}"


def test_the_package_is_deployed_from_a_container_of_the_storage_account() -> None:
    storage = resource("Microsoft.Web/sites")["properties"]["functionAppConfig"]["deployment"]["storage"]
    assert storage["type"] == "blobContainer" and storage["authentication"] == {"type": "SystemAssignedIdentity"}
    assert "parameters('deploymentContainer')" in storage["value"]
    container = resource("Microsoft.Storage/storageAccounts/blobServices/containers")
    assert (
        "parameters('deploymentContainer')" in container["name"] and container["properties"]["publicAccess"] == "None"
    )
    roles = [r for r in TEMPLATE["resources"] if r["type"] == "Microsoft.Authorization/roleAssignments"]
    assert any("ba92f5b4-2d11-453d-a403-e96b0029c9fe" in r["properties"]["roleDefinitionId"] for r in roles)
    assert {"instanceMemoryMB", "maximumInstanceCount", "deploymentContainer"} <= set(TEMPLATE["parameters"])


ALERTS = {"entity-paused", "poison-messages", "errors-rising", "http-5xx"}
CONDITION = re.compile(r'tostring\(line\.(\w+)\) (==|!=) "([^"]*)"|isnotempty\(tostring\(line\.(\w+)\)\)')


def test_every_alert_exists_and_calls_the_action_group() -> None:
    rules = resource("Microsoft.Insights/scheduledQueryRules")
    assert {alert["name"] for alert in TEMPLATE["variables"]["alerts"]} == ALERTS
    assert rules["copy"]["count"] == "[length(variables('alerts'))]"
    assert rules["properties"]["actions"]["actionGroups"] == ["[variables('actionGroup')]"]
    assert rules["properties"]["scopes"] == ["[resourceId('Microsoft.Insights/components', variables('insightsName'))]"]
    group = resource("Microsoft.Insights/actionGroups")
    assert group["condition"] == "[empty(parameters('actionGroupId'))]"
    assert "parameters('alertEmail')" in json.dumps(group["properties"]["emailReceivers"])
    assert "parameters('actionGroupId')" in TEMPLATE["variables"]["actionGroup"]


def source_of(module: str) -> str:
    return (ROOT / (module.replace(".", "/") + ".py")).read_text(encoding="utf-8")


def test_every_alert_query_names_what_the_app_logs() -> None:
    """Each field a query filters on is one a log line carries; each logger is a module that logs; each code
    is written by a log call of that module (grepped from the source)."""
    for alert in TEMPLATE["variables"]["alerts"]:
        query = alert["query"]
        if query.startswith("requests"):
            assert "toint(resultCode) >= 500" in query
            continue
        assert "extend line = parse_json(message)" in query and "sum(itemCount)" in query
        conditions = [match.groups() for match in CONDITION.finditer(query)]
        assert conditions, query
        named = {field: value for field, _, value, _ in conditions if field}
        for field, *_ in conditions:
            assert field is None or field in {"logger", *FIELDS}, field
        if "logger" in named:
            logged = source_of(named["logger"])
            assert "logging.getLogger(__name__)" in logged and '"code": ' in logged
            assert f'"{named["code"]}"' in logged or f'code = "{named["code"]}"' in logged
        for field in {group[3] for group in conditions if group[3]}:
            writers = [path for path in (ROOT / "shared").rglob("*.py") if f'"{field}": ' in path.read_text()]
            assert len(writers) >= 3, (field, writers)  # every place that records an error-log entry and logs


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
