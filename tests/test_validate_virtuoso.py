"""Validation in place on Virtuoso 7.2 gives exactly the findings of the embedded store.

The compiled shape queries are plain SPARQL 1.1 written in the forms Virtuoso evaluates as
Oxigraph does (``comgraph.validate.compiler``): classes named one by one from the data's
hierarchy rather than ``rdf:type/rdfs:subClassOf*``, ``sh:in`` as one member ruled out after
another, nested shapes as expressions whose node is bound inside each ``EXISTS``. Before them,
Virtuoso lost 8 of demo-defects' 19 findings, added 181 and refused two shapes (SQ156).

The data goes into a named graph (Virtuoso has no plain default graph; its default graph, which
the shape queries read, is the union of all graphs), one data set at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from comgraph.store import open_store
from comgraph.validate import validate
from comgraph.validate.classes import ClassHierarchy
from comgraph.validate.compiler import compile_shapes
from comgraph.validate.shapes import Shapes
from tests.conftest import ROOT
from tests.virtuoso_server import VirtuosoServer, start_virtuoso, virtuoso_installed

DBA = {"COMGRAPH_STORE_USER": "dba", "COMGRAPH_STORE_PASSWORD": "dba"}
GRAPH = "https://example.org/comgraph-test/"
DATA_SETS = ("demo-defects", "demo")
#: Every graph the tests below load into, each dropped before any of them loads.
GRAPHS = (*DATA_SETS, "fixtures-violates", "fixtures-conforms")
#: Findings the embedded store gives (data/demo-defects/README.md lists the 19).
EXPECTED_COUNT = {"demo-defects": 19, "demo": 0}


def findings(report) -> set[tuple[str, str, str | None]]:
    return {(r.shape, str(r.focus), None if r.value is None else str(r.value)) for r in report.results}


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtuosoServer]:
    with start_virtuoso(tmp_path_factory.mktemp("virtuoso")) as server:
        yield server


def _validate_alone(virtuoso: VirtuosoServer, name: str, files: list[Path]):
    """Validate ``files`` in place on Virtuoso, in a graph of their own, after dropping every
    graph this module loads (the default graph the shapes read is the union of all graphs), so
    the tests hold in any order."""
    with open_store(virtuoso.store_url, env=DBA) as store:
        assert store.profile.name == "virtuoso"
        for other in GRAPHS:
            store.update(f"DROP SILENT GRAPH <{GRAPH}{other}>")
        store.load(files, graph=ox.NamedNode(GRAPH + name))
        return validate(store)


@pytest.mark.slow
@pytest.mark.skipif(not virtuoso_installed(), reason="Virtuoso is not installed "
                    "(apt-get install -y virtuoso-opensource)")
@pytest.mark.parametrize("name", DATA_SETS)
def test_validation_on_virtuoso_gives_the_same_findings_as_the_embedded_store(
        virtuoso: VirtuosoServer, name: str) -> None:
    folder = ROOT / "data" / name
    embedded = validate([folder])
    remote = _validate_alone(virtuoso, name, sorted(folder.glob("*.ttl")))
    assert [f.shape.id for f in remote.failed_shapes] == []
    assert remote.as_of == embedded.as_of
    assert len(findings(embedded)) == EXPECTED_COUNT[name]
    assert findings(remote) == findings(embedded)


@pytest.mark.slow
@pytest.mark.skipif(not virtuoso_installed(), reason="Virtuoso is not installed "
                    "(apt-get install -y virtuoso-opensource)")
@pytest.mark.parametrize("snippet", ["violates", "conforms"])
def test_every_shape_fixture_at_once_gives_the_embedded_findings_on_virtuoso(
        virtuoso: VirtuosoServer, snippet: str) -> None:
    """Every shape's fixture (tests/data/shapes/*/SNIPPET.ttl) in one graph: several
    relationships, clients and prime contractors side by side, like a portfolio, so each shape
    meets data it was not written for. Virtuoso and the embedded store must agree finding for
    finding (a property path in FILTER NOT EXISTS once made them disagree, by plan)."""
    files = sorted((ROOT / "tests" / "data" / "shapes").glob(f"*/{snippet}.ttl"))
    vocab = sorted((ROOT / "ontology" / "vocab").glob("*.ttl"))
    embedded = validate([*files, *vocab])
    remote = _validate_alone(virtuoso, f"fixtures-{snippet}", [*files, *vocab])
    assert [f.shape.id for f in remote.failed_shapes] == []
    assert len(findings(embedded)) > (100 if snippet == "violates" else 0)
    assert findings(remote) == findings(embedded)


def test_a_blank_node_subclass_of_a_target_class_sends_the_shape_to_the_reference_engine(
        tmp_path: Path) -> None:
    # A query cannot name a blank node, so the instances of such a subclass could not be
    # targeted by name: the shape goes to pySHACL rather than losing them.
    (tmp_path / "s.ttl").write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <https://example.org/> .\n"
        "ex:NoteShape a sh:NodeShape ; sh:targetClass ex:Note ;"
        " sh:property [ sh:path ex:text ; sh:minCount 1 ] .\n")
    data = tmp_path / "d.ttl"
    data.write_text(
        "@prefix ex: <https://example.org/> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "_:Memo rdfs:subClassOf ex:Note . ex:m1 a _:Memo . ex:n1 a ex:Note ; ex:text \"fine\" .\n")
    report = validate([data], tmp_path, vocab_dirs=[])
    assert report.fallback_shapes == ["https://example.org/NoteShape"]
    assert {(r.focus.value, r.component_name) for r in report.results} == {
        ("https://example.org/m1", "MinCount")}


def test_compiled_shapes_name_each_class_of_the_hierarchy_instead_of_a_subclass_path() -> None:
    shapes = Shapes.load(ROOT / "tests" / "data" / "validate" / "components", [])
    kinds = ClassHierarchy([(ox.NamedNode("https://example.org/c/SubKind"), ox.NamedNode("https://example.org/c/Kind"))])
    checks, _ = compile_shapes(shapes.graph, kinds)
    assert not any("subClassOf" in c.query for c in checks)
    (kind,) = [c for c in checks if c.component.endswith("#ClassConstraintComponent")]
    assert "<https://example.org/c/Kind>" in kind.query and "<https://example.org/c/SubKind>" in kind.query
