"""Reading the shapes: the shapes graph, the vocabularies that label checklist items and
processes, and what the report says about each shape (:class:`ShapeInfo`).

Shapes are small, so they live in an rdflib graph: the SPARQL compiler walks it, and pySHACL
(the reference engine) reads it as is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pyoxigraph as ox
from rdflib import RDF, RDFS, SH, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SKOS
from rdflib.term import Node

from comgraph.namespaces import CG, PREFIXES, XSD, compact
from comgraph.store import LoadError, Source, format_for_path
from comgraph.store.base import load_error_from_parse_failure
from comgraph.validate.model import Severity, ShapeInfo
from comgraph.validate.reference import to_rdflib

CG_ENFORCES = URIRef(CG + "enforces")
CG_PROCESS = URIRef(CG + "process")
XSD_DATE = XSD + "date"

_AS_OF = re.compile(r"\$asOf\b")

SHAPE_TYPES = (SH.NodeShape, SH.PropertyShape)
TARGET_PREDICATES = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)


class ShapesError(Exception):
    """The shapes (or the vocabularies next to them) cannot be read."""


def read_rdf_files(paths: Iterable[Path], graph: Graph | None = None) -> Graph:
    """Parse Turtle/N-Triples/TriG files into an rdflib graph; a bad file raises a LoadError
    that names FILE:LINE:COL. pyoxigraph parses (it reports positions, and it is several times
    faster than rdflib's Turtle parser, which was a quarter of a Core-only validation of 100k
    triples); its triples and prefixes go into the rdflib graph, quads' graph names dropped."""
    graph = graph if graph is not None else Graph()
    for path in paths:
        try:
            fmt = format_for_path(path)
        except ValueError as exc:
            raise LoadError(str(path), str(exc).split(": ", 1)[-1]) from None
        parser = ox.parse(path.read_bytes(), fmt, base_iri=path.resolve().as_uri())
        try:
            triples = [(to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)) for q in parser]
        except (SyntaxError, MemoryError) as exc:
            raise load_error_from_parse_failure(str(path), exc, Source.coerce(path, fmt)) from None
        graph.addN((s, p, o, graph) for s, p, o in triples)
        for prefix, namespace in parser.prefixes.items():
            graph.bind(prefix, namespace)
    return graph


def rdf_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in (".ttl", ".nt", ".trig"))


def default_vocab_dirs() -> list[Path]:
    """The ontology's vocabularies: the checklist, the processes and their labels."""
    from comgraph.paths import ontology_dir

    try:
        folder = ontology_dir() / "vocab"
    except FileNotFoundError:
        return []
    return [folder] if folder.is_dir() else []


@dataclass
class Shapes:
    """A loaded shapes folder: the shapes graph plus metadata (labels, checklist, processes)."""

    graph: Graph
    meta: Graph
    folder: Path
    files: list[Path] = field(default_factory=list)

    @classmethod
    def load(cls, folder: Path | str, vocab_dirs: Iterable[Path | str] | None = None) -> Shapes:
        folder = Path(folder)
        if not folder.is_dir():
            raise ShapesError(f"--shapes {folder}: no such folder")
        files = rdf_files(folder)
        graph = read_rdf_files(files)
        meta = Graph()
        for triple in graph:
            meta.add(triple)
        vocab = default_vocab_dirs() if vocab_dirs is None else [Path(v) for v in vocab_dirs]
        for v in vocab:
            read_rdf_files(rdf_files(v), meta)
        return cls(graph, meta, folder, files)

    def for_date(self, as_of: date) -> Graph:
        """The shapes graph with ``$asOf`` replaced by the date in every SPARQL query, so the
        compiled engine and pySHACL see exactly the same constraints."""
        literal = f'"{as_of.isoformat()}"^^<{XSD_DATE}>'
        out = Graph()
        for s, p, o in self.graph:
            if p in (SH.select, SH.ask) and isinstance(o, Literal) and _AS_OF.search(str(o)):
                o = Literal(_AS_OF.sub(literal, str(o)))
            out.add((s, p, o))
        for prefix, ns in self.graph.namespaces():
            out.bind(prefix, ns, override=False)
        return out

    # -- what each shape means --------------------------------------------------------

    def all_shapes(self) -> Iterator[Node]:
        seen: set[Node] = set()
        for t in SHAPE_TYPES:
            for s in self.graph.subjects(RDF.type, t):
                if s not in seen:
                    seen.add(s)
                    yield s
        for p in TARGET_PREDICATES:
            for s in self.graph.subjects(p, None):
                if s not in seen:
                    seen.add(s)
                    yield s
        for s in self.graph.objects(None, SH.property):
            if s not in seen:
                seen.add(s)
                yield s

    def parents(self, shape: Node) -> list[Node]:
        return sorted(self.graph.subjects(SH.property, shape), key=str)

    def shape_id(self, shape: Node, _depth: int = 0) -> str:
        """An IRI for every shape: blank property shapes are named after the shape holding them
        and their path, which is stable across runs (blank node labels are not)."""
        if isinstance(shape, URIRef):
            return str(shape)
        parents = self.parents(shape)
        path = self.graph.value(shape, SH.path)
        tail = f"/property/{compact_path(self.graph, path)}" if path is not None else "/node"
        if parents and _depth < 8:
            return self.shape_id(parents[0], _depth + 1) + tail
        return "urn:comgraph:shape:" + tail.lstrip("/")

    def info(self, shape: Node) -> ShapeInfo:
        g = self.graph
        item = self._inherited(shape, CG_ENFORCES)
        process = self.meta.value(item, CG_PROCESS) if item is not None else None
        if process is None:
            process = self._inherited(shape, CG_PROCESS)
        severity = g.value(shape, SH.severity)
        return ShapeInfo(
            id=self.shape_id(shape),
            name=_text(g, shape, SH.name),
            description=_text(g, shape, SH.description),
            message=_text(g, shape, SH.message),
            severity=Severity.from_iri(str(severity)) if severity is not None else Severity.VIOLATION,
            checklist_item=str(item) if item is not None else None,
            checklist_item_label=self.label(item),
            checklist_item_notation=_text(self.meta, item, SKOS.notation) if item is not None else None,
            process=str(process) if process is not None else None,
            process_label=self.label(process),
        )

    def label(self, node: Node | None) -> str | None:
        if node is None:
            return None
        return _text(self.meta, node, SKOS.prefLabel) or _text(self.meta, node, RDFS.label)

    def _inherited(self, shape: Node, predicate: URIRef, depth: int = 0) -> Node | None:
        found = self.meta.value(shape, predicate)
        if found is not None or depth > 8:
            return found
        for parent in self.parents(shape):
            found = self._inherited(parent, predicate, depth + 1)
            if found is not None:
                return found
        return None


def _text(graph: Graph, node: Node | None, predicate: URIRef) -> str | None:
    """One text value, preferring English, then no language, then any."""
    if node is None:
        return None
    values = [o for o in graph.objects(node, predicate) if isinstance(o, Literal)]
    if not values:
        return None
    for wanted in ("en", None):
        for v in sorted(values):
            if (v.language or None) == wanted or (wanted == "en" and (v.language or "").startswith("en")):
                return str(v)
    return str(sorted(values)[0])


def rdf_list(graph: Graph, head: Node) -> list[Node]:
    return list(Collection(graph, head)) if head is not None else []


def sparql_path(graph: Graph, path: Node) -> str:
    """A SHACL property path as SPARQL property-path syntax."""
    if isinstance(path, URIRef):
        return f"<{path}>"
    if not isinstance(path, BNode):
        raise ShapesError(f"sh:path {path!r} is not a path")
    if (path, RDF.first, None) in graph:
        return "(" + "/".join(sparql_path(graph, p) for p in rdf_list(graph, path)) + ")"
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return f"^({sparql_path(graph, inverse)})"
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(sparql_path(graph, p) for p in rdf_list(graph, alternatives)) + ")"
    for predicate, mark in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
        inner = graph.value(path, predicate)
        if inner is not None:
            return f"({sparql_path(graph, inner)}){mark}"
    raise ShapesError("a blank node sh:path is not a SHACL path")


def path_text(graph: Graph, path: Node | None) -> str | None:
    """The path as a Result carries it: the predicate IRI, or SPARQL syntax for other paths."""
    if path is None:
        return None
    if isinstance(path, URIRef):
        return str(path)
    return sparql_path(graph, path)


def compact_path(graph: Graph, path: Node) -> str:
    text = sparql_path(graph, path)
    return re.sub(r"<([^>]*)>", lambda m: compact(m.group(1), PREFIXES).strip("<>"), text)
