"""The W3C SPARQL 1.1 Protocol and Graph Store Protocol test suites, run from their manifests:
the one runner, used by ``tests/test_sparql_conformance.py`` (through Flask's test client, on
each kind of store) and by ``make compat`` (over HTTP, against ``comgraph serve`` on each engine).

The manifests in ``tests/data/conformance/`` are the W3C's, unchanged. Each entry is one case:
its requests go, byte for byte, to the service, and each answer is checked for the status, the
result format, the ASK answer, the Location and the graph the manifest expects. Request paths
start ``/sparql/`` and ``/gsp``; they are rewritten to this service's ``/sparql`` and ``/data``.

A case is run by :func:`run_case` with two callables: ``reset(graphs)`` empties the store and
loads each ``(graph IRI, file name, bytes)`` the case needs, and ``send(method, path, headers,
body)`` makes one request and returns an :class:`Answer`.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib import RDFS, Namespace
from rdflib.collection import Collection
from rdflib.compare import isomorphic

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "conformance"
PROTOCOL_DIR = DATA / "sparql11-protocol"
GSP_DIR = DATA / "sparql11-graph-store-protocol"
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


class CaseFailed(AssertionError):
    """A case's answer was not what the manifest expects; the message says which request and why."""


@dataclass(frozen=True)
class Case:
    """One manifest entry."""

    suite: str  # "protocol" or "graph-store"
    name: str
    graph: rdflib.Graph = field(repr=False, compare=False)
    entry: rdflib.term.Node = field(repr=False, compare=False)
    folder: Path = field(repr=False, compare=False)

    @property
    def prefix(self) -> tuple[str, str]:
        return ("/sparql/", "/sparql") if self.suite == "protocol" else ("/gsp", "/data")


@dataclass(frozen=True)
class Answer:
    """One HTTP answer, whatever client made the request."""

    status: int
    mimetype: str
    headers: Mapping[str, str]
    body: bytes


Send = Callable[[str, str, dict[str, str], bytes | None], Answer]
Reset = Callable[[list[tuple[str, str, bytes]]], None]


def _cases(suite: str, manifest: Path) -> list[Case]:
    graph = rdflib.Graph().parse(manifest, format="turtle", publicID=manifest.as_uri())
    return [Case(suite, str(entry).rsplit("#", 1)[-1], graph, entry, manifest.parent)
            for head in graph.objects(None, MF.entries) for entry in Collection(graph, head)]


PROTOCOL = _cases("protocol", PROTOCOL_DIR / "manifest.ttl")
GRAPH_STORE = (_cases("graph-store", GSP_DIR / "manifest-direct.ttl")
               + _cases("graph-store", GSP_DIR / "manifest-indirect.ttl"))


def graph_data(case: Case) -> list[tuple[str, str, bytes]]:
    """What the case needs in the store first: (graph IRI, file name, file bytes)."""
    found = []
    for data in case.graph.objects(case.entry, UT.graphData):
        file = Path(str(case.graph.value(data, UT.graph)).removeprefix("file://"))
        found.append((str(case.graph.value(data, RDFS.label)), file.name,
                      (case.folder / file.name).read_bytes()))
    return found


def run_case(case: Case, send: Send, reset: Reset, *, token: str) -> None:
    """Run one case; raise :class:`CaseFailed` at the first answer that is not as expected."""
    graph = case.graph
    reset(graph_data(case))
    action = graph.value(case.entry, MF.action)
    location = None
    for number, request in enumerate(Collection(graph, graph.value(action, HT.requests)), 1):
        method, path, headers, body = _request(graph, request, case.prefix, location, token)
        answer = send(method, path, headers, body)
        expected = graph.value(request, HT.resp)
        statuses = _expected_statuses(graph, expected)
        if not any(answer.status in r for r in statuses):
            wanted = " or ".join(f"{r.start}" if len(r) == 1 else f"{r.start // 100}xx" for r in statuses)
            said = " ".join(answer.body.decode(errors="replace").split())[:300]
            raise CaseFailed(f"request {number} ({method} {_short(path)}): HTTP {answer.status}, "
                             f"expected {wanted}" + (f": {said}" if said else ""))
        try:
            (_check_protocol_answer if case.suite == "protocol" else _check_graph_answer)(
                graph, expected, answer)
        except CaseFailed as exc:
            raise CaseFailed(f"request {number} ({method} {_short(path)}): {exc}") from None
        if graph.value(expected, MF.expectedLocation) is not None:
            location = answer.headers.get("Location")
            if location is None:
                raise CaseFailed(f"request {number} ({method} {_short(path)}): no Location header")


def _short(path: str) -> str:
    return path if len(path) < 80 else path[:77] + "..."


def _request(graph: rdflib.Graph, request, prefix: tuple[str, str], location: str | None,
             token: str) -> tuple[str, str, dict[str, str], bytes | None]:
    method = str(graph.value(request, HT.methodName))
    path = str(graph.value(request, HT.absolutePath))
    old, new = prefix
    path = new + path[len(old):] if path.startswith(old) else path
    headers = {"Authorization": f"Bearer {token}"}
    header_list = graph.value(request, HT.headers)
    if header_list is not None:
        for header in Collection(graph, header_list):
            headers[str(graph.value(header, HT.fieldName))] = str(graph.value(header, HT.fieldValue))
    body = graph.value(request, HT.body)
    data = str(graph.value(body, CNT.chars)).encode() if body is not None else None
    if location is not None:
        path = path.replace("$LOCATION$", location)
        data = data.replace(b"$LOCATION$", location.encode()) if data else data
    return method, path, headers, data


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


def _check_protocol_answer(graph: rdflib.Graph, expected, answer: Answer) -> None:
    fmt = graph.value(expected, MF.expectedFormat)
    boolean = graph.value(expected, MF.expectedBoolean)
    if fmt is not None:
        allowed = {"boolean": BOOLEAN_TYPES, "tabular": TABULAR_TYPES, "RDF": set(RDF_TYPES)}[str(fmt)]
        if answer.mimetype not in allowed:
            raise CaseFailed(f"answered {answer.mimetype or 'no media type'}, expected {fmt} "
                             f"({', '.join(sorted(allowed))})")
    if str(fmt) == "RDF":
        try:
            rdflib.Graph().parse(data=answer.body, format=RDF_TYPES[answer.mimetype])
        except Exception as exc:  # noqa: BLE001 - any parser error is the answer's fault
            raise CaseFailed(f"the {answer.mimetype} answer does not parse: {exc}") from None
    if boolean is not None:
        try:
            parsed = ox.parse_query_results(answer.body,
                                            ox.QueryResultsFormat.from_media_type(answer.mimetype))
        except (SyntaxError, ValueError) as exc:
            raise CaseFailed(f"the ASK answer does not parse: {exc}") from None
        if bool(parsed) is not boolean.toPython():
            raise CaseFailed(f"ASK answered {bool(parsed)}, expected {boolean.toPython()}")


def _check_graph_answer(graph: rdflib.Graph, expected, answer: Answer) -> None:
    header_list = graph.value(expected, HT.headers)
    if header_list is not None:
        for header in Collection(graph, header_list):
            if str(graph.value(header, HT.fieldName)).lower() == "content-type":
                wanted = str(graph.value(header, HT.fieldValue)).split(";")[0].strip()
                if answer.mimetype != wanted:
                    raise CaseFailed(f"answered {answer.mimetype or 'no media type'}, expected {wanted}")
    body = graph.value(expected, HT.body)
    if body is not None and answer.status == 200 and answer.body:
        want = rdflib.Graph().parse(data=str(graph.value(body, CNT.chars)), format="turtle")
        if answer.mimetype not in RDF_TYPES:
            raise CaseFailed(f"answered {answer.mimetype or 'no media type'}, not an RDF format")
        got = rdflib.Graph().parse(io.BytesIO(answer.body), format=RDF_TYPES[answer.mimetype])
        if not isomorphic(want, got):
            raise CaseFailed(f"the graph differs from the expected one ({len(got)} triples, "
                             f"expected {len(want)})")


# -- transports ------------------------------------------------------------------------------


def flask_sender(client) -> Send:
    """Requests through a Flask test client (no socket)."""

    def send(method: str, path: str, headers: dict[str, str], body: bytes | None) -> Answer:
        headers = dict(headers)
        # The test client would add its own Content-Type to a body; the manifest's headers rule.
        environ = {"CONTENT_TYPE": headers.pop("content-type", "")} if body is not None else {}
        response = client.open(path, method=method, headers=headers, data=body,
                               base_url="http://www.example", environ_overrides=environ)
        return Answer(response.status_code, response.mimetype or "", dict(response.headers),
                      response.get_data())

    return send


def http_sender(base: str, *, timeout: float = 120.0) -> Send:
    """Requests over HTTP to a served app at ``base`` (``http://127.0.0.1:PORT``)."""
    import requests

    session = requests.Session()

    def send(method: str, path: str, headers: dict[str, str], body: bytes | None) -> Answer:
        url = path if path.startswith(("http://", "https://")) else base + path
        response = session.request(method, url, headers=headers, data=body, timeout=timeout,
                                   allow_redirects=False)
        mimetype = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        return Answer(response.status_code, mimetype, dict(response.headers), response.content)

    return send
