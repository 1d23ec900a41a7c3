"""``comgraph validate`` and ``comgraph check-shapes`` as pipelines use them: exit codes,
formats written to files, and the shapes checked themselves."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from comgraph.cli import main

HERE = Path(__file__).parent / "data" / "validate"
SHAPES = HERE / "shapes"
DEFECTS = HERE / "data" / "defects.ttl"
CONFORMING = HERE / "data" / "conforming.ttl"


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(main, list(args), env=env or {})


def test_conforming_data_exits_0_and_defects_exit_1():
    assert run("validate", str(CONFORMING), "--shapes", str(SHAPES)).exit_code == 0
    result = run("validate", str(DEFECTS), "--shapes", str(SHAPES))
    assert result.exit_code == 1
    assert "4 violation(s), 2 warning(s), 1 info(s)" in result.output


def test_fail_on_chooses_which_severity_fails_the_run(tmp_path):
    only_warning = tmp_path / "d.ttl"
    only_warning.write_text(CONFORMING.read_text().replace('"2025-09-01"', '"2025-01-01"'))
    args = ["validate", str(only_warning), "--shapes", str(SHAPES)]
    assert run(*args).exit_code == 0
    assert run(*args, "--fail-on", "warning").exit_code == 1
    assert run(*args, "--fail-on", "info").exit_code == 1
    assert run("validate", str(DEFECTS), "--shapes", str(SHAPES), "--fail-on", "never").exit_code == 0


def test_fail_on_never_changes_the_exit_code_only_not_what_the_report_says(tmp_path):
    """With --fail-on never the run exits 0, but no format says the data conforms next to its 4
    violations: the report judges at the violation level, as SHACL's sh:conforms does."""
    json_out, turtle_out, junit_out = tmp_path / "r.json", tmp_path / "r.ttl", tmp_path / "r.xml"
    result = run("validate", str(DEFECTS), "--shapes", str(SHAPES), "--fail-on", "never",
                 "--format", "text", "--format", f"json:{json_out}", "--format", f"turtle:{turtle_out}",
                 "--format", f"junit:{junit_out}")
    assert result.exit_code == 0
    assert result.output.rstrip().endswith("FAIL (fail on violation)")
    report = json.loads(json_out.read_text())
    assert (report["conforms"], report["counts"]["Violation"]) == (False, 4)
    import pyoxigraph as ox

    conforms = [t.object.value for t in ox.parse(path=str(turtle_out), format=ox.RdfFormat.TURTLE)
                if t.predicate.value == "http://www.w3.org/ns/shacl#conforms"]
    assert conforms == ["false"]
    assert 'failures="4"' in junit_out.read_text()
    clean = run("validate", str(CONFORMING), "--shapes", str(SHAPES), "--fail-on", "never")
    assert (clean.exit_code, clean.output.rstrip().splitlines()[-1]) == (0, "PASS (fail on violation)")


def test_several_formats_go_to_stdout_and_files_in_one_run(tmp_path):
    sarif, junit = tmp_path / "r.sarif", tmp_path / "r.xml"
    result = run("validate", str(DEFECTS), "--shapes", str(SHAPES), "--format", "json",
                 "--format", f"sarif:{sarif}", "--format", f"junit:{junit}")
    assert result.exit_code == 1
    assert json.loads(result.output)["counts"]["Violation"] == 4
    assert json.loads(sarif.read_text())["version"] == "2.1.0"
    assert junit.read_text().startswith('<?xml version="1.0"')


def test_the_as_of_option_overrides_the_data_date():
    result = run("validate", str(CONFORMING), "--shapes", str(SHAPES), "--as-of", "2026-01-01",
                 "--fail-on", "warning", "--format", "json")
    data = json.loads(result.output)
    assert result.exit_code == 1
    assert data["asOf"] == "2026-01-01"
    assert [r["shape"] for r in data["results"]] == ["https://example.org/shapes/ObjectiveReviewShape"]


def test_usage_and_parse_errors_exit_2_with_the_place(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix ex: <https://example.org/> .\nex:a ex:b ex:c .\nex:d ex:e .\n")
    result = run("validate", str(bad), "--shapes", str(SHAPES))
    assert result.exit_code == 2
    assert f"{bad}:3:" in result.output
    assert run("validate", str(DEFECTS), "--format", "pdf").exit_code == 2
    assert run("validate", str(DEFECTS), "--shapes", str(tmp_path / "missing")).exit_code == 2
    assert run("validate", "--shapes", str(SHAPES)).exit_code == 2  # nothing to validate
    empty = tmp_path / "no-shapes"
    empty.mkdir()
    result = run("validate", str(DEFECTS), "--shapes", str(empty))
    assert result.exit_code == 2 and "no SHACL shapes found" in result.output
    assert run("validate", str(DEFECTS), "--shapes", str(SHAPES), "--as-of", "soon").exit_code == 2


def test_an_unsupported_shacl_feature_exits_3(tmp_path):
    (tmp_path / "rule.ttl").write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <https://example.org/> .\n"
        "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:rule [ a sh:SPARQLRule ; sh:construct \"\" ] .\n")
    result = run("validate", str(DEFECTS), "--shapes", str(tmp_path))
    assert result.exit_code == 3
    assert "unsupported SHACL feature" in result.output


def test_waivers_and_baseline_options_change_the_exit_code(tmp_path):
    baseline = tmp_path / "previous.json"
    run("validate", str(DEFECTS), "--shapes", str(SHAPES), "--format", f"json:{baseline}")
    assert run("validate", str(DEFECTS), "--shapes", str(SHAPES), "--baseline", str(baseline)).exit_code == 0
    waivers = tmp_path / "w.yaml"
    entry = "- selector: {severity: violation}\n  reason: triage\n  owner: me\n  expires: "
    waivers.write_text(entry + "2999-01-01\n")
    assert run("validate", str(DEFECTS), "--shapes", str(SHAPES), "--waivers", str(waivers)).exit_code == 0
    waivers.write_text(entry + "2000-01-01\n")
    result = run("validate", str(DEFECTS), "--shapes", str(SHAPES), "--waivers", str(waivers))
    assert result.exit_code == 1
    assert "expired on 2000-01-01" in result.output


def test_a_remote_store_is_validated_in_place(oxigraph_server):
    from comgraph.store import open_store

    oxigraph_server.clear()
    with open_store(oxigraph_server.store_url) as remote:
        remote.load([DEFECTS])
    result = run("validate", "--store", oxigraph_server.store_url, "--shapes", str(SHAPES),
                 "--format", "json")
    assert result.exit_code == 1
    assert json.loads(result.output)["counts"] == {"Violation": 4, "Warning": 2, "Info": 1}


def test_check_shapes_passes_fit_shapes_and_names_every_problem(tmp_path):
    good = tmp_path / "good"
    good.mkdir()
    lint = (HERE / "lint" / "shapes.ttl").read_text()
    (good / "s.ttl").write_text(lint.split("ex:Sloppy")[0])
    assert run("check-shapes", "--shapes", str(good)).exit_code == 0
    result = run("check-shapes", "--shapes", str(HERE / "lint"))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert "error: <https://example.org/shapes/Sloppy>: has no sh:message a manager can read" in lines
    assert "error: <https://example.org/shapes/Sloppy>: links to no checklist item (cg:enforces)" in lines
    assert any("Sloppy/property/" in line and "has no IRI" in line for line in lines)
    assert any("Broken" in line and "not valid SHACL" in line for line in lines)
    assert not any("<https://example.org/shapes/Good>" in line for line in lines)
