"""Validation with comgraph's own shapes scales with the data: ten times the triples, at most
about twelve times the work. The work is counted, not timed: the solution rows Oxigraph's plan
evaluates for every compiled shape query (``comgraph.validate.profile``), which is the same on
any machine. A shape written as a correlated ``FILTER NOT EXISTS`` (re-evaluated for every row
and scanning its patterns each time) grows with the square of the data and fails here."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from comgraph.validate.profile import Profile, plan_rows, profile

ROOT = Path(__file__).resolve().parents[1]

#: Ten times the data may cost this many times the rows (the generator's fixed parts make
#: its sizes not quite proportional, hence a little over 10).
GROWTH = 12.0


def portfolio(triples: int, folder: Path) -> Path:
    """The benchmarks' realistic generated portfolio (benchmarks/generate.py, seed 0, 1% defects)
    of about ``triples`` triples, as an N-Triples file in ``folder``."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from benchmarks.generate import portfolio as generate

    return generate(triples, path=folder / f"portfolio-{triples}.nt")


def test_plan_rows_add_up_every_node_of_the_plan_and_the_pairs_a_keyless_join_compares():
    plan = {"name": "Project", "number of results": 2, "children": [
        {"name": "Filter", "number of results": 2, "children": [
            {"name": "QuadPattern", "number of results": 10, "children": []}]},
        {"name": "QuadPattern", "number of results": 5}]}
    assert plan_rows(plan) == 19
    keyed = {"name": "Join(HashBuildLeftProbeRight, keys = ?this)", "number of results": 3, "children": [
        {"name": "QuadPattern", "number of results": 40}, {"name": "QuadPattern", "number of results": 50}]}
    assert plan_rows(keyed) == 93
    keyless = dict(keyed, name="Join(HashBuildLeftProbeRight, keys = )")
    assert plan_rows(keyless) == 93 + 40 * 50
    # Evaluated again for every row of a Lateral's first side: its sides' counts are sums over
    # all evaluations, whose product is not the pairs compared, so only the rows count.
    per_row = {"name": "Lateral", "number of results": 3, "children": [
        {"name": "QuadPattern", "number of results": 7}, keyless]}
    assert plan_rows(per_row) == 3 + 7 + 93


def test_profile_times_every_shape_and_counts_its_findings_on_the_demo_with_defects():
    report = profile(ROOT / "data" / "demo-defects")
    costs = report.by_shape()
    assert "https://w3id.org/comgraph/shapes/TargetMeasurementStaleShape" in costs
    assert all(c.seconds >= 0 and c.rows is None for c in costs.values())
    # The demo with defects lists 19 findings (data/demo-defects/README.md); the profile finds
    # them too, before the report drops duplicates.
    assert sum(c.findings for c in costs.values()) >= 19
    assert "total" in report.text()


@pytest.mark.slow
def test_rows_evaluated_grow_about_linearly_from_10k_to_100k_triples(tmp_path_factory):
    folder = tmp_path_factory.mktemp("portfolio")
    small = profile(portfolio(10_000, folder), rows=True)
    large = profile(portfolio(100_000, folder), rows=True)
    assert small.rows and large.rows
    grew = {s: (small.by_shape()[s].rows, c.rows) for s, c in large.by_shape().items() if c.rows is not None}
    # Each shape on its own, so a failure names the shape; a shape with a handful of rows at 10k
    # (or none) may add a few hundred at 100k without growing quadratically.
    too_fast = {s: (a, b) for s, (a, b) in grew.items() if b > GROWTH * (a or 0) + 500}
    assert not too_fast, "rows evaluated at 10k -> 100k triples: " + json.dumps(too_fast, indent=1)
    assert large.rows <= GROWTH * small.rows, _summary(small, large)


def _summary(small: Profile, large: Profile) -> str:
    return f"rows evaluated {small.rows:,} at {small.triples:,} triples, {large.rows:,} at {large.triples:,}"
