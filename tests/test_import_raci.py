"""comgraph import raci: round trip through the raci-matrix view, cell-referenced errors that
change nothing, validate findings located at the cell, idempotent and minimal re-imports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from comgraph.importers.raci import parse_letters
from tests.import_support import DEMO, TEMPLATES, cli, default_triples, quads, view, workbook

CG = "https://w3id.org/comgraph/ns#"
DEMO_PARTIES = ["Atlas IT Services Ltd", "Northwind Supplier Management Office", "CloudNine Hosting GmbH"]


@pytest.fixture
def demo_store(tmp_path: Path) -> str:
    url = f"oxigraph://{tmp_path / 'store'}"
    assert cli("load", str(DEMO), "--store", url, "-q").exit_code == 0
    return url


def test_cells_read_single_letters_combinations_and_nothing() -> None:
    assert parse_letters("A/R") == ["R", "A"]
    assert parse_letters("ra") == ["R", "A"]
    assert parse_letters(" C ") == ["C"]
    assert parse_letters("") == [] and parse_letters(None) == []
    assert parse_letters("X") is None
    assert parse_letters("A/X") is None
    assert parse_letters(3) is None


def test_the_example_sheet_round_trips_through_the_raci_matrix_view_cell_for_cell(tmp_path: Path) -> None:
    url = f"oxigraph://{tmp_path / 'store'}"
    result = cli("import", "raci", str(TEMPLATES / "raci-example.xlsx"), "--start", "2026-01-01",
                 "--store", url)
    assert result.exit_code == 0, result.output

    ws = load_workbook(TEMPLATES / "raci-example.xlsx").worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    parties = {i: h.split(" [")[0] for i, h in enumerate(rows[0]) if i >= 4 and h}
    sheet: dict[tuple[str, str], set[str]] = {}
    for row in rows[1:]:
        for i, party in parties.items():
            if row[i]:
                sheet[(row[0], party)] = set(row[i].replace("/", ""))

    matrix: dict[tuple[str, str], set[str]] = {}
    for r in view(url, "raci-matrix", as_of="2026-06-30"):
        matrix.setdefault((r["responsibilityLabel"], r["partyLabel"]), set()).add(r["raci"])
    assert len(sheet) > 50
    assert matrix == sheet


def _bad_sheet(path: Path) -> Path:
    return workbook(path, [
        ["Responsibility", "Process", "Atlas IT Services Ltd", None, "CloudNine Hosting GmbH"],
        ["Patch management", "Integration", "A/R", "I", "X"],
        ["Budget", "Finance", "A", "", "R"],
    ])


def test_an_unknown_letter_an_empty_header_and_an_unknown_process_are_three_errors_and_change_nothing(
        demo_store: str, tmp_path: Path) -> None:
    before = quads(demo_store)
    result = cli("import", "raci", str(_bad_sheet(tmp_path / "raci.xlsx")), "--store", demo_store)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert lines[0] == "comgraph: raci.xlsx:Sheet1!D1: empty party header: expected the party's name, " \
                       "such as 'MedIT Prime Ltd [prime contractor]'"
    assert "raci.xlsx:Sheet1!E2: 'X' is not a RACI code: expected R, A, C or I" in result.stderr
    assert "raci.xlsx:Sheet1!B3: unknown process 'Finance': expected one of strategy, membership, " \
           "integration, equity, audit, feedback" in result.stderr
    assert lines[-1] == "3 errors in raci.xlsx; nothing was imported"
    assert quads(demo_store) == before


def test_a_missing_responsibility_column_names_the_header_row(tmp_path: Path) -> None:
    path = workbook(tmp_path / "raci.xlsx", [["Task", "Process", "A Ltd"], ["Patching", "Integration", "A"]])
    result = cli("import", "raci", str(path), "-o", str(tmp_path / "out.ttl"))
    assert result.exit_code == 2
    assert "raci.xlsx:Sheet1!1:1: no 'Responsibility' column" in result.stderr
    assert not (tmp_path / "out.ttl").exists()


def _sheet_for_demo(path: Path, first_row_letters: tuple[str, str, str]) -> Path:
    return workbook(path, [
        ["Responsibility", "Process", *DEMO_PARTIES],
        ["Patch management", "Integration", *first_row_letters],
        ["Backup restore tests", "Integration", "R", "C", "R"],
    ])


def test_a_row_without_an_accountable_party_imports_and_validate_names_its_cell(
        demo_store: str, tmp_path: Path) -> None:
    sheet = _sheet_for_demo(tmp_path / "raci.xlsx", ("A/R", "I", "R"))
    assert cli("import", "raci", str(sheet), "--store", demo_store).exit_code == 0

    report = json.loads(cli("validate", "--store", demo_store, "--format", "json").stdout)
    assert [(r["focusLabel"], r["location"]) for r in report["results"]] == [
        ("Backup restore tests", {"file": "raci.xlsx", "line": 3, "column": 1, "ref": "Sheet1!A3"})]
    assert report["results"][0]["shape"].endswith("ResponsibilityAccountableGapShape")

    text = cli("validate", "--store", demo_store).stdout
    assert "Backup restore tests" in text and "raci.xlsx:Sheet1!A3" in text

    sarif = json.loads(cli("validate", "--store", demo_store, "--format", "sarif").stdout)
    (finding,) = sarif["runs"][0]["results"]
    location = finding["locations"][0]
    assert location["physicalLocation"] == {"artifactLocation": {"uri": "raci.xlsx"},
                                            "region": {"startLine": 3, "startColumn": 1}}
    assert location["logicalLocations"][0] == {"name": "Sheet1!A3", "kind": "element",
                                               "fullyQualifiedName": "raci.xlsx#Sheet1!A3"}


def test_two_accountable_parties_are_reported_at_their_cells(demo_store: str, tmp_path: Path) -> None:
    sheet = workbook(tmp_path / "raci.xlsx", [
        ["Responsibility", "Process", *DEMO_PARTIES],
        ["Patch management", "Integration", "A/R", "A", "R"],
    ], title="RACI 2026")
    assert cli("import", "raci", str(sheet), "--store", demo_store).exit_code == 0
    report = json.loads(cli("validate", "--store", demo_store, "--format", "json").stdout)
    refs = sorted(r["location"]["ref"] for r in report["results"])
    assert refs == ["'RACI 2026'!C2", "'RACI 2026'!D2"]


def test_a_sheet_imported_into_one_of_several_relationships_is_checked_against_that_one_only(
        demo_store: str, tmp_path: Path) -> None:
    """Each imported responsibility names its relationship (cg:ofRelationship), so in a store
    that holds a second relationship, which none of the sheet's parties is a member of, the
    assignees are checked against the chosen relationship's members only."""
    other = tmp_path / "other.ttl"
    other.write_text(
        "@prefix cg: <https://w3id.org/comgraph/ns#> .\n"
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        "<https://example.org/other/relationship> a cg:Relationship ;\n"
        '    cg:startDate "2025-01-01"^^xsd:date .\n', encoding="utf-8")
    assert cli("load", str(other), "--store", demo_store, "-q").exit_code == 0
    demo = "https://example.org/retail-it/relationship"
    sheet = _sheet_for_demo(tmp_path / "raci.xlsx", ("A/R", "I", "R"))
    done = cli("import", "raci", str(sheet), "--store", demo_store, "--relationship", demo)
    assert done.exit_code == 0, done.output

    linked = {(t.subject.value.rsplit("/", 1)[-1], t.object.value) for t in default_triples(demo_store)
              if t.predicate.value == CG + "ofRelationship"}
    assert linked == {("patch-management", demo), ("backup-restore-tests", demo)}
    report = json.loads(cli("validate", "--store", demo_store, "--format", "json").stdout)
    imported = [r["focus"] for r in report["results"] if r["shape"].endswith("AssigneeIsMemberShape")
                and r["focus"].startswith(demo + "/assignment/")]
    assert imported == []


def test_importing_the_same_sheet_twice_leaves_the_store_unchanged(demo_store: str, tmp_path: Path) -> None:
    sheet = _sheet_for_demo(tmp_path / "raci.xlsx", ("A/R", "I", "R"))
    assert cli("import", "raci", str(sheet), "--store", demo_store).exit_code == 0
    once = quads(demo_store)
    second = cli("import", "raci", str(sheet), "--store", demo_store)
    assert second.exit_code == 0
    assert "0 added, 0 removed" in second.stderr
    assert quads(demo_store) == once


def test_importing_the_example_twice_into_an_empty_store_leaves_it_unchanged(tmp_path: Path) -> None:
    url = f"oxigraph://{tmp_path / 'store'}"
    args = ("import", "raci", str(TEMPLATES / "raci-example.xlsx"), "--store", url)
    assert cli(*args, "--start", "2026-01-01").exit_code == 0
    once = quads(url)
    second = cli(*args)  # the relationship it made now has a start date, which the import reuses
    assert "0 added, 0 removed" in second.stderr, second.stderr
    assert quads(url) == once


def test_editing_one_cell_changes_exactly_that_assertion(demo_store: str, tmp_path: Path) -> None:
    sheet = _sheet_for_demo(tmp_path / "raci.xlsx", ("A/R", "I", "R"))
    assert cli("import", "raci", str(sheet), "--store", demo_store).exit_code == 0
    before = default_triples(demo_store)
    _sheet_for_demo(sheet, ("A/R", "C", "R"))  # D2: I -> C
    assert cli("import", "raci", str(sheet), "--store", demo_store).exit_code == 0
    after = default_triples(demo_store)
    removed, added = before - after, after - before
    base = "https://example.org/retail-it/relationship/assignment/patch-management/"
    assert {t.subject.value for t in removed} == {base + "i/northwind-supplier-management-office"}
    assert {t.subject.value for t in added} == {base + "c/northwind-supplier-management-office"}
    assert {t.predicate.value.rsplit("#", 1)[-1] for t in added} >= {"raci", "party", "responsibility"}


def test_a_unicode_party_name_gets_a_stable_unicode_iri_and_its_kind(tmp_path: Path) -> None:
    path = tmp_path / "raci.csv"
    path.write_text("Responsibility,Process,Clínica São José [company],MedIT Prime Ltd [prime contractor]\n"
                    "Patch management,Integration,I,A/R\n", encoding="utf-8")
    out = tmp_path / "out.ttl"
    assert cli("import", "raci", str(path), "--start", "2026-01-01", "-o", str(out)).exit_code == 0
    text = out.read_text(encoding="utf-8")
    party = "<urn:comgraph:relationship:raci/party/clínica-são-josé>"
    assert f'{party} a ' in text and 'rdfs:label "Clínica São José"' in text
    assert "org:role cgsr:company" in text and f"cg:client {party}" in text
    again = tmp_path / "again.ttl"
    assert cli("import", "raci", str(path), "--start", "2026-01-01", "-o", str(again)).exit_code == 0
    assert again.read_bytes() == out.read_bytes()


def test_import_without_a_store_or_output_says_what_to_give(tmp_path: Path) -> None:
    path = tmp_path / "raci.csv"
    path.write_text("Responsibility,Process,A Ltd\nPatching,Integration,A\n", encoding="utf-8")
    result = cli("import", "raci", str(path))
    assert result.exit_code == 2
    assert "give --store URL" in result.stderr


def test_a_prime_contractor_counts_as_a_service_provider_on_the_team(tmp_path: Path) -> None:
    data = tmp_path / "team.ttl"
    data.write_text("""
@prefix cg: <https://w3id.org/comgraph/ns#> . @prefix org: <http://www.w3.org/ns/org#> .
@prefix cgsr: <https://w3id.org/comgraph/vocab/stakeholder-role/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix ex: <https://example.org/> .
ex:rel a cg:Relationship ; cg:asOfDate "2026-06-30"^^xsd:date ; cg:hasTeam ex:team .
ex:team a cg:CoManagementTeam .
ex:m a org:Membership ; org:member ex:prime ; org:organization ex:rel ; org:role cgsr:primeContractor ;
    cg:startDate "2026-01-01"^^xsd:date .
""", encoding="utf-8")
    report = json.loads(cli("validate", str(data), "--format", "json").stdout)
    kinds = [r["message"] for r in report["results"]
             if r["shape"].endswith("TeamCoversStakeholderKindsShape")]
    assert kinds == ["The relationship has providers of services, but none of them is represented on the "
                     "co-management team."]
