"""Every output format renders the one Report: SARIF that validates against the 2.1.0 schema,
JUnit cases per shape and focus node, GitHub annotations and step summary, JSON, Turtle, text."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema
import pytest
import rdflib
from click.testing import CliRunner

from comgraph.cli import main
from comgraph.validate import validate
from comgraph.validate.render import render

HERE = Path(__file__).parent / "data" / "validate"
SHAPES = HERE / "shapes"
DEFECTS = HERE / "data" / "defects.ttl"
SCHEMA = HERE / "sarif" / "sarif-schema-2.1.0.json"
SHP = "https://example.org/shapes/"


@pytest.fixture(scope="module")
def report():
    return validate([DEFECTS], SHAPES)


def test_sarif_validates_against_the_2_1_0_schema(report):
    sarif = json.loads(render(report, "sarif"))
    jsonschema.validate(sarif, json.loads(SCHEMA.read_text()))
    run = sarif["runs"][0]
    rule_ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert len(rule_ids) == len(set(rule_ids))
    assert SHP + "RoleLabelShape" in rule_ids
    label_rule = run["tool"]["driver"]["rules"][rule_ids.index(SHP + "RoleLabelShape")]
    assert "Checklist item: Role defined (T-01)" in label_rule["help"]["text"]
    twin = next(r for r in run["results"] if r["ruleId"] == SHP + "RoleLabelShape"
                and r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].endswith("twin-role"))
    assert twin["level"] == "error"
    assert twin["partialFingerprints"]["comgraphFinding/v1"]
    assert twin["locations"][0]["physicalLocation"]["region"]["startLine"] == 15
    assert rule_ids[twin["ruleIndex"]] == twin["ruleId"]


def test_sarif_with_waived_findings_still_validates(report, tmp_path):
    from comgraph.validate.waivers import apply_waivers, load_waivers

    waivers = tmp_path / "w.yaml"
    waivers.write_text("- selector: {shape: 'https://example.org/shapes/RoleLabelShape'}\n"
                       "  reason: being renamed\n  owner: ops\n  expires: 2999-01-01\n")
    waived = apply_waivers(validate([DEFECTS], SHAPES), load_waivers(waivers))
    sarif = json.loads(render(waived, "sarif"))
    jsonschema.validate(sarif, json.loads(SCHEMA.read_text()))
    suppressed = [r for r in sarif["runs"][0]["results"] if r.get("suppressions")]
    assert {r["ruleId"] for r in suppressed} == {SHP + "RoleLabelShape"}


def test_junit_has_one_testcase_per_shape_and_focus_node(report):
    root = ET.fromstring(render(report, "junit"))
    cases = [(c.get("classname"), c.get("name")) for c in root.iter("testcase")
             if c.find("failure") is not None or c.find("system-out") is not None]
    assert len(cases) == len(set(cases))
    # ghost-role fails RoleLabelShape once though it has one finding, twin-role too: 2 cases there.
    label_cases = [c for c in root.iter("testcase") if c.get("classname") == SHP + "RoleLabelShape"]
    assert len(label_cases) == 2
    failures = [c for c in root.iter("testcase") if c.find("failure") is not None]
    assert len(failures) == 4  # the four violations; warnings and infos do not fail at the default level
    assert root.get("failures") == "4"


def test_github_annotations_carry_file_and_line(report):
    lines = render(report, "github").splitlines()
    assert sum(1 for line in lines if line.startswith("::error ")) == 4
    assert sum(1 for line in lines if line.startswith("::warning ")) == 2
    assert sum(1 for line in lines if line.startswith("::notice ")) == 1
    twin = next(line for line in lines if "Twin" in line)
    assert f"file={str(DEFECTS).replace(':', '%3A')},line=15,col=5" in twin


def test_github_format_appends_the_full_table_to_the_step_summary(tmp_path):
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    args = ["validate", str(DEFECTS), "--shapes", str(SHAPES), "--format", "github"]
    result = CliRunner().invoke(main, args, env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert result.exit_code == 1
    text = summary.read_text()
    assert text.startswith("earlier step\n### comgraph validate failed")
    rows = [line for line in text.splitlines() if line.startswith(("| Violation", "| Warning", "| Info"))]
    assert len(rows) == 7


def test_json_carries_a_schema_version_and_counts_by_severity(report):
    data = json.loads(render(report, "json"))
    assert data["schemaVersion"] == "1.0"
    assert data["counts"] == {"Violation": 4, "Warning": 2, "Info": 1}
    assert data["conforms"] is False
    first = data["results"][0]
    assert set(first) >= {"fingerprint", "shape", "component", "focus", "path", "value", "severity",
                          "message", "checklistItem", "process", "location"}


def test_turtle_is_a_shacl_validation_report(report):
    graph = rdflib.Graph().parse(data=render(report, "turtle"), format="turtle")
    sh = rdflib.SH
    [root] = list(graph.subjects(rdflib.RDF.type, sh.ValidationReport))
    assert graph.value(root, sh.conforms).toPython() is False
    results = list(graph.objects(root, sh.result))
    assert len(results) == 7
    shapes = {str(graph.value(r, sh.sourceShape)) for r in results}
    assert SHP + "ResponsibilityAccountableShape" in shapes


def test_text_groups_findings_by_process_then_checklist_item(report):
    text = render(report, "text")
    assert text.index("Integration") < text.index("  Role defined") < text.index("Strategy")
    assert "Twin (<https://example.org/data/twin-role>): The role needs exactly one name." in text
    assert text.rstrip().endswith("FAIL (fail on violation)")
