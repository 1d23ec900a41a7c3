"""Validation over HTTP: POST /validate with content negotiation, GET /validation and its JSON twin."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from comgraph.app import create_app

from comgraph.store import open_store

HERE = Path(__file__).parent / "data" / "validate"
SHAPES = HERE / "shapes"
DEFECTS = HERE / "data" / "defects.ttl"


@pytest.fixture
def client():
    store = open_store("oxigraph:")
    store.load([DEFECTS])
    app = create_app({"STORE": store, "SHAPES_DIR": str(SHAPES), "TESTING": True})
    return app.test_client()


def test_post_validate_returns_json_by_default(client):
    response = client.post("/validate", data=DEFECTS.read_bytes(), content_type="text/turtle")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["X-Comgraph-Conforms"] == "false"
    assert response.get_json()["counts"] == {"Violation": 4, "Warning": 2, "Info": 1}


@pytest.mark.parametrize("fail_on", ["never", "violation", "info"])
def test_fail_on_never_does_not_make_violations_conform(client, fail_on):
    """As on the command line: never judges at the violation level, so the header and the
    report never say "conforms" next to the 4 violations."""
    response = client.post(f"/validate?fail_on={fail_on}", data=DEFECTS.read_bytes(),
                           content_type="text/turtle")
    assert response.headers["X-Comgraph-Conforms"] == "false"
    assert response.get_json()["conforms"] is False
    page = client.get(f"/validation.json?fail_on={fail_on}").get_json()
    assert (page["conforms"], page["counts"]["Violation"]) == (False, 4)


@pytest.mark.parametrize("accept, mimetype, marker", [
    ("application/sarif+json", "application/sarif+json", b'"version": "2.1.0"'),
    ("text/turtle", "text/turtle", b"sh:ValidationReport"),
    ("application/xml", "application/xml", b"<testsuites"),
    ("text/plain", "text/plain", b"violation(s)"),
])
def test_post_validate_negotiates_the_report_format(client, accept, mimetype, marker):
    response = client.post("/validate", data=DEFECTS.read_bytes(), content_type="text/turtle",
                           headers={"Accept": accept})
    assert response.mimetype == mimetype
    assert marker in response.data


def test_post_validate_names_the_line_of_bad_rdf(client):
    response = client.post("/validate", data=b"@prefix ex: <https://e/> .\nex:a ex:b .\n",
                           content_type="text/turtle")
    assert response.status_code == 400
    assert b"request body:2" in response.data


def test_post_validate_refuses_media_it_cannot_read(client):
    assert client.post("/validate", data=b"x", content_type="image/png").status_code == 415


def test_get_validation_shows_the_store_report_as_html_and_json(client):
    page = client.get("/validation")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "4 violation(s), 2 warning(s), 1 info(s)" in html
    assert "The role needs exactly one name." in html
    twin = client.get("/validation.json")
    assert twin.mimetype == "application/json"
    assert json.loads(twin.data)["counts"]["Violation"] == 4
    negotiated = client.get("/validation", headers={"Accept": "application/json"})
    assert negotiated.mimetype == "application/json"
