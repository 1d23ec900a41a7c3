"""Hygiene: every term in the comgraph namespaces has ``rdfs:label`` and ``skos:definition``;
every term used in ``data/`` and ``shapes/`` (and in the ontology's own files) is declared
somewhere comgraph ships, and every comgraph IRI they use is defined.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import rdflib
from rdflib import SH, BNode, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD

from comgraph.namespaces import CG, VOCAB, compact
from comgraph.ontology.files import Finding, load_graph, ontology_graph, shacl_vocabulary_file
from comgraph.paths import resource_dir, shapes_dir

DECLARING_TYPES = frozenset([
    RDFS.Class, OWL.Class, RDF.Property, OWL.ObjectProperty, OWL.DatatypeProperty,
    OWL.AnnotationProperty, RDFS.Datatype, OWL.FunctionalProperty,
    OWL.InverseFunctionalProperty, OWL.TransitiveProperty, OWL.SymmetricProperty,
    OWL.OntologyProperty,
])
DEFINING_TYPES = DECLARING_TYPES | {OWL.NamedIndividual, SKOS.Concept, SKOS.ConceptScheme}

# Where shapes name terms in object position: these must be declared as well.
_SHAPE_TERM_PREDICATES = (SH.targetClass, SH["class"], SH.path, SH.targetSubjectsOf,
                          SH.targetObjectsOf)


def _in_comgraph_namespaces(term: object) -> bool:
    return isinstance(term, URIRef) and (str(term).startswith(CG) or str(term).startswith(VOCAB))


def check_labels(graph: rdflib.Graph | None = None) -> list[Finding]:
    """Every class, property and individual in the comgraph namespaces has a label and a
    definition (in English or without a language)."""
    graph = ontology_graph() if graph is None else graph
    findings = []
    for term in sorted({s for s in graph.subjects(RDF.type, None) if _in_comgraph_namespaces(s)}):
        for prop, name in ((RDFS.label, "rdfs:label"), (SKOS.definition, "skos:definition")):
            values = [v for v in graph.objects(term, prop)
                      if isinstance(v, Literal) and v.language in (None, "en") and str(v).strip()]
            if not values:
                findings.append(Finding("labels", f"{term} has no {name}"))
    return findings


def declared_terms(graph: rdflib.Graph) -> set[URIRef]:
    """Terms a graph declares: classes, properties and datatypes, in any of the usual ways."""
    declared = {s for s, o in graph.subject_objects(RDF.type)
                if o in DECLARING_TYPES and isinstance(s, URIRef)}
    declared |= {s for s in graph.subjects(RDFS.subClassOf, None) if isinstance(s, URIRef)}
    declared |= {s for s in graph.subjects(RDFS.subPropertyOf, None) if isinstance(s, URIRef)}
    return declared


def defined_terms(graph: rdflib.Graph) -> set[URIRef]:
    """Everything a graph gives a type to (terms, concepts, schemes, individuals)."""
    return {s for s in graph.subjects(RDF.type, None) if isinstance(s, URIRef)}


def _builtin(term: URIRef) -> bool:
    """RDF, RDFS, OWL and XSD terms are defined by the standards themselves."""
    for namespace in (RDF, RDFS, OWL):
        if term in namespace:  # DefinedNamespace: only the real terms pass
            return True
    return str(term).startswith(str(XSD))


def used_terms(graph: rdflib.Graph) -> dict[URIRef, str]:
    """The terms a data or shapes graph uses, with how each is used."""
    used: dict[URIRef, str] = {}
    for _, p, o in graph:
        used.setdefault(p, "property")
        if p == RDF.type and isinstance(o, URIRef):
            used.setdefault(o, "class")
        if p in _SHAPE_TERM_PREDICATES:
            for item in _iris_in(graph, o):
                used.setdefault(item, f"{p.n3(graph.namespace_manager)} value")
        if p == SH.datatype and isinstance(o, URIRef):
            used.setdefault(o, "sh:datatype value")
    for s, _, o in graph:
        # IRIs in our own namespaces must exist wherever they appear (catches typos in
        # checklist items, processes, RACI codes, ...).
        for term in (s, o):
            if _in_comgraph_namespaces(term) and term not in used:
                used[term] = "comgraph IRI"
    return used


def _iris_in(graph: rdflib.Graph, node: object) -> list[URIRef]:
    """IRIs inside a SHACL path or a plain value."""
    if isinstance(node, URIRef):
        return [node]
    if isinstance(node, BNode):
        if (node, RDF.first, None) in graph:
            return [i for member in Collection(graph, node) for i in _iris_in(graph, member)]
        return [i for _, o in graph.predicate_objects(node) for i in _iris_in(graph, o)]
    return []


def check_declared(paths: Iterable[Path], known: rdflib.Graph | None = None) -> list[Finding]:
    """Every term used in these files is declared in the ontology, its vocabularies, the W3C
    vocabularies (or SHACL's own vocabulary); every comgraph IRI they use is defined."""
    known = ontology_graph(imports=True) if known is None else known
    if not hasattr(check_declared, "_shacl"):
        check_declared._shacl = load_graph([shacl_vocabulary_file()])  # type: ignore[attr-defined]
    declared = declared_terms(known) | declared_terms(check_declared._shacl)  # type: ignore[attr-defined]
    defined = defined_terms(known)
    findings = []
    for path in paths:
        graph = load_graph([path])
        # Terms the file itself defines in our namespaces would hide typos, so only the
        # shipped ontology counts for comgraph IRIs; other local helper terms (shape IRIs,
        # demo instances) are fine.
        for term, usage in sorted(used_terms(graph).items()):
            if usage == "comgraph IRI":
                if term not in defined and term not in declared:
                    findings.append(Finding("declared", f"{_short(term)} is not defined in the ontology",
                                            _locate(path, term)))
            elif not (_builtin(term) or term in declared):
                findings.append(Finding("declared", f"{_short(term)} ({usage}) is not declared",
                                        _locate(path, term)))
    return findings


def _short(term: URIRef) -> str:
    return compact(str(term))


def _locate(path: Path, term: URIRef) -> str:
    """file:line of the first mention of a term, for a reader to jump to."""
    text = str(term)
    local = re.split(r"[#/]", text)[-1]
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return str(path)
    for number, line in enumerate(lines, 1):
        if text in line or (local and re.search(rf":{re.escape(local)}\b", line)):
            return f"{path}:{number}"
    return str(path)


def data_and_shape_files() -> list[Path]:
    """Every Turtle file under ``data/`` and ``shapes/``."""
    files = sorted(resource_dir("data").rglob("*.ttl"))
    try:
        files += sorted(shapes_dir().rglob("*.ttl"))
    except FileNotFoundError:
        pass
    return files
