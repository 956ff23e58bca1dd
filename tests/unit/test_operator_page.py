"""The operator page's files, host-free and through the function itself: what is served, with which type
and policy; anything else a JSON 404; no inline script or style the policy would have to allow; every script
module in the folder served, and every module a script imports one of them; deployed."""

from __future__ import annotations

import json
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import azure.functions as func
import pytest

import function_app
from deploy.package import build
from devhost.loader import describe
from shared.edge import ui

ROOT = Path(__file__).resolve().parents[2]
# what the folder holds, the Python package aside: a file added there and not to the allowlist fails below
FILES = sorted(path.name for path in ui.FOLDER.iterdir() if path.is_file() and path.suffix != ".py")
TYPES = {
    name: {".html": "text/html", ".css": "text/css", ".js": "text/javascript"}[Path(name).suffix] for name in FILES
}
IMPORT = re.compile(r'^import [^;]*? from "([^"]+)";', re.M)


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text inside <script> and <style> elements."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.inline: list[str] = []
        self._open: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._open = tag if tag in ("script", "style") else None

    def handle_data(self, data: str) -> None:
        if self._open and data.strip():
            self.inline.append(data)

    def handle_endtag(self, tag: str) -> None:
        self._open = None


def page() -> Tags:
    tags = Tags()
    tags.feed(ui.asset(None).body.decode())
    return tags


def serve(asset: str | None) -> func.HttpResponse:
    function = {f.name: f.user_function for f in describe(function_app.app)}["operator_page"]
    params = {"asset": asset} if asset is not None else {}
    return function(func.HttpRequest("GET", "/api/sync/ui", route_params=params, body=b""))  # type: ignore[no-any-return]


def test_the_allowlist_is_the_folders_files_and_the_page_loads_the_script_as_a_module() -> None:
    assert ui.ASSETS == TYPES  # no file of the folder left out, none named that is not there
    assert len([name for name in TYPES if name.endswith(".js")]) > 5  # the script in modules, not one file
    [script] = [attrs for tag, attrs in page().tags if tag == "script"]
    assert script.get("type") == "module"  # import and export work in a module only


@pytest.mark.parametrize("name", [name for name in TYPES if name.endswith(".js")])
def test_each_module_imports_only_served_modules_and_is_under_300_lines(name: str) -> None:
    text = ui.asset(name).body.decode()
    for target in IMPORT.findall(text):
        assert target.startswith("./") and target[2:] in ui.ASSETS, (name, target)  # loaded through the route
    assert "import(" not in text  # no module named at run time, out of this test's sight
    assert len(text.splitlines()) < 300, name


def test_every_module_is_reached_from_app_js() -> None:
    seen, todo = set(), ["app.js"]
    while todo:
        name = todo.pop()
        seen.add(name)
        todo += [target[2:] for target in IMPORT.findall(ui.asset(name).body.decode()) if target[2:] not in seen]
    assert seen == {name for name in TYPES if name.endswith(".js")}  # none left over from a former split


@pytest.mark.parametrize(("name", "media_type"), [(None, "text/html"), *TYPES.items()])
def test_each_file_is_served_with_its_type_and_the_policy(name: str | None, media_type: str) -> None:
    found = ui.asset(name)
    assert found.status == 200 and found.media_type == media_type
    assert found.body == (ui.FOLDER / (name or "index.html")).read_bytes()
    assert found.headers["X-Content-Type-Options"] == "nosniff"
    policy = dict(part.split(" ", 1) for part in found.headers["Content-Security-Policy"].split("; "))
    assert policy["default-src"] == "'none'" and policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'" and policy["connect-src"] == "'self'"
    assert "unsafe" not in found.headers["Content-Security-Policy"]  # no inline script or eval anywhere


@pytest.mark.parametrize("name", [None, *TYPES])
def test_the_function_answers_the_type_with_its_charset(name: str | None) -> None:
    answer = serve(name)
    assert answer.status_code == 200
    assert answer.mimetype == TYPES[name or "index.html"] and answer.charset == "utf-8"
    assert answer.headers["Content-Security-Policy"] == ui.POLICY
    assert answer.get_body() == ui.asset(name).body


@pytest.mark.parametrize(
    "name",
    [
        "../function_app.py",
        "..",
        "%2e%2e%2fhost.json",
        "__init__.py",
        "APP.JS",
        "index.htm",
        "app.js/",
        "/etc/passwd",
        "shared/edge/api.py",
        "app.js\x00.css",
        "x" * 5000,
    ],
)
def test_any_other_name_is_a_json_404_that_reads_nothing(name: str) -> None:
    answer = serve(name)
    assert answer.status_code == 404 and answer.mimetype == "application/json"
    error = json.loads(answer.get_body())["error"]
    assert error["code"] == "not_found" and ", ".join(sorted(TYPES)) in error["message"]
    assert len(error["message"]) < 300 and "\x00" not in error["message"]


def test_the_page_has_no_inline_script_style_or_handler() -> None:
    tags = page()
    assert tags.inline == []
    for tag, attrs in tags.tags:
        assert not [name for name in attrs if name.startswith("on")], tag  # onclick= etc. would need 'unsafe-inline'
        assert "style" not in attrs, tag
        assert not str(attrs.get("href", "")).startswith("javascript:"), tag


def test_the_page_loads_only_its_own_files() -> None:
    tags = page()
    scripts = [attrs["src"] for tag, attrs in tags.tags if tag == "script"]
    sheets = [attrs["href"] for tag, attrs in tags.tags if tag == "link" and attrs.get("rel") == "stylesheet"]
    assert scripts == ["/api/sync/ui/app.js"] and sheets == ["/api/sync/ui/app.css"]
    for tag, attrs in tags.tags:
        assert not re.match(r"(https?:)?//", str(attrs.get("src") or attrs.get("href") or "")), (tag, attrs)


def test_the_script_calls_the_contracts_routes_and_writes_no_html() -> None:
    script = "\n".join(ui.asset(name).body.decode() for name in TYPES if name.endswith(".js"))
    routes = ("/sync/status", "/sync/errors?", "/sync/jobs", "/retry", "/dismiss", "/cancel", "/records/", "/reconcile")
    for route in (*routes, "/initial-sync", "/import?", "x-sync-key", "sessionStorage"):
        assert route in script, route
    assert "innerHTML" not in script and "eval(" not in script and "document.write" not in script


def test_the_deployed_package_holds_the_page(tmp_path: Path) -> None:
    names = set(zipfile.ZipFile(build(tmp_path / "app.zip")).namelist())
    assert {f"shared/edge/ui/{name}" for name in TYPES} <= names
    assert not [name for name in names if name.startswith("test-output/")]


def test_screenshots_stay_out_of_git_and_of_the_package() -> None:
    assert "test-output/" in (ROOT / ".gitignore").read_text().splitlines()
    ignored = (ROOT / ".funcignore").read_text().splitlines()  # an allowlist: all out ("*"), some let back in
    assert "*" in ignored and not [line for line in ignored if line.startswith("!test-output")]
