"""No native body makes a route answer 500: Hypothesis-generated webhooks and F&O events over real HTTP."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.edge.callers.fno import BUSINESS_EVENTS, virtual_table
from shared.entities import ENTITIES
from tests.fixtures import dataverse as dv
from tests.integration.support import Api
from tests.integration.test_no_500 import FIELDS, scalars

MESSAGES = ["Create", "Update", "Delete", "OnExternalCreated", "OnExternalUpdated", "OnExternalDeleted", "Assign", ""]
TABLES = [spec.fs.entity_name for spec in ENTITIES.values()] + [virtual_table(spec) for spec in ENTITIES.values()]
COLUMNS = FIELDS + [f"mserp_{name.lower()}" for name in FIELDS] + ["msdyn_warehouseid", "mserp_dataareaid"]
ENVELOPE = ["BusinessEventLegalEntity", "EventTime", "EventTimeIso8601", "ControlNumber"]
EVENT_IDS = sorted(event_id for events in BUSINESS_EVENTS.values() for event_id in events)  # any entity's
guids = st.uuids().map(str) | st.text(max_size=40)
typed = st.one_of(
    st.integers(-(2**40), 2**40).map(dv.option),
    st.floats(allow_nan=False).map(dv.money),
    st.builds(lambda t, g, k: {**dv.ref(t, g), "KeyAttributes": k}, st.sampled_from(["cdm_company", *TABLES]), guids,
              st.lists(st.fixed_dictionaries({"key": st.sampled_from(COLUMNS), "value": scalars}), max_size=2)
              | st.dictionaries(st.text(max_size=5), scalars, max_size=2) | scalars),
    st.dictionaries(st.sampled_from(["__type", "Value", "Id", "LogicalName"]), scalars, max_size=3),
)  # fmt: skip
values = scalars | typed
rows = st.dictionaries(st.sampled_from(COLUMNS) | st.text(max_size=6), values, max_size=8)


@st.composite
def contexts(draw: st.DrawFn) -> dict[str, Any]:
    body = dv.context(
        draw(st.sampled_from(MESSAGES)), draw(st.sampled_from(TABLES)), draw(guids), dv.dt.datetime.now(dv.dt.UTC)
    )
    target = dv.entity(body["PrimaryEntityName"], body["PrimaryEntityId"], draw(rows))
    target["FormattedValues"] = draw(
        st.lists(st.fixed_dictionaries({"key": st.sampled_from(COLUMNS), "value": scalars}), max_size=3)
    )
    body["InputParameters"] = [
        {"key": draw(st.sampled_from(["Target", "PreImage", "x"])), "value": draw(st.just(target) | values)}
    ]
    if draw(st.booleans()):
        body["PreEntityImages"] = [{"key": "PreImage", "value": dv.entity("x", "y", draw(rows), typed=False)}]
    for name in draw(
        st.sets(st.sampled_from(["Stage", "OperationCreatedOn", "PrimaryEntityId", "MessageName"]), max_size=2)
    ):
        body[name] = draw(scalars)
    return body


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    side=st.sampled_from(["fs", "scm"]), entity=st.sampled_from(sorted(ENTITIES)), body=contexts(), cut=st.booleans()
)
def test_no_native_body_answers_500(api: Api, side: str, entity: str, body: dict[str, Any], cut: bool) -> None:
    headers = {"content-type": "application/json", **({"x-ms-dynamics-msg-size-exceeded": "true"} if cut else {})}
    answer = api.post(side, entity, body, headers=headers)
    assert answer.status_code in {200, 201, 400, 404, 409, 413, 422}, answer.text
    assert set(answer.json()) <= {"error", "status", "entity", "key", "operation_id", "fs", "scm"}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    entity=st.sampled_from(sorted(ENTITIES)),
    event=st.sampled_from(["X", "FsScmSyncDeleted", *EVENT_IDS]) | st.text(max_size=10) | scalars,
    fields=st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=6), values, max_size=6),
    envelope=st.dictionaries(st.sampled_from(ENVELOPE), scalars),
)
def test_no_business_event_answers_500(
    api: Api, entity: str, event: Any, fields: dict[str, Any], envelope: dict[str, Any]
) -> None:
    answer = api.post("scm", entity, {"BusinessEventId": event, **envelope, **fields})
    assert answer.status_code in {200, 201, 400, 404, 409, 422}, answer.text
