"""``comgraph check-shapes``: the shapes themselves checked, before they check anyone else.

Two passes: the SHACL-SHACL shapes (the W3C's shapes for shapes graphs, shipped with pySHACL)
say whether the shapes are well-formed SHACL; then a lint says whether each shape is fit for a
manager's report: an IRI, ``sh:name``, ``sh:message``, ``sh:severity``, and a ``cg:enforces``
link to a checklist item that belongs to a process.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import SH, BNode, Graph, URIRef

from comgraph.namespaces import compact
from comgraph.validate.compiler import compile_shapes
from comgraph.validate.shapes import CG_PROCESS, Shapes, _text


@dataclass(frozen=True)
class ShapeProblem:
    shape: str
    problem: str
    #: "error" for SHACL-SHACL and lint failures, "note" for things worth knowing.
    level: str = "error"

    def __str__(self) -> str:
        return f"{self.level}: {self.shape}: {self.problem}"


def shacl_shacl_graph() -> Graph:
    import pyshacl

    graph = Graph()
    graph.parse(Path(pyshacl.__file__).parent / "assets" / "shacl-shacl.ttl", format="turtle")
    return graph


def check_shapes(shapes: Shapes) -> list[ShapeProblem]:
    from pyshacl import validate as pyshacl_validate

    problems: list[ShapeProblem] = []
    conforms, report, _text_report = pyshacl_validate(shapes.graph, shacl_graph=shacl_shacl_graph())
    if not conforms:
        for result in report.subjects(SH.resultMessage, None):
            focus = report.value(result, SH.focusNode)
            message = report.value(result, SH.resultMessage)
            problems.append(ShapeProblem(_name(shapes, focus), f"not valid SHACL: {message}"))
    for shape in sorted(shapes.all_shapes(), key=lambda n: shapes.shape_id(n)):
        problems += _lint(shapes, shape)
    _checks, fallback = compile_shapes(shapes.graph)
    for shape in fallback:
        problems.append(ShapeProblem(_name(shapes, shape), "is checked by pySHACL, not compiled to SPARQL "
                                     "(slower; fine for small data)", "note"))
    return sorted(set(problems), key=lambda p: (p.shape, p.problem))


def _name(shapes: Shapes, node) -> str:
    if isinstance(node, (URIRef, BNode)):
        return compact(shapes.shape_id(node)) if isinstance(node, BNode) else compact(str(node))
    return str(node)


def _lint(shapes: Shapes, shape) -> list[ShapeProblem]:
    g = shapes.graph
    name = _name(shapes, shape)
    found = []
    if isinstance(shape, BNode):
        found.append(ShapeProblem(name, "has no IRI (give it one, so findings and waivers can name it)"))
    if _text(g, shape, SH.name) is None:
        found.append(ShapeProblem(name, "has no sh:name"))
    if not any(True for _ in g.objects(shape, SH.message)) and not any(
            True for c in g.objects(shape, SH.sparql) for _ in g.objects(c, SH.message)):
        found.append(ShapeProblem(name, "has no sh:message a manager can read"))
    if g.value(shape, SH.severity) is None:
        found.append(ShapeProblem(name, "has no sh:severity"))
    info = shapes.info(shape)
    if info.checklist_item is None:
        found.append(ShapeProblem(name, "links to no checklist item (cg:enforces)"))
    elif shapes.meta.value(URIRef(info.checklist_item), CG_PROCESS) is None:
        found.append(ShapeProblem(name, f"enforces {compact(info.checklist_item)}, which belongs to no "
                                  "process (cg:process) in the checklist"))
    return found
