"""The comgraph ontology: where its files are, the checks that keep it sound, and its HTML docs.

``comgraph check-ontology`` and the tests call :func:`check_ontology`, which runs:

- **consistency**: HermiT (through owlready2) on the core, the SKOS vocabularies and the W3C
  vocabularies in ``ontology/imports/``; the ontology must be consistent with no unsatisfiable
  class;
- **OWL 2 DL profile**: the OWL API's ``OWL2DLProfile`` (bundled in owlready2's ``HermiT.jar``)
  on the core and its vocabularies, plus the datatype-map rule that OWL API 3 does not enforce;
- **hygiene**: every term in the comgraph namespaces has ``rdfs:label`` and ``skos:definition``;
  every term used in ``data/`` and ``shapes/`` is declared somewhere we ship.

``comgraph docs OUT/`` and the ``/ontology`` route use :func:`write_docs` and
:func:`documentation_html` (pyLODE).

The checks live one to a module: :mod:`.consistency`, :mod:`.profile` and :mod:`.hygiene`;
where the files are is :mod:`.files`, and the HTML documentation is :mod:`.docs`. Every public
name is importable from ``comgraph.ontology`` itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from comgraph.ontology.consistency import (
    ConsistencyResult,
    JavaNotFoundError,
    check_consistency,
    java_executable,
    reasoning_input,
)
from comgraph.ontology.docs import documentation_html, write_docs
from comgraph.ontology.files import (
    CG,
    ONTOLOGY_IRI,
    VOCAB,
    Finding,
    OntologyError,
    core_file,
    import_files,
    load_graph,
    ontology_graph,
    shacl_vocabulary_file,
    vocabulary_files,
)
from comgraph.ontology.hygiene import (
    DECLARING_TYPES,
    DEFINING_TYPES,
    _in_comgraph_namespaces,
    check_declared,
    check_labels,
    data_and_shape_files,
    declared_terms,
    defined_terms,
    used_terms,
)
from comgraph.ontology.profile import OWL2_DATATYPES, check_dl_profile
from comgraph.paths import ontology_dir

__all__ = [
    "CG", "DECLARING_TYPES", "DEFINING_TYPES", "ONTOLOGY_IRI", "OWL2_DATATYPES", "VOCAB", "CheckReport",
    "ConsistencyResult", "Finding", "JavaNotFoundError", "OntologyError", "_in_comgraph_namespaces",
    "check_consistency", "check_declared", "check_dl_profile", "check_labels", "check_ontology",
    "core_file", "data_and_shape_files", "declared_terms", "defined_terms", "documentation_html",
    "import_files", "java_executable", "load_graph", "ontology_dir", "ontology_graph", "reasoning_input",
    "shacl_vocabulary_file", "used_terms", "vocabulary_files", "write_docs",
]


@dataclass
class CheckReport:
    """What :func:`check_ontology` found; ``ok`` when there are no findings."""

    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings


def check_ontology(*, reasoner: bool = True, profile: bool = True) -> CheckReport:
    """Run every check; the CLI and the tests both come through here."""
    report = CheckReport()
    graph = ontology_graph()
    report.findings += check_labels(graph)
    report.findings += check_declared([core_file(), *vocabulary_files()])
    report.findings += check_declared(data_and_shape_files())
    if profile:
        report.findings += check_dl_profile(graph)
        report.notes.append("OWL 2 DL profile: OWL API OWL2DLProfile (3.4, from owlready2's "
                            "HermiT.jar) plus the OWL 2 datatype-map rule")
    if reasoner:
        result = check_consistency()
        if not result.consistent:
            report.findings.append(Finding("consistency", "HermiT finds the ontology inconsistent"))
        for iri in result.unsatisfiable:
            report.findings.append(Finding("consistency", f"{iri} is unsatisfiable"))
        report.notes.append(
            "HermiT: consistent, no unsatisfiable class" if result.consistent
            and not result.unsatisfiable else "HermiT: problems found")
        if result.set_aside:
            report.notes.append("HermiT input, adjusted for owlready2: " + "; ".join(result.set_aside))
    return report
