"""``comgraph export skos``: the vocabularies as one SKOS glossary that passes comgraph's SKOS
integrity shapes and holds every checklist item, and as OpenMetadata's glossary CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyshacl
import pytest
import rdflib
from click.testing import CliRunner
from rdflib.namespace import RDF, RDFS, SKOS

from comgraph.catalog.export_skos import (
    OPENMETADATA_GLOSSARY_HEADER,
    build_skos,
    openmetadata_csv,
    skos_turtle,
)
from comgraph.cli import main
from tests.catalog_support import ROOT, SH

INTEGRITY = ROOT / "src" / "comgraph" / "catalog" / "shapes" / "skos-integrity.ttl"
CHECKLIST = ROOT / "ontology" / "vocab" / "checklist.ttl"
CG = rdflib.Namespace("https://w3id.org/comgraph/ns#")
CGCHK = rdflib.Namespace("https://w3id.org/comgraph/vocab/checklist/")


@pytest.fixture(scope="module")
def glossary() -> rdflib.Graph:
    return rdflib.Graph().parse(data=skos_turtle(build_skos()), format="turtle")


def _integrity(data: rdflib.Graph) -> set[tuple[str, str]]:
    conforms, report, _ = pyshacl.validate(data, shacl_graph=rdflib.Graph().parse(INTEGRITY))
    # A SPARQL constraint is named by sh:sourceConstraint (its node shape is the source shape).
    found = {(str(report.value(r, SH.focusNode)),
              str(report.value(r, SH.sourceConstraint) or report.value(r, SH.sourceShape)).rsplit("/", 1)[-1])
             for r in report.subjects(RDF.type, SH.ValidationResult)}
    assert conforms == (not found)
    return found


def test_the_glossary_passes_the_skos_integrity_shapes(glossary):
    assert _integrity(glossary) == set()


def test_the_integrity_shapes_catch_a_concept_outside_any_scheme_a_second_label_and_a_broader_cycle():
    data = rdflib.Graph().parse(data="""
        @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
        @prefix : <https://example.org/g/> .
        :s a skos:ConceptScheme ; skos:prefLabel "S"@en .
        :a a skos:Concept ; skos:inScheme :s ; skos:prefLabel "A"@en, "Alpha"@en ; skos:definition "a" ;
           skos:broader :b .
        :b a skos:Concept ; skos:inScheme :s ; skos:prefLabel "B"@en ; skos:definition "b" ; skos:broader :a .
        :c a skos:Concept ; skos:prefLabel "C"@en, "Ce"@fr ; skos:definition "c" .
        """, format="turtle")
    assert _integrity(data) == {
        ("https://example.org/g/a", "ConceptPrefLabelShape"),
        ("https://example.org/g/a", "NoBroaderCycleShape"),
        ("https://example.org/g/b", "NoBroaderCycleShape"),
        ("https://example.org/g/c", "ConceptInSchemeShape"),
    }


def test_the_glossary_holds_every_checklist_item_with_its_code_definition_process_and_shapes(glossary):
    source = rdflib.Graph().parse(CHECKLIST)
    items = set(source.subjects(RDF.type, CG.ChecklistItem))
    assert len(items) == 41
    exported = {c for c in glossary.subjects(SKOS.inScheme, rdflib.URIRef(str(CGCHK)[:-1]))}
    assert exported == items
    for item in items:
        assert glossary.value(item, SKOS.notation) == source.value(item, SKOS.notation)
        assert glossary.value(item, SKOS.definition) == source.value(item, SKOS.definition)
    item = CGCHK["responsibility-one-accountable"]
    assert str(glossary.value(item, SKOS.notation)) == "INT-06"
    assert glossary.value(item, SKOS.related) == rdflib.URIRef("https://w3id.org/comgraph/vocab/process/integration")
    shapes = set(glossary.objects(item, RDFS.seeAlso))
    assert shapes == {rdflib.URIRef("https://w3id.org/comgraph/shapes/ResponsibilityAccountableGapShape"),
                      rdflib.URIRef("https://w3id.org/comgraph/shapes/ResponsibilityAccountableOverlapShape")}
    assert len(list(glossary.objects(item, SKOS.scopeNote))) == 2


def test_every_concept_has_label_definition_scheme_and_the_broader_the_vocabulary_gives(glossary):
    concepts = set(glossary.subjects(RDF.type, SKOS.Concept))
    vocab = rdflib.Graph()
    for path in sorted((ROOT / "ontology" / "vocab").glob("*.ttl")):
        vocab.parse(path)
    assert concepts == set(vocab.subjects(RDF.type, SKOS.Concept))
    for concept in concepts:
        for prop in (SKOS.prefLabel, SKOS.definition, SKOS.inScheme):
            assert glossary.value(concept, prop) is not None, (concept, prop)
    prime = rdflib.URIRef("https://w3id.org/comgraph/vocab/stakeholder-role/primeContractor")
    assert glossary.value(prime, SKOS.broader) == rdflib.URIRef(
        "https://w3id.org/comgraph/vocab/stakeholder-role/serviceProvider")
    assert (None, RDF.type, CG.RaciCode) not in glossary


def test_the_csv_is_openmetadatas_glossary_layout_with_a_row_per_scheme_and_per_concept(glossary):
    text = openmetadata_csv(build_skos(), glossary="Co-management")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert text.splitlines()[0] == ("parent,name*,displayName,description,synonyms,relatedTerms,references,"
                                    "tags,reviewers,owner,glossaryStatus,color,iconURL,extension")
    assert tuple(rows[0]) == OPENMETADATA_GLOSSARY_HEADER
    schemes = set(glossary.subjects(RDF.type, SKOS.ConceptScheme))
    assert len(rows) == len(schemes) + len(set(glossary.subjects(RDF.type, SKOS.Concept)))
    by_name = {(r["parent"], r["name*"]): r for r in rows}
    int06 = by_name[("Co-management.Co-management checklist", "Exactly one accountable party")]
    assert int06["synonyms"] == "INT-06"
    assert int06["relatedTerms"] == "Co-management.Co-management processes.Integration"
    assert int06["references"].startswith(
        "comgraph;https://w3id.org/comgraph/vocab/checklist/responsibility-one-accountable;")
    assert "Enforced by the SHACL shapes" in int06["description"]
    assert int06["glossaryStatus"] == "Approved"
    # Nesting follows skos:broader: the prime contractor is a service provider.
    assert ("Co-management.Stakeholder roles.Service provider", "Prime contractor") in by_name
    assert ("", "Stakeholder roles") in by_name


def test_the_cli_writes_turtle_and_csv(tmp_path: Path):
    runner = CliRunner()
    assert runner.invoke(main, ["export", "skos", "-o", str(tmp_path / "g.ttl")]).exit_code == 0
    assert len(rdflib.Graph().parse(tmp_path / "g.ttl")) == len(build_skos())
    result = runner.invoke(main, ["export", "skos", "--format", "csv"])
    assert result.exit_code == 0
    assert result.output.startswith("parent,name*,displayName,")
