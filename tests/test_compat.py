"""The compatibility suite (compat/, `make compat`): the Oxigraph server part, run in `make test`,
and the comparison rules it stands on.

The suite runs once against a real Oxigraph server (every view, validation in place, dumps, the
pages of `comgraph serve` on it, the W3C Protocol and Graph Store suites through it); each check
must pass, and a failure names the view, shape, page or W3C test and says why. Only two
stakeholder pages and four resource pages are compared here (`--quick`); `make compat` compares
them all.
"""

from __future__ import annotations

from collections import Counter

import pyoxigraph as ox
import pytest

from comgraph.queries import Catalogue
from compat import checks
from compat.checks import CHECKS
from compat.engines import Engine
from compat.normalise import describe_row_difference, group_concat_columns, solutions_key, term_key
from compat.run import EngineRun, matrix, results_markdown, run

XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.fixture(scope="module")
def runs() -> list[EngineRun]:
    return run(["oxigraph"], CHECKS, required=True, quick=True)


@pytest.mark.serve
@pytest.mark.parametrize("check", CHECKS)
def test_the_oxigraph_server_gives_what_the_embedded_store_gives(runs: list[EngineRun], check: str) -> None:
    engine = next(r for r in runs if r.name == "oxigraph")
    mine = [o for o in engine.outcomes if o.check == check]
    assert mine, f"no {check} check ran"
    failed = [f"{o.item}: {o.reason}" for o in mine if not o.ok]
    assert not failed, f"{len(failed)} of {len(mine)} {check} checks failed on the Oxigraph server:\n" + \
        "\n".join(failed)


@pytest.mark.serve
def test_every_view_every_w3c_test_and_the_findings_are_checked(runs: list[EngineRun]) -> None:
    engine = next(r for r in runs if r.name == "oxigraph")
    by_check = Counter(o.check for o in engine.outcomes)
    assert by_check["views"] == len(Catalogue())
    assert by_check["protocol"] == 34
    assert by_check["graph-store"] == 13
    assert by_check["dump"] == 2
    # the report, and each shape that finds something in demo-defects
    assert by_check["validation"] >= 10
    assert {"/", "/raci", "/raci.json", "/checklist", "/process/audit.json",
            "/views/obligations-due.json"} <= {o.item for o in engine.outcomes if o.check == "pages"}
    embedded = next(r for r in runs if r.name == "embedded")
    assert [embedded.cell("protocol"), embedded.cell("graph-store")] == ["34/34", "13/13"]


@pytest.mark.serve
def test_the_results_page_has_the_matrix_and_the_engine_version(runs: list[EngineRun]) -> None:
    text = results_markdown(runs, CHECKS)
    assert "| oxigraph (Oxigraph server " in text
    assert matrix(runs, CHECKS) in text
    assert "## Failures\n\nNone." in text


# -- the comparison rules (quick, no server) ----------------------------------------------------


def literal(value: str, datatype: str) -> ox.Literal:
    return ox.Literal(value, datatype=ox.NamedNode(XSD + datatype))


def test_a_boolean_that_comes_back_as_an_integer_is_a_difference() -> None:
    assert term_key(literal("1", "integer")) != term_key(literal("true", "boolean"))
    assert term_key(literal("1", "boolean")) == term_key(literal("true", "boolean"))


def test_numbers_are_compared_by_value_within_their_datatype() -> None:
    assert term_key(literal("77.0", "decimal")) == term_key(literal("77", "decimal"))
    assert term_key(literal("0.50", "decimal")) == term_key(literal("0.5", "decimal"))
    assert term_key(literal("77", "integer")) != term_key(literal("77", "decimal"))


def test_group_concat_cells_are_compared_as_sorted_items() -> None:
    sparql = Catalogue().get("capability-coverage").sparql
    columns = group_concat_columns(sparql)
    assert columns == {"neededBy": "; ", "offeredBy": "; ", "selectedProviders": "; ", "approvedBy": "; "}
    one = solutions_key(["neededBy"], [{"neededBy": ox.Literal("B; A")}], columns)
    other = solutions_key(["neededBy"], [{"neededBy": ox.Literal("A; B")}], columns)
    assert one == other


def test_a_row_difference_names_the_column_and_both_values() -> None:
    want = Counter({(("iri", "x"), term_key(literal("true", "boolean"))): 1})
    got = Counter({(("iri", "x"), term_key(literal("1", "integer"))): 1})
    assert describe_row_difference(["item", "current"], want, got) == (
        '1 rows, embedded 1; 1 differ in current (e.g. "1"^^xsd:integer, embedded "true"^^xsd:boolean)')


def test_a_view_that_differs_is_named_with_its_row_counts() -> None:
    # An "engine" that holds nothing: every view with rows on the demo differs.
    with checks.embedded(checks.DEMO) as reference:
        outcomes = {o.item: o for o in checks.check_views(Engine("empty", "", "oxigraph:"), reference)}
    assert not outcomes["relationship-overview"].ok
    assert outcomes["relationship-overview"].reason.startswith("defaults: 0 rows, embedded 1; 1 missing")
