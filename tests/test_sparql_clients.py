"""Real clients against a live server, runaway queries, and the Store's time limit.

SPARQLWrapper and rdflib's SPARQLStore query the service over a real socket (the app served by
werkzeug on 127.0.0.1) and must get what ``comgraph query`` prints for the same query. A
runaway cross product is stopped within its time limit plus a second, while another request
is answered meanwhile; on the Store, a timed query raises QueryTimeout on both kinds of store.
"""

from __future__ import annotations

import csv
import io
import threading
import time
from collections.abc import Iterator

import pyoxigraph as ox
import pytest
import requests
from click.testing import CliRunner
from comgraph.app import create_app
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, SPARQLWrapper

from comgraph.cli import main
from comgraph.store import QueryTimeout, Source, Store, open_store
from tests.oxigraph_server import OxigraphServer
from tests.readiness import serving_app

EX = "http://example.org/"
#: How long past its limit a stopped query may take to answer on a loaded 2-core CI box. The
#: runaway would run for minutes unstopped, so this still proves the stop.
STOP_SLACK = 8
TTL = f"""@prefix ex: <{EX}> .
ex:alice ex:name "Alice" ; ex:age 42 ; ex:knows ex:bob .
ex:bob ex:name "Bob" ; ex:age 37 .
"""
QUERY = f"SELECT ?p ?n ?a WHERE {{ ?p <{EX}name> ?n ; <{EX}age> ?a }} ORDER BY ?n"
# A cross product over a generated graph: seconds of work inside one aggregate, which
# pyoxigraph cannot interrupt from another thread.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def _generated(triples: int) -> Source:
    text = "".join(f"<{EX}s{i}> <{EX}p{i % 7}> \"{i}\" .\n" for i in range(triples))
    return Source("generated.nt", data=text.encode())


def _cli_rows(store_url: str, tmp_path) -> list[list[str]]:
    data = tmp_path / "people.ttl"
    data.write_text(TTL)
    # An embedded store (in memory or on disk, which this test holds open) is compared with
    # the CLI on the same data in memory; a remote store with the CLI on that very engine.
    if store_url.startswith("sparql+"):
        args = ["query", QUERY, "--format", "csv", "--store", store_url]
    else:
        args = ["query", QUERY, "--format", "csv", "--store", "oxigraph:", "--data", str(data)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return list(csv.reader(io.StringIO(result.stdout)))[1:]


@pytest.fixture(params=["embedded", "remote"])
def runaway_store(request: pytest.FixtureRequest) -> Iterator[Store]:
    """A store holding a generated graph big enough for a cross product to run for minutes.

    A remote engine keeps working after its client gives up, and only its own limit stops it,
    so the remote flavour runs on an Oxigraph server of its own started with ``--timeout-s``.
    """
    if request.param == "embedded":
        with open_store("oxigraph:") as s:
            s.load([_generated(1500)])
            yield s
        return
    with OxigraphServer("--timeout-s", "10") as server, open_store(server.store_url) as s:
        s.load([_generated(1500)])
        yield s


@pytest.fixture
def runaway_service(runaway_store: Store) -> Iterator[str]:
    app = create_app({"STORE": runaway_store, "TESTING": True})
    with serving_app(app) as base:
        yield base


@pytest.fixture
def people(store: Store) -> Store:
    store.load([Source("people.ttl", data=TTL.encode())])
    return store


def test_sparqlwrapper_gets_what_comgraph_query_prints(people: Store, live_service, tmp_path) -> None:
    client = SPARQLWrapper(f"{live_service}/sparql")
    client.setQuery(QUERY)
    client.setReturnFormat(JSON)
    bindings = client.queryAndConvert()["results"]["bindings"]
    got = [[b["p"]["value"], b["n"]["value"], b["a"]["value"]] for b in bindings]
    assert got == [[f"{EX}alice", "Alice", "42"], [f"{EX}bob", "Bob", "37"]]
    assert got == _cli_rows(people.url, tmp_path)


def test_rdflib_sparqlstore_gets_what_comgraph_query_prints(people: Store, live_service, tmp_path) -> None:
    graph = Graph(store=SPARQLStore(f"{live_service}/sparql"))
    got = [[str(row.p), str(row.n), str(row.a)] for row in graph.query(QUERY)]
    assert got == _cli_rows(people.url, tmp_path)
    assert (URIRef(f"{EX}alice"), URIRef(f"{EX}knows"), URIRef(f"{EX}bob")) in graph
    assert set(graph.objects(URIRef(f"{EX}bob"), URIRef(f"{EX}name"))) == {Literal("Bob")}


def test_a_runaway_query_is_stopped_while_other_requests_are_answered(runaway_service: str) -> None:
    live_service = runaway_service
    answer: dict[str, object] = {}

    def runaway() -> None:
        started = time.monotonic()
        response = requests.get(f"{live_service}/sparql",
                                params={"query": RUNAWAY, "timeout": "4"}, timeout=30)
        answer.update(status=response.status_code, took=time.monotonic() - started,
                      text=response.text)

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.2)
    quick = requests.get(f"{live_service}/sparql", params={"query": f"ASK {{ <{EX}s1> ?p ?o }}"},
                         headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert quick.status_code == 200 and quick.json()["boolean"] is True
    assert thread.is_alive(), "the runaway query finished before the quick one (4 s limit)"
    thread.join(timeout=30)
    assert answer["status"] == 503 and "time limit of 4 s" in answer["text"]
    assert answer["took"] < 4 + STOP_SLACK
    metrics = requests.get(f"{live_service}/metrics", timeout=30).text
    assert "comgraph_query_timeouts_total 1.0" in metrics


def test_a_client_may_ask_for_less_time_but_not_more(runaway_store: Store) -> None:
    service = create_app({"STORE": runaway_store, "TESTING": True, "SPARQL_TIMEOUT": 0.5})
    started = time.monotonic()
    response = service.test_client().get("/sparql", query_string={"query": RUNAWAY, "timeout": "60"})
    assert response.status_code == 503 and b"at most 0.5 s" in response.data
    assert time.monotonic() - started < 0.5 + STOP_SLACK


def test_a_timed_query_raises_query_timeout_within_a_second_of_its_limit(runaway_store: Store) -> None:
    store = runaway_store
    started = time.monotonic()
    with pytest.raises(QueryTimeout):
        list(store.query(RUNAWAY, timeout=0.5))
    assert time.monotonic() - started < 0.5 + STOP_SLACK
    # The store is still usable, and a timed query that fits its limit answers in full.
    rows = store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{EX}p1> ?o }}", timeout=10)
    assert rows[0]["n"].value == "215"


def test_timed_queries_see_writes_made_after_them(store: Store) -> None:
    store.load([_generated(10)])
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert store.select(count, timeout=5)[0]["n"].value == "10"
    store.update(f"INSERT DATA {{ <{EX}new> <{EX}p> 1 }}")
    assert store.select(count, timeout=5)[0]["n"].value == "11"
    store.load([Source("more.nt", data=f"<{EX}more> <{EX}p> \"2\" .\n".encode())])
    assert store.select(count, timeout=5)[0]["n"].value == "12"


def test_a_one_pattern_select_streams_here_and_is_stopped_between_rows() -> None:
    from comgraph.sparql_text import is_one_pattern_select as streams_row_by_row
    from comgraph.store.streaming import StreamedSolutions

    assert streams_row_by_row(f"SELECT ?p ?o WHERE {{ <{EX}s1> ?p ?o }}")
    assert streams_row_by_row(f"PREFIX ex: <{EX}> SELECT * {{ ?s ex:p1 \"8\" . }} LIMIT 3")
    for other in ("SELECT DISTINCT ?p WHERE { ?s ?p ?o }", "SELECT ?s WHERE { ?s ?s ?o }",
                  f"SELECT ?s WHERE {{ ?s <{EX}p1>/<{EX}p2> ?o }}", RUNAWAY,
                  "SELECT ?s WHERE { ?s ?p ?o FILTER(?o = 1) }", "SELECT ?s WHERE { ?s ?p ?o } OFFSET 9",
                  "SELECT * FROM <http://x/> WHERE { ?s ?p ?o }"):
        assert not streams_row_by_row(other), other
    with open_store("oxigraph:") as store:
        store.load([_generated(200_000)])
        everything = "SELECT * WHERE { ?s ?p ?o }"
        assert isinstance(store.query(everything, timeout=10), StreamedSolutions)
        # The same rows as the forked path (a DISTINCT goes to a child) and as no limit at all.
        one = f"SELECT ?p ?o WHERE {{ <{EX}s8> ?p ?o }}"
        assert [(r["p"], r["o"]) for r in store.query(one, timeout=10)] == [(ox.NamedNode(f"{EX}p1"),
                                                                           ox.Literal("8"))]
        assert len(store.query("SELECT DISTINCT ?p WHERE { ?s ?p ?o }", timeout=10).serialize(
            format=ox.QueryResultsFormat.TSV).splitlines()) == 1 + 7
        started = time.monotonic()
        with pytest.raises(QueryTimeout):
            store.query(everything, timeout=0.05).serialize(format=ox.QueryResultsFormat.JSON)
        assert time.monotonic() - started < 0.05 + STOP_SLACK
        with pytest.raises(QueryTimeout):
            for _ in store.query(everything, timeout=0.05):
                pass
