"""The unauthenticated service description (GET /sparql with no query) counts the store once per
store version, not on every request: it took 8.8 s on 1M triples (issue 10, item 8). A remote
engine cannot say when it changed: its counts are kept for SPARQL_DESCRIPTION_TTL seconds, and
forgotten when this service writes to it."""

from __future__ import annotations

import threading

import pyoxigraph as ox
import pytest
from comgraph.app import create_app

from comgraph.store import Source, Store
from tests.conftest import UPDATE_TOKEN

EX = "http://example.org/"
VOID_TRIPLES = ox.NamedNode("http://rdfs.org/ns/void#triples")
AUTH = {"Authorization": f"Bearer {UPDATE_TOKEN}"}


class CountingStore:
    """The store, counting the SELECTs the app sends it."""

    def __init__(self, store: Store):
        self._store = store
        self.selects = 0

    def select(self, *args, **kwargs):
        self.selects += 1
        return self._store.select(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._store, name)


def total(client) -> int:
    response = client.get("/sparql", headers={"Accept": "application/n-triples"})
    assert response.status_code == 200
    counts = [int(q.object.value) for q in ox.parse(response.data, ox.RdfFormat.N_TRIPLES)
              if q.predicate == VOID_TRIPLES]
    return max(counts)


def app_over(store: Store, **config):
    counting = CountingStore(store)
    app = create_app({"STORE": counting, "TESTING": True, "SPARQL_UPDATE_TOKEN": UPDATE_TOKEN,
                      **config})
    return app, counting


def test_the_description_is_counted_once_per_store_version(store: Store) -> None:
    store.load([Source("a.ttl", data=f"<{EX}a> <{EX}b> <{EX}c> .".encode())])
    app, counting = app_over(store)
    client = app.test_client()
    assert total(client) == 1
    asked = counting.selects
    assert asked > 0
    for _ in range(5):
        assert total(client) == 1
    assert counting.selects == asked
    # A write through the service: the next description counts again and shows it.
    written = client.post("/sparql", data=f"INSERT DATA {{ <{EX}d> <{EX}e> <{EX}f> }}",
                          headers={**AUTH, "Content-Type": "application/sparql-update"})
    assert written.status_code == 204
    assert total(client) == 2
    assert counting.selects == 2 * asked
    # A Graph Store write too.
    put = client.put(f"/data?graph={EX}g", data=f"<{EX}x> <{EX}y> <{EX}z> .",
                     headers={**AUTH, "Content-Type": "application/n-triples"})
    assert put.status_code == 201
    assert total(client) == 3


@pytest.mark.parametrize("store", ["embedded"], indirect=True)
def test_a_write_made_behind_the_services_back_is_seen_on_the_embedded_store(store: Store) -> None:
    app, _ = app_over(store)
    client = app.test_client()
    assert total(client) == 0
    store.update(f"INSERT DATA {{ <{EX}a> <{EX}b> <{EX}c> }}")  # the store's version changes
    assert total(client) == 1


@pytest.mark.parametrize("store", ["remote"], indirect=True)
def test_a_remote_engine_is_counted_again_once_the_ttl_has_passed(store: Store) -> None:
    # Others may write to a remote engine: within the TTL the counts may be that old.
    app, counting = app_over(store, SPARQL_DESCRIPTION_TTL=3600)
    client = app.test_client()
    assert total(client) == 0
    asked = counting.selects
    store.update(f"INSERT DATA {{ <{EX}a> <{EX}b> <{EX}c> }}")
    assert total(client) == 0 and counting.selects == asked
    app.config["SPARQL_DESCRIPTION_TTL"] = 0
    assert total(client) == 1 and counting.selects == 2 * asked


def test_concurrent_first_requests_count_the_store_once() -> None:
    from comgraph.store import open_store

    store = open_store("oxigraph:")
    store.load([Source("a.ttl", data=f"<{EX}a> <{EX}b> <{EX}c> .".encode())])
    app, counting = app_over(store)
    results: list[int] = []

    def ask() -> None:
        results.append(total(app.test_client()))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert results == [1] * 8
    single = app_over(store)[1]
    total(create_app({"STORE": single, "TESTING": True}).test_client())
    assert counting.selects == single.selects
