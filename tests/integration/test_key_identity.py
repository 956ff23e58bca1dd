"""Key identity (docs/calling.md, "How a change is judged"): simple case mapping, trimmed spellings,
characters no key may hold."""

from __future__ import annotations

import pytest
from azure.data.tables import TableServiceClient

from shared.entities import ENTITIES
from shared.keys import Key
from tests.integration.storage import pair
from tests.integration.support import Api, prepare, rows
from tests.samples import SAMPLES, sample

pytestmark = pytest.mark.usefixtures("prerequisites")  # a warehouse's site, created first

SLUGS = sorted(SAMPLES)


@pytest.mark.parametrize(
    ("first", "second", "one_record"),
    [
        pytest.param("wh-01", "WH-01", True, id="ascii-case"),
        pytest.param("ärm", "ÄRM", True, id="umlaut-case"),
        pytest.param("straße", "STRASSE", False, id="sharp-s"),
        pytest.param("ıd", "ID", False, id="dotless-i"),
        pytest.param("ﬁx", "FIX", False, id="ligature"),
    ],
)
def test_keys_compare_by_simple_case_mapping(
    first: str, second: str, one_record: bool, api: Api, tables: TableServiceClient
) -> None:
    slug = "ship-via"
    assert api.post("fs", slug, sample(slug, "fs", first, 1, at=1)).status_code == 201
    answer = api.post("scm", slug, sample(slug, "scm", second, 2, at=2))
    assert answer.status_code == (200 if one_record else 201), answer.text
    records = api.get(f"fs/{slug}", company="USMF").json()["items"]
    assert len(records) == (1 if one_record else 2)
    for ident in (first, second):  # each record can be read by its route
        assert api.get(f"scm/{slug}/USMF/{ident}").status_code == 200


@pytest.mark.parametrize("slug", SLUGS)
def test_blanks_around_a_key_are_trimmed_on_both_sides(slug: str, api: Api, tables: TableServiceClient) -> None:
    """A company sent as " usmf\\x1f" used to reach SCM's dataAreaId as it was."""
    spec = ENTITIES[slug]
    body = sample(slug, "fs", "  TRIM-1 ", 1, company=" usmf\x1f")
    answer = api.post("fs", slug, body)
    assert answer.status_code == 201, answer.text
    stored = pair(tables, spec, Key("USMF", "TRIM-1").row_key)
    assert stored["fs"] is not None and stored["scm"] is not None
    assert stored["fs"]["msdyn_company"] == stored["scm"]["dataAreaId"] == "usmf"
    assert stored["fs"][spec.fs.id_field] == stored["scm"][spec.scm.id_field] == "TRIM-1"


@pytest.mark.parametrize("slug", SLUGS)
@pytest.mark.parametrize("ident", ["A/B", "A\\B", "A#B", "A?B", "A\nB", "A\x00B", "A\x7fB", "A\u0085B"])
def test_characters_no_route_can_carry_are_refused_in_keys(
    slug: str, ident: str, api: Api, tables: TableServiceClient
) -> None:
    """An id with `/` could be created but never read or deleted over HTTP."""
    spec = ENTITIES[slug]
    answer = api.post("scm", slug, sample(slug, "scm", ident, 1))
    assert answer.status_code == 422, answer.text
    assert {(d["field"], d["rule"]) for d in answer.json()["error"]["details"]} == {
        (spec.scm.id_field, "key_characters")
    }
    assert rows(tables, spec.table, "FS") == rows(tables, spec.table, "SCM") == {}  # nothing written


def test_a_company_with_characters_no_key_may_hold_is_refused(api: Api) -> None:
    answer = api.post("fs", "payment-terms", sample("payment-terms", "fs", "NET", 1, company="US#MF"))
    assert answer.status_code == 422
    assert answer.json()["error"]["details"][0]["rule"] == "key_characters"


def test_references_are_trimmed_like_keys(api: Api, tables: TableServiceClient) -> None:
    slug = "customer-assets"
    assert api.post("fs", slug, sample(slug, "fs", "PARENT", 1, at=1)).status_code == 201
    child = {**sample(slug, "fs", "CHILD", 1, at=2), "msdyn_parentasset": "  parent "}
    answer = api.post("fs", slug, child)
    assert answer.status_code == 201, answer.text
    assert answer.json()["scm"]["record"]["ParentMaintenanceAssetId"] == "parent"


@pytest.mark.parametrize("slug", SLUGS)
def test_no_change_moves_a_record_to_another_company(slug: str, api: Api, tables: TableServiceClient) -> None:
    """The company is part of the key: the same id in another company is another record, and the first
    one keeps its company (in both systems the company cannot change once a record exists)."""
    spec = ENTITIES[slug]
    assert api.post("fs", slug, sample(slug, "fs", "MOVE", 1, at=1)).status_code == 201
    prepare(api, slug, "DEMF")  # what the sample names, in that company too
    other = api.post("scm", slug, sample(slug, "scm", "MOVE", 2, company="DEMF", at=2))
    assert other.status_code == 201, other.text
    usmf = pair(tables, spec, Key("USMF", "MOVE").row_key)
    demf = pair(tables, spec, Key("DEMF", "MOVE").row_key)
    assert usmf["scm"] is not None and usmf["scm"]["dataAreaId"] == "USMF"
    assert demf["fs"] is not None and demf["fs"]["msdyn_company"] == "DEMF"
