"""pySHACL, the reference engine: used for shapes the SPARQL compiler cannot cover, for
``--engine pyshacl``, and by the tests that check both engines agree on every fixture."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox
import rdflib
from rdflib import RDF, SH, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from comgraph.namespaces import XSD
from comgraph.store import Store

_XSD_STRING = XSD + "string"
# rdflib logs a traceback for every ill-typed literal it meets; for a validator those literals
# are findings (sh:datatype), not errors, so keep the log quiet.
logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)


@dataclass(frozen=True)
class RawFinding:
    """A finding as an engine reports it, before labels, fingerprints and locations."""

    shape: Node  # the source shape, a node of the shapes graph
    component: str
    focus: ox.NamedNode | ox.BlankNode | ox.Literal
    path: str | None
    value: ox.NamedNode | ox.BlankNode | ox.Literal | None
    message: str | None = None


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Node:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    if term.datatype.value == _XSD_STRING:
        # RDF 1.1 makes "x" and "x"^^xsd:string one term; rdflib keeps them apart, and its
        # parsers give the plain form, so use it to compare equal with the shapes' literals.
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def to_oxigraph(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    assert isinstance(term, Literal)
    if term.language:
        return ox.Literal(str(term), language=term.language)
    datatype = term.datatype or rdflib.XSD.string
    return ox.Literal(str(term), datatype=ox.NamedNode(str(datatype)))


def store_as_rdflib(store: Store) -> Graph:
    """Copy the store's default graph into rdflib, keeping blank node labels so findings map
    back to the store's own nodes."""
    graph = Graph()
    for triple in store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"):
        graph.add((to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object)))
    return graph


def run_pyshacl(data: Graph, shapes: Graph, *, only: Iterable[Node] | None = None,
                path_of=None) -> list[RawFinding]:
    """Validate with pySHACL and read its report graph back as RawFindings.

    ``only``: keep findings whose source shape is one of these (or held by one of them).
    ``path_of(shape)``: the Result path text for a shape (complex paths come back as blank
    node structures in pySHACL's report, so the shape's own path is used instead)."""
    from pyshacl import validate as pyshacl_validate

    from comgraph.portability import register_rdflib_functions

    register_rdflib_functions()  # the shapes' cgfn:addDays / cgfn:addMonths
    _conforms, report, _text = pyshacl_validate(
        data, shacl_graph=shapes, inference=None, advanced=False, allow_warnings=False, inplace=True,
    )
    keep = None if only is None else _held_by(shapes, only)
    found = []
    # Only the report's own results: nested ones (sh:detail) are explanations, not findings.
    roots = list(report.subjects(RDF.type, SH.ValidationReport))
    for result in (r for root in roots for r in report.objects(root, SH.result)):
        shape = report.value(result, SH.sourceShape)
        if keep is not None and shape not in keep:
            continue
        focus = report.value(result, SH.focusNode)
        value = report.value(result, SH.value)
        path = report.value(result, SH.resultPath)
        if isinstance(path, URIRef):
            path_str = str(path)
        elif path is not None and path_of is not None:
            path_str = path_of(shape)
        else:
            path_str = None
        message = report.value(result, SH.resultMessage)
        found.append(RawFinding(
            shape=shape,
            component=str(report.value(result, SH.sourceConstraintComponent)),
            focus=to_oxigraph(focus),
            path=path_str,
            value=to_oxigraph(value) if value is not None else None,
            message=str(message) if message is not None else None,
        ))
    return found


#: Where a shape names other shapes it needs: one each, or an RDF list of them.
_SHAPE_LINKS = frozenset([SH.node, SH.property, SH.qualifiedValueShape, SH["not"], SH.prefixes])
_SHAPE_LISTS = frozenset([SH["and"], SH["or"], SH.xone])
_TARGETS = frozenset([SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target])
#: Definitions a shape uses by a parameter or a function name rather than by a link.
_DEFINITIONS = (SH.ConstraintComponent, SH.Function, SH.SPARQLFunction)


def shapes_subgraph(shapes: Graph, tops: Iterable[Node]) -> Graph:
    """The part of ``shapes`` that validating the shapes ``tops`` needs, for pySHACL.

    Each top shape with everything it holds (its property shapes, paths, lists, SHACL-SPARQL
    constraints and their sh:prefixes declarations), the shapes it refers to by sh:node,
    sh:property, sh:qualifiedValueShape, sh:not, sh:and, sh:or and sh:xone, the custom
    constraint components and functions, and the graph's prefixes. A shape that is only
    referred to loses its targets: SHACL ignores them when the shape is used by reference, and
    they would make pySHACL validate it a second time on its own. A query that reads
    ``$shapesGraph`` sees the whole graph, so it gets the whole graph."""
    tops = set(tops)
    out = Graph()
    for prefix, namespace in shapes.namespaces():
        out.bind(prefix, namespace, override=True, replace=True)
    definitions = {d for kind in _DEFINITIONS for d in shapes.subjects(RDF.type, kind)}
    todo: list[tuple[Node, bool]] = [(t, False) for t in (*tops, *definitions)]
    seen: set[Node] = set()
    while todo:
        node, in_shape_list = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for p, o in shapes.predicate_objects(node):
            if p in _TARGETS and node not in tops and node not in definitions:
                continue
            out.add((node, p, o))
            if (p in (SH.select, SH.ask) and isinstance(o, Literal)
                    and re.search(r"[$?]shapesGraph\b", str(o))):
                return shapes
            if isinstance(o, BNode):
                todo.append((o, p in _SHAPE_LISTS or (in_shape_list and p == RDF.rest)))
            elif isinstance(o, URIRef) and (p in _SHAPE_LINKS or (in_shape_list and p == RDF.first)):
                todo.append((o, False))
    return out


def _held_by(shapes: Graph, tops: Iterable[Node]) -> set[Node]:
    keep: set[Node] = set()
    todo = list(tops)
    while todo:
        s = todo.pop()
        if s in keep:
            continue
        keep.add(s)
        todo += list(shapes.objects(s, SH.property))
    return keep
