"""SPARQLWrapper's own return formats against a real ``comgraph serve`` process.

SPARQLWrapper sends its format names as ``format=``, ``output=`` and ``results=`` parameters
(``rdf+xml``, ``n3``, ``json-ld``; for RDF/XML, JSON-LD and TSV a second ``format=`` with the
media type) besides its Accept header. The endpoint must answer each with the asked format, so
that SPARQLWrapper's CONSTRUCT as RDF/XML and N3 (406 before) parse, as Turtle and JSON-LD do.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib
import requests
from SPARQLWrapper import CSV, JSON, JSONLD, N3, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

from tests.oxigraph_server import free_port
from tests.readiness import wait_until_ready

EX = "http://example.org/"
TTL = f"""@prefix ex: <{EX}> .
ex:alice ex:name "Alice" ; ex:knows ex:bob .
ex:bob ex:name "Bob" .
"""
CONSTRUCT = f"CONSTRUCT {{ ?p <{EX}label> ?n }} WHERE {{ ?p <{EX}name> ?n }}"
SELECT = f"SELECT ?p ?n WHERE {{ ?p <{EX}name> ?n }} ORDER BY ?n"
EXPECTED = {(rdflib.URIRef(f"{EX}alice"), rdflib.URIRef(f"{EX}label"), rdflib.Literal("Alice")),
            (rdflib.URIRef(f"{EX}bob"), rdflib.URIRef(f"{EX}label"), rdflib.Literal("Bob"))}


@pytest.fixture(scope="module", params=["werkzeug", "gunicorn"])
def endpoint(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``comgraph serve`` as a process: werkzeug (every request through Flask), or gunicorn's
    uvicorn workers, where a GET (SPARQLWrapper's default) is read by the ASGI adapter."""
    data = tmp_path_factory.mktemp("wrapper") / "people.ttl"
    data.write_text(TTL)
    port = free_port()
    comgraph = Path(sys.executable).parent / "comgraph"
    workers = ["--workers", "1"] if request.param == "gunicorn" else []
    process = subprocess.Popen([str(comgraph), "serve", str(data), "--port", str(port), *workers],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(f"{base}/healthz", process)
        yield f"{base}/sparql"
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stderr.close()


def _ask(endpoint: str, query: str, return_format: str):
    client = SPARQLWrapper(endpoint)
    client.setQuery(query)
    client.setReturnFormat(return_format)
    return client.query()


@pytest.mark.parametrize(("return_format", "rdflib_format"), [
    (RDFXML, "xml"), (N3, "n3"), (TURTLE, "turtle"), (JSONLD, "json-ld")])
def test_construct_in_each_of_sparqlwrappers_rdf_formats_parses(endpoint: str, return_format: str,
                                                                 rdflib_format: str) -> None:
    answer = _ask(endpoint, CONSTRUCT, return_format)
    assert answer.response.status == 200
    body = answer.response.read()
    graph = rdflib.Graph().parse(data=body, format=rdflib_format)
    assert set(graph) == EXPECTED


def test_sparqlwrapper_converts_a_construct_as_rdfxml_to_a_graph(endpoint: str) -> None:
    # convert() is what most SPARQLWrapper users call: for RDF/XML it hands back an rdflib Graph.
    graph = _ask(endpoint, CONSTRUCT, RDFXML).convert()
    assert isinstance(graph, rdflib.Graph) and set(graph) == EXPECTED


def test_select_in_each_of_sparqlwrappers_result_formats(endpoint: str) -> None:
    as_json = _ask(endpoint, SELECT, JSON).convert()
    assert [b["n"]["value"] for b in as_json["results"]["bindings"]] == ["Alice", "Bob"]

    as_xml = _ask(endpoint, SELECT, XML).convert()  # a minidom Document
    literals = [n.firstChild.data for n in as_xml.getElementsByTagName("literal")]
    assert literals == ["Alice", "Bob"]

    as_csv = _ask(endpoint, SELECT, CSV).convert().decode()
    assert list(csv.reader(io.StringIO(as_csv))) == [["p", "n"], [f"{EX}alice", "Alice"],
                                                     [f"{EX}bob", "Bob"]]

    as_tsv = _ask(endpoint, SELECT, TSV).convert().decode()
    assert as_tsv.splitlines() == ["?p\t?n", f"<{EX}alice>\t\"Alice\"", f"<{EX}bob>\t\"Bob\""]


def test_an_unknown_format_value_gives_way_to_the_accept_header(endpoint: str) -> None:
    answer = requests.get(endpoint, params={"query": SELECT, "format": "application/x-unheard-of"},
                          headers={"Accept": "application/sparql-results+xml"}, timeout=30)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("application/sparql-results+xml")
    assert ET.fromstring(answer.content).tag == "{http://www.w3.org/2005/sparql-results#}sparql"
    # a format this service knows but that does not fit the answer is still refused
    refused = requests.get(endpoint, params={"query": CONSTRUCT, "format": "csv"}, timeout=30)
    assert refused.status_code == 406 and "does not fit a graph (CONSTRUCT) answer" in refused.text
    # and several values (as SPARQLWrapper sends them): the first that fits wins
    both = requests.get(endpoint, params=[("query", SELECT), ("format", "nonsense"), ("format", "json")],
                        timeout=30)
    assert both.status_code == 200 and json.loads(both.content)["head"]["vars"] == ["p", "n"]
