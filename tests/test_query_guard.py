"""The network guard reads keywords, not variable or prefixed names that look like them."""

from __future__ import annotations

import pytest

from comgraph.store import Source


@pytest.fixture
def app_data() -> list[Source]:
    """The shared `app` fixture's store holds this one triple instead of the demo."""
    return [Source("t.ttl", data=b"<http://example.org/a> <http://example.org/from> 1 .")]


@pytest.mark.parametrize("query", [
    "SELECT ?from ?to WHERE { BIND(1 AS ?from) BIND(2 AS ?to) }",
    "SELECT $service ?load WHERE { BIND(1 AS $service) BIND(2 AS ?load) }",
    "PREFIX ex: <http://example.org/> SELECT ?s WHERE { ?s ex:from ?o }",
])
def test_variables_and_prefixed_names_like_keywords_are_not_refused(client, query: str) -> None:
    response = client.get("/sparql", query_string={"query": query},
                          headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.data
    assert len(response.json["results"]["bindings"]) == 1


def test_a_real_from_outside_the_store_is_still_refused(client) -> None:
    response = client.get("/sparql", query_string={
        "query": "SELECT * FROM <http://127.0.0.1:9/x> WHERE { ?s ?p ?o }"})
    assert response.status_code == 400
    assert b"FROM <http://127.0.0.1:9/x> is refused" in response.data
