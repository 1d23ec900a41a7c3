"""Shapes the compiler cannot translate go to pySHACL one by one: pySHACL is given only those
shapes (and what they refer to), and the report is the one it gave when it validated every
shape and the results were filtered afterwards."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pyshacl
import pytest
from rdflib import RDF, SH, Graph, URIRef

from comgraph.store.oxigraph import OxigraphStore
from comgraph.store.remote import RemoteStore
from comgraph.validate import engine, validate
from comgraph.validate.reference import shapes_subgraph

EX = "https://example.org/"
TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)

# ex:Qualified cannot be compiled (sh:qualifiedValueShape); it refers to ex:Lead (itself
# targeted and compiled), to ex:Named through sh:or, and uses a SHACL-SPARQL constraint with
# sh:prefixes. ex:Other has nothing to do with it.
SHAPES = """\
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <https://example.org/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

ex: a owl:Ontology ; sh:declare [ sh:prefix "ex" ; sh:namespace "https://example.org/"^^xsd:anyURI ] .

ex:Qualified a sh:NodeShape ; sh:targetClass ex:Team ;
    sh:property [ sh:path ex:member ; sh:qualifiedValueShape ex:Lead ; sh:qualifiedMinCount 1 ] ;
    sh:or ( ex:Named [ sh:path ex:code ; sh:minCount 1 ] ) ;
    sh:sparql [ sh:prefixes ex: ; sh:message "team without a home" ;
                sh:select "SELECT $this WHERE { FILTER NOT EXISTS { $this ex:home ?h } }" ] .

ex:Lead a sh:NodeShape ; sh:targetClass ex:Person ;
    sh:property [ sh:path ex:role ; sh:hasValue ex:lead ] .

ex:Named a sh:NodeShape ; sh:property [ sh:path ex:name ; sh:minCount 1 ] .

ex:Other a sh:NodeShape ; sh:targetClass ex:Person ; sh:property [ sh:path ex:name ; sh:minCount 1 ] .
"""

DATA = """\
@prefix ex: <https://example.org/> .
ex:red a ex:Team ; ex:member ex:ann ; ex:name "Red" ; ex:home ex:hq .
ex:blue a ex:Team ; ex:member ex:bob .
ex:green a ex:Team ; ex:member ex:bob, ex:ann ; ex:code "G" .
ex:ann a ex:Person ; ex:role ex:lead ; ex:name "Ann" .
ex:bob a ex:Person ; ex:role ex:helper .
[ a ex:Team ; ex:member [ a ex:Person ; ex:role ex:lead ] ] .
"""


@pytest.fixture()
def files(tmp_path: Path) -> tuple[Path, Path]:
    shapes = tmp_path / "shapes"
    shapes.mkdir()
    (shapes / "s.ttl").write_text(SHAPES)
    data = tmp_path / "data.ttl"
    data.write_text(DATA)
    return data, shapes


@pytest.fixture()
def given(monkeypatch: pytest.MonkeyPatch) -> list[Graph]:
    """The shapes graphs pySHACL is called with."""
    seen: list[Graph] = []
    real = pyshacl.validate

    def spy(data, *args, shacl_graph=None, **kwargs):
        seen.append(shacl_graph)
        return real(data, *args, shacl_graph=shacl_graph, **kwargs)

    monkeypatch.setattr(pyshacl, "validate", spy)
    return seen


def _everything(report) -> set[tuple]:
    # Blank nodes get new labels on each load; the fingerprint names them stably.
    return {(r.fingerprint, r.shape, r.component, r.path, r.severity, r.message,
             None if isinstance(r.focus, ox.BlankNode) else r.focus,
             None if isinstance(r.value, ox.BlankNode) else r.value) for r in report.results}


def test_pyshacl_is_given_only_the_shapes_that_fall_back(files, given):
    data, shapes = files
    report = validate([data], shapes, vocab_dirs=[])
    assert report.fallback_shapes == [EX + "Qualified"]
    [graph] = given
    # Only the fallback shape is targeted; ex:Lead is there for sh:qualifiedValueShape but
    # without its target, and ex:Other is not there at all.
    assert {s for p in TARGETS for s in graph.subjects(p, None)} == {URIRef(EX + "Qualified")}
    assert (URIRef(EX + "Lead"), SH.property, None) in graph
    assert (URIRef(EX + "Named"), SH.property, None) in graph
    assert (URIRef(EX), SH.declare, None) in graph
    assert (URIRef(EX + "Other"), None, None) not in graph
    assert dict(graph.namespaces())["ex"] == URIRef(EX)


def test_the_report_is_the_one_pyshacl_gave_with_every_shape(files, given, monkeypatch):
    data, shapes = files
    per_shape = validate([data], shapes, vocab_dirs=[])
    # As before: pySHACL given the whole shapes graph, its results filtered afterwards.
    monkeypatch.setattr(engine, "shapes_subgraph", lambda graph, only: graph)
    whole = validate([data], shapes, vocab_dirs=[])
    assert len(given) == 2 and len(given[0]) < len(given[1])
    assert _everything(per_shape) == _everything(whole)
    fired = {(r.shape, r.component_name) for r in per_shape.results}
    assert {(EX + "Qualified", "SPARQL"), (EX + "Qualified", "Or")} <= fired
    assert any(r.component_name == "QualifiedMinCount" for r in per_shape.results)
    # The compiled shapes still fire, once each.
    other = [r.focus for r in per_shape.results if r.shape.startswith(EX + "Other")]
    assert len(other) == 2 and ox.NamedNode(EX + "bob") in other


def test_every_engine_agrees_with_the_per_shape_fallback(files):
    data, shapes = files
    compiled = validate([data], shapes, vocab_dirs=[])
    reference = validate([data], shapes, vocab_dirs=[], engine="pyshacl")
    assert _everything(compiled) == _everything(reference)


def test_a_query_reading_the_shapes_graph_gets_all_of_it():
    reads_shapes = SHAPES.replace("FILTER NOT EXISTS", "GRAPH $shapesGraph { } FILTER NOT EXISTS")
    graph = Graph().parse(data=reads_shapes, format="turtle")
    assert shapes_subgraph(graph, [URIRef(EX + "Qualified")]) is graph


def test_lists_of_values_do_not_pull_in_shapes():
    graph = Graph().parse(data=SHAPES + "ex:In a sh:NodeShape ; sh:targetNode ex:x ; sh:in ( ex:Other ) .\n",
                          format="turtle")
    part = shapes_subgraph(graph, [URIRef(EX + "In")])
    assert (URIRef(EX + "Other"), RDF.type, SH.NodeShape) not in part
    assert (URIRef(EX + "In"), SH.targetNode, URIRef(EX + "x")) in part


def test_which_stores_hold_their_data_in_process():
    assert OxigraphStore.holds_data_in_process is True
    assert RemoteStore.holds_data_in_process is False
