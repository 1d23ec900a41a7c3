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
"""

from __future__ import annotations

import contextlib
import importlib.resources
import io
import os
import re
import shutil
import subprocess
import tempfile
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import rdflib
from rdflib import BNode, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD

from comgraph.paths import ontology_dir, resource_dir, shapes_dir

CG = "https://w3id.org/comgraph/ns#"
VOCAB = "https://w3id.org/comgraph/vocab/"
ONTOLOGY_IRI = "https://w3id.org/comgraph/ns"
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")

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


class OntologyError(RuntimeError):
    """A check could not run (as opposed to a check that ran and found problems)."""


class JavaNotFoundError(OntologyError):
    """HermiT and the OWL API need Java, and there is none."""


@dataclass
class Finding:
    """One problem a check found: which check, what, and where."""

    check: str
    message: str
    where: str = ""

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


@dataclass
class ConsistencyResult:
    consistent: bool
    unsatisfiable: list[str]
    set_aside: list[str] = field(default_factory=list)


@dataclass
class CheckReport:
    """What :func:`check_ontology` found; ``ok`` when there are no findings."""

    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings


# --------------------------------------------------------------------------------------------
# Files


def core_file() -> Path:
    return ontology_dir() / "comgraph.ttl"


def vocabulary_files() -> list[Path]:
    """The SKOS schemes in ``ontology/vocab/`` (processes, roles, RACI, checklist, ...)."""
    return sorted((ontology_dir() / "vocab").glob("*.ttl"))


def import_files() -> list[Path]:
    """Offline copies of the W3C vocabularies the core builds on."""
    return sorted((ontology_dir() / "imports").glob("*.ttl"))


def shacl_vocabulary_file() -> Path:
    """The SHACL vocabulary itself, as pySHACL ships it; shapes use its terms."""
    return Path(str(importlib.resources.files("pyshacl") / "assets" / "shacl.ttl"))


def load_graph(paths: Iterable[Path | str]) -> rdflib.Graph:
    """Parse Turtle files into one graph; a parse error names the file."""
    graph = rdflib.Graph()
    for path in paths:
        try:
            graph.parse(str(path), format="turtle")
        except Exception as exc:  # rdflib raises several unrelated types on bad input
            raise OntologyError(f"{path}: {exc}") from None
    return graph


def ontology_graph(*, imports: bool = False) -> rdflib.Graph:
    """The core and its vocabularies (and, if asked, the W3C vocabularies)."""
    files = [core_file(), *vocabulary_files()]
    if imports:
        files += import_files()
    return load_graph(files)


# --------------------------------------------------------------------------------------------
# Consistency (HermiT through owlready2)


def java_executable() -> str:
    """The Java that owlready2 will run, or a clear error saying how to get one."""
    import owlready2

    java = shutil.which(owlready2.JAVA_EXE) or (
        owlready2.JAVA_EXE if os.path.isfile(owlready2.JAVA_EXE) else None)
    if not java:
        raise JavaNotFoundError(
            "Java is needed for the HermiT reasoner and the OWL API profile check, and "
            f"'{owlready2.JAVA_EXE}' was not found on PATH. Install a Java runtime (Java 11 or "
            "later; Debian: apt-get install -y default-jdk-headless) and run again.")
    return java


def reasoning_input(graph: rdflib.Graph) -> tuple[rdflib.Graph, list[str]]:
    """Prepare a merged graph for owlready2, saying what had to be set aside and why.

    The W3C vocabularies are not all OWL 2 DL. owlready2 cannot load two of their RDFS
    idioms, so they are handled here rather than by editing the copies:
    - owl:imports are dropped (everything is merged already, and owlready2 would fetch them);
    - properties that are blank nodes (DQV's ``rdfs:subPropertyOf [ owl:inverseOf ... ]``) are
      set aside, because owlready2 cannot represent anonymous properties;
    - both sides of owl:inverseOf are typed owl:ObjectProperty, as OWL 2's RDF mapping implies
      (DQV types some of them only as rdf:Property, which owlready2 cannot instantiate).
    """
    merged = rdflib.Graph()
    for triple in graph:
        merged.add(triple)
    merged.remove((None, OWL.imports, None))
    set_aside: list[str] = []
    for s, p, o in list(merged):
        anonymous_property = (
            (p == OWL.inverseOf and isinstance(s, BNode))
            or (p == RDFS.subPropertyOf and (isinstance(s, BNode) or isinstance(o, BNode))))
        if anonymous_property:
            merged.remove((s, p, o))
            named = s if isinstance(s, URIRef) else o
            set_aside.append(f"anonymous property axiom on {named} ({p.n3(merged.namespace_manager)})")
    for s, _, o in list(merged.triples((None, OWL.inverseOf, None))):
        for prop in (s, o):
            if isinstance(prop, URIRef):
                merged.add((prop, RDF.type, OWL.ObjectProperty))
    return merged, set_aside


def check_consistency(extra: rdflib.Graph | None = None, *, imports: bool = True) -> ConsistencyResult:
    """Run HermiT on the core, the vocabularies and the W3C vocabularies (plus ``extra``).

    ``imports=False`` leaves the W3C vocabularies out (the core declares every W3C term it
    uses, so it still loads); that takes a second instead of about ten.

    HermiT runs with ``--ignoreUnsupportedDatatypes``: the W3C vocabularies (and our data) use
    xsd:date, xsd:gYear and others outside OWL 2's datatype map, which HermiT cannot reason
    with. Axioms built on those datatypes are skipped; everything else is reasoned over.
    """
    import owlready2

    java_executable()
    graph = ontology_graph(imports=imports)
    if extra is not None:
        graph += extra
    merged, set_aside = reasoning_input(graph)
    with tempfile.TemporaryDirectory(prefix="comgraph-hermit-") as tmp:
        path = Path(tmp) / "ontology.nt"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # rdflib's note that N-Triples is always UTF-8
            merged.serialize(str(path), format="nt")
        world = owlready2.World()
        # owlready2 prints a warning for every W3C term typed as two kinds of entity (PROV,
        # DQV and DCAT pun a few); keep them out of the user's terminal and count them.
        chatter = io.StringIO()
        with contextlib.redirect_stderr(chatter):
            world.get_ontology(path.as_uri()).load(format="ntriples")
        punned = chatter.getvalue().count("belongs to more than one entity types")
        if punned:
            set_aside.append(f"{punned} W3C term(s) typed as more than one kind of entity, "
                             "which owlready2 resolves to one kind")
        try:
            owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0,
                                           ignore_unsupported_datatypes=True)
        except owlready2.OwlReadyInconsistentOntologyError:
            return ConsistencyResult(False, [], set_aside)
        except owlready2.OwlReadyJavaError as exc:
            raise OntologyError(f"HermiT failed: {exc}") from None
        unsatisfiable = sorted(c.iri for c in world.inconsistent_classes()
                               if c is not owlready2.Nothing)
        world.close()
    return ConsistencyResult(True, unsatisfiable, set_aside)


# --------------------------------------------------------------------------------------------
# OWL 2 DL profile (OWL API)


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


# --------------------------------------------------------------------------------------------
# Hygiene


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
    from comgraph.namespaces import compact

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


# --------------------------------------------------------------------------------------------
# All checks


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


# --------------------------------------------------------------------------------------------
# Documentation (pyLODE)


def _import_pylode():
    """pyLODE configures the root logger (DEBUG, to stderr) when imported; undo that, so a
    library import does not turn on every other library's debug output in comgraph."""
    import logging

    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    from pylode import OntPub

    root.setLevel(level)
    root.handlers[:] = handlers
    return OntPub


def write_docs(out_dir: Path | str) -> Path:
    """Write ``index.html`` (pyLODE) and ``comgraph.ttl`` into ``out_dir``; return the HTML path.

    pyLODE prints an error and writes nothing on bad input instead of raising, so the file is
    checked afterwards.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    html = out / "index.html"
    if html.exists():
        html.unlink()
    _import_pylode()(ontology=str(core_file())).make_html(destination=html)
    if not html.is_file() or html.stat().st_size == 0:
        raise OntologyError(f"pyLODE did not write {html}")
    shutil.copyfile(core_file(), out / "comgraph.ttl")
    return html


def documentation_html() -> str:
    """The ontology's HTML documentation as a string (for the app's ``/ontology`` route)."""
    with tempfile.TemporaryDirectory(prefix="comgraph-docs-") as tmp:
        return write_docs(tmp).read_text(encoding="utf-8")
