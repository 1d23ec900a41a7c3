"""The validation engine: which shape fires on which node, for which checklist item and
process; the as-of date; both engines agreeing; stores validated in place; fingerprints and
source locations."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pyoxigraph as ox
import pytest

from comgraph.store import Store
from comgraph.validate import Severity, UnsupportedFeature, ValidationError, validate

HERE = Path(__file__).parent / "data" / "validate"
SHAPES = HERE / "shapes"
DEFECTS = HERE / "data" / "defects.ttl"
CONFORMING = HERE / "data" / "conforming.ttl"
COMPONENTS = HERE / "components"
EX = "https://example.org/data/"
SHP = "https://example.org/shapes/"
CHK = "https://example.org/checklist/"
SH = "http://www.w3.org/ns/shacl#"


def findings(report) -> set[tuple[str, str, str, str | None]]:
    """(shape, component name, focus IRI, path) for every result."""
    return {(r.shape, r.component_name, r.focus.value, r.path) for r in report.results}


EXPECTED_DEFECTS = {
    (SHP + "ResponsibilityAccountableShape", "SPARQL", EX + "shared-duty", None),
    (SHP + "RoleShape/property/cg:carries", "MinCount", EX + "ghost-role", "https://w3id.org/comgraph/ns#carries"),
    (SHP + "RoleDefinitionShape", "MinLength", EX + "ghost-role", "http://www.w3.org/2004/02/skos/core#definition"),
    (SHP + "RoleLabelShape", "MinCount", EX + "ghost-role", "http://www.w3.org/2000/01/rdf-schema#label"),
    (SHP + "RoleLabelShape", "MaxCount", EX + "twin-role", "http://www.w3.org/2000/01/rdf-schema#label"),
    (SHP + "ObjectiveOwnerShape/property/cg:owner", "MinCount", EX + "stale-objective",
     "https://w3id.org/comgraph/ns#owner"),
    (SHP + "ObjectiveReviewShape", "SPARQL", EX + "stale-objective", None),
}


def test_each_defect_fires_its_own_shape_on_its_own_focus_node():
    report = validate([DEFECTS], SHAPES)
    assert findings(report) == EXPECTED_DEFECTS
    assert report.fallback_shapes == []


def test_conforming_data_has_no_findings():
    report = validate([CONFORMING], SHAPES)
    assert report.results == []
    assert report.conforms(Severity.INFO)


def test_results_carry_checklist_item_process_severity_and_message():
    report = validate([DEFECTS], SHAPES)
    by_key = {(r.shape, r.focus.value): r for r in report.results}
    label = by_key[(SHP + "RoleLabelShape", EX + "twin-role")]
    assert label.checklist_item == CHK + "role-defined"
    assert label.checklist_item_label == "Role defined"
    assert label.process == "https://example.org/process/integration"
    assert label.process_label == "Integration"
    assert label.severity is Severity.VIOLATION
    assert label.message == "The role needs exactly one name."
    assert label.focus_label == "Twin"
    # A blank property shape inherits the checklist link of the node shape holding it only when
    # it has none of its own: this one names its own item.
    carries = by_key[(SHP + "RoleShape/property/cg:carries", EX + "ghost-role")]
    assert carries.checklist_item == CHK + "role-carries-responsibility"
    accountable = by_key[(SHP + "ResponsibilityAccountableShape", EX + "shared-duty")]
    assert accountable.message == "This responsibility has 2 accountable parties; it needs exactly one."
    owner = by_key[(SHP + "ObjectiveOwnerShape/property/cg:owner", EX + "stale-objective")]
    assert owner.severity is Severity.INFO
    assert owner.process_label == "Strategy"
    review = by_key[(SHP + "ObjectiveReviewShape", EX + "stale-objective")]
    assert review.severity is Severity.WARNING
    assert review.value == ox.Literal("2025-01-15", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date"))


def test_as_of_defaults_to_the_date_the_data_records():
    report = validate([DEFECTS], SHAPES)
    assert report.as_of == date(2025, 6, 30)
    assert report.as_of_source == "cg:asOfDate in the data"


def test_an_earlier_as_of_date_makes_the_past_review_date_current():
    report = validate([DEFECTS], SHAPES, as_of="2025-01-01")
    shapes_fired = {r.shape for r in report.results}
    assert SHP + "ObjectiveReviewShape" not in shapes_fired
    assert report.as_of_source == "--as-of"
    later = validate([CONFORMING], SHAPES, as_of=date(2025, 10, 1))
    fired = {(r.shape, r.focus.value) for r in later.results}
    assert fired == {(SHP + "ObjectiveReviewShape", EX + "growth")}


def test_data_without_an_as_of_date_is_checked_as_of_today(tmp_path):
    data = tmp_path / "undated.ttl"
    data.write_text(DEFECTS.read_text().replace('cg:asOfDate "2025-06-30"^^xsd:date', 'cg:name "deal"'))
    report = validate([data], SHAPES)
    assert report.as_of == date.today()
    assert report.as_of_source == "today"


def test_a_malformed_as_of_date_is_a_validation_error():
    with pytest.raises(ValidationError, match="--as-of"):
        validate([DEFECTS], SHAPES, as_of="30/06/2025")


def _comparable(report) -> set[tuple]:
    # Blank nodes get different labels in each engine; the fingerprint names them stably.
    return {(r.fingerprint, r.shape, r.component, r.path, r.severity,
             None if isinstance(r.value, ox.BlankNode) else r.value) for r in report.results}


@pytest.mark.parametrize("data, shapes", [(DEFECTS, SHAPES), (CONFORMING, SHAPES),
                                          (COMPONENTS / "data.ttl", COMPONENTS)])
def test_the_compiled_engine_and_pyshacl_report_the_same_findings(data, shapes):
    compiled = validate([data], shapes, vocab_dirs=[])
    reference = validate([data], shapes, vocab_dirs=[], engine="pyshacl")
    assert _comparable(compiled) == _comparable(reference)


def test_every_core_component_fires_in_the_components_fixture():
    report = validate([COMPONENTS / "data.ttl"], COMPONENTS, vocab_dirs=[])
    fired = {r.component_name for r in report.results}
    assert fired >= {
        "Class", "Datatype", "NodeKind", "MinInclusive", "MaxExclusive", "MinExclusive", "MaxInclusive",
        "MinLength", "MaxLength", "Pattern", "LanguageIn", "UniqueLang", "In", "HasValue", "MinCount",
        "MaxCount", "LessThan", "LessThanOrEquals", "Equals", "Disjoint", "Closed", "Node", "Not", "And",
        "Or", "Xone", "SPARQL", "QualifiedMinCount",
    }
    # The one shape the compiler does not translate went to pySHACL, and was not skipped.
    assert report.fallback_shapes == ["https://example.org/c/Qualified"]
    assert ("https://example.org/c/team", "QualifiedMinCount") in {
        (r.focus.value, r.component_name) for r in report.results if isinstance(r.focus, ox.NamedNode)}


def test_a_store_is_validated_in_place_with_the_same_findings(store: Store):
    store.load([DEFECTS])
    report = validate(store, SHAPES)
    assert findings(report) == EXPECTED_DEFECTS
    assert store.triple_count() == len(list(ox.parse(path=str(DEFECTS))))  # nothing was added


def test_a_remote_store_refuses_shapes_that_would_need_a_full_copy(oxigraph_server):
    from comgraph.store import open_store

    oxigraph_server.clear()
    with open_store(oxigraph_server.store_url) as remote:
        remote.load([COMPONENTS / "data.ttl"])
        with pytest.raises(UnsupportedFeature, match="Qualified"):
            validate(remote, COMPONENTS, vocab_dirs=[])


def test_shapes_with_sparql_rules_are_an_unsupported_feature(tmp_path):
    shapes = tmp_path / "shapes"
    shapes.mkdir()
    (shapes / "rule.ttl").write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <https://example.org/> .\n"
        "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:rule [ a sh:TripleRule ; sh:subject sh:this ;"
        " sh:predicate ex:p ; sh:object ex:o ] .\n")
    with pytest.raises(UnsupportedFeature, match="sh:rule"):
        validate([DEFECTS], shapes)


def test_fingerprints_survive_blank_node_relabelling_and_reordering(tmp_path):
    shapes = tmp_path / "shapes"
    shapes.mkdir()
    (shapes / "s.ttl").write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <https://example.org/> .\n"
        "ex:NoteShape a sh:NodeShape ; sh:targetClass ex:Note ;"
        " sh:property [ sh:path ex:text ; sh:minCount 1 ] .\n")
    one = tmp_path / "one.ttl"
    one.write_text("@prefix ex: <https://example.org/> .\n_:a a ex:Note ; ex:about ex:x .\n"
                   "_:b a ex:Note ; ex:about ex:y .\n")
    two = tmp_path / "two.ttl"
    two.write_text("@prefix ex: <https://example.org/> .\n[ a ex:Note ; ex:about ex:y ] .\n"
                   "_:zz ex:about ex:x ; a ex:Note .\n")
    first = sorted(r.fingerprint for r in validate([one], shapes, vocab_dirs=[]).results)
    again = sorted(r.fingerprint for r in validate([one], shapes, vocab_dirs=[]).results)
    relabelled = sorted(r.fingerprint for r in validate([two], shapes, vocab_dirs=[]).results)
    assert len(first) == 2 and len(set(first)) == 2
    assert first == again == relabelled


def test_a_violation_in_a_turtle_file_points_at_its_line(tmp_path):
    data = tmp_path / "defects.ttl"
    shutil.copy(DEFECTS, data)
    report = validate([data], SHAPES)
    where = {(r.shape, r.focus.value): r.location for r in report.results}
    lines = DEFECTS.read_text().splitlines()
    # The short definition: the triple itself (line 11, "skos:definition "Tbd"").
    loc = where[(SHP + "RoleDefinitionShape", EX + "ghost-role")]
    assert (loc.file, loc.line, loc.column) == (str(data), 11, 5)
    assert lines[loc.line - 1].strip().startswith('skos:definition "Tbd"')
    # A missing label: the focus node's subject block.
    loc = where[(SHP + "RoleLabelShape", EX + "ghost-role")]
    assert (loc.line, loc.column) == (10, 1)
    assert lines[loc.line - 1].startswith("ex:ghost-role a cg:Role")
    # Two labels: the first rdfs:label triple of the twin role.
    loc = where[(SHP + "RoleLabelShape", EX + "twin-role")]
    assert lines[loc.line - 1].strip().startswith("rdfs:label")


def test_locations_work_for_n_triples_and_trig(tmp_path):
    nt = tmp_path / "defects.nt"
    triples = list(ox.parse(path=str(DEFECTS)))
    nt.write_bytes(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))
    report = validate([nt], SHAPES)
    lines = nt.read_text().splitlines()
    for r in report.results:
        assert r.location is not None and r.location.file == str(nt)
        assert lines[r.location.line - 1].startswith(f"<{r.focus.value}>")
    trig = tmp_path / "defects.trig"
    trig.write_text("@prefix cg: <https://w3id.org/comgraph/ns#> .\n"
                    "@prefix ex: <https://example.org/data/> .\n"
                    "ex:g {\n  ex:lonely a cg:Responsibility .\n}\n")
    report = validate([trig], SHAPES)
    [only] = report.results
    assert only.focus.value == EX + "lonely"
    assert (only.location.line, only.location.column) == (4, 3)


def test_n_triples_and_n_quads_locations_name_the_line_and_the_column_of_subject_and_predicate(tmp_path):
    from comgraph.validate.locations import SourceIndex

    XSD = "http://www.w3.org/2001/XMLSchema#"
    nt = tmp_path / "odd.nt"
    nt.write_text("# a comment\n"
                  '<https://e.org/a> <https://e.org/p> "x"@en-GB .\n'
                  '   <https://e.org/a>\t<https://e.org/q>   "1"^^<' + XSD + 'integer> .\n'
                  "\n"
                  "<https://e.org/b> <https://e.org/p> <https://e.org/a> . # trailing\n"
                  '<https://e.org/c> <https://e.org/p> "line\\nbreak \\u00e9" .\n', encoding="utf-8")
    a, b, c, p, q = (ox.NamedNode(f"https://e.org/{n}") for n in "abcpq")
    index = SourceIndex.build([nt], [a, c])
    at = {k: (v.line, v.column) for k, v in index.triples.items()}
    assert {k: (v.line, v.column) for k, v in index.subjects.items()} == {("iri", a.value): (2, 1),
                                                                          ("iri", c.value): (6, 1)}
    assert at[(("iri", a.value), p.value, ("lit", "x", "@en-gb"))] == (2, 19)
    assert at[(("iri", a.value), q.value, ("lit", "1", XSD + "integer"))] == (3, 22)
    assert at[(("iri", c.value), p.value, ("lit", "line\nbreak \u00e9", XSD + "string"))] == (6, 19)
    assert index.locate(b, p.value, a) is None  # b was not asked for
    nq = tmp_path / "odd.nq"
    nq.write_text('<https://e.org/a> <https://e.org/p> "x" <https://e.org/g> .\n'
                  "  <https://e.org/b> <https://e.org/p> <https://e.org/a> .\n", encoding="utf-8")
    index = SourceIndex.build([nq], [a, b])
    assert index.locate(b, p.value, a) == index.triples[(("iri", b.value), p.value, ("iri", a.value))]
    assert (index.locate(b, p.value, a).line, index.locate(b, p.value, a).column) == (2, 21)
    assert (index.locate(a, p.value, ox.Literal("x")).line, index.subjects[("iri", a.value)].column) == (1, 1)


def test_a_file_that_does_not_parse_is_a_validation_error_naming_the_line(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix ex: <https://example.org/> .\nex:a ex:b .\n")
    with pytest.raises(ValidationError, match=r"bad.ttl:2"):
        validate([bad], SHAPES)


def test_rdfs_inference_lets_a_subclass_instance_be_checked(tmp_path):
    ontology = tmp_path / "onto.ttl"
    ontology.write_text("@prefix cg: <https://w3id.org/comgraph/ns#> . "
                        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
                        "cg:KeyRole rdfs:subClassOf cg:Role .\n")
    data = tmp_path / "d.ttl"
    data.write_text("@prefix cg: <https://w3id.org/comgraph/ns#> .\n"
                    "@prefix ex: <https://example.org/data/> .\nex:vip a cg:KeyRole .\n")
    plain = validate([data], SHAPES, ontology_dirs=[ontology])
    assert plain.results == []
    for mode in ("rdfs", "owlrl"):
        inferred = validate([data], SHAPES, inference=mode, ontology_dirs=[ontology])
        assert (SHP + "RoleLabelShape", EX + "vip") in {(r.shape, r.focus.value) for r in inferred.results}
