"""Start-up errors: a bad local.settings.json or storage connection string is one plain line, exit 1.

Each case used to end in a traceback (a TypeError from `"Values": ["a"]`, a ValueError from the
storage SDK for a connection string that is not one). The process tests run `python -m devhost` as
`make run` does; the others check every rule in-process.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from devhost import HostConfigError, LocalHost
from devhost.connections import checked_connection, problem
from devhost.settings import load_local_settings
from devtools.azurite import Azurite
from devtools.azurite import connection_string as azurite_connection
from tests.processes import SAMPLE, Running, environment

SECRET = "c2VjcmV0LWtleS1ub3QtdG8tYmUtcHJpbnRlZA=="  # base64 of a marker that must never be printed


@pytest.fixture
def running() -> Iterator[list[Running]]:
    started: list[Running] = []
    yield started
    for proc in started:
        if proc.process.poll() is None:
            proc.kill()


def start_host(running: list[Running], tmp_path: Path, settings: object | None, **env: str) -> Running:
    path = tmp_path / "local.settings.json"
    if settings is not None:
        path.write_text(json.dumps(settings))
    chosen = ["--settings", str(path)] if settings is not None else ["--no-settings"]
    args = ["-m", "devhost", "--app", SAMPLE, "--port", "0", *chosen, "--host-json", "none.json"]
    host = Running(args, environment(SAMPLE_QUEUE=f"start-{uuid.uuid4().hex[:12]}", **env))
    running.append(host)
    return host


# --- local.settings.json --------------------------------------------------------------------------


@pytest.mark.parametrize("module", ["devhost", "devtools.run"])
def test_a_settings_file_named_but_missing_stops_before_anything_starts(
    module: str, tmp_path: Path, running: list[Running]
) -> None:
    """Was: `--settings nope.json` (a typo) started on the environment alone, or make run created nope.json."""
    typo = tmp_path / "nope.json"
    args = ["-m", module, "--app", SAMPLE, "--settings", str(typo)]
    args += ["--port", "0"] if module == "devhost" else ["--data", str(tmp_path / "azurite")]
    host = Running(args, environment())
    running.append(host)
    assert host.finish() == 2, host.output
    assert f"--settings {typo}: no such file" in host.output and "Traceback" not in host.output
    assert not typo.exists() and not (tmp_path / "azurite").exists()


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        pytest.param({"Values": ["a"]}, '"Values" must be an object of app settings', id="Values a list"),
        pytest.param({"Values": "a"}, '"Values" must be an object of app settings', id="Values text"),
        pytest.param({"Values": None}, '"Values" must be an object of app settings (', id="Values null"),
        pytest.param(["Values"], 'expected a JSON object with a "Values" object, found a list', id="not an object"),
        pytest.param({"Values": {"A": {"b": 1}}}, 'setting "A" in Values is an object', id="value an object"),
        pytest.param({"Values": {"A": [1]}}, 'setting "A" in Values is a list', id="value a list"),
        pytest.param(
            {"Values": {"AzureWebJobsStorage": None}}, 'setting "AzureWebJobsStorage" in Values is null', id="null"
        ),
    ],
)
def test_bad_values_are_one_line_naming_the_setting(settings: object, expected: str, tmp_path: Path) -> None:
    path = tmp_path / "local.settings.json"
    path.write_text(json.dumps(settings))
    environ: dict[str, str] = {}
    with pytest.raises(HostConfigError) as raised:
        load_local_settings(path, environ)
    assert expected in str(raised.value)
    assert str(raised.value).startswith(f"{path}: ")
    assert "\n" not in str(raised.value)
    assert environ == {}  # nothing half-applied


def test_values_that_are_numbers_or_booleans_become_text(tmp_path: Path) -> None:
    path = tmp_path / "local.settings.json"
    path.write_text(json.dumps({"Values": {"N": 3, "F": 1.5, "B": False}}))
    environ: dict[str, str] = {}
    load_local_settings(path, environ)
    assert environ == {"N": "3", "F": "1.5", "B": "false"}


@pytest.mark.parametrize("name", ["", "A=B", "A\u0000B"])
def test_names_the_environment_cannot_hold(name: str, tmp_path: Path) -> None:
    path = tmp_path / "local.settings.json"
    path.write_text(json.dumps({"Values": {name: "x"}}))
    with pytest.raises(HostConfigError, match="cannot be an environment variable name"):
        load_local_settings(path, {})


def test_text_that_is_not_json(tmp_path: Path) -> None:
    path = tmp_path / "local.settings.json"
    path.write_text('{"Values": {"AzureWebJobsStorage": "' + SECRET + '",}')
    with pytest.raises(HostConfigError, match="not valid JSON") as raised:
        load_local_settings(path, {})
    assert SECRET not in str(raised.value)


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"Values": ["a"]}, '"Values" must be an object of app settings ("NAME": "value"), found a list'),
        ({"Values": {"AzureWebJobsStorage": None}}, 'setting "AzureWebJobsStorage" in Values is null'),
    ],
    ids=["Values a list", "AzureWebJobsStorage null"],
)
def test_cli_bad_settings_file_is_one_line_and_exit_1(
    settings: object, expected: str, tmp_path: Path, running: list[Running]
) -> None:
    host = start_host(running, tmp_path, settings)
    assert host.finish() == 1
    assert len(host.lines) == 1, host.output
    assert expected in host.lines[0]
    assert "Traceback" not in host.output


# --- storage connection strings ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        pytest.param("garbage", "part 1 of 1 (separated by ';') is not Key=Value", id="one word"),
        pytest.param("None", "part 1 of 1 (separated by ';') is not Key=Value", id="None"),
        pytest.param("hello=world", "the key 'hello' is not a connection string key", id="unknown key"),
        pytest.param(f"AccountName=a;AccountKey={SECRET}!", "its AccountKey is not base64", id="key not base64"),
        pytest.param("AccountName=a", "it has no credentials", id="no key"),
        pytest.param(f"AccountKey={SECRET}", "it has an AccountKey but no AccountName", id="no account"),
        pytest.param(
            f"SharedAccessSignature=sv=1&sig={SECRET};TableEndpoint=http://127.0.0.1:1/a",
            "it names no queue service",
            id="no queue endpoint",
        ),
        pytest.param(
            f"AccountName=a;AccountKey={SECRET};QueueEndpoint=ftp://x",
            "its QueueEndpoint is not an http(s) URL",
            id="url",
        ),
        pytest.param(
            f"AccountName=a;AccountKey={SECRET};DefaultEndpointsProtocol=tcp", "neither http nor https", id="protocol"
        ),
        pytest.param("UseDevelopmentStorage=false", "UseDevelopmentStorage may only be true", id="dev false"),
        pytest.param("UseDevelopmentStorage=true;AccountName=a", "must be the whole connection string", id="dev plus"),
        pytest.param("AccountName=a;AccountName=b", "it gives AccountName twice", id="twice"),
        pytest.param(f"https://a.queue.core.windows.net/?sig={SECRET}", "one of its keys is not a", id="a SAS URL"),
    ],
)
def test_connection_string_problems_name_the_part_never_the_value(value: str, reason: str) -> None:
    assert reason in str(problem(value))
    with pytest.raises(HostConfigError) as raised:
        checked_connection("AzureWebJobsStorage", value)
    message = str(raised.value)
    assert message.startswith("app setting 'AzureWebJobsStorage' is not a storage connection string: ")
    assert SECRET not in message and SECRET[:-2] not in message


@pytest.mark.parametrize(
    "value",
    [
        "UseDevelopmentStorage=true",
        "usedevelopmentstorage=TRUE",
        azurite_connection({"blob": 10000, "queue": 10001, "table": 10002}),
        f"DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={SECRET};EndpointSuffix=core.windows.net",
        f"QueueEndpoint=https://acct.queue.core.windows.net;SharedAccessSignature=sv=2022&sig={SECRET}",
    ],
)
def test_connection_strings_that_work(value: str) -> None:
    assert problem(value) is None


def test_development_storage_is_spelled_as_the_queue_sdk_wants() -> None:
    assert checked_connection("S", " usedevelopmentstorage=TRUE ") == "UseDevelopmentStorage=true"


@pytest.mark.parametrize(
    "value", ["garbage", f"AccountName=devstoreaccount1;AccountKey={SECRET}%%;QueueEndpoint=http://127.0.0.1:1/a"]
)
def test_cli_garbage_connection_string_is_one_line_and_exit_1(
    value: str, tmp_path: Path, running: list[Running]
) -> None:
    host = start_host(running, tmp_path, None, AzureWebJobsStorage=value)
    assert host.finish() == 1
    assert len(host.lines) == 1, host.output
    assert host.lines[0].startswith("app setting 'AzureWebJobsStorage' is not a storage connection string: ")
    assert SECRET[:-2] not in host.output
    assert "Traceback" not in host.output


def test_an_in_process_host_refuses_a_bad_connection_before_starting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAMPLE_QUEUE", f"start-{uuid.uuid4().hex[:12]}")
    monkeypatch.setenv("AzureWebJobsStorage", "not a connection string")
    with pytest.raises(HostConfigError, match="'AzureWebJobsStorage' is not a storage connection string"):
        LocalHost.from_module(SAMPLE, host_json=None).start()


def test_bad_body_limit_setting(monkeypatch: pytest.MonkeyPatch, azurite: Azurite) -> None:
    monkeypatch.setenv("SAMPLE_QUEUE", f"start-{uuid.uuid4().hex[:12]}")
    monkeypatch.setenv("AzureWebJobsStorage", azurite.connection_string)
    monkeypatch.setenv("FUNCTIONS_REQUEST_BODY_SIZE_LIMIT", "100MB")
    with pytest.raises(HostConfigError, match="'FUNCTIONS_REQUEST_BODY_SIZE_LIMIT' must be a whole number of bytes"):
        LocalHost.from_module(SAMPLE, host_json=None).start()
