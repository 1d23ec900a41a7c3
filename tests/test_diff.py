"""`comgraph diff`: what changed between two versions of the governance graph, in words.

Each test copies the demo, edits its Turtle as a person would, and checks the exact sentences
(and that nothing else is said), the triples left over, the formats and the exit codes.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph
from rdflib.compare import isomorphic, to_canonical_graph

from comgraph.cli import main
from comgraph.diff import compare
from comgraph.diff.sides import read_side
from comgraph.sources import expand_data_paths
from comgraph.store import open_store

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"

HAND_OVER = ("integration.ttl", [(
    '''cg:holder ex:hannah-schmidt ; cg:onBehalfOf ex:atlas-it ;
    cg:startDate "2026-04-01"^^xsd:date ; cg:endDate "2030-06-30"^^xsd:date .''',
    '''cg:holder ex:hannah-schmidt ; cg:onBehalfOf ex:atlas-it ;
    cg:startDate "2026-04-01"^^xsd:date ; cg:endDate "2026-08-31"^^xsd:date .

ex:ana-silva a <http://www.w3.org/ns/prov#Person> ; rdfs:label "Ana Silva" .

ex:tenure-service-delivery-manager-ana a cg:RoleTenure ;
    rdfs:label "Service delivery manager: Ana Silva" ;
    cg:ofRole ex:role-service-delivery-manager ; cg:holder ex:ana-silva ; cg:onBehalfOf ex:atlas-it ;
    cg:startDate "2026-09-01"^^xsd:date ; cg:endDate "2030-06-30"^^xsd:date .'''),
])

RACI_CHANGE = ("integration.ttl", [(
    '''    rdfs:label "Hosting platform operations: R CloudNine" ;
    cg:responsibility ex:resp-hosting-operations ; cg:party ex:cloudnine ; cg:raci cgraci:responsible ;''',
    '''    rdfs:label "Hosting platform operations: A CloudNine" ;
    cg:responsibility ex:resp-hosting-operations ; cg:party ex:cloudnine ; cg:raci cgraci:accountable ;'''),
])


def edited_demo(tmp_path: Path, *edits: tuple[str, list[tuple[str, str]]], name: str = "new") -> Path:
    """A copy of data/demo with each (file, [(old text, new text)]) edit made; every old text
    must be there, so an edit that no longer applies fails the test instead of passing it."""
    target = tmp_path / name
    shutil.copytree(DEMO, target)
    for filename, replacements in edits:
        path = target / filename
        text = path.read_text(encoding="utf-8")
        for old, new in replacements:
            assert text.count(old) == 1, f"edit does not apply to {filename}: {old[:60]!r}"
            text = text.replace(old, new)
        path.write_text(text, encoding="utf-8")
    return target


def diff(*args: str):
    return CliRunner().invoke(main, ["diff", *args])


def sentences(output: str) -> list[str]:
    """The phrased changes of a text report (the indented lines under each heading)."""
    return [line.strip() for line in output.splitlines() if line.startswith("  ")]


def test_demo_with_one_hand_over_and_one_raci_change_states_both_and_nothing_else(tmp_path) -> None:
    new = edited_demo(tmp_path, HAND_OVER, RACI_CHANGE)
    result = diff(str(DEMO), str(new))
    assert result.exit_code == 1, result.output
    assert sentences(result.output) == [
        "Service delivery manager: now held by Ana Silva (was Hannah Schmidt) from 2026-09-01",
        "Hosting platform operations: CloudNine Hosting GmbH R → A",
    ]
    assert "Other changes" not in result.output
    summary = result.output.splitlines()[0]
    assert summary.endswith(": 2 changes, 0 other triples (3 triples removed, 12 added)")


def test_a_holder_edited_in_place_reads_as_the_same_hand_over(tmp_path) -> None:
    new = edited_demo(tmp_path, ("integration.ttl", [(
        "cg:ofRole ex:role-hosting-service-manager ; cg:holder ex:tom-becker ;",
        "cg:ofRole ex:role-hosting-service-manager ; cg:holder ex:aisha-rahman ;")]))
    result = diff(str(DEMO), str(new))
    assert sentences(result.output) == ["Hosting service manager: now held by Aisha Rahman (was Tom Becker)"]


def test_obligation_due_date_moved(tmp_path) -> None:
    new = edited_demo(tmp_path, ("agreements-obligations.ttl", [(
        '''cg:deliverable "A costed roadmap for 2027-2029 aligned with the relationship's objectives" ;
    cg:dueDate "2026-11-30"^^xsd:date ;''',
        '''cg:deliverable "A costed roadmap for 2027-2029 aligned with the relationship's objectives" ;
    cg:dueDate "2027-01-31"^^xsd:date ;''')]))
    result = diff(str(DEMO), str(new))
    assert result.exit_code == 1
    assert sentences(result.output) == [
        "Three-year transformation roadmap: due date moved from 2026-11-30 to 2027-01-31"]


def test_obligation_status_change_with_its_completion_date(tmp_path) -> None:
    new = edited_demo(tmp_path, ("agreements-obligations.ttl", [(
        '''    cg:dueDate "2026-11-30"^^xsd:date ;
    cg:status cgst:open .''',
        '''    cg:dueDate "2026-11-30"^^xsd:date ;
    cg:status cgst:met ; cg:completedDate "2026-11-20"^^xsd:date .''')]))
    result = diff(str(DEMO), str(new))
    assert sentences(result.output) == [
        "Three-year transformation roadmap: status Open → Met, completed 2026-11-20"]


ROADMAP = '''ex:obl-transformation-roadmap a cg:Obligation, odrl:Duty ;
    rdfs:label "Three-year transformation roadmap" ;
    cg:process cgp:strategy ;
    cg:obligor ex:atlas-it ; cg:obligee ex:northwind-retail ;
    cg:deliverable "A costed roadmap for 2027-2029 aligned with the relationship's objectives" ;
    cg:dueDate "2026-11-30"^^xsd:date ;
    cg:status cgst:open .'''


def test_obligation_added_and_removed_with_the_agreement_link(tmp_path) -> None:
    new = edited_demo(tmp_path, ("agreements-obligations.ttl", [
        ("ex:obl-transformation-roadmap, ex:obl-monthly-fee-payment .",
         "ex:obl-monthly-fee-payment, ex:obl-exit-plan ."),
        (ROADMAP, '''ex:obl-exit-plan a cg:Obligation, odrl:Duty ;
    rdfs:label "Exit plan" ;
    cg:process cgp:integration ;
    cg:obligor ex:atlas-it ; cg:obligee ex:northwind-retail ;
    cg:deliverable "A tested plan to hand the services back" ;
    cg:dueDate "2027-03-31"^^xsd:date ;
    cg:status cgst:open .'''),
    ]))
    result = diff(str(DEMO), str(new))
    assert sentences(result.output) == [
        "Obligation added: Exit plan (Atlas IT Services Ltd to Northwind Retail plc, due 2027-03-31)",
        "Obligation removed: Three-year transformation roadmap",
    ]
    assert "Other changes" not in result.output


def test_target_threshold_change(tmp_path) -> None:
    new = edited_demo(tmp_path, ("scorecard.ttl", [(
        '''    rdfs:label "Atlas IT: core platform availability at least 99.5%" ;
    cg:process cgp:audit ;
    cg:appliesTo ex:atlas-it ; cg:metric ex:metric-availability ;
    cg:operator cgop:atLeast ; cg:threshold 99.5 ;''',
        '''    rdfs:label "Atlas IT: core platform availability at least 99.9%" ;
    cg:process cgp:audit ;
    cg:appliesTo ex:atlas-it ; cg:metric ex:metric-availability ;
    cg:operator cgop:atLeast ; cg:threshold 99.9 ;''')]))
    result = diff(str(DEMO), str(new))
    assert sentences(result.output) == [
        "Target for Atlas IT Services Ltd on Core platform availability: at least 99.5% → at least 99.9%"]


def test_ownership_share_change(tmp_path) -> None:
    new = edited_demo(tmp_path, ("equity.ttl", [
        ("cg:owner ex:atlas-it ; cg:share 0.5 ;", "cg:owner ex:atlas-it ; cg:share 0.6 ;"),
        ("cg:owner ex:northwind-retail ; cg:share 0.5 ;", "cg:owner ex:northwind-retail ; cg:share 0.4 ;"),
    ]))
    result = diff(str(DEMO), str(new))
    assert sentences(result.output) == [
        "Store operations automation toolkit: owned by Atlas IT Services Ltd 60%, Northwind Retail plc 40% "
        "(was Atlas IT Services Ltd 50%, Northwind Retail plc 50%)"]


def test_stakeholder_joined_and_another_left_the_relationship(tmp_path) -> None:
    new = edited_demo(tmp_path, ("relationship.ttl", [
        ('''ex:m-fund a org:Membership ;
    rdfs:label "Regional fund as external funding provider" ;
    org:member ex:regional-fund ; org:organization ex:relationship ;
    org:role cgsr:externalFundingProvider ;
    cg:startDate "2025-07-01"^^xsd:date ; cg:endDate "2030-06-30"^^xsd:date .''',
         '''ex:m-kestrel a org:Membership ;
    rdfs:label "Kestrel as service provider" ;
    org:member ex:kestrel-assurance ; org:organization ex:relationship ;
    org:role cgsr:serviceProvider ;
    cg:startDate "2026-09-01"^^xsd:date ; cg:endDate "2030-06-30"^^xsd:date .'''),
    ]))
    result = diff(str(DEMO), str(new))
    assert sentences(result.output) == [
        "Kestrel Assurance LLP joined Northwind Retail IT operations outsourcing as service provider "
        "from 2026-09-01",
        "Regional Digital Transformation Fund left Northwind Retail IT operations outsourcing "
        "(was external funding provider)",
    ]


def test_a_person_joined_the_team_and_another_leaves_it(tmp_path) -> None:
    new = edited_demo(tmp_path, ("relationship.ttl", [(
        '''org:member ex:tom-becker ; org:role ex:role-hosting-service-manager ;
    cg:represents ex:cloudnine ;
    cg:startDate "2025-07-01"^^xsd:date ; cg:endDate "2030-06-30"^^xsd:date .''',
        '''org:member ex:tom-becker ; org:role ex:role-hosting-service-manager ;
    cg:represents ex:cloudnine ;
    cg:startDate "2025-07-01"^^xsd:date ; cg:endDate "2026-12-31"^^xsd:date .

ex:tm-aisha a cg:TeamMembership, org:Membership ;
    rdfs:label "Aisha Rahman on the board for FieldFix" ;
    org:organization ex:team ; org:member ex:aisha-rahman ; org:role ex:role-field-services-manager ;
    cg:represents ex:fieldfix ;
    cg:startDate "2026-09-01"^^xsd:date .''')]))
    result = diff(str(DEMO), str(new))
    assert sentences(result.output) == [
        "Aisha Rahman joined Northwind IT co-management board as field services manager for "
        "FieldFix Engineering Ltd from 2026-09-01",
        "Tom Becker on Northwind IT co-management board as hosting service manager for CloudNine "
        "Hosting GmbH: membership now ends 2026-12-31 (was 2030-06-30)",
    ]


BNODES_A = """@prefix cg: <https://w3id.org/comgraph/ns#> .
@prefix ex: <https://example.org/x/> .
ex:deal cg:hasTeam [ cg:note "steering" ; cg:size 5 ] , [ cg:note "working" ; cg:size 9 ] .
"""
BNODES_B = """@prefix cg: <https://w3id.org/comgraph/ns#> .
@prefix ex: <https://example.org/x/> .
_:z cg:size 9 .
_:y cg:size 5 ; cg:note "steering" .
ex:deal cg:hasTeam _:z .
_:z cg:note "working" .
ex:deal cg:hasTeam _:y .
"""


def test_blank_nodes_written_in_another_order_with_other_labels_are_no_change(tmp_path) -> None:
    (tmp_path / "a.ttl").write_text(BNODES_A)
    (tmp_path / "b.ttl").write_text(BNODES_B)
    result = diff(str(tmp_path / "a.ttl"), str(tmp_path / "b.ttl"))
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith(": no changes")


def test_a_changed_value_inside_a_blank_node_is_a_change_and_the_patch_is_exact(tmp_path) -> None:
    (tmp_path / "a.ttl").write_text(BNODES_A)
    (tmp_path / "b.ttl").write_text(BNODES_B.replace("cg:size 9", "cg:size 10"))
    result = diff("--format", "json", str(tmp_path / "a.ttl"), str(tmp_path / "b.ttl"))
    assert result.exit_code == 1
    other = json.loads(result.output)["other"]
    assert other["count"] == len(other["removed"]) + len(other["added"]) > 0
    assert any('"10"' in t for t in other["added"]) and any('"9"' in t for t in other["removed"])
    # Taking the listed triples out of OLD and putting the others in gives NEW, blank nodes and
    # all: nothing was dropped, and the canonical blank node labels line up across the sides.
    old, new = read_side(str(tmp_path / "a.ttl")), read_side(str(tmp_path / "b.ttl"))
    report = compare(old, new)
    patched = Graph()
    patched += to_canonical_graph(old)
    for triple in report.other_removed:
        patched.remove(triple)
    for triple in report.other_added:
        patched.add(triple)
    assert isomorphic(patched, new)
    assert len(patched) == len(new) == 6


def test_an_unphrasable_triple_is_counted_and_listed_last(tmp_path) -> None:
    new = edited_demo(tmp_path, HAND_OVER, ("agreements-obligations.ttl", [(
        'cg:deliverable "Evidence that every high finding is closed" ;',
        'cg:deliverable "Evidence that every high and medium finding is closed" ;')]))
    result = diff(str(DEMO), str(new))
    lines = result.output.splitlines()
    assert lines[0].endswith(": 1 change, 2 other triples (2 triples removed, 11 added)")
    heading = lines.index("Other changes (2 triples comgraph cannot phrase)")
    assert heading > lines.index("Role tenures")
    assert lines[heading + 1:] == [
        '  - <https://example.org/retail-it/obl-security-remediation> cg:deliverable '
        '"Evidence that every high finding is closed" .',
        '  + <https://example.org/retail-it/obl-security-remediation> cg:deliverable '
        '"Evidence that every high and medium finding is closed" .',
    ]


def test_json_lists_each_change_with_the_triples_it_explains(tmp_path) -> None:
    new = edited_demo(tmp_path, HAND_OVER, RACI_CHANGE)
    result = diff("--format", "json", str(DEMO), str(new))
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["changed"] is True
    assert report["triples"] == {"removed": 3, "added": 12}
    assert [(c["kind"], c["text"]) for c in report["changes"]] == [
        ("role", "Service delivery manager: now held by Ana Silva (was Hannah Schmidt) from 2026-09-01"),
        ("raci", "Hosting platform operations: CloudNine Hosting GmbH R → A"),
    ]
    raci = report["changes"][1]
    assert raci["removed"] == [
        '<https://example.org/retail-it/ra-hosting-operations-r-cloudnine> '
        '<http://www.w3.org/2000/01/rdf-schema#label> "Hosting platform operations: R CloudNine" .',
        '<https://example.org/retail-it/ra-hosting-operations-r-cloudnine> '
        '<https://w3id.org/comgraph/ns#raci> <https://w3id.org/comgraph/vocab/raci/responsible> .',
    ]
    assert report["other"] == {"count": 0, "removed": [], "added": []}


def test_markdown_fits_a_pull_request_comment(tmp_path) -> None:
    new = edited_demo(tmp_path, HAND_OVER, RACI_CHANGE, ("agreements-obligations.ttl", [(
        'cg:deliverable "Evidence that every high finding is closed" ;',
        'cg:deliverable "Evidence that every *high* finding is closed" ;')]))
    result = diff("--format", "markdown", str(DEMO), str(new))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == "### comgraph diff: 2 changes, 2 other triples (4 triples removed, 13 added)"
    assert "**Role tenures**" in lines and "**RACI**" in lines
    assert "- Service delivery manager: now held by Ana Silva (was Hannah Schmidt) from 2026-09-01" in lines
    assert "- Hosting platform operations: CloudNine Hosting GmbH R → A" in lines
    assert "<summary>Other changes: 2 triples comgraph cannot phrase</summary>" in lines
    fence = lines.index("```diff")
    assert lines[fence + 3] == "```" and lines[-1] == "</details>"
    assert lines[fence + 2].startswith("+ <https://example.org/retail-it/obl-security-remediation>")


def test_markdown_escapes_labels_so_they_cannot_break_the_comment(tmp_path) -> None:
    new = edited_demo(tmp_path, ("integration.ttl", [(
        'rdfs:label "Hosting service manager" ;', 'rdfs:label "Hosting *service* manager <b>" ;'),
        ("cg:ofRole ex:role-hosting-service-manager ; cg:holder ex:tom-becker ;",
         "cg:ofRole ex:role-hosting-service-manager ; cg:holder ex:aisha-rahman ;")]))
    result = diff("--format", "markdown", str(DEMO), str(new))
    assert ("- Hosting \\*service\\* manager \\<b\\>: now held by Aisha Rahman (was Tom Becker)"
            in result.output.splitlines())


def test_no_changes_exits_0_in_every_format() -> None:
    for fmt in ("text", "json", "markdown"):
        result = diff("--format", fmt, str(DEMO), str(DEMO))
        assert result.exit_code == 0, result.output
    assert json.loads(diff("--format", "json", str(DEMO), str(DEMO)).output)["changed"] is False


def test_a_file_that_does_not_parse_exits_2_naming_file_line_and_column(tmp_path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix ex: <http://example.org/> .\n\nex:a ex:b .\n")
    result = diff(str(DEMO), str(bad))
    assert result.exit_code == 2
    assert f"comgraph: {bad}:3:" in result.output


def test_a_missing_disk_store_exits_2_instead_of_diffing_an_empty_one(tmp_path) -> None:
    result = diff(str(DEMO), f"oxigraph://{tmp_path / 'nowhere'}")
    assert result.exit_code == 2
    assert "no store in" in result.output
    assert not (tmp_path / "nowhere").exists()


def test_a_side_may_be_files_joined_with_commas(tmp_path) -> None:
    files = ",".join(str(p) for p in expand_data_paths([DEMO]))
    assert diff(files, str(DEMO)).exit_code == 0
    partial = ",".join(str(p) for p in expand_data_paths([DEMO]) if p.name != "equity.ttl")
    result = diff(partial, str(DEMO))
    assert result.exit_code == 1
    assert ("Store sales and inventory dataset: owned by Northwind Store Operations 100% (was nobody) "
            "from 2025-07-01") in sentences(result.output)


def test_a_disk_store_url_as_a_side(tmp_path) -> None:
    db = tmp_path / "db"
    # Loaded by another process, as a pipeline would; this one must not hold the store's lock.
    loaded = subprocess.run([sys.executable, "-m", "comgraph.cli", "load", "--store", f"oxigraph://{db}",
                             str(DEMO)], capture_output=True, text=True, timeout=120)
    assert loaded.returncode == 0, loaded.stderr
    assert diff(f"oxigraph://{db}", str(DEMO)).exit_code == 0
    new = edited_demo(tmp_path, RACI_CHANGE)
    result = diff(f"oxigraph://{db}", str(new))
    assert result.exit_code == 1
    assert sentences(result.output) == ["Hosting platform operations: CloudNine Hosting GmbH R → A"]


def test_a_remote_store_url_as_a_side(oxigraph_server, tmp_path) -> None:
    oxigraph_server.clear()
    with open_store(oxigraph_server.store_url) as store:
        store.load(expand_data_paths([DEMO]))
    new = edited_demo(tmp_path, HAND_OVER)
    result = diff(oxigraph_server.store_url, str(new))
    assert result.exit_code == 1, result.output
    assert sentences(result.output) == [
        "Service delivery manager: now held by Ana Silva (was Hannah Schmidt) from 2026-09-01"]


@pytest.mark.parametrize("args", [["--format", "xml"], []])
def test_usage_errors_exit_2(args) -> None:
    result = diff(*args, str(DEMO)) if args else diff(str(DEMO))
    assert result.exit_code == 2


def test_a_side_that_does_not_exist_exits_2_naming_it(tmp_path) -> None:
    result = diff(str(DEMO), str(tmp_path / "nowhere"))
    assert result.exit_code == 2
    assert f"comgraph: {tmp_path / 'nowhere'}: no such file or folder" in result.output
