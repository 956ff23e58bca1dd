"""Ship Via over real HTTP: both directions, the key rule, get and delete."""

from __future__ import annotations

from azure.data.tables import TableServiceClient

from tests.integration.support import Api, rows

E, TABLE = "ship-via", "ShipVia"
FS_MODE = {"msdyn_company": "USMF", "msdyn_name": "Truck", "msdyn_description": "Truck delivery"}
SCM_MODE = {"dataAreaId": "USMF", "ModeCode": "Truck", "ModeDescription": "Truck delivery"}


def test_fs_create_then_scm_update(api: Api, tables: TableServiceClient) -> None:
    created = api.post("fs", E, FS_MODE)
    assert created.status_code == 201, created.text
    assert {k: v for k, v in created.json()["scm"]["record"].items() if k != "ModifiedDateTime"} == SCM_MODE
    updated = api.post("scm", E, {**SCM_MODE, "ModeCode": "TRUCK", "ModeDescription": "Road freight"})
    assert updated.status_code == 200, updated.text
    fs = rows(tables, TABLE, "FS")
    assert list(fs) == ["USMF|TRUCK"]
    assert fs["USMF|TRUCK"]["msdyn_description"] == "Road freight"


def test_422_mode_code_is_1_to_10_characters(api: Api, tables: TableServiceClient) -> None:
    for side, body, field in (
        ("fs", {**FS_MODE, "msdyn_name": "Air freight"}, "ModeCode"),
        ("scm", {**SCM_MODE, "ModeDescription": "x" * 61}, "ModeDescription"),
    ):
        answer = api.post(side, E, body)
        assert answer.status_code == 422, answer.text
        assert [(d["field"], d["side"]) for d in answer.json()["error"]["details"]] == [(field, "scm")]
    assert rows(tables, TABLE, "SCM") == {}


def test_get_and_delete(api: Api, tables: TableServiceClient) -> None:
    api.post("scm", E, SCM_MODE)
    assert api.get(f"fs/{E}/usmf/truck").json()["record"]["msdyn_name"] == "Truck"
    assert api.delete(f"fs/{E}/USMF/TRUCK").status_code == 200
    assert rows(tables, TABLE, "FS") == rows(tables, TABLE, "SCM") == {}
