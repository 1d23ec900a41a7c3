"""The remote store against real engines (an Oxigraph server always; Virtuoso when installed)
and against small fake engines that misbehave the ways real ones do: the Accept each query form
sends, answers of the wrong kind refused by name, ASK booleans and numeric forms brought to the
embedded store's, authentication schemes named, Virtuoso's missing default graph and system
graphs kept out of sight."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs

import pyoxigraph as ox
import pytest
import requests

from comgraph.store import QueryTimeout, Source, StoreError, open_store
from comgraph.store.engines import DEFAULT_GRAPH_STAND_IN
from comgraph.store.remote import ACCEPT_RDF, ACCEPT_RESULTS, RemoteStore
from tests.oxigraph_server import OxigraphServer
from tests.readiness import serving_handler
from tests.virtuoso_server import DBA_PASSWORD, DBA_USER, VirtuosoServer, start_virtuoso, virtuoso_installed

EX = "http://example.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"


# -- the Oxigraph server ---------------------------------------------------------------------

def test_an_oxigraph_server_is_detected_as_oxigraph(oxigraph_server: OxigraphServer) -> None:
    with open_store(oxigraph_server.store_url, env={}) as store:
        assert store.profile.name == "oxigraph"
        assert (store.update_url, store.graph_store_url) == (
            f"{oxigraph_server.base}/update", f"{oxigraph_server.base}/store")


def test_a_construct_on_an_oxigraph_server_returns_its_triples(oxigraph_server: OxigraphServer) -> None:
    oxigraph_server.clear()
    with open_store(oxigraph_server.store_url, env={}) as store:
        store.load([Source("a.ttl", data=f"<{EX}a> <{EX}p> 77.0, true .".encode())],
                   graph=f"{EX}g")
        got = set(store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{EX}g> {{ ?s ?p ?o }} }}"))
    assert got == {
        ox.Triple(ox.NamedNode(f"{EX}a"), ox.NamedNode(f"{EX}p"),
                  ox.Literal("77", datatype=ox.NamedNode(XSD + "decimal"))),
        ox.Triple(ox.NamedNode(f"{EX}a"), ox.NamedNode(f"{EX}p"),
                  ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean"))),
    }


# -- a fake engine that answers with the wrong kind ------------------------------------------

TABLE = json.dumps({"head": {"vars": ["s", "o"]}, "results": {"bindings": [
    {"s": {"type": "uri", "value": f"{EX}a"},
     "o": {"type": "literal", "value": "77.0", "datatype": XSD + "decimal"}},
    {"s": {"type": "uri", "value": f"{EX}b"},
     "o": {"type": "literal", "value": "1.0E2", "datatype": XSD + "double"}},
]}}).encode()
TURTLE = f"<{EX}a> <{EX}p> 77.0 .\n".encode()


class _MixedUpEngine(BaseHTTPRequestHandler):
    """Says it is Fuseki (which writes 77.0 where Oxigraph writes 77); answers every SELECT and
    CONSTRUCT with a JSON table and every query naming ex:rdf with Turtle; ASK with 1."""

    accepts: list[tuple[str, str]] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self._send(400, "text/plain", b"no query")

    def do_POST(self) -> None:  # noqa: N802
        form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        query = form["query"][0]
        self.accepts.append((query.split()[0], self.headers.get("Accept", "")))
        if query.startswith("ASK"):
            self._send(200, "application/sparql-results+json", b'{"head":{},"boolean":1}')
        elif "rdf" in query:
            self._send(200, "text/turtle", TURTLE)
        else:
            self._send(200, "application/sparql-results+json", TABLE)

    def _send(self, status: int, media: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Server", "Apache Jena Fuseki (4.10.0)")
        self.send_header("Content-Type", media)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def mixed_up() -> Iterator[RemoteStore]:
    _MixedUpEngine.accepts = []
    with serving_handler(_MixedUpEngine) as base:
        store = open_store(f"sparql+{base}/ds/sparql", env={})
        assert isinstance(store, RemoteStore)
        yield store
        store.close()


def test_each_query_form_asks_for_its_own_media_types(mixed_up: RemoteStore) -> None:
    mixed_up.select("SELECT * WHERE { ?s ?p ?o }")
    mixed_up.ask("ASK { ?s ?p ?o }")
    with pytest.raises(StoreError):
        list(mixed_up.query("CONSTRUCT WHERE { ?s ?p ?o }"))
    assert _MixedUpEngine.accepts == [("SELECT", ACCEPT_RESULTS), ("ASK", ACCEPT_RESULTS),
                                      ("CONSTRUCT", ACCEPT_RDF)]
    assert "sparql-results" not in ACCEPT_RDF and "turtle" not in ACCEPT_RESULTS


def test_a_table_given_to_a_construct_is_refused_by_name(mixed_up: RemoteStore) -> None:
    with pytest.raises(StoreError) as refused:
        mixed_up.query("CONSTRUCT WHERE { ?s ?p ?o }")
    assert str(refused.value).startswith(
        "the engine answered a CONSTRUCT query with a SPARQL results table "
        "(application/sparql-results+json), not RDF")


def test_rdf_given_to_a_select_is_refused_by_name(mixed_up: RemoteStore) -> None:
    with pytest.raises(StoreError) as refused:
        mixed_up.query(f"SELECT * WHERE {{ ?s <{EX}rdf> ?o }}")
    assert str(refused.value).startswith(
        "the engine answered a SELECT query with RDF (text/turtle), not SPARQL results")


def test_an_ask_answered_with_1_is_true(mixed_up: RemoteStore) -> None:
    assert mixed_up.ask("ASK { ?s ?p ?o }") is True


def test_numeric_forms_read_as_the_embedded_store_writes_them(mixed_up: RemoteStore) -> None:
    assert mixed_up.profile.name == "fuseki"
    rows = mixed_up.select("SELECT * WHERE { ?s ?p ?o }")
    assert [str(r["o"]) for r in rows] == [f'"77"^^<{XSD}decimal>', f'"100"^^<{XSD}double>']
    # ... and so do the results serialised for a client.
    out = mixed_up.query("SELECT * WHERE { ?s ?p ?o }").serialize(format=ox.QueryResultsFormat.JSON)
    values = [b["o"]["value"] for b in json.loads(out)["results"]["bindings"]]
    assert values == ["77", "100"]


# -- a fake engine that wants HTTP Digest, as Virtuoso's -auth endpoints do -------------------

SECRET_USER, SECRET_PASSWORD = "ops-user-7", "s3cret-pa55"


class _DigestOnly(BaseHTTPRequestHandler):
    """Answers a request without credentials with a Digest challenge, and Basic with a bare
    401, as Virtuoso 7.2 does."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self._refuse()

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._refuse()

    def _refuse(self) -> None:
        self.send_response(401)
        self.send_header("Server", "Virtuoso/07.20.3229 (Linux) x86_64-pc-linux-gnu")
        if not self.headers.get("Authorization"):
            self.send_header("WWW-Authenticate", 'Digest realm="SPARQL", nonce="abc", qop="auth"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def digest_only() -> Iterator[str]:
    with serving_handler(_DigestOnly) as base:
        yield f"sparql+{base}/sparql-auth"


def test_basic_sent_to_a_digest_endpoint_says_which_scheme_it_wants(digest_only: str) -> None:
    env = {"COMGRAPH_STORE_USER": SECRET_USER, "COMGRAPH_STORE_PASSWORD": SECRET_PASSWORD,
           "COMGRAPH_STORE_AUTH": "basic"}
    with open_store(digest_only, env=env) as store, pytest.raises(StoreError) as refused:
        store.update(f"INSERT DATA {{ GRAPH <{EX}g> {{ <{EX}a> <{EX}p> 1 }} }}")
    message = str(refused.value)
    assert message.endswith("refused the update (401); it takes HTTP Digest authentication and "
                            "comgraph sent Basic; set COMGRAPH_STORE_AUTH=digest"), message
    assert SECRET_USER not in message and SECRET_PASSWORD not in message


def test_no_credentials_for_a_digest_endpoint_says_to_set_them_with_digest(digest_only: str) -> None:
    with open_store(digest_only, env={}) as store, pytest.raises(StoreError) as refused:
        store.update(f"INSERT DATA {{ GRAPH <{EX}g> {{ <{EX}a> <{EX}p> 1 }} }}")
    assert str(refused.value).endswith(
        "set COMGRAPH_STORE_TOKEN, or COMGRAPH_STORE_USER and COMGRAPH_STORE_PASSWORD, with "
        "COMGRAPH_STORE_AUTH=digest (it takes HTTP Digest)")


def test_digest_credentials_the_engine_refuses_are_to_be_checked_not_set(digest_only: str) -> None:
    env = {"COMGRAPH_STORE_USER": SECRET_USER, "COMGRAPH_STORE_PASSWORD": SECRET_PASSWORD}
    with open_store(digest_only, env=env) as store, pytest.raises(StoreError) as refused:
        store.query("ASK {}")
    message = str(refused.value)
    assert store.profile.name == "virtuoso"
    assert message.endswith("check COMGRAPH_STORE_USER and COMGRAPH_STORE_PASSWORD "
                            "(sent by HTTP Digest)"), message
    assert SECRET_USER not in message and SECRET_PASSWORD not in message


# -- a real Virtuoso ---------------------------------------------------------------------------

_skip_without_virtuoso = pytest.mark.skipif(
    not virtuoso_installed(), reason="Virtuoso is not installed (apt-get install -y virtuoso-opensource)")


def needs_virtuoso(test):
    """A test on a real Virtuoso: skipped where it is not installed, and slow (it starts one)."""
    return pytest.mark.slow(_skip_without_virtuoso(test))

DBA = {"COMGRAPH_STORE_USER": DBA_USER, "COMGRAPH_STORE_PASSWORD": DBA_PASSWORD}
DATA = f"""@prefix ex: <{EX}> .
ex:alice ex:name "Alice" ; ex:score 77.0 ; ex:active true .
ex:bob ex:name "Bob" .
"""


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtuosoServer]:
    with start_virtuoso(tmp_path_factory.mktemp("virtuoso")) as server:
        yield server


@pytest.fixture
def on_virtuoso(virtuoso: VirtuosoServer) -> Iterator[RemoteStore]:
    """Virtuoso as dba, holding ex:g1 (DATA) and nothing else of the user's."""
    store = open_store(virtuoso.store_url, env=DBA)
    assert isinstance(store, RemoteStore)
    store.update("DROP ALL")
    store.load([Source("data.ttl", data=DATA.encode())], graph=f"{EX}g1")
    yield store
    store.close()


@needs_virtuoso
def test_virtuoso_is_detected_and_writes_go_through_sparql_auth_with_digest(
        on_virtuoso: RemoteStore, virtuoso: VirtuosoServer) -> None:
    assert on_virtuoso.profile.name == "virtuoso"
    assert on_virtuoso.auth_scheme == "digest"
    assert on_virtuoso.update_url == f"{virtuoso.base}/sparql-auth"
    assert on_virtuoso.graph_store_url == f"{virtuoso.base}/sparql-graph-crud-auth"
    on_virtuoso.update(f"INSERT DATA {{ GRAPH <{EX}g2> {{ <{EX}carol> <{EX}name> \"Carol\" }} }}")
    assert on_virtuoso.graphs() == [ox.NamedNode(f"{EX}g1"), ox.NamedNode(f"{EX}g2")]


@needs_virtuoso
def test_a_construct_over_virtuoso_returns_the_triples_in_the_embedded_stores_forms(
        on_virtuoso: RemoteStore) -> None:
    got = set(on_virtuoso.query(f"CONSTRUCT {{ <{EX}alice> ?p ?o }} "
                                f"WHERE {{ GRAPH <{EX}g1> {{ <{EX}alice> ?p ?o }} }}"))
    alice, p = ox.NamedNode(f"{EX}alice"), lambda name: ox.NamedNode(EX + name)
    assert got == {
        ox.Triple(alice, p("name"), ox.Literal("Alice")),
        ox.Triple(alice, p("score"), ox.Literal("77", datatype=ox.NamedNode(XSD + "decimal"))),
        ox.Triple(alice, p("active"), ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean"))),
    }


@needs_virtuoso
def test_virtuoso_booleans_in_the_data_read_true_and_ask_is_a_boolean(on_virtuoso: RemoteStore) -> None:
    rows = on_virtuoso.select(f"SELECT ?a WHERE {{ GRAPH <{EX}g1> {{ <{EX}alice> <{EX}active> ?a }} }}")
    assert [str(r["a"]) for r in rows] == [f'"true"^^<{XSD}boolean>']
    assert on_virtuoso.ask(f"ASK {{ GRAPH <{EX}g1> {{ <{EX}bob> <{EX}name> \"Bob\" }} }}") is True
    assert on_virtuoso.ask(f"ASK {{ GRAPH <{EX}g1> {{ <{EX}bob> <{EX}name> \"Alice\" }} }}") is False


@needs_virtuoso
def test_virtuoso_system_graphs_are_not_listed(on_virtuoso: RemoteStore, virtuoso: VirtuosoServer) -> None:
    everything = requests.post(virtuoso.query_url, timeout=60,
                               data={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"},
                               headers={"Accept": "application/sparql-results+json"}).json()
    held = {b["g"]["value"] for b in everything["results"]["bindings"]}
    assert {"http://www.openlinksw.com/schemas/virtrdf#", f"{virtuoso.base}/sparql",
            f"{virtuoso.base}/DAV/"} <= held
    assert on_virtuoso.graphs() == [ox.NamedNode(f"{EX}g1")]
    assert on_virtuoso.triple_count() == 4


@needs_virtuoso
def test_drop_all_on_virtuoso_drops_the_users_graphs_not_nothing(on_virtuoso: RemoteStore) -> None:
    on_virtuoso.update("DROP ALL")
    assert on_virtuoso.graphs() == []
    assert on_virtuoso.ask("ASK { GRAPH <http://www.openlinksw.com/schemas/virtrdf#> { ?s ?p ?o } }")


@needs_virtuoso
def test_comgraph_s_default_graph_on_virtuoso_is_a_named_graph_standing_in(
        on_virtuoso: RemoteStore, caplog: pytest.LogCaptureFixture) -> None:
    default = f"<{EX}carol> <{EX}name> \"Carol\" .\n"
    on_virtuoso.load([Source("default.nt", data=default.encode())])  # no --graph
    assert on_virtuoso.graphs() == [ox.NamedNode(f"{EX}g1")]  # the stand-in is not listed
    assert ox.NamedNode(DEFAULT_GRAPH_STAND_IN) in {
        r["g"] for r in on_virtuoso.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")}
    out = io.BytesIO()
    on_virtuoso.dump(out, ox.RdfFormat.N_TRIPLES, graph="default")
    assert out.getvalue().decode() == default

    # A whole-store dump gives the stand-in's triples back as the default graph: the same
    # N-Quads as the embedded store holding the same data.
    out, embedded_out = io.BytesIO(), io.BytesIO()
    on_virtuoso.dump(out, ox.RdfFormat.N_QUADS)
    with open_store("oxigraph:") as embedded:
        embedded.load([Source("data.ttl", data=DATA.encode())], graph=f"{EX}g1")
        embedded.load([Source("default.nt", data=default.encode())])
        embedded.dump(embedded_out, ox.RdfFormat.N_QUADS)
    assert sorted(out.getvalue().splitlines()) == sorted(embedded_out.getvalue().splitlines())
    assert f"the named graph {DEFAULT_GRAPH_STAND_IN}" in caplog.text

    on_virtuoso.update("DROP DEFAULT")
    out = io.BytesIO()
    on_virtuoso.dump(out, ox.RdfFormat.N_QUADS)
    assert b"Carol" not in out.getvalue() and b"Alice" in out.getvalue()

    # DROP ALL among other operations drops each graph, in place, and the rest still happens.
    on_virtuoso.update(f"DROP ALL ; INSERT DATA {{ GRAPH <{EX}g3> {{ <{EX}a> <{EX}p> 1 }} }}")
    assert on_virtuoso.graphs() == [ox.NamedNode(f"{EX}g3")]
    on_virtuoso.update("DROP ALL")
    assert on_virtuoso.graphs() == [] and on_virtuoso.triple_count() == 0
    on_virtuoso.update("DROP ALL")  # with nothing left, nothing to do


@needs_virtuoso
def test_basic_to_virtuoso_names_digest(virtuoso: VirtuosoServer) -> None:
    with open_store(virtuoso.store_url, env={**DBA, "COMGRAPH_STORE_AUTH": "basic"}) as store:
        with pytest.raises(StoreError) as refused:
            store.update(f"INSERT DATA {{ GRAPH <{EX}g9> {{ <{EX}a> <{EX}p> 1 }} }}")
    assert str(refused.value) == (
        f"{virtuoso.base}/sparql-auth refused the update (401); it takes HTTP Digest "
        "authentication and comgraph sent Basic; set COMGRAPH_STORE_AUTH=digest")


@needs_virtuoso
def test_the_virtuoso_fixture_is_reusable_as_base_url_and_stop(tmp_path: Path) -> None:
    server = start_virtuoso(tmp_path)
    base, stop = server.start()
    try:
        answer = requests.get(f"{base}/sparql", headers={"Accept": "text/turtle"}, timeout=60)
        assert answer.headers["Server"].startswith("Virtuoso/")
        # Anonymous updates need the grant, which isql gives.
        update = {"update": f"INSERT DATA {{ GRAPH <{EX}anon> {{ <{EX}a> <{EX}p> 1 }} }}"}
        assert requests.post(f"{base}/sparql", data=update, timeout=60).status_code == 500
        server.isql('GRANT SPARQL_UPDATE TO "SPARQL";')
        assert requests.post(f"{base}/sparql", data=update, timeout=60).status_code == 200
    finally:
        stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{base}/sparql", timeout=10)


@needs_virtuoso
def test_a_load_into_virtuoso_sends_its_file_once_under_digest(virtuoso: VirtuosoServer) -> None:
    # Each final answer, with the 401s requests' Digest support answered before it.
    answers: list[tuple[str, list[int]]] = []
    with open_store(virtuoso.store_url, env=DBA) as store:
        store._session.hooks["response"].append(  # type: ignore[attr-defined]
            lambda r, *a, **k: answers.append((r.request.method, [h.status_code for h in r.history])))
        store.load([Source("data.ttl", data=DATA.encode())], graph=f"{EX}once")
        assert store.graphs()[-1] == ox.NamedNode(f"{EX}once")
        store.update(f"DROP SILENT GRAPH <{EX}once>")
    assert answers[0] == ("HEAD", [401]), answers  # the nonce, learnt without a body
    assert all(history == [] for method, history in answers if method == "POST"), answers


def test_a_partial_anytime_answer_is_a_timeout_not_an_answer() -> None:
    # Virtuoso answers a query that reached its time limit with what it found so far: HTTP 206,
    # or a 200 with X-SQL-State S1TAT. Validation must not trust such rows.
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Anytime(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            body = b'{"head":{"vars":["s"]},"results":{"bindings":[]}}'
            self.send_response(206 if self.path.endswith("206") else 200)
            if not self.path.endswith("206"):
                self.send_header("X-SQL-State", "S1TAT")
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Anytime)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        for path in ("/sparql206", "/sparql"):
            store = RemoteStore(f"http://127.0.0.1:{server.server_port}{path}", engine="virtuoso")
            with pytest.raises(QueryTimeout, match="came back incomplete"):
                store.select("SELECT ?s WHERE { ?s ?p ?o }")
    finally:
        server.shutdown()
