"""Hygiene of the ontology: metadata, labels and definitions, declared terms, the OWL 2 DL
profile, the vocabularies and the checklist."""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from comgraph import ontology
from tests.conftest import ROOT

CG = rdflib.Namespace(ontology.CG)
VANN = rdflib.Namespace("http://purl.org/vocab/vann/")
ONTOLOGY = rdflib.URIRef(ontology.ONTOLOGY_IRI)
PROCESSES = {f"https://w3id.org/comgraph/vocab/process/{p}" for p in
             ("strategy", "membership", "integration", "equity", "audit", "feedback")}


@pytest.fixture(scope="module")
def core() -> rdflib.Graph:
    return ontology.load_graph([ontology.core_file()])


@pytest.fixture(scope="module")
def onto() -> rdflib.Graph:
    return ontology.ontology_graph()


def test_the_ontology_has_a_version_iri_version_info_licence_and_preferred_prefix(core) -> None:
    assert core.value(ONTOLOGY, OWL.versionIRI) == rdflib.URIRef("https://w3id.org/comgraph/ns/0.1.0")
    assert str(core.value(ONTOLOGY, OWL.versionInfo)) == "0.1.0"
    assert core.value(ONTOLOGY, DCTERMS.license) is not None
    assert str(core.value(ONTOLOGY, VANN.preferredNamespacePrefix)) == "cg"
    assert str(core.value(ONTOLOGY, VANN.preferredNamespaceUri)) == ontology.CG


def test_every_comgraph_class_property_and_individual_has_a_label_and_a_definition(onto) -> None:
    assert ontology.check_labels(onto) == []
    # The check looks at what it should: the core's classes and the vocabularies' concepts.
    checked = {s for s in onto.subjects(RDF.type, None) if ontology._in_comgraph_namespaces(s)}
    assert CG.ResponsibilityAssignment in checked
    item = "https://w3id.org/comgraph/vocab/checklist/responsibility-one-accountable"
    assert rdflib.URIRef(item) in checked


def test_a_term_without_a_definition_is_reported(onto) -> None:
    graph = rdflib.Graph() + onto
    graph.add((CG.Orphan, RDF.type, OWL.Class))
    graph.add((CG.Orphan, RDFS.label, rdflib.Literal("Orphan", lang="en")))
    assert [str(f) for f in ontology.check_labels(graph)] == [f"{CG.Orphan} has no skos:definition"]


def test_every_term_used_in_data_and_shapes_is_declared() -> None:
    files = ontology.data_and_shape_files()
    assert any(p.parent.name == "demo" for p in files)
    # Everything under shapes/ is covered too, whatever other engineers add there.
    in_shapes = {p for p in files if p.relative_to(ROOT).parts[0] == "shapes"}
    assert in_shapes == set((ROOT / "shapes").rglob("*.ttl"))
    assert ontology.check_declared(files) == []


def test_an_undeclared_term_and_a_misspelt_checklist_item_are_found_with_their_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text(
        "@prefix cg: <https://w3id.org/comgraph/ns#> .\n"
        "@prefix cgchk: <https://w3id.org/comgraph/vocab/checklist/> .\n"
        "@prefix foaf: <http://xmlns.com/foaf/0.1/> .\n"
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "<https://example.org/x> a foaf:Person .\n"
        "<https://example.org/S> a sh:NodeShape ; sh:targetClass cg:Rolle ;\n"
        "    cg:enforces cgchk:role-definedd .\n")
    found = {(f.message, f.where) for f in ontology.check_declared([bad])}
    assert found == {
        ("foaf:Person (class) is not declared", f"{bad}:5"),
        ("cg:Rolle (sh:targetClass value) is not declared", f"{bad}:6"),
        ("cgchk:role-definedd is not defined in the ontology", f"{bad}:7"),
    }


def test_the_core_and_its_vocabularies_are_in_the_owl2_dl_profile(onto) -> None:
    assert ontology.check_dl_profile(onto) == []


def test_the_profile_checker_rejects_punning_non_simple_cardinality_and_xsd_date_ranges() -> None:
    bad = rdflib.Graph().parse(data="""
        @prefix owl: <http://www.w3.org/2002/07/owl#> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        @prefix ex: <https://example.org/> .
        <https://example.org/o> a owl:Ontology .
        ex:p a owl:ObjectProperty, owl:DatatypeProperty .
        ex:t a owl:ObjectProperty, owl:TransitiveProperty .
        ex:C a owl:Class ; rdfs:subClassOf [ a owl:Restriction ; owl:onProperty ex:t ;
            owl:maxCardinality "1"^^xsd:nonNegativeInteger ] .
        ex:d a owl:DatatypeProperty ; rdfs:range xsd:date .
    """, format="turtle")
    messages = [f.message for f in ontology.check_dl_profile(bad)]
    assert any(m.startswith("IllegalPunning:") and "https://example.org/p" in m for m in messages)
    assert any(m.startswith("UseOfNonSimplePropertyInCardinalityRestriction:") for m in messages)
    assert "datatype http://www.w3.org/2001/XMLSchema#date is outside the OWL 2 datatype map" in messages


def test_the_schemes_hold_six_processes_eight_stakeholder_roles_four_raci_codes_four_components(onto) -> None:
    def members(scheme: str) -> set[str]:
        return {str(c) for c in onto.subjects(SKOS.inScheme, rdflib.URIRef(scheme))}

    base = "https://w3id.org/comgraph/vocab/"
    assert members(base + "process") == PROCESSES
    assert {m.rsplit("/", 1)[1] for m in members(base + "stakeholder-role")} == {
        "company", "businessUnit", "serviceProvider", "primeContractor", "subcontractor",
        "supplierManagement", "executiveManagement", "externalFundingProvider"}
    assert {str(onto.value(rdflib.URIRef(m), SKOS.notation)) for m in members(base + "raci")} == set("RACI")
    components = members(base + "audit-component")
    assert len(components) == 4
    dimension = rdflib.URIRef("http://www.w3.org/ns/dqv#Dimension")
    assert all((rdflib.URIRef(c), RDF.type, dimension) in onto for c in components)


def test_the_checklist_has_at_least_thirty_items_each_one_statement_in_one_process(onto) -> None:
    scheme = rdflib.URIRef("https://w3id.org/comgraph/vocab/checklist")
    items = set(onto.subjects(SKOS.inScheme, scheme))
    assert len(items) >= 30
    by_process: dict[str, int] = {}
    for item in items:
        assert (item, RDF.type, CG.ChecklistItem) in onto
        processes = [str(p) for p in onto.objects(item, CG.process)]
        assert len(processes) == 1 and processes[0] in PROCESSES, item
        statement = str(onto.value(item, SKOS.definition))
        assert statement.endswith(".") and statement.count(". ") == 0, item  # one sentence
        by_process[processes[0]] = by_process.get(processes[0], 0) + 1
    assert set(by_process) == PROCESSES  # every process has items
    notations = [str(onto.value(i, SKOS.notation)) for i in items]
    assert len(set(notations)) == len(items)


def test_the_enforces_annotation_property_links_checks_to_checklist_items(core) -> None:
    assert (CG.enforces, RDF.type, OWL.AnnotationProperty) in core
    assert core.value(CG.enforces, RDFS.range) == CG.ChecklistItem


def test_the_alignments_parse_and_the_core_never_imports_them(core) -> None:
    files = sorted((ontology.ontology_dir() / "alignments").glob("*.ttl"))
    assert {f.stem for f in files} == {"fibo", "gist", "dpv", "epo", "schema-org"}
    for path in files:
        graph = ontology.load_graph([path])
        assert any(str(s).startswith(ontology.CG) for s in graph.subjects()), path
    imports = {str(o) for o in core.objects(ONTOLOGY, OWL.imports)}
    assert not any("alignments" in i for i in imports)
    assert "http://www.w3.org/ns/org#" in imports and "http://www.w3.org/ns/dcat" in imports


def test_every_w3c_import_has_a_local_copy_that_defines_terms_the_core_uses(core) -> None:
    local = ontology.load_graph(ontology.import_files())
    used = {o for o in core.objects(None, RDFS.subClassOf) if isinstance(o, rdflib.URIRef)}
    used |= {o for o in core.objects(None, RDFS.range) if isinstance(o, rdflib.URIRef)}
    external = {u for u in used if not str(u).startswith(ontology.CG)
                and not str(u).startswith(str(rdflib.XSD))}
    assert external and all((u, None, None) in local for u in external), external - {
        u for u in external if (u, None, None) in local}
