"""The app factory, the home page and the first /sparql answers."""

from __future__ import annotations

import pytest

from comgraph.store import Source

TTL = b'@prefix ex: <http://example.org/> . ex:a ex:b "<script>alert(1)</script>" .'


@pytest.fixture
def app_data() -> list[Source]:
    """The shared `app` fixture's store holds this one triple instead of the demo."""
    return [Source("t.ttl", data=TTL)]


def test_home_page_shows_the_store_size(client) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert b"<td>1</td>" in page.data


def test_sparql_get_and_post_answer_with_json_results(client) -> None:
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    for response in (client.get("/sparql", query_string={"query": q}),
                     client.post("/sparql", data={"query": q}),
                     client.post("/sparql", data=q, content_type="application/sparql-query")):
        assert response.status_code == 200
        assert response.mimetype == "application/sparql-results+json"
        assert response.json["results"]["bindings"][0]["n"]["value"] == "1"


def test_a_malformed_query_gets_400_with_the_reason(client) -> None:
    response = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p }"})
    assert response.status_code == 400
    assert b"1:" in response.data
