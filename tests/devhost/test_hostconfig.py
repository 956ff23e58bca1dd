"""host.json and local.settings.json as the local host reads them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devhost import HostConfigError
from devhost.hostconfig import HostConfig, QueueSettings, parse_timespan
from devhost.settings import connection_string, load_local_settings, resolve

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("00:00:02", 2.0), ("00:01:00", 60.0), ("1.00:00:00", 86400.0), ("00:00:00.5", 0.5), (0.2, 0.2), (3, 3.0)],
)
def test_parse_timespan(value: str | float, seconds: float) -> None:
    assert parse_timespan(value, "x") == seconds


def test_bad_timespan_names_the_setting() -> None:
    with pytest.raises(HostConfigError, match="maxPollingInterval"):
        parse_timespan("two seconds", "maxPollingInterval")


def test_repo_host_json() -> None:
    config = HostConfig.load(ROOT / "host.json")
    assert config.route_prefix == "api"
    assert config.queues == QueueSettings(max_polling_interval=2.0, visibility_timeout=30.0)
    assert config.function_timeout == 300.0


def test_repo_host_json_backs_failed_messages_off_for_30_seconds() -> None:
    # 0 (the host's default) sent every failing message to poison in ~35 ms: 4 retries x 30 s instead.
    assert HostConfig.load(ROOT / "host.json").queues.visibility_timeout == 30.0


def test_defaults_without_host_json(tmp_path: Path) -> None:
    config = HostConfig.load(tmp_path / "missing.json")
    assert config == HostConfig()
    assert config.queues.max_polling_interval == 60.0


def test_overrides_win(tmp_path: Path) -> None:
    path = tmp_path / "host.json"
    body = {"extensions": {"http": {"routePrefix": ""}, "queues": {"batchSize": 4}}, "functionTimeout": "-1"}
    path.write_text(json.dumps(body))
    config = HostConfig.load(path, {"maxPollingInterval": 0.1, "messageEncoding": "none"})
    assert config.route_prefix == ""
    assert config.queues == QueueSettings(batch_size=4, max_polling_interval=0.1, message_encoding="none")
    assert config.function_timeout is None


@pytest.mark.parametrize(
    "section",
    [
        {"batchSize": 33},
        {"messageEncoding": "utf8"},
        {"maxDequeueCount": 0},
        {"visibilityTimeout": -1},
        {"visibilityTimeout": "8.00:00:00"},  # over the 7 days Update Message accepts
    ],
)
def test_invalid_queue_settings(section: dict[str, object]) -> None:
    with pytest.raises(HostConfigError):
        QueueSettings.from_json(section)


def test_local_settings_do_not_override_the_environment(tmp_path: Path) -> None:
    path = tmp_path / "local.settings.json"
    path.write_text(json.dumps({"Values": {"A": "from file", "B": "from file", "FLAG": True, "N": 3}}))
    environ = {"A": "from env"}
    assert load_local_settings(path, environ) == ["B", "FLAG", "N"]
    assert environ == {"A": "from env", "B": "from file", "FLAG": "true", "N": "3"}


def test_missing_local_settings_is_fine(tmp_path: Path) -> None:
    assert load_local_settings(tmp_path / "nope.json", {}) == []


def test_resolve_binding_expressions() -> None:
    assert resolve("%Q%-in", {"Q": "orders"}) == "orders-in"
    with pytest.raises(HostConfigError, match="'Q'"):
        resolve("%Q%", {})


def test_connection_lookup() -> None:
    x, y, z = (f"QueueEndpoint=http://127.0.0.1/{n};SharedAccessSignature=sv=1" for n in "xyz")
    assert connection_string("AzureWebJobsStorage", {"AzureWebJobsStorage": x}) == x
    assert connection_string("Other", {"AzureWebJobsOther": y}) == y
    assert connection_string(None, {"AzureWebJobsStorage": z}) == z
    with pytest.raises(HostConfigError, match="'Missing'"):
        connection_string("Missing", {})
