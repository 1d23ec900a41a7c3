"""One error, one status: the error table (``comgraph.app.errors``) answers every route alike.

Each kind of store error is raised by the store behind the query, update, Graph Store, view and
resource routes, and each route answers it with the same status (and ``Retry-After`` where the
table gives one), in a ``text/plain`` body that says what went wrong. A row cap is no error:
the query is answered, and the cap is signalled in headers.
"""

from __future__ import annotations

import pytest
from comgraph.app import create_app

from comgraph.store import (
    EngineAnswerBroken,
    QueryError,
    QueryMemoryExceeded,
    QueryTimeout,
    Source,
    StoreUnavailable,
    open_store,
)
from tests.conftest import UPDATE_TOKEN

EX = "http://example.org/"

#: kind of error -> (the error the store raises, the status, the Retry-After header, what the
#: body says)
KINDS = {
    "store down": (StoreUnavailable("the store at http://127.0.0.1:9/ cannot be reached"), 503, None,
                   "cannot be reached"),
    "answer cut off": (EngineAnswerBroken("the engine's answer was cut off or malformed"), 503, None,
                       "cut off"),
    "timeout": (QueryTimeout("the query ran past its time limit and was stopped"), 503, "1",
                "time limit"),
    "bad query": (QueryError("error at 1:8: expected a variable"), 400, None, "expected a variable"),
    "memory cap": (QueryMemoryExceeded("the query needed more than 1 MB and was stopped"), 503, None,
                   "more than 1 MB"),
}

#: route -> (method, path, keyword arguments for the test client)
ROUTES = {
    "query": ("GET", "/sparql", {"query_string": {"query": f"SELECT * WHERE {{ <{EX}a> ?p ?o }}"},
                                 "headers": {"Accept": "application/sparql-results+json"}}),
    "update": ("POST", "/sparql", {"data": f"INSERT DATA {{ <{EX}a> <{EX}b> 1 }}",
                                   "headers": {"Content-Type": "application/sparql-update",
                                               "Authorization": f"Bearer {UPDATE_TOKEN}"}}),
    "graph store read": ("GET", "/data", {"query_string": "default",
                                          "headers": {"Accept": "text/turtle"}}),
    "graph store write": ("PUT", "/data", {"query_string": "default",
                                           "data": f"<{EX}a> <{EX}b> 1 .",
                                           "headers": {"Content-Type": "text/turtle",
                                                       "Authorization": f"Bearer {UPDATE_TOKEN}"}}),
    "view": ("GET", "/views/capability-coverage", {}),
    "view twin": ("GET", "/views/capability-coverage.csv", {}),
    "resource": ("GET", "/resource", {"query_string": {"iri": f"{EX}a"}}),
    "resource twin": ("GET", "/resource.ttl", {"query_string": {"iri": f"{EX}a"}}),
}


def failing_app(error: Exception):
    store = open_store("oxigraph:")

    def fail(*_args, **_kwargs):
        raise error

    for name in ("query", "select", "ask", "construct", "update", "load"):
        setattr(store, name, fail)
    return create_app({"STORE": store, "SPARQL_UPDATE_TOKEN": UPDATE_TOKEN})  # as served


@pytest.mark.parametrize("kind", KINDS)
def test_each_error_kind_has_one_status_on_every_route(kind: str) -> None:
    error, status, retry_after, said = KINDS[kind]
    client = failing_app(error).test_client()
    answered = {}
    for route, (method, path, kwargs) in ROUTES.items():
        response = client.open(path, method=method, **kwargs)
        answered[route] = (response.status_code, response.headers.get("Retry-After"),
                           response.mimetype)
        assert said in response.get_data(as_text=True), route
    assert answered == {route: (status, retry_after, "text/plain") for route in ROUTES}


def test_a_row_cap_is_signalled_not_an_error() -> None:
    store = open_store("oxigraph:")
    store.load([Source("data.nt", data="".join(
        f"<{EX}s{i}> <{EX}p> \"{i}\" .\n" for i in range(5)).encode())])
    client = create_app({"STORE": store, "SPARQL_MAX_ROWS": 2}).test_client()
    response = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }"},
                          headers={"Accept": "text/csv"})
    assert response.status_code == 200 and response.headers["X-Comgraph-Row-Cap"] == "2"
    assert response.headers["X-Comgraph-Truncated"] == "true"
    assert len(response.text.splitlines()) == 1 + 2
