"""OWL 2 DL profile: the OWL API's ``OWL2DLProfile`` (bundled in owlready2's ``HermiT.jar``,
run by ``java`` on ``java/OwlDlProfileCheck.java``) on the core and its vocabularies, plus the
datatype-map rule that OWL API 3 does not enforce.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import rdflib
from rdflib import Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from comgraph.ontology.consistency import java_executable
from comgraph.ontology.files import Finding, OntologyError, ontology_graph

# The OWL 2 datatype map (OWL 2 Structural Specification, section 4) plus rdfs:Literal. An OWL 2
# DL ontology may use no other datatype from the reserved namespaces; xsd:date is not in it.
OWL2_DATATYPES = frozenset(
    [RDFS.Literal, RDF.PlainLiteral, RDF.XMLLiteral, OWL.real, OWL.rational]
    + [XSD[name] for name in (
        "decimal integer nonNegativeInteger nonPositiveInteger positiveInteger negativeInteger "
        "long int short byte unsignedLong unsignedInt unsignedShort unsignedByte double float "
        "string normalizedString token language Name NCName NMTOKEN boolean hexBinary "
        "base64Binary anyURI dateTime dateTimeStamp").split()]
)


def _owlapi_jar() -> Path:
    import owlready2

    jar = Path(owlready2.__file__).parent / "hermit" / "HermiT.jar"
    if not jar.is_file():
        raise OntologyError(f"the OWL API (bundled in owlready2's HermiT.jar) is missing: {jar}")
    return jar


def check_dl_profile(graph: rdflib.Graph | None = None) -> list[Finding]:
    """Check the core and its vocabularies (or ``graph``) against the OWL 2 DL profile.

    Uses the OWL API's ``OWL2DLProfile`` (version 3.4, bundled in owlready2's HermiT.jar),
    which checks declarations, punning, property kinds, simple properties in cardinality
    restrictions, reserved vocabulary and the global restrictions. That version does not
    reject datatypes outside the OWL 2 datatype map (xsd:date, xsd:gYear, ...), so that rule is
    checked here too. owl:imports are not followed: the core declares every W3C term it uses.
    """
    java = java_executable()
    graph = ontology_graph() if graph is None else graph
    findings = [Finding("owl2-dl", f"datatype {dt} is outside the OWL 2 datatype map", str(where))
                for where, dt in _datatypes_outside_owl2(graph)]
    checker = Path(__file__).parent / "java" / "OwlDlProfileCheck.java"
    with tempfile.TemporaryDirectory(prefix="comgraph-dl-") as tmp:
        doc = Path(tmp) / "ontology.owl"
        stripped = rdflib.Graph()
        for triple in graph:
            stripped.add(triple)
        stripped.remove((None, OWL.imports, None))
        stripped.serialize(str(doc), format="xml")
        run = subprocess.run([java, "-cp", str(_owlapi_jar()), str(checker), str(doc)],
                             capture_output=True, text=True, timeout=300)
    if run.returncode not in (0, 1) or "AXIOMS\t" not in run.stdout:
        raise OntologyError(f"the OWL API profile check failed to run: {run.stderr.strip()}")
    for line in run.stdout.splitlines():
        if line.startswith("VIOLATION\t"):
            _, kind, text = line.split("\t", 2)
            findings.append(Finding("owl2-dl", f"{kind}: {text}"))
    return findings


def _datatypes_outside_owl2(graph: rdflib.Graph) -> list[tuple[object, URIRef]]:
    found = []
    for s, p, o in graph:
        if p == RDFS.range and (s, RDF.type, OWL.DatatypeProperty) in graph:
            if isinstance(o, URIRef) and o not in OWL2_DATATYPES and _is_reserved(o):
                found.append((s, o))
        elif p in (OWL.allValuesFrom, OWL.someValuesFrom, OWL.onDataRange):
            if isinstance(o, URIRef) and str(o).startswith(str(XSD)) and o not in OWL2_DATATYPES:
                found.append((s, o))
        elif isinstance(o, Literal) and o.datatype is not None:
            is_annotation = (p, RDF.type, OWL.AnnotationProperty) in graph
            if not is_annotation and o.datatype not in OWL2_DATATYPES and _is_reserved(o.datatype):
                found.append((s, o.datatype))
    return found


def _is_reserved(iri: URIRef) -> bool:
    return any(str(iri).startswith(str(ns)) for ns in (XSD, RDF, RDFS, OWL))
