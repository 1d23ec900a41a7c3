"""Remote load at the engine's speed, still all or nothing (issue 17), against a real Oxigraph
server: where the engine's Graph Store POST is atomic, a load is one POST straight to its target
graph; otherwise (and for quad files) it is staged and moved with one update. Either way a bad
file changes nothing and is named FILE:LINE:COL."""

from __future__ import annotations

import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

from comgraph.store import LoadError, QueryTimeout, Source, StoreError, open_store, remote_load
from comgraph.store.engines import PROFILES
from comgraph.store.remote import RemoteStore
from tests.oxigraph_server import OxigraphServer
from tests.readiness import serving_handler

GRAPH = "http://example.org/g"
KEPT = "<http://example.org/kept> <http://example.org/p> \"there before\" .\n"


def count(server: OxigraphServer, graph: str | None = None) -> int:
    where = f"GRAPH <{graph}> {{ ?s ?p ?o }}" if graph else "{ ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } }"
    answer = requests.post(server.query_url, data={"query": f"SELECT (COUNT(*) AS ?n) {{ {where} }}"},
                           headers={"Accept": "application/sparql-results+json"}, timeout=60)
    answer.raise_for_status()
    return int(answer.json()["results"]["bindings"][0]["n"]["value"])


def ntriples(n: int, start: int = 0) -> str:
    return "".join(f"<http://example.org/s{i}> <http://example.org/p> \"{i}\" .\n"
                   for i in range(start, start + n))


@pytest.fixture
def server(oxigraph_server: OxigraphServer) -> OxigraphServer:
    oxigraph_server.clear()
    requests.post(f"{oxigraph_server.base}/store", params={"graph": GRAPH}, data=KEPT.encode(),
                  headers={"Content-Type": "application/n-triples"}, timeout=60).raise_for_status()
    return oxigraph_server


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """What the remote store sent: ("POST", graph) for each Graph Store request, ("update", text)."""
    seen: list[tuple[str, str]] = []
    gsp, update = RemoteStore._gsp, RemoteStore.update

    def spy_gsp(self, method, graph, **kwargs):
        seen.append((method, "default" if isinstance(graph, ox.DefaultGraph) else graph.value))
        return gsp(self, method, graph, **kwargs)

    def spy_update(self, sparql, **kwargs):
        seen.append(("update", sparql))
        return update(self, sparql, **kwargs)

    monkeypatch.setattr(RemoteStore, "_gsp", spy_gsp)
    monkeypatch.setattr(RemoteStore, "update", spy_update)
    return seen


def engine_without_atomic_post(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every remote store's profile say its Graph Store POST may keep half a file (the
    setter ignores a profile the store sets for itself)."""
    monkeypatch.setattr(RemoteStore, "profile",
                        property(lambda self: PROFILES["generic"], lambda self, value: None))


# -- the engine itself ------------------------------------------------------------------------

def test_oxigraphs_graph_store_post_keeps_nothing_of_a_file_with_an_error_near_its_end(server) -> None:
    # What the straight path relies on: the engine's POST is one transaction.
    body = ntriples(30_000) + '<http://example.org/x> <http://example.org/p> "unterminated .\n'
    answer = requests.post(f"{server.base}/store", params={"graph": GRAPH}, data=body.encode(),
                           headers={"Content-Type": "application/n-triples"}, timeout=120)
    assert answer.status_code == 400
    assert "line 30001" in answer.text
    assert count(server, GRAPH) == 1


def test_oxigraph_keeps_nothing_of_a_post_whose_body_is_cut_off(server) -> None:
    # What several files in one POST rely on: a stream that stops half-way is not committed.
    def cut_off():
        yield ntriples(30_000).encode()
        raise RuntimeError("the sender gave up")

    with pytest.raises(RuntimeError):
        requests.post(f"{server.base}/store", params={"graph": GRAPH}, data=cut_off(),
                      headers={"Content-Type": "application/n-triples"}, timeout=120)
    assert count(server, GRAPH) == 1


# -- straight to the target -------------------------------------------------------------------

def test_one_file_is_one_post_straight_to_its_graph(server, calls, tmp_path: Path) -> None:
    path = tmp_path / "data.nt"
    path.write_text(ntriples(1000))
    seen: list[tuple[int, int]] = []
    with open_store(server.store_url) as store:
        assert store.load([path], graph=GRAPH, progress=lambda d, t: seen.append((d, t))) == 1000
    assert calls == [("POST", GRAPH)]
    assert count(server, GRAPH) == 1001
    assert seen[-1] == (path.stat().st_size,) * 2


def test_bytes_with_no_file_go_as_they_are_and_relative_iris_are_refused(server, calls) -> None:
    # What the importers load: Turtle made in memory, with no file to resolve against.
    with open_store(server.store_url) as store:
        assert store.load([Source("made.ttl", data=b"<http://example.org/s> <http://example.org/p> 1 .",
                                  format=ox.RdfFormat.TURTLE)]) == 1
        with pytest.raises(LoadError) as caught:
            store.load([Source("relative.ttl", data=b"<s> <http://example.org/p> 1 .",
                               format=ox.RdfFormat.TURTLE)])
    assert str(caught.value).startswith("relative.ttl:1:")
    assert calls == [("POST", "default")]
    assert count(server) == 2


def test_relative_iris_in_turtle_resolve_against_the_file_as_on_the_embedded_store(server, calls,
                                                                                   tmp_path: Path) -> None:
    path = tmp_path / "relative.ttl"
    path.write_text("<thing> <http://example.org/p> <other> .\n")
    with open_store(server.store_url) as remote, open_store("oxigraph:") as embedded:
        remote.load([path])
        embedded.load([path])
        query = "SELECT ?s ?o { ?s <http://example.org/p> ?o }"
        assert remote.select(query) == embedded.select(query)
        assert remote.select(query)[0]["s"] == ox.NamedNode((tmp_path / "thing").as_uri())
    assert calls == [("POST", "default")]


def test_several_files_are_one_post_and_keep_their_blank_nodes_apart(server, calls, tmp_path: Path) -> None:
    first, second, third = tmp_path / "a.ttl", tmp_path / "b.nt", tmp_path / "c.rdf"
    first.write_text("@prefix e: <http://example.org/> .\n_:b1 e:p e:one .\n")
    second.write_text("_:b1 <http://example.org/p> <http://example.org/two> .\n")
    third.write_text('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
                     'xmlns:e="http://example.org/"><rdf:Description rdf:about="http://example.org/s">'
                     '<e:p rdf:resource="http://example.org/three"/></rdf:Description></rdf:RDF>\n')
    seen: list[tuple[int, int]] = []
    with open_store(server.store_url) as store:
        added = store.load([first, second, third], graph=GRAPH, progress=lambda d, t: seen.append((d, t)))
        assert added == 3
        subjects = {row["s"] for row in store.select(
            f"SELECT ?s {{ GRAPH <{GRAPH}> {{ ?s <http://example.org/p> ?o }} }}")}
    assert calls == [("POST", GRAPH)]
    assert len([s for s in subjects if isinstance(s, ox.BlankNode)]) == 2
    total = sum(p.stat().st_size for p in (first, second, third))
    assert seen[-1] == (total, total)


def test_a_bad_file_among_several_is_named_and_nothing_is_sent(server, calls, tmp_path: Path) -> None:
    good, bad = tmp_path / "good.nt", tmp_path / "bad.ttl"
    good.write_text(ntriples(10))
    bad.write_text("@prefix e: <http://example.org/> .\ne:s e:p e:o .\ne:s e:p .\n")
    with open_store(server.store_url) as store, pytest.raises(LoadError) as caught:
        store.load([good, bad], graph=GRAPH)
    assert str(caught.value).startswith(f"{bad}:3:9: ")
    assert calls == []
    assert count(server) == 1


def test_a_file_the_engine_refuses_is_named_at_its_line_and_nothing_of_it_is_kept(
        server, calls, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A file that changed after comgraph checked it (the check is skipped here): the engine's own
    # parse error, near the end of a large file, placed in the file, and the graph as it was.
    monkeypatch.setattr(remote_load, "check_parses", lambda item: 0)
    path = tmp_path / "late-error.nt"
    path.write_text(ntriples(30_000) + '<http://example.org/x> <http://example.org/p> "unterminated .\n')
    with open_store(server.store_url) as store, pytest.raises(LoadError) as caught:
        store.load([path], graph=GRAPH)
    assert str(caught.value).startswith(f"{path}:30001:")
    assert "nothing of it was kept" in str(caught.value)
    assert calls == [("POST", GRAPH)]
    assert count(server) == 1


def test_an_engine_error_on_line_1_of_turtle_is_placed_in_the_file_not_after_the_base(
        server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(remote_load, "check_parses", lambda item: 0)
    path = tmp_path / "line1.ttl"
    path.write_text("<http://example.org/s> <http://example.org/p> .\n")
    with open_store("oxigraph:") as embedded, pytest.raises(LoadError) as here:
        embedded.load([path])
    with open_store(server.store_url) as store, pytest.raises(LoadError) as there:
        store.load([path])
    assert (there.value.line, there.value.column) == (here.value.line, here.value.column) == (1, 47)
    assert count(server) == 1


def test_several_files_whose_stream_breaks_half_way_keep_nothing(
        server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(remote_load, "check_parses", lambda item: 0)
    good, bad = tmp_path / "good.nt", tmp_path / "bad.nt"
    good.write_text(ntriples(30_000))
    bad.write_text(ntriples(10, start=50_000) + "<http://example.org/s> <http://example.org/p> .\n")
    with open_store(server.store_url) as store, pytest.raises(LoadError) as caught:
        store.load([good, bad], graph=GRAPH)
    assert str(caught.value).startswith(f"{bad}:11:")
    assert count(server) == 1


# -- stage and move ---------------------------------------------------------------------------

def test_an_engine_without_an_atomic_post_is_staged_and_moved(server, calls, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    engine_without_atomic_post(monkeypatch)
    first, second = tmp_path / "a.ttl", tmp_path / "b.nt"
    first.write_text("@prefix e: <http://example.org/> .\n_:b1 e:p e:one .\n")
    second.write_text("_:b1 <http://example.org/p> <http://example.org/two> .\n")
    with open_store(server.store_url) as store:
        assert store.load([first, second], graph=GRAPH) == 2
        assert [g.value for g in store.graphs()] == [GRAPH]
        blank = store.select(f"SELECT DISTINCT ?s {{ GRAPH <{GRAPH}> {{ ?s ?p ?o FILTER isBlank(?s) }} }}")
    assert len(blank) == 2
    (post, stage), (kind, moves) = calls
    assert post == "POST" and stage.startswith("urn:comgraph:staging:")
    assert kind == "update" and f"ADD <{stage}> TO <{GRAPH}>" in moves
    assert count(server) == 3


def test_quad_files_are_staged_graph_by_graph_even_on_an_atomic_engine(server, calls, tmp_path: Path) -> None:
    path = tmp_path / "quads.trig"
    path.write_text("@prefix e: <http://example.org/> .\ne:s e:p e:o .\n"
                    "e:g1 { e:s e:p e:one . }\ne:g2 { e:s e:p e:two . }\n")
    with open_store(server.store_url) as store:
        assert store.load([path]) == 3
        assert [g.value for g in store.graphs()] == ["http://example.org/g", "http://example.org/g1",
                                                     "http://example.org/g2"]
    assert [c[0] for c in calls] == ["POST", "POST", "POST", "update"]
    assert count(server) == 4


def test_a_move_the_engine_refuses_leaves_no_staged_graph(server, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    engine_without_atomic_post(monkeypatch)
    path = tmp_path / "a.nt"
    path.write_text(ntriples(5))
    # The update URL is the query endpoint, which refuses updates.
    store = RemoteStore(server.query_url, update_url=server.query_url)
    with store, pytest.raises(StoreError):
        store.load([path], graph=GRAPH)
    assert count(server) == 1


# -- an engine that asks for HTTP Digest (its first answer to a POST is a challenge) ----------

class _DigestEngine(BaseHTTPRequestHandler):
    """Answers a POST without credentials with a Digest challenge (after reading the body, as
    engines do), and keeps the bodies of the POSTs that came with them."""

    received: list[bytes] = []

    def do_POST(self) -> None:
        if self.headers.get("Transfer-Encoding") == "chunked":
            body = b""
            while (size := int(self.rfile.readline().strip() or b"0", 16)):
                body += self.rfile.read(size)
                self.rfile.readline()
            self.rfile.readline()
        else:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.headers.get("Authorization", "").startswith("Digest "):
            self.received.append(body)
            self.send_response(204)
        else:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Digest realm="engine", nonce="n0", qop="auth"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.parametrize("files", [["a.ttl"], ["a.ttl", "b.nt"]], ids=["one file", "a stream"])
def test_a_load_challenged_for_digest_credentials_sends_the_whole_body_again(
        files, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from requests.auth import HTTPDigestAuth

    monkeypatch.setattr(RemoteStore, "profile",
                        property(lambda self: PROFILES["oxigraph"], lambda self, value: None))
    (tmp_path / "a.ttl").write_text(ntriples(2000))
    (tmp_path / "b.nt").write_text(ntriples(2000, start=2000))
    _DigestEngine.received = []
    with serving_handler(_DigestEngine) as base:
        store = RemoteStore(f"{base}/query")
        store._session.auth = HTTPDigestAuth("user", "secret")
        with store:
            assert store.load([tmp_path / name for name in files]) == 2000 * len(files)
    loaded = [body for body in _DigestEngine.received if body]
    assert len(loaded) == 1
    assert loaded[0].count(b"\n") == 2000 * len(files)


class _SlowEngine(BaseHTTPRequestHandler):
    """An engine that takes 3 s over every request: longer than the store's 1 s time limit."""

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        time.sleep(3)
        if self.path.startswith("/store"):
            self.send_response(204)
            self.end_headers()
            return
        body = b'{"head":{"vars":["s"]},"results":{"bindings":[]}}'
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_a_load_waits_for_the_engine_as_long_as_it_works_a_query_does_not(tmp_path: Path) -> None:
    # The Oxigraph server took more than the 300 s a query gets to take 10M triples in one POST.
    data = tmp_path / "one.nt"
    data.write_text(KEPT)
    with serving_handler(_SlowEngine) as base:
        store = RemoteStore(f"{base}/query", graph_store_url=f"{base}/store", timeout=1, engine="oxigraph")
        with store:
            assert store.load([data]) == 1
            with pytest.raises(QueryTimeout, match="within 1 s"):
                store.select("SELECT ?s WHERE { ?s ?p ?o }")
