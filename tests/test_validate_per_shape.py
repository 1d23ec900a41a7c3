"""``validate`` on a store reports per shape: a shape whose query the engine refuses or that runs
past ``--shape-timeout`` is named (with its checklist item), every other shape's findings are
kept, the command exits 2, and the report is still written in every format."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import IO
from xml.etree import ElementTree as ET

import jsonschema
import pytest
import rdflib

from comgraph.asof import effective_as_of
from comgraph.paths import shapes_dir
from comgraph.portability import render
from comgraph.sparql_text import split_prologue
from comgraph.store import QueryError, QueryTimeout, Store, StoreError, StoreUnavailable, open_store
from comgraph.validate import ValidationError, validate
from comgraph.validate.compiler import compile_shapes
from comgraph.validate.shapes import Shapes
from tests.conftest import ROOT

DEFECTS = ROOT / "data" / "demo-defects"
SARIF_SCHEMA = Path(__file__).parent / "data" / "validate" / "sarif" / "sarif-schema-2.1.0.json"
SHAPES = "https://w3id.org/comgraph/shapes/"
CHECKLIST = "https://w3id.org/comgraph/vocab/checklist/"
#: The shape made to run away, and the one the engine refuses; both fire on demo-defects.
RUNAWAY = SHAPES + "ResponsibilityAccountableOverlapShape"
REFUSED = SHAPES + "RoleHolderGapShape"


class ShapeBreakingStore(Store):
    """A store in front of another that fails the compiled queries of chosen shapes, as an
    engine does that refuses a query (Virtuoso's compiler errors) or stops one at its limit.
    It records the time limit each compiled query of a shape was given."""

    holds_data_in_process = True

    def __init__(self, inner: Store, failing: dict[str, StoreError]):
        self.inner, self.url, self.timeouts = inner, inner.url, []
        when, _ = effective_as_of(inner, None)
        shapes = Shapes.load(shapes_dir())
        checks, _ = compile_shapes(shapes.for_date(when))
        # By the body of the query as the store gets it (its date functions rendered for the
        # inner store's engine): the order of its PREFIX lines may differ from one compile to the next.
        def body(query: str) -> str:
            return split_prologue(render(query, inner.profile.date_dialect))[1]

        self.failing = {body(c.query): failing[shapes.shape_id(c.shape)] for c in checks
                        if shapes.shape_id(c.shape) in failing}
        assert {type(e) for e in self.failing.values()} == {type(e) for e in failing.values()}
        self.compiled = {body(c.query) for c in checks}

    def _evaluate(self, sparql, timeout, default_graph, named_graphs, base_iri):
        body = split_prologue(sparql)[1]
        if body in self.compiled:
            self.timeouts.append(timeout)
        if body in self.failing:
            raise self.failing[body]
        return self.inner.query(sparql, timeout=timeout, default_graph=default_graph,
                                named_graphs=named_graphs, base_iri=base_iri)

    def update(self, sparql: str, *, timeout: float | None = None, base_iri: str | None = None) -> None:
        self.inner.update(sparql, timeout=timeout, base_iri=base_iri)

    def _load(self, items, target, progress) -> int:
        return self.inner._load(items, target, progress)

    def dump(self, output: IO[bytes], format, *, graph=None) -> None:
        self.inner.dump(output, format, graph=graph)

    def graphs(self) -> list:
        return self.inner.graphs()


def defects_store() -> Store:
    store = open_store("oxigraph:")
    store.load(sorted(DEFECTS.glob("*.ttl")))
    return store


def broken(store: Store) -> ShapeBreakingStore:
    return ShapeBreakingStore(store, {
        RUNAWAY: QueryTimeout("the query ran past its time limit and was stopped"),
        REFUSED: QueryError("query refused by the engine: Virtuoso 37000 Error SP031: SPARQL compiler"),
    })


@pytest.fixture(scope="module")
def normal():
    return validate(defects_store())


def _others(results: Sequence, without: set[str]) -> list[tuple]:
    return [(r.shape, str(r.focus), r.path, str(r.value), r.message, r.fingerprint, r.checklist_item)
            for r in results if r.shape not in without]


def test_a_runaway_shape_and_a_refused_one_are_named_and_every_other_finding_is_kept(normal):
    assert {RUNAWAY, REFUSED} <= {r.shape for r in normal.results}  # both do fire when they run

    report = validate(broken(defects_store()))

    named = {f.shape.id: f for f in report.failed_shapes}
    assert set(named) == {RUNAWAY, REFUSED}
    assert named[RUNAWAY].timed_out and named[RUNAWAY].kind == "timeout"
    assert "per-shape time limit" in named[RUNAWAY].reason
    assert not named[REFUSED].timed_out and "SP031" in named[REFUSED].reason
    assert named[RUNAWAY].shape.checklist_item == CHECKLIST + "responsibility-one-accountable"
    assert named[REFUSED].shape.checklist_item == CHECKLIST + "role-continuously-held"
    assert not {r.shape for r in report.results} & {RUNAWAY, REFUSED}
    assert _others(report.results, {RUNAWAY, REFUSED}) == _others(normal.results, {RUNAWAY, REFUSED})
    assert not report.complete
    assert not report.conforms(None)  # an incomplete run never passes, whatever the fail level


def test_validate_store_exits_2_and_writes_every_format_naming_the_failed_shapes(
        runner, tmp_path, monkeypatch, normal):
    store = broken(defects_store())
    monkeypatch.setattr("comgraph.cli.checks.open_or_fail", lambda url: store)
    formats = ("text", "json", "sarif", "junit", "github", "turtle")
    out = {name: tmp_path / f"report.{name}" for name in formats}

    result = runner.invoke(args=["validate", "--store", "sparql+http://127.0.0.1:9/query",
                                 "--shape-timeout", "7",
                                 *[a for name, path in out.items() for a in ("--format", f"{name}:{path}")]])

    assert result.exit_code == 2, result.output
    assert set(store.timeouts) == {7.0}
    assert result.stderr.count("comgraph: shape not checked:") == 2
    assert "checklist item Exactly one accountable party (INT-06): stopped at the per-shape time limit of " \
           "7 s (--shape-timeout)" in result.stderr
    assert "checklist item Role held without gaps (INT-04): query refused by the engine: Virtuoso" \
        in result.stderr

    data = json.loads(out["json"].read_text())
    assert data["complete"] is False and data["conforms"] is False
    assert {(f["shape"], f["kind"], f["checklistItem"]) for f in data["failedShapes"]} == {
        (RUNAWAY, "timeout", CHECKLIST + "responsibility-one-accountable"),
        (REFUSED, "error", CHECKLIST + "role-continuously-held")}
    assert sorted(r["fingerprint"] for r in data["results"]) == sorted(
        r.fingerprint for r in normal.results if r.shape not in {RUNAWAY, REFUSED})

    sarif = json.loads(out["sarif"].read_text())
    jsonschema.validate(sarif, json.loads(SARIF_SCHEMA.read_text()))
    invocation = sarif["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    notes = [n for n in invocation["toolExecutionNotifications"] if n["level"] == "error"]
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert {n["associatedRule"]["id"] for n in notes} == {RUNAWAY, REFUSED}
    assert all(rules[n["associatedRule"]["index"]]["id"] == n["associatedRule"]["id"] for n in notes)
    assert len(sarif["runs"][0]["results"]) == len(data["results"])

    junit = ET.parse(out["junit"]).getroot()
    errors = {case.get("classname"): case.find("error") for case in junit.iter("testcase")
              if case.find("error") is not None}
    assert set(errors) == {RUNAWAY, REFUSED}
    assert errors[RUNAWAY].get("type") == "QueryTimeout"
    passing = next(s for s in junit.iter("testsuite") if s.get("name") == "shapes without findings")
    assert not {c.get("classname") for c in passing} & {RUNAWAY, REFUSED}
    assert junit.get("errors") == "2"

    annotations = out["github"].read_text().splitlines()
    shape_errors = [line for line in annotations if line.startswith("::error title=shape not checked")]
    assert len(shape_errors) == 2
    assert any("Role held without gaps (INT-04): query refused" in line for line in shape_errors)

    text = out["text"].read_text()
    assert "INCOMPLETE: 2 shape(s) could not be checked" in text
    assert "Could not check (2):" in text and text.rstrip().endswith("INCOMPLETE (fail on violation)")

    graph = rdflib.Graph().parse(out["turtle"], format="turtle")
    cg = rdflib.Namespace("https://w3id.org/comgraph/ns#")
    unchecked = {graph.value(n, rdflib.SH.sourceShape) for n in graph.objects(None, cg.uncheckedShape)}
    assert unchecked == {rdflib.URIRef(RUNAWAY), rdflib.URIRef(REFUSED)}


def test_a_store_that_cannot_be_reached_stops_the_run_with_one_error():
    class Gone(ShapeBreakingStore):
        def _evaluate(self, sparql, timeout, default_graph, named_graphs, base_iri):
            if "asOfDate" in sparql:
                return self.inner.query(sparql)
            raise StoreUnavailable("cannot reach http://127.0.0.1:9/query: connection refused")

    with pytest.raises(ValidationError, match="cannot reach"):
        validate(Gone(defects_store(), {}))


def test_the_shape_timeout_is_a_number_of_seconds_and_0_means_no_limit(runner, monkeypatch):
    refused = runner.invoke(args=["validate", str(DEFECTS), "--shape-timeout", "-1"])
    assert refused.exit_code == 2
    assert "--shape-timeout" in refused.output

    store = ShapeBreakingStore(defects_store(), {})
    monkeypatch.setattr("comgraph.cli.checks.open_or_fail", lambda url: store)
    unlimited = runner.invoke(args=["validate", "--store", "sparql+http://127.0.0.1:9/query",
                                    "--shape-timeout", "0"])
    assert unlimited.exit_code == 1  # demo-defects' findings, every shape checked
    assert set(store.timeouts) == {None}
