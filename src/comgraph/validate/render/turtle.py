"""The SHACL validation report (sh:ValidationReport) in Turtle, with comgraph's extras
(fingerprint, checklist item, process, source location) as cg: annotations. A shape that could
not be checked is a ``cg:uncheckedShape`` of the report (its ``sh:sourceShape``, checklist item
and ``cg:reason``), and the report then says ``sh:conforms false``."""

from __future__ import annotations

import pyoxigraph as ox

from comgraph import namespaces
from comgraph.namespaces import CG, PREFIXES, SH, XSD
from comgraph.validate.model import Report, Severity

RDF_TYPE = ox.NamedNode(namespaces.RDF_TYPE)


def _sh(name: str) -> ox.NamedNode:
    return ox.NamedNode(SH + name)


def _cg(name: str) -> ox.NamedNode:
    return ox.NamedNode(CG + name)


def render(report: Report, fail_on: Severity | None = Severity.VIOLATION) -> str:
    triples: list[ox.Triple] = []
    root = ox.BlankNode()
    add = triples.append
    add(ox.Triple(root, RDF_TYPE, _sh("ValidationReport")))
    add(ox.Triple(root, _sh("conforms"), ox.Literal(str(report.conforms(fail_on)).lower(),
                                                    datatype=ox.NamedNode(XSD + "boolean"))))
    as_of = ox.Literal(report.as_of.isoformat(), datatype=ox.NamedNode(XSD + "date"))
    add(ox.Triple(root, _cg("asOfDate"), as_of))
    for f in report.failed_shapes:
        node = ox.BlankNode()
        add(ox.Triple(root, _cg("uncheckedShape"), node))
        add(ox.Triple(node, _sh("sourceShape"), ox.NamedNode(f.shape.id)))
        add(ox.Triple(node, _cg("reason"), ox.Literal(f.reason)))
        if f.shape.checklist_item:
            add(ox.Triple(node, _cg("checklistItem"), ox.NamedNode(f.shape.checklist_item)))
    for r in report.results:
        node = ox.BlankNode()
        add(ox.Triple(root, _sh("result"), node))
        add(ox.Triple(node, RDF_TYPE, _sh("ValidationResult")))
        add(ox.Triple(node, _sh("focusNode"), r.focus))
        if r.path and not r.path.startswith(("(", "^", "<")):
            add(ox.Triple(node, _sh("resultPath"), ox.NamedNode(r.path)))
        elif r.path:
            add(ox.Triple(node, _cg("resultPathSparql"), ox.Literal(r.path)))
        if r.value is not None:
            add(ox.Triple(node, _sh("value"), r.value))
        add(ox.Triple(node, _sh("sourceShape"), ox.NamedNode(r.shape)))
        add(ox.Triple(node, _sh("sourceConstraintComponent"), ox.NamedNode(r.component)))
        add(ox.Triple(node, _sh("resultSeverity"), ox.NamedNode(r.severity.iri)))
        add(ox.Triple(node, _sh("resultMessage"), ox.Literal(r.message)))
        add(ox.Triple(node, _cg("fingerprint"), ox.Literal(r.fingerprint)))
        if r.checklist_item:
            add(ox.Triple(node, _cg("checklistItem"), ox.NamedNode(r.checklist_item)))
        if r.process:
            add(ox.Triple(node, _cg("process"), ox.NamedNode(r.process)))
        if r.location:
            add(ox.Triple(node, _cg("sourceLocation"), ox.Literal(str(r.location))))
        if r.waived_by is not None:
            add(ox.Triple(node, _cg("waiverReason"), ox.Literal(r.waived_by)))
        if r.in_baseline:
            true = ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean"))
            add(ox.Triple(node, _cg("inBaseline"), true))
    prefixes = {p: PREFIXES[p] for p in ("sh", "cg", "rdf", "rdfs", "xsd", "skos")}
    return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes).decode()
