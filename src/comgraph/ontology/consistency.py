"""Consistency: HermiT (through owlready2) on the core, the SKOS vocabularies and the W3C
vocabularies in ``ontology/imports/``; the ontology must be consistent with no unsatisfiable
class. HermiT needs Java (:func:`java_executable` says how to get one).
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import rdflib
from rdflib import BNode, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from comgraph.ontology.files import OntologyError, ontology_graph


class JavaNotFoundError(OntologyError):
    """HermiT and the OWL API need Java, and there is none."""


@dataclass
class ConsistencyResult:
    consistent: bool
    unsatisfiable: list[str]
    set_aside: list[str] = field(default_factory=list)


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
