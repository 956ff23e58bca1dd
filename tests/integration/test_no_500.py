"""No input makes a route answer 500: arbitrary JSON bodies and paths, over real HTTP."""

from __future__ import annotations

from base64 import urlsafe_b64encode as b64encode
from typing import Any
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.entities import ENTITIES
from tests.integration.support import Api
from tests.samples import sample

FIELDS = sorted(
    {name for spec in ENTITIES.values() for pair in spec.fields for name in (pair.fs, pair.scm) if name}
    | {"msdyn_company", "dataAreaId", "modifiedon", "ModifiedDateTime"}
)
scalars = (
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.floats(allow_nan=False) | st.text(max_size=40)
)
values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3)
)
KEY_FIELDS = sorted({spec.side(side).id_field for spec in ENTITIES.values() for side in ("fs", "scm")})
companies = st.sampled_from(["USMF", "usmf", "DEMF", "ACME", "", " "]) | st.text(max_size=12)


@st.composite
def bodies(draw: st.DrawFn) -> dict[str, Any]:
    body = draw(st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), values, max_size=10))
    if draw(st.booleans()):  # mostly keyed, so that the engine gets past the key
        body.update({"msdyn_company": draw(companies), "dataAreaId": draw(companies)})
        ident = draw(st.text(max_size=12))
        body.update({name: ident for name in KEY_FIELDS})
    return body


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(side=st.sampled_from(["fs", "scm"]), entity=st.sampled_from(sorted(ENTITIES)), body=bodies())
def test_no_body_answers_500(api: Api, side: str, entity: str, body: dict[str, Any]) -> None:
    answer = api.post(side, entity, body)
    assert answer.status_code in {200, 201, 409, 422}, answer.text
    if answer.status_code == 422:  # a refusal always says why
        assert answer.json()["error"]["details"]
    else:
        assert answer.json()["status"] in {"created", "updated", "unchanged"} or answer.status_code == 409


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    side=st.sampled_from(["fs", "scm"]),
    entity=st.sampled_from(sorted(ENTITIES)),
    overlay=st.dictionaries(st.sampled_from(FIELDS), scalars, max_size=4),
)
def test_no_change_to_a_valid_record_answers_500(api: Api, side: str, entity: str, overlay: dict[str, Any]) -> None:
    """A valid record with a few fields replaced: gets past the key and the fields to the reference rules."""
    answer = api.post(side, entity, {**sample(entity, side, "F1"), **overlay})
    assert answer.status_code in {200, 201, 409, 422}, answer.text
    if answer.status_code == 422:
        assert answer.json()["error"]["details"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    side=st.sampled_from(["fs", "scm", "x"]),
    entity=st.sampled_from(sorted(ENTITIES)),
    company=st.text(min_size=1),
    ident=st.text(min_size=1),
)
def test_no_key_answers_500(api: Api, side: str, entity: str, company: str, ident: str) -> None:
    for answer in (
        api.get(f"{side}/{entity}/{_q(company)}/{_q(ident)}"),
        api.delete(f"{side}/{entity}/{_q(company)}/{_q(ident)}"),
    ):
        assert answer.status_code in {200, 404}, answer.text


def _q(part: str) -> str:
    return quote(part, safe="")


numbers = st.floats(allow_nan=True, allow_infinity=True).map(repr) | st.integers(-(10**30), 10**30).map(str)
list_values = {
    "company": companies,
    "limit": st.integers(-5, 2000).map(str) | st.text(max_size=6),
    "continuation": st.text(max_size=60) | st.binary(max_size=40).map(lambda raw: b64encode(raw).decode()),
    "q": st.text(max_size=30),
    "near": st.tuples(numbers, numbers).map(",".join) | st.text(max_size=20),
    "radius_km": numbers | st.text(max_size=8),
}


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    side=st.sampled_from(["fs", "scm"]),
    entity=st.sampled_from(sorted(ENTITIES)),
    params=st.fixed_dictionaries({}, optional=list_values),
)
def test_no_list_query_answers_500(api: Api, side: str, entity: str, params: dict[str, str]) -> None:
    answer = api.get(f"{side}/{entity}", **params)
    assert answer.status_code in {200, 400, 404, 422}, answer.text
    if answer.status_code != 200:
        assert set(answer.json()["error"]) == {"code", "message", "details"}
