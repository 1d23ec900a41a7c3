"""What the catalog tests share: the demo in a store, and the DCAT-AP 3.0.1 shapes."""

from __future__ import annotations

from pathlib import Path

import rdflib

from comgraph.store import Store, open_store

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
CATALOG_FIXTURES = ROOT / "tests" / "data" / "catalog"
DCAT_AP = ROOT / "tests" / "data" / "conformance" / "dcat-ap-3.0.1"
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")


def demo_store(url: str = "oxigraph:") -> Store:
    store = open_store(url)
    store.load(sorted(DEMO.glob("*.ttl")))
    return store


def dangling_property_shapes(shapes: rdflib.Graph) -> set[tuple[rdflib.URIRef, rdflib.URIRef]]:
    """(node shape, property shape) pairs where the property shape is referenced but defined
    nowhere: SEMIC's ranges.ttl has five, which pySHACL refuses as malformed."""
    return {(s, o) for s, o in shapes.subject_objects(SH.property) if (o, SH.path, None) not in shapes}


def dcat_ap_shapes() -> rdflib.Graph:
    """Both DCAT-AP 3.0.1 shape files, unchanged on disk; the references ``ranges.ttl`` makes to
    property shapes that neither file defines are left out here, in memory (every other range
    check of the file runs)."""
    shapes = rdflib.Graph()
    shapes.parse(DCAT_AP / "dcat-ap-SHACL.ttl")
    shapes.parse(DCAT_AP / "ranges.ttl")
    for s, o in dangling_property_shapes(shapes):
        shapes.remove((s, SH.property, o))
    return shapes
