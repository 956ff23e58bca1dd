"""Route templates to werkzeug rules, without a server."""

from __future__ import annotations

import pytest

from devhost.routes import Parameter, Variant, variants


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        pytest.param("items", [Variant("/api/items")], id="literal"),
        pytest.param("items/{id}", [Variant("/api/items/<default:id>")], id="parameter"),
        pytest.param("items/{id:int}", [Variant("/api/items/<f_int:id>")], id="int"),
        pytest.param(
            "items/{id}/{detail?}",
            [Variant("/api/items/<default:id>"), Variant("/api/items/<default:id>/<default:detail>")],
            id="optional",
        ),
        pytest.param("{*path}", [Variant("/api"), Variant("/api/<path:path>")], id="catch-all"),
        pytest.param(
            "a/{b=x}",
            [Variant("/api/a", {"b": "x"}), Variant("/api/a/<default:b>")],
            id="default value",
        ),
        pytest.param("a/{b?}/c", [Variant("/api/a/<default:b>/c")], id="optional not at the end is required"),
        pytest.param("files/{name}.{ext}", [Variant("/api/files/<default:name>.<default:ext>")], id="two in a segment"),
        pytest.param("/items/", [Variant("/api/items")], id="slashes trimmed"),
    ],
)
def test_variants(template: str, expected: list[Variant]) -> None:
    assert variants("api", template) == expected


def test_empty_route_prefix() -> None:
    assert variants("", "{*rest}") == [Variant("/"), Variant("/<path:rest>")]


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        pytest.param("id", Parameter("id"), id="plain"),
        pytest.param("id:int", Parameter("id", converter="f_int"), id="int"),
        pytest.param("id:int:min(1)", Parameter("id", converter="f_int"), id="int with range"),
        pytest.param("name:alpha?", Parameter("name", converter="f_alpha", optional=True), id="optional alpha"),
        pytest.param("x:maxlength(3)", Parameter("x"), id="unknown constraint is a plain segment"),
        pytest.param("**rest", Parameter("rest", converter="path", optional=True, catch_all=True), id="double star"),
    ],
)
def test_parameter_parse(token: str, expected: Parameter) -> None:
    assert Parameter.parse(token) == expected
