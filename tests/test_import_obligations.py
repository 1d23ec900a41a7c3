"""comgraph import obligations: recurrences, targets, consequences, and every unreadable cell
reported at once with nothing loaded."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from comgraph.importers.obligations import parse_recurrence, parse_target
from tests.import_support import DEMO, TEMPLATES, cli, quads, view, workbook

HEADER = ["id", "obligor", "obligee", "description", "due", "metric", "target", "consequence", "status"]


def test_a_recurrence_gives_its_frequency_and_the_next_due_date_on_or_after_the_as_of_date() -> None:
    quarterly = parse_recurrence("quarterly from 2026-04-01")
    assert quarterly.frequency.value.endswith("/quarterly")
    assert quarterly.next_due(date(2026, 6, 30)) == date(2026, 7, 1)
    assert quarterly.next_due(date(2026, 7, 1)) == date(2026, 7, 1)
    assert quarterly.next_due(None) == date(2026, 4, 1)
    month_end = parse_recurrence("Monthly from 2026-01-31")
    assert month_end.next_due(date(2026, 2, 15)) == date(2026, 2, 28)
    assert month_end.next_due(date(2026, 3, 1)) == date(2026, 3, 31)
    assert parse_recurrence("half-yearly starting 2026-01-01").next_due(date(2026, 2, 1)) == date(2026, 7, 1)
    assert parse_recurrence("fortnightly from 2026-01-01") is None
    assert parse_recurrence("quarterly from 1 April") is None


def test_a_target_reads_an_operator_a_number_and_a_unit() -> None:
    spec = parse_target(">= 99.5 %")
    assert spec.operator.value.endswith("/atLeast") and str(spec.threshold) == "99.5"
    assert spec.unit.value.endswith("/percent")
    spec = parse_target("at most 4 h")
    assert spec.operator.value.endswith("/atMost") and spec.unit.value.endswith("/hours")
    assert parse_target("≤ 2,5 days").threshold == parse_target("<= 2.5 d").threshold
    assert parse_target("fast") is None
    assert parse_target(">= 4 parsecs") is None


def test_the_template_joins_the_demo_relationship_with_dates_targets_and_credits(tmp_path: Path) -> None:
    url = f"oxigraph://{tmp_path / 'store'}"
    assert cli("load", str(DEMO), "--store", url, "-q").exit_code == 0
    result = cli("import", "obligations", str(TEMPLATES / "obligations-template.xlsx"), "--store", url)
    assert result.exit_code == 0, result.output
    due = {r["obligationLabel"]: r for r in view(url, "obligations-due")
           if r.get("obligation", "").startswith("https://example.org/retail-it/relationship/obligation/")}
    # The demo is as of 2026-06-30: the monthly report from 2026-01-10 is next due 2026-07-10.
    assert due["Monthly service report by the 10th"]["dueDate"] == "2026-07-10"
    # Quarterly from 2026-03-31 falls due on the as-of date itself (on or after).
    assert due["EHR availability of at least 99.5% each quarter"]["dueDate"] == "2026-06-30"
    targets = [r for r in view(url, "performance-against-target") if r["metricLabel"] == "EHR availability"]
    assert [(t["stakeholderLabel"], t["threshold"], t["status"]) for t in targets] == [
        ("MedIT Prime Ltd", "99.5", "not measured")]


def test_every_unreadable_cell_is_reported_at_once_and_nothing_is_loaded(tmp_path: Path) -> None:
    url = f"oxigraph://{tmp_path / 'store'}"
    assert cli("load", str(DEMO), "--store", url, "-q").exit_code == 0
    before = quads(url)
    sheet = workbook(tmp_path / "register.xlsx", [
        HEADER,
        ["OBL-1", "Atlas IT Services Ltd", "Northwind Retail plc", "Report", "2026-13-01", "", "", "",
         "open"],
        ["OBL-2", "Atlas IT Services Ltd", "Northwind Retail plc", "Uptime", "weekly from 2026-01-05",
         "Uptime", "fast", "", "done"],
        ["OBL-1", "Atlas IT Services Ltd", "Northwind Retail plc", "Again", "2026-08-01", "", "", "", ""],
        ["OBL-3", "Atlas IT Services Ltd [landlord]", "Northwind Retail plc", "Rent", "2026-08-01", "",
         ">= 1 %", "", ""],
    ], title="Register")
    result = cli("import", "obligations", str(sheet), "--store", url)
    assert result.exit_code == 2
    errors = result.stderr.strip().splitlines()
    assert errors[-1] == "6 errors in register.xlsx; nothing was imported"
    text = result.stderr
    assert "register.xlsx:Register!E2: '2026-13-01' is not a due date: expected a date (YYYY-MM-DD) or a " \
           "recurrence such as 'quarterly from 2026-04-01'" in text
    assert "register.xlsx:Register!G3: 'fast' is not a target: expected an operator, a number and a " \
           "unit" in text
    assert "register.xlsx:Register!I3: unknown status 'done': expected one of open, in progress, met, " \
           "missed, waived" in text
    assert "register.xlsx:Register!A4: id 'OBL-1' is already used in row 2" in text
    assert "register.xlsx:Register!B5: unknown kind of party [landlord]" in text
    assert "register.xlsx:Register!G5: a target without a metric: expected both, or neither" in text
    assert quads(url) == before


def test_a_register_without_its_required_columns_names_them(tmp_path: Path) -> None:
    path = tmp_path / "register.csv"
    path.write_text("id,owner,description\nOBL-1,Atlas,Report\n", encoding="utf-8")
    result = cli("import", "obligations", str(path), "-o", str(tmp_path / "out.ttl"))
    assert result.exit_code == 2
    assert "register.csv:register!B1: unknown column 'owner'" in result.stderr
    for column in ("obligor", "obligee", "due"):
        assert f"register.csv:register!1:1: no '{column}' column" in result.stderr
