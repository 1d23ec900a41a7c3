"""The SPARQL service description (``GET /sparql`` with no query): ``sd:Service`` with a VoID
summary of the store, whose counts are kept until the store changes (see :class:`_SummaryCache`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pyoxigraph as ox
from flask import current_app

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
FORMATS_NS = "http://www.w3.org/ns/formats/"
_FORMAT_IRIS = ["SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
                "SPARQL_Results_TSV", "Turtle", "N-Triples", "RDF_XML", "JSON-LD", "TriG", "N-Quads"]


def service_description(app: Any, base_url: str, fmt: Any) -> bytes:
    """The description of the service at ``base_url``, serialised in ``fmt``."""
    return ox.serialize(_describe_service(app, base_url), format=fmt, prefixes={
        "sd": SD, "void": VOID, "formats": FORMATS_NS,
    } if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML) else None)


def _describe_service(app: Any, base_url: str) -> list[ox.Triple]:
    def n(iri: str) -> ox.NamedNode:
        return ox.NamedNode(iri)

    def count(value: int) -> ox.Literal:
        return ox.Literal(str(value), datatype=n("http://www.w3.org/2001/XMLSchema#integer"))

    service = n(base_url)
    config = app.config
    triples = [
        ox.Triple(service, RDF_TYPE, n(SD + "Service")),
        ox.Triple(service, n(SD + "endpoint"), service),
        ox.Triple(service, n(SD + "supportedLanguage"), n(SD + "SPARQL11Query")),
        ox.Triple(service, n(SD + "feature"), n(SD + "EmptyGraphs")),
    ]
    if config.get("SPARQL_UPDATE_TOKEN") and not config.get("SPARQL_READ_ONLY"):
        triples.append(ox.Triple(service, n(SD + "supportedLanguage"), n(SD + "SPARQL11Update")))
    triples += [ox.Triple(service, n(SD + "resultFormat"), n(FORMATS_NS + f)) for f in _FORMAT_IRIS]
    dataset = ox.BlankNode("dataset")
    default = ox.BlankNode("default")
    triples += [
        ox.Triple(service, n(SD + "defaultDataset"), dataset),
        ox.Triple(dataset, RDF_TYPE, n(SD + "Dataset")),
        ox.Triple(dataset, RDF_TYPE, n(VOID + "Dataset")),
        ox.Triple(dataset, n(SD + "defaultGraph"), default),
        ox.Triple(default, RDF_TYPE, n(SD + "Graph")),
    ]
    summary = summary_cache(app).get(config["STORE"], float(config["SPARQL_DESCRIPTION_TTL"]),
                                     lambda: _count_void(config["STORE"], float(config["SPARQL_TIMEOUT"])))
    triples += [
        ox.Triple(default, n(VOID + "triples"), count(summary["default"])),
        ox.Triple(dataset, n(VOID + "triples"), count(summary["total"])),
        ox.Triple(dataset, n(VOID + "classes"), count(summary["classes"])),
        ox.Triple(dataset, n(VOID + "properties"), count(summary["properties"])),
        ox.Triple(dataset, n(VOID + "distinctSubjects"), count(summary["subjects"])),
    ]
    for index, (graph, size) in enumerate(summary["graphs"]):
        named, graph_node = ox.BlankNode(f"named{index}"), ox.BlankNode(f"graph{index}")
        triples += [
            ox.Triple(dataset, n(SD + "namedGraph"), named),
            ox.Triple(named, RDF_TYPE, n(SD + "NamedGraph")),
            ox.Triple(named, n(SD + "name"), n(graph)),
            ox.Triple(named, n(SD + "graph"), graph_node),
            ox.Triple(graph_node, RDF_TYPE, n(SD + "Graph")),
            ox.Triple(graph_node, n(VOID + "triples"), count(size)),
        ]
    return triples


class _SummaryCache:
    """The VoID counts of one store, computed once per store version.

    Anyone may ask for the service description without a token, and counting a big store is
    slow (8.8 s at 1M triples), so the counts are kept until the store changes: the embedded
    store says so through ``Store.version()``. A remote engine cannot (others may write to it):
    its counts are kept for ``SPARQL_DESCRIPTION_TTL`` seconds, and dropped when this service
    writes to it. One request counts at a time; the others wait for its answer.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[int, int | None, int] | None = None
        self._value: dict[str, Any] | None = None
        self._at = 0.0
        self._writes = 0

    def get(self, store: Any, ttl: float, compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        with self._lock:
            key = (id(store), store.version(), self._writes)
            fresh = (self._value is not None and key == self._key
                     and (key[1] is not None or time.monotonic() - self._at < ttl))
            if not fresh:
                self._value, self._key, self._at = compute(), key, time.monotonic()
            return self._value

    def forget(self) -> None:
        """This service wrote to the store (which may not say so through its version)."""
        self._writes += 1


def summary_cache(app: Any) -> _SummaryCache:
    return app.extensions.setdefault("comgraph.void_summary", _SummaryCache())


def store_written(app: Any = None) -> None:
    """Call after a write through this app: the service description counts again."""
    summary_cache(app or current_app).forget()


def _count_void(store: Any, limit: float) -> dict[str, Any]:
    everything = "{ ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } }"

    def number(sparql: str) -> int:
        rows = store.select(sparql, timeout=limit)
        return int(rows[0]["n"].value) if rows and "n" in rows[0] else 0

    graphs = [(row["g"].value, int(row["n"].value)) for row in store.select(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
        timeout=limit) if isinstance(row.get("g"), ox.NamedNode)]
    return {
        "default": number("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"),
        "total": number(f"SELECT (COUNT(*) AS ?n) WHERE {{ {everything} }}"),
        "classes": number("SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { { ?s a ?c } UNION "
                          "{ GRAPH ?g { ?s a ?c } } }"),
        "properties": number(f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ {everything} }}"),
        "subjects": number(f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {everything} }}"),
        "graphs": graphs,
    }
