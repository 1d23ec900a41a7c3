"""The app factory, the home page and the first /sparql answers."""

from __future__ import annotations

from comgraph.app import create_app

from comgraph.store import Source, open_store

TTL = b'@prefix ex: <http://example.org/> . ex:a ex:b "<script>alert(1)</script>" .'


def make_client():
    store = open_store("oxigraph:")
    store.load([Source("t.ttl", data=TTL)])
    return create_app({"STORE": store, "TESTING": True}).test_client()


def test_home_page_shows_the_store_size() -> None:
    page = make_client().get("/")
    assert page.status_code == 200
    assert b"<td>1</td>" in page.data


def test_sparql_get_and_post_answer_with_json_results() -> None:
    client = make_client()
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    for response in (client.get("/sparql", query_string={"query": q}),
                     client.post("/sparql", data={"query": q}),
                     client.post("/sparql", data=q, content_type="application/sparql-query")):
        assert response.status_code == 200
        assert response.mimetype == "application/sparql-results+json"
        assert response.json["results"]["bindings"][0]["n"]["value"] == "1"


def test_a_malformed_query_gets_400_with_the_reason() -> None:
    response = make_client().get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p }"})
    assert response.status_code == 400
    assert b"1:" in response.data
