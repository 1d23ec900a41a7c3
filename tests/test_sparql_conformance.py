"""The W3C SPARQL 1.1 Protocol and Graph Store Protocol test suites, run from their manifests.

The manifests in ``tests/data/conformance/`` are the W3C's, unchanged. Each entry becomes one
test case: its requests go, byte for byte, through the app (on each kind of store), and each
answer is checked for the status, the result format, the ASK answer, the Location and the graph
the manifest expects. Request paths start ``/sparql/`` and ``/gsp``; they are rewritten to this
service's ``/sparql`` and ``/data``.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import rdflib
from rdflib import RDFS, Namespace
from rdflib.collection import Collection
from rdflib.compare import isomorphic

from comgraph.store import Source, Store
from tests.conftest import UPDATE_TOKEN

DATA = Path(__file__).parent / "data" / "conformance"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = "http://www.w3.org/2011/http-statusCodes#"
STATUS = {"OK": 200, "Created": 201, "NoContent": 204, "NotFound": 404}
BOOLEAN_TYPES = {"application/sparql-results+json", "application/sparql-results+xml"}
TABULAR_TYPES = BOOLEAN_TYPES | {"text/csv", "text/tab-separated-values"}
RDF_TYPES = {"text/turtle": "turtle", "application/n-triples": "nt", "application/rdf+xml": "xml",
             "application/ld+json": "json-ld"}


def _entries(manifest: Path) -> list[tuple[str, rdflib.Graph, rdflib.term.Node]]:
    graph = rdflib.Graph().parse(manifest, format="turtle", publicID=manifest.as_uri())
    cases = []
    for head in graph.objects(None, MF.entries):
        for entry in Collection(graph, head):
            cases.append((str(entry).rsplit("#", 1)[-1], graph, entry))
    return cases


PROTOCOL = _entries(DATA / "sparql11-protocol" / "manifest.ttl")
GSP = (_entries(DATA / "sparql11-graph-store-protocol" / "manifest-direct.ttl")
       + _entries(DATA / "sparql11-graph-store-protocol" / "manifest-indirect.ttl"))


def test_the_suites_have_every_test_we_claim_to_pass() -> None:
    assert len(PROTOCOL) == 34
    assert len(GSP) == len({name for name, *_ in GSP}) >= 10


def _requests(graph: rdflib.Graph, entry) -> list:
    action = graph.value(entry, MF.action)
    return list(Collection(graph, graph.value(action, HT.requests)))


def _load_graph_data(graph: rdflib.Graph, entry, store: Store, folder: Path) -> None:
    for data in graph.objects(entry, UT.graphData):
        file = Path(str(graph.value(data, UT.graph)).removeprefix("file://"))
        store.load([Source(file.name, data=(folder / file.name).read_bytes())],
                   graph=str(graph.value(data, RDFS.label)))


def _send(client, graph: rdflib.Graph, request, prefix: tuple[str, str], location: str | None):
    method = str(graph.value(request, HT.methodName))
    path = str(graph.value(request, HT.absolutePath))
    old, new = prefix
    path = new + path[len(old):] if path.startswith(old) else path
    headers = {"Authorization": f"Bearer {UPDATE_TOKEN}"}
    header_list = graph.value(request, HT.headers)
    if header_list is not None:
        for header in Collection(graph, header_list):
            headers[str(graph.value(header, HT.fieldName))] = str(graph.value(header, HT.fieldValue))
    body = graph.value(request, HT.body)
    data = str(graph.value(body, CNT.chars)).encode() if body is not None else None
    if location is not None:
        path = path.replace("$LOCATION$", location)
        data = data.replace(b"$LOCATION$", location.encode()) if data else data
    # The test client would add its own Content-Type to a body; the manifest's headers rule.
    environ = {"CONTENT_TYPE": headers.pop("content-type", "")} if data is not None else {}
    return client.open(path, method=method, headers=headers, data=data,
                       base_url="http://www.example", environ_overrides=environ)


def _expected_statuses(graph: rdflib.Graph, response_node) -> list[range]:
    wanted = []
    for status in graph.objects(response_node, MF.expectedStatus):
        name = str(status)[len(HTS):]
        if name.startswith("StatusCode"):
            first = int(name[len("StatusCode")]) * 100
            wanted.append(range(first, first + 100))
        else:
            wanted.append(range(STATUS[name], STATUS[name] + 1))
    return wanted


def _check_protocol_answer(graph: rdflib.Graph, expected, response) -> None:
    fmt = graph.value(expected, MF.expectedFormat)
    boolean = graph.value(expected, MF.expectedBoolean)
    if fmt is not None:
        allowed = {"boolean": BOOLEAN_TYPES, "tabular": TABULAR_TYPES, "RDF": set(RDF_TYPES)}[str(fmt)]
        assert response.mimetype in allowed, response.mimetype
    if str(fmt) == "RDF":
        rdflib.Graph().parse(data=response.data, format=RDF_TYPES[response.mimetype])
    if boolean is not None:
        import pyoxigraph as ox

        parsed = ox.parse_query_results(response.data,
                                        ox.QueryResultsFormat.from_media_type(response.mimetype))
        assert bool(parsed) is boolean.toPython()


def _check_graph_answer(graph: rdflib.Graph, expected, response) -> None:
    header_list = graph.value(expected, HT.headers)
    if header_list is not None:
        for header in Collection(graph, header_list):
            if str(graph.value(header, HT.fieldName)).lower() == "content-type":
                wanted = str(graph.value(header, HT.fieldValue)).split(";")[0].strip()
                assert response.mimetype == wanted
    body = graph.value(expected, HT.body)
    if body is not None and response.status_code == 200 and response.data:
        want = rdflib.Graph().parse(data=str(graph.value(body, CNT.chars)), format="turtle")
        got = rdflib.Graph().parse(io.BytesIO(response.data), format=RDF_TYPES[response.mimetype])
        assert isomorphic(want, got), got.serialize(format="turtle")


def _run(service, store: Store, graph: rdflib.Graph, entry, prefix: tuple[str, str], folder: Path,
         check) -> None:
    store.update("DROP SILENT ALL")
    _load_graph_data(graph, entry, store, folder)
    client = service.test_client()
    location = None
    for number, request in enumerate(_requests(graph, entry), 1):
        response = _send(client, graph, request, prefix, location)
        expected = graph.value(request, HT.resp)
        statuses = _expected_statuses(graph, expected)
        assert any(response.status_code in r for r in statuses), (
            f"request {number}: HTTP {response.status_code}, expected {statuses}: "
            f"{response.get_data(as_text=True)[:500]}")
        check(graph, expected, response)
        if graph.value(expected, MF.expectedLocation) is not None:
            location = response.headers["Location"]


@pytest.mark.parametrize("name, graph, entry", PROTOCOL, ids=[c[0] for c in PROTOCOL])
def test_sparql_protocol_conformance(service, store: Store, name, graph, entry) -> None:
    _run(service, store, graph, entry, ("/sparql/", "/sparql"), DATA / "sparql11-protocol",
         _check_protocol_answer)


@pytest.mark.parametrize("name, graph, entry", GSP, ids=[c[0] for c in GSP])
def test_graph_store_protocol_conformance(service, store: Store, name, graph, entry) -> None:
    _run(service, store, graph, entry, ("/gsp", "/data"), DATA / "sparql11-graph-store-protocol",
         _check_graph_answer)
