"""Entailments for ``validate(inference=...)``: what the data implies, materialised into a
private store before the shapes run, with the ontology mixed in as pySHACL does.

``rdfs`` runs the four RDFS rules that add types and super-properties as SPARQL updates to a
fixpoint; ``owlrl`` runs the ``reasonable`` OWL 2 RL reasoner over an rdflib copy.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from comgraph.store import Source, Store
from comgraph.validate.reference import store_as_rdflib, to_oxigraph
from comgraph.validate.shapes import rdf_files

INFERENCE_MODES = ("none", "rdfs", "owlrl")

_RDFS_RULES = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
INSERT { ?x rdf:type ?c } WHERE { ?x rdf:type ?d . ?d rdfs:subClassOf+ ?c
    FILTER NOT EXISTS { ?x rdf:type ?c } } ;
INSERT { ?x ?q ?y } WHERE { ?p rdfs:subPropertyOf+ ?q . ?x ?p ?y FILTER NOT EXISTS { ?x ?q ?y } } ;
INSERT { ?x rdf:type ?c } WHERE { ?p rdfs:domain ?c . ?x ?p ?y FILTER NOT EXISTS { ?x rdf:type ?c } } ;
INSERT { ?y rdf:type ?c } WHERE { ?p rdfs:range ?c . ?x ?p ?y FILTER (!isLiteral(?y))
    FILTER NOT EXISTS { ?y rdf:type ?c } }
"""


def ontology_files(ontology_dirs: Iterable[str | Path] | None) -> list[Path]:
    if ontology_dirs is None:
        from comgraph.paths import ontology_dir

        try:
            ontology_dirs = [ontology_dir()]
        except FileNotFoundError:
            ontology_dirs = []
    files: list[Path] = []
    for d in ontology_dirs:
        d = Path(d)
        files += [f for f in rdf_files(d) if "alignments" not in f.parts] if d.is_dir() else [d]
    return files


def infer(store: Store, mode: str, ontology_dirs: Iterable[str | Path] | None) -> None:
    """Materialise entailments into the (private) store, the ontology mixed in as pySHACL does."""
    files = ontology_files(ontology_dirs)
    if files:
        store.load(files)
    if store.graphs():
        store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
    if mode == "rdfs":
        # The four RDFS rules that add types and super-properties, run to a fixpoint.
        before = -1
        while (count := store.triple_count()) != before:
            before = count
            store.update(_RDFS_RULES)
        return
    import reasonable

    graph = store_as_rdflib(store)
    reasoner = reasonable.PyReasoner()
    reasoner.from_graph(graph)
    lines = []
    for s, p, o in reasoner.reason():
        # reasonable types plain literals as xsd:string; they are the same RDF 1.1 term.
        lines.append(f"{to_oxigraph(s)} {to_oxigraph(p)} {to_oxigraph(o)} .")
    store.load([Source("inferred", data="\n".join(lines).encode(), format=ox.RdfFormat.N_TRIPLES)])
