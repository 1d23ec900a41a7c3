"""HermiT (through owlready2) on the ontology, the W3C vocabularies it builds on, and the demo.

Java is required. When it is missing these tests fail with JavaNotFoundError, whose message
says how to install it; they never skip.
"""

from __future__ import annotations

import owlready2
import pytest
import rdflib

from comgraph import ontology
from tests.conftest import DEMO

CG = rdflib.Namespace(ontology.CG)
EX = rdflib.Namespace("https://example.org/test/")


def test_hermit_finds_the_ontology_with_the_w3c_vocabularies_consistent_with_no_unsatisfiable_class() -> None:
    result = ontology.check_consistency()
    assert result.consistent
    assert result.unsatisfiable == []


def test_the_reasoner_input_keeps_the_w3c_vocabularies_and_names_what_it_set_aside() -> None:
    merged, set_aside = ontology.reasoning_input(ontology.ontology_graph(imports=True))
    # The vocabularies are really there: a class from each one the core builds on.
    for term in ("http://www.w3.org/ns/org#Membership", "http://www.w3.org/ns/prov#Agent",
                 "http://www.w3.org/ns/odrl/2/Duty", "http://www.w3.org/ns/dqv#Metric",
                 "http://www.w3.org/2006/time#Interval", "http://www.w3.org/2004/02/skos/core#Concept",
                 "http://www.w3.org/ns/dcat#Dataset"):
        assert (rdflib.URIRef(term), None, None) in merged, term
    assert (None, rdflib.OWL.imports, None) not in merged
    # Only DQV's four anonymous-property axioms are left out, and each is named.
    assert len(set_aside) == 4
    assert all("anonymous property axiom" in s for s in set_aside)


def test_the_demo_is_consistent_with_the_ontology() -> None:
    demo = ontology.load_graph(sorted(DEMO.glob("*.ttl")))
    # The core declares every W3C term the demo uses, so the W3C vocabularies can stay out:
    # this checks the demo against the core's disjointness, functionality and cardinality axioms.
    result = ontology.check_consistency(demo, imports=False)
    assert result.consistent
    assert result.unsatisfiable == []


def test_a_class_below_two_disjoint_classes_is_reported_unsatisfiable() -> None:
    extra = rdflib.Graph()
    extra.add((EX.Hybrid, rdflib.RDF.type, rdflib.OWL.Class))
    extra.add((EX.Hybrid, rdflib.RDFS.subClassOf, CG.Role))
    extra.add((EX.Hybrid, rdflib.RDFS.subClassOf, CG.Responsibility))  # disjoint in the core
    result = ontology.check_consistency(extra, imports=False)
    assert result.consistent
    assert result.unsatisfiable == [str(EX.Hybrid)]


def test_an_individual_in_two_disjoint_classes_makes_the_ontology_inconsistent() -> None:
    extra = rdflib.Graph()
    extra.add((EX.thing, rdflib.RDF.type, CG.Target))
    extra.add((EX.thing, rdflib.RDF.type, CG.Audit))
    result = ontology.check_consistency(extra, imports=False)
    assert not result.consistent


def test_missing_java_is_a_clear_error_not_a_skip(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(owlready2, "JAVA_EXE", "/nonexistent/java-for-this-test")
    with pytest.raises(ontology.JavaNotFoundError, match="Install a Java runtime"):
        ontology.check_consistency()
