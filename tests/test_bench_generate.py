"""The benchmark generator (benchmarks/generate.py): deterministic for a seed, about the size
asked for, conforming to the project's shapes without defects, and with a seeded defect rate
found by the shapes each defect is named after. No timing here: `make bench` measures speed."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from click.testing import CliRunner

from benchmarks.generate import WARNINGS, portfolio, summary_path
from comgraph.cli import main

SHAPES = "https://w3id.org/comgraph/shapes/"


def triples_in(path) -> int:
    with path.open("rb") as f:
        return sum(1 for line in f if line.strip())


def validate_json(path, tmp_path) -> tuple[int, list[dict]]:
    report = tmp_path / f"{path.stem}-report.json"
    result = CliRunner().invoke(main, ["validate", str(path), "--format", f"json:{report}"])
    return result.exit_code, json.loads(report.read_text())["results"]


def test_the_same_seed_gives_the_same_bytes_and_another_seed_does_not(tmp_path):
    a = portfolio(3000, seed=5, path=tmp_path / "a.nt")
    b = portfolio(3000, seed=5, path=tmp_path / "b.nt")
    c = portfolio(3000, seed=6, path=tmp_path / "c.nt")
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()


def test_the_defect_rate_does_not_change_the_rest_of_the_portfolio(tmp_path):
    clean = portfolio(3000, seed=2, defects=0.0, path=tmp_path / "clean.nt")
    broken = portfolio(3000, seed=2, defects=0.05, path=tmp_path / "broken.nt")
    ours, theirs = set(clean.read_text().splitlines()), set(broken.read_text().splitlines())
    # defects remove or change a few triples; nearly everything else is shared
    assert len(ours & theirs) > 0.9 * len(ours)


@pytest.mark.parametrize(("triples", "relationships"), [(5_000, None), (20_000, 3)])
def test_the_triple_count_is_within_ten_percent(tmp_path, triples, relationships):
    path = portfolio(triples, relationships=relationships, path=tmp_path / "g.nt")
    summary = json.loads(summary_path(path).read_text())
    assert summary["triples"] == triples_in(path)
    assert abs(summary["triples"] - triples) <= 0.1 * triples
    assert summary["relationships"] == (relationships or 1)


@pytest.mark.parametrize("relationships", [1, 2])
def test_without_defects_the_portfolio_conforms_to_the_project_shapes(tmp_path, relationships):
    path = portfolio(5_000, relationships=relationships, seed=1, defects=0.0, path=tmp_path / "clean.nt")
    code, results = validate_json(path, tmp_path)
    assert results == []
    assert code == 0


def test_seeded_defects_are_found_by_the_shapes_they_are_named_after(tmp_path):
    path = portfolio(8_000, seed=3, defects=0.05, path=tmp_path / "broken.nt")
    planted = json.loads(summary_path(path).read_text())["defects"]
    code, results = validate_json(path, tmp_path)
    found = Counter(r["shape"].removeprefix(SHAPES) for r in results)
    assert code == 1
    assert len(found) >= 4, found
    assert set(found) == set(planted), (found, planted)
    for shape, count in planted.items():
        assert found[shape] >= count, shape  # an overlap is reported from both sides
    severities = {r["shape"].removeprefix(SHAPES): r["severity"] for r in results}
    assert {s for s, sev in severities.items() if sev == "Warning"} <= WARNINGS
