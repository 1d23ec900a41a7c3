"""Every page and every JSON answer carries `X-Content-Type-Options: nosniff` and the
Content-Security-Policy (issue 10, item 8), whichever path answered it: Flask's views, the SPARQL
endpoint's ASGI adapter, errors. The editor working under that policy is proved in a real browser
(tests/test_editor_browser.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from comgraph.app import create_app
from comgraph.app.ops import CONTENT_SECURITY_POLICY

from tests.views_support import demo_app


@pytest.fixture(scope="module")
def client():
    return demo_app().test_client()


def assert_protected(response) -> None:
    assert response.headers.get("X-Content-Type-Options") == "nosniff", response.headers
    assert response.headers.get("Content-Security-Policy") == CONTENT_SECURITY_POLICY, response.headers


def test_the_policy_allows_only_this_service() -> None:
    directives = dict(d.strip().split(" ", 1) for d in CONTENT_SECURITY_POLICY.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-eval" not in CONTENT_SECURITY_POLICY


@pytest.mark.parametrize("path, mimetype", [
    ("/", "text/html"),
    ("/editor", "text/html"),
    ("/views", "text/html"),
    ("/views/raci-matrix", "text/html"),
    ("/views/raci-matrix.json", "application/sparql-results+json"),
    ("/checklist", "text/html"),
    ("/validation.json", "application/json"),
    ("/healthz", None),
    ("/no-such-page", None),
])
def test_pages_and_json_answers_carry_nosniff_and_the_policy(client, path, mimetype) -> None:
    response = client.get(path, headers={"Accept": "text/html"} if mimetype == "text/html" else {})
    if mimetype:
        assert response.status_code == 200 and response.mimetype == mimetype
    assert_protected(response)


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "text/html"])
def test_query_answers_carry_them_in_every_format(client, accept) -> None:
    response = client.get("/sparql", query_string={"query": "ASK {}"}, headers={"Accept": accept})
    assert response.status_code == 200 and response.mimetype == accept
    assert_protected(response)


def test_a_refused_query_carries_them_too(client) -> None:
    response = client.get("/sparql", query_string={"query": "SELECT * WHERE {"},
                          headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 400
    assert_protected(response)


def test_the_asgi_adapter_carries_them() -> None:
    import asyncio

    from comgraph.app.asgi import ComgraphASGI

    from comgraph.store import open_store

    app = create_app({"STORE": open_store("oxigraph:"), "TESTING": True})
    asgi = ComgraphASGI(app)
    scope = {"type": "http", "method": "GET", "path": "/sparql", "raw_path": b"/sparql",
             "query_string": b"query=ASK%20%7B%7D", "root_path": "", "scheme": "http",
             "http_version": "1.1", "server": ("127.0.0.1", 5000), "client": ("127.0.0.1", 1),
             "headers": [(b"host", b"127.0.0.1:5000"),
                         (b"accept", b"application/sparql-results+json")]}
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    asyncio.run(asgi(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    headers = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    assert start["status"] == 200
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY


def test_the_style_hashes_are_those_of_the_bundled_editor() -> None:
    # YASGUI's column resizer adds two <style> elements; the policy allows exactly those texts.
    import base64
    import hashlib
    import re

    from comgraph.app.ops import EDITOR_STYLE_HASHES

    bundle = (Path(__file__).parents[1] / "app" / "static" / "vendor" / "yasgui" / "yasgui.min.js")
    code = bundle.read_text(encoding="utf-8")
    table = re.search(r"createStyle\(a,`( \.grip-resizable[^`]*)`\)", code).group(1)
    drag_cursor = re.search(r"dragCursor:`([^`]*)`", code).group(1)
    assert "createStyle(document.querySelector(`head`),`*{cursor:`+n.opt.dragCursor+`!important}`)" in code
    texts = [table, f"*{{cursor:{drag_cursor}!important}}"]
    assert EDITOR_STYLE_HASHES == tuple(
        "sha256-" + base64.b64encode(hashlib.sha256(t.encode()).digest()).decode() for t in texts)
