"""comgraph import odcs: an ODCS v3 contract becomes tenures, targets, an asset with its owner and
a price that the views show; a broken contract is refused with its YAML path and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.import_support import TEMPLATES, cli, quads, view

FIXTURE = TEMPLATES / "odcs-contract.yaml"


@pytest.fixture
def imported(tmp_path: Path) -> str:
    url = f"oxigraph://{tmp_path / 'store'}"
    result = cli("import", "odcs", str(FIXTURE), "--store", url)
    assert result.exit_code == 0, result.output
    assert "slaProperties[3] (generalAvailability" in result.stderr  # a date is no target: said, not hidden
    return url


def test_team_members_become_role_tenures_with_their_history(imported: str) -> None:
    rows = [r for r in view(imported, "role-and-responsibility-history", as_of="2026-10-01")
            if r["kind"] == "role"]
    assert [(r["itemLabel"], r["holderLabel"], r["partyLabel"], r["startDate"], r.get("endDate"),
             r["current"]) for r in rows] == [
        ("Data Owner", "Marta Ferreira", "Clinical Data Platform", "2026-01-05", None, "true"),
        # ODCS's dateOut is the successor's dateIn; comgraph's end dates are inclusive.
        ("Data Steward", "João Costa", "Clinical Data Platform", "2026-01-05", "2026-08-31", "false"),
        ("Data Steward", "Ana Silva", "Clinical Data Platform", "2026-09-01", None, "true"),
    ]


def test_sla_properties_become_targets_on_the_metrics_they_name(imported: str) -> None:
    rows = view(imported, "performance-against-target", as_of="2026-10-01")
    assert sorted((r["stakeholderLabel"], r["metricLabel"], r["operator"].rsplit("/", 1)[-1], r["threshold"],
                   r["unit"].rsplit("/", 1)[-1], r["status"]) for r in rows) == [
        ("Clinical Data Platform", "availability", "atLeast", "99.5", "percent", "not measured"),
        ("Clinical Data Platform", "latency of admissions.admitted_at", "atMost", "4", "hours",
         "not measured"),
        ("Clinical Data Platform", "timeToRepair", "atMost", "8", "hours", "not measured"),
    ]


def test_the_dataset_becomes_an_asset_owned_by_the_team_and_the_price_a_billing_arrangement(
        imported: str) -> None:
    assets = view(imported, "asset-ownership-and-licences", as_of="2026-10-01")
    assert [(a["relation"], a.get("partyLabel"), float(a["share"])) for a in assets
            if a.get("assetLabel") == "Patient admissions"] == [("owner", "Clinical Data Platform", 1.0)]
    text = "\n".join(quads(imported))
    assert '"1500"^^<http://www.w3.org/2001/XMLSchema#decimal>' in text
    assert "https://w3id.org/comgraph/vocab/pricing-model/unitPrice" in text


def test_a_broken_contract_names_its_yaml_paths_and_changes_nothing(tmp_path: Path) -> None:
    url = f"oxigraph://{tmp_path / 'store'}"
    broken = tmp_path / "broken.yaml"
    broken.write_text(FIXTURE.read_text(encoding="utf-8")
                      .replace("kind: DataContract", "kind: Contract")
                      .replace("      dateIn: 2026-09-01", "      dateIn: [2026, 9, 1]"), encoding="utf-8")
    before = quads(url)
    result = cli("import", "odcs", str(broken), "--store", url)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    kind_line = next(i for i, line in enumerate(broken.read_text().splitlines(), 1)
                     if line.startswith("kind:"))
    assert lines[0].startswith(f"comgraph: broken.yaml:{kind_line}:7: kind: 'Contract' is not one of "
                               "['DataContract']")
    assert any(line.startswith("broken.yaml:") and ": team.members[1].dateIn: " in line for line in lines)
    assert lines[-1].endswith("in broken.yaml; nothing was imported")
    assert quads(url) == before


def test_a_contract_that_is_not_yaml_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: v3.0.2\nkind: [DataContract\nid: x\n", encoding="utf-8")
    result = cli("import", "odcs", str(bad), "-o", str(tmp_path / "out.ttl"))
    assert result.exit_code == 2
    assert result.stderr.startswith("comgraph: bad.yaml:3:")
    assert "not valid YAML" in result.stderr


def test_importing_the_contract_and_the_register_twice_leaves_the_store_unchanged(imported: str) -> None:
    register = str(TEMPLATES / "obligations-template.xlsx")
    assert cli("import", "obligations", register, "--store", imported).exit_code == 0
    once = quads(imported)
    again = cli("import", "odcs", str(FIXTURE), "--store", imported)
    assert "0 added, 0 removed" in again.stderr
    assert "0 added, 0 removed" in cli("import", "obligations", register, "--store", imported).stderr
    assert quads(imported) == once
