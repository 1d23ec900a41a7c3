"""The look-ahead (issue 16): exact items on a small fixture, the calendar feed, the CLI, the
pages, agreement with the validation report (one truth) and with a real Oxigraph server."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import icalendar
import numpy as np
import pytest
import recurring_ical_events
from click.testing import CliRunner

from comgraph.cli import main
from comgraph.lookahead import compute
from comgraph.lookahead.calendar import feed
from comgraph.lookahead.compute import FORECAST_CURRENT, ONE_ACCOUNTABLE, REPORT_FREQUENCY, ROLE_HELD
from comgraph.lookahead.recurrence import FREQUENCY, Recurrence
from comgraph.lookahead.trend import OPERATOR, project
from comgraph.sources import expand_data_paths
from comgraph.store import open_store

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "data" / "lookahead"
VOCAB = ROOT / "ontology" / "vocab"
LA = "https://example.org/lookahead/"
AS_OF = dt.date(2027, 1, 15)


def local(iri: str) -> str:
    return iri.removeprefix(LA)


@pytest.fixture(scope="module")
def fixture_store():
    store = open_store("oxigraph:")
    store.load(expand_data_paths([str(FIXTURE), str(VOCAB)]))
    yield store
    store.close()


def items_of(look) -> list[tuple[str, str, str]]:
    return [(i.date.isoformat(), i.kind, local(i.subject.iri)) for i in look.items]


SIX_MONTHS = [
    ("2026-12-01", "report-overdue", "series"),
    ("2026-12-31", "audit-overdue", "provider"),
    ("2027-01-01", "obligation-overdue", "obl-overdue"),
    ("2027-01-15", "forecast-coverage", "rel"),
    ("2027-01-31", "obligation-due", "obl-monthly"),
    ("2027-02-14", "target-trend", "target-declining"),
    ("2027-02-28", "accountability-ends", "resp-billing"),
    ("2027-02-28", "obligation-due", "obl-monthly"),
    ("2027-03-01", "risk", "risk-budget"),
    ("2027-03-31", "role-vacant", "tenure-gap-1"),
    ("2027-03-31", "obligation-due", "obl-monthly"),
    ("2027-04-30", "obligation-due", "obl-monthly"),
    ("2027-05-15", "term-ends", "lic-ending"),
    ("2027-05-31", "risk", "risk-supplier-exit"),
    ("2027-05-31", "obligation-due", "obl-monthly"),
    ("2027-06-30", "obligation-due", "obl-monthly"),
]


def test_the_exact_items_over_six_months(fixture_store) -> None:
    look = compute(fixture_store, months=6)
    assert look.as_of == AS_OF and look.until == dt.date(2027, 7, 15)
    assert look.validation_error is None
    assert items_of(look) == SIX_MONTHS


def test_three_months_drops_what_lies_beyond(fixture_store) -> None:
    """The licence ending in four months is flagged at --months 6 and not at --months 3."""
    look = compute(fixture_store, months=3)
    assert look.until == dt.date(2027, 4, 15)
    assert items_of(look) == [i for i in SIX_MONTHS if i[0] <= "2027-04-15"]
    assert "lic-ending" not in {local(i.subject.iri) for i in look.items}


def test_a_declining_metric_is_flagged_with_its_projected_date(fixture_store) -> None:
    look = compute(fixture_store, months=6)
    (trend,) = [i for i in look.items if i.kind == "target-trend"]
    assert local(trend.subject.iri) == "target-declining"
    # 92, 89, 86, 83 at 30-day steps: -0.1 a day, so 80 is reached 120 days after 17 October.
    assert trend.detail["projectedDate"] == "2027-02-14"
    assert trend.detail["points"] == 4
    days_to_end = (dt.date(2027, 7, 15) - dt.date(2026, 10, 17)).days
    assert trend.detail["projectedValue"] == pytest.approx(92 - 0.1 * days_to_end)
    assert "4 measurements" in trend.why


def test_a_noisy_but_flat_metric_is_not_flagged(fixture_store) -> None:
    """One outlier (20 among 84-85) drags a least-squares line far under the target within the
    horizon; Theil-Sen's median slope stays at 0."""
    look = compute(fixture_store, months=6)
    assert "target-flat" not in {local(i.subject.iri) for i in look.items}
    days = [0, 30, 60, 90, 120]
    values = [85, 84, 85, 20, 85]
    slope, intercept = np.polyfit(days, values, 1)  # what an ordinary regression would say
    assert intercept + slope * (120 + 181) < 70
    start = dt.date(2026, 9, 17)
    points = [(start + dt.timedelta(days=d), float(v)) for d, v in zip(days, values, strict=True)]
    assert project(points, OPERATOR + "atLeast", 70.0, AS_OF, dt.date(2027, 7, 15)) is None


def test_trend_needs_three_points() -> None:
    points = [(dt.date(2026, 1, 1), 90.0), (dt.date(2026, 2, 1), 60.0)]
    assert project(points, OPERATOR + "atLeast", 80.0, dt.date(2026, 2, 1), dt.date(2026, 8, 1)) is None


def test_tenures_successor_next_day_is_not_flagged_a_ten_day_gap_is(fixture_store) -> None:
    look = compute(fixture_store, months=6)
    vacant = [i for i in look.items if i.kind == "role-vacant"]
    assert [local(i.subject.iri) for i in vacant] == ["tenure-gap-1"]
    assert vacant[0].detail == {"gapDays": 10, "nextStart": "2027-04-11"}
    assert "Contract management" in vacant[0].why
    (unaccountable,) = [i for i in look.items if i.kind == "accountability-ends"]
    assert unaccountable.detail == {"gapDays": 4, "nextStart": "2027-03-05"}


def test_monthly_from_31_january_falls_on_28_february(fixture_store) -> None:
    look = compute(fixture_store, months=3)
    days = [i.date.isoformat() for i in look.items if local(i.subject.iri) == "obl-monthly"]
    assert days == ["2027-01-31", "2027-02-28", "2027-03-31"]
    rule = Recurrence.of(dt.date(2028, 1, 31), FREQUENCY + "monthly")
    assert rule.between(dt.date(2028, 1, 1), dt.date(2028, 3, 31)) == [
        dt.date(2028, 1, 31), dt.date(2028, 2, 29), dt.date(2028, 3, 31)]
    quarter_end = Recurrence.of(dt.date(2026, 9, 30), FREQUENCY + "quarterly")
    assert quarter_end.between(dt.date(2026, 9, 1), dt.date(2027, 6, 30)) == [
        dt.date(2026, 9, 30), dt.date(2026, 12, 31), dt.date(2027, 3, 31), dt.date(2027, 6, 30)]


def test_a_waived_obligation_never_appears(fixture_store) -> None:
    for months in (3, 6):
        assert "obl-waived" not in {local(i.subject.iri) for i in compute(fixture_store, months=months).items}
    assert b"Waived deliverable" not in feed(fixture_store, lambda iri: iri)


def test_risks_latest_statement_wins(fixture_store) -> None:
    risks = [i for i in compute(fixture_store, months=6).items if i.kind == "risk"]
    assert [(local(i.subject.iri), i.severity) for i in risks] == [("risk-budget", "medium"),
                                                                  ("risk-supplier-exit", "high")]
    assert "December forecast" in risks[1].why


def test_agrees_with_the_validation_report(fixture_store) -> None:
    """Overdue obligations are the obligations-overdue view; a late report, the forecast falling
    short and a role left vacant in the horizon are the report's own findings (the same
    fingerprints), and every such finding in the horizon is an item."""
    from comgraph.queries import Catalogue
    from comgraph.validate import validate

    report = validate(fixture_store, as_of=AS_OF.isoformat())
    look = compute(fixture_store, months=6)
    item_of = {"forecast-coverage": FORECAST_CURRENT, "report-overdue": REPORT_FREQUENCY,
               "role-vacant": ROLE_HELD, "accountability-ends": ONE_ACCOUNTABLE}
    judged = {(item_of[i.kind], i.finding) for i in look.items if i.kind in item_of}
    found = set()
    for r in report.active():
        if r.checklist_item in (FORECAST_CURRENT, REPORT_FREQUENCY):
            found.add((r.checklist_item, r.fingerprint))
        elif r.checklist_item in (ROLE_HELD, ONE_ACCOUNTABLE):
            starts = dt.date.fromisoformat(r.value.value[:10])
            if look.as_of < starts <= look.until + dt.timedelta(days=1):
                found.add((r.checklist_item, r.fingerprint))
    assert judged == found and len(found) == 4
    (coverage,) = [i for i in look.items if i.kind == "forecast-coverage"]
    assert "December forecast" in coverage.why and "2027-03-31" in coverage.why
    overdue = Catalogue().get("obligations-overdue").run(fixture_store)
    assert {r["obligation"].value for r in overdue} == {
        i.subject.iri for i in look.items if i.kind == "obligation-overdue"}


def test_demo_overdue_and_forecast_agree_with_its_report() -> None:
    from comgraph.cli_common import demo_sources
    from comgraph.validate import validate

    with open_store("oxigraph:") as store:
        store.load(expand_data_paths(demo_sources()))
        report = validate(store)
        look = compute(store, months=6)
        assert look.as_of == dt.date(2026, 6, 30)
        assert not [r for r in report.active() if r.checklist_item == FORECAST_CURRENT]
        assert not [i for i in look.items if i.kind in ("forecast-coverage", "report-overdue")]
        assert {local(i.subject.iri) for i in look.items if i.kind == "obligation-overdue"} == {
            "https://example.org/retail-it/obl-security-remediation",
            "https://example.org/retail-it/obl-pos-refresh-plan"}
        # What obligations-due lists for the same six months is what the look-ahead says falls due
        # (the look-ahead adds the later occurrences of the recurring ones).
        from comgraph.queries import Catalogue

        due = list(Catalogue().get("obligations-due").run(store))
        listed = {i.subject.iri: i for i in look.items if i.kind == "obligation-due"}
        assert {r["obligation"].value for r in due} == set(listed)
        once = {r["obligation"].value: r["dueDate"].value for r in due if r["frequency"] is None}
        assert once == {iri: i.date.isoformat() for iri, i in listed.items() if iri in once}


def test_calendar_feed_parses_and_expands_to_the_look_ahead_dates(fixture_store) -> None:
    body = feed(fixture_store, lambda iri: "http://comgraph.test/resource?iri=" + iri)
    cal = icalendar.Calendar.from_ical(body)
    events = list(cal.walk("VEVENT"))
    assert len({str(e["UID"]) for e in events}) == len(events)
    assert feed(fixture_store, lambda iri: "http://comgraph.test/resource?iri=" + iri) == body  # stable
    look = compute(fixture_store, months=6)
    expected = sorted(i.date for i in look.items if i.kind == "obligation-due")
    expanded = recurring_ical_events.of(cal).between(look.as_of, look.until + dt.timedelta(days=1))
    monthly = sorted(e["DTSTART"].dt for e in expanded if str(e["SUMMARY"]) == "Due: Monthly report")
    assert monthly == expected
    (monthly_event,) = [e for e in events if str(e["SUMMARY"]) == "Due: Monthly report"]
    assert monthly_event["RRULE"]["FREQ"] == ["MONTHLY"]
    assert str(monthly_event["URL"]) == "http://comgraph.test/resource?iri=" + LA + "obl-monthly"
    kinds = {str(e["SUMMARY"]).split(":")[0] for e in events}
    assert kinds == {"Due", "Audit due", "Report due", "Ends"}
    ends = {str(e["SUMMARY"]) for e in events if str(e["SUMMARY"]).startswith("Ends")}
    assert "Ends: Ending licence" in ends


def test_calendar_filters(fixture_store) -> None:
    only_equity = icalendar.Calendar.from_ical(feed(fixture_store, str, process="equity"))
    assert {str(e["SUMMARY"]) for e in only_equity.walk("VEVENT")} == {
        "Ends: Ending licence", "Ends: Renewed licence", "Ends: Renewal licence",
        "Ends: Services agreement"}  # an agreement with no cg:process counts as equity
    audited = icalendar.Calendar.from_ical(feed(fixture_store, str, stakeholder=LA + "provider"))
    nobody = icalendar.Calendar.from_ical(feed(fixture_store, str, stakeholder=LA + "nobody"))
    assert "Audit due: Provider" in {str(e["SUMMARY"]) for e in audited.walk("VEVENT")}
    assert list(nobody.walk("VEVENT")) == []


def test_cli(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["lookahead", "--data", str(FIXTURE), "--months", "3", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [(i["date"], i["kind"], local(i["subject"])) for i in data["items"]] == [
        i for i in SIX_MONTHS if i[0] <= "2027-04-15"]
    for fmt in ("text", "markdown", "csv"):
        result = runner.invoke(main, ["lookahead", "--data", str(FIXTURE), "--format", fmt])
        assert result.exit_code == 0 and "Ending licence" in result.output
    result = runner.invoke(main, ["lookahead", "--data", str(FIXTURE), "--months", "7"])
    assert result.exit_code == 2
    result = runner.invoke(main, ["lookahead", "--data", str(FIXTURE), "--as-of", "2027-02-30"])
    assert result.exit_code == 2
    out = tmp_path / "feed.ics"
    result = runner.invoke(main, ["calendar", "--data", str(FIXTURE), "-o", str(out),
                                  "--base-url", "http://localhost:5000"])
    assert result.exit_code == 0, result.output
    cal = icalendar.Calendar.from_ical(out.read_bytes())
    assert all(str(e["URL"]).startswith("http://localhost:5000/resource?iri=") for e in cal.walk("VEVENT"))


def test_pages(fixture_store) -> None:
    from comgraph.app import create_app

    client = create_app({"STORE": fixture_store, "TESTING": True}).test_client()
    data = client.get("/lookahead.json?months=6").get_json()
    assert [(i["date"], i["kind"], local(i["subject"])) for i in data["items"]] == SIX_MONTHS
    coverage = next(i for i in data["items"] if i["kind"] == "forecast-coverage")
    assert coverage["findingHref"].startswith("/checklist?as_of=2027-01-15#finding-")
    assert all(e["href"].startswith(("/r/", "/resource?iri=")) for i in data["items"] for e in i["evidence"])
    csv_text = client.get("/lookahead.csv?months=3").get_data(as_text=True)
    assert csv_text.splitlines()[0].startswith("date,severity,kind")
    assert "lic-ending" not in csv_text
    page = client.get("/lookahead").get_data(as_text=True)
    assert "Ending licence" in page and "Contract manager falls vacant" in page
    assert client.get("/lookahead?months=2").status_code == 400
    home = client.get("/").get_data(as_text=True)
    assert "Next 6 months" in home and "Ending licence" in home
    ics = client.get("/calendar.ics?process=equity")
    assert ics.mimetype == "text/calendar"
    events = list(icalendar.Calendar.from_ical(ics.data).walk("VEVENT"))
    assert all(str(e["URL"]).startswith("http://localhost/") for e in events)
    assert client.get("/calendar.ics?process=nope").status_code == 400
    provider = client.get("/calendar.ics", query_string={"stakeholder": LA + "provider"})
    assert provider.status_code == 200 and b"Audit due: Provider" in provider.data
    nobody = client.get("/calendar.ics", query_string={"stakeholder": LA + "nobody"})
    assert nobody.status_code == 200 and b"BEGIN:VEVENT" not in nobody.data


def test_same_items_on_a_real_oxigraph_server(oxigraph_server, fixture_store) -> None:
    oxigraph_server.clear()
    with open_store(oxigraph_server.store_url) as remote:
        remote.load(expand_data_paths([str(FIXTURE), str(VOCAB)]))
        for months in (3, 6):
            assert compute(remote, months=months).to_json() == compute(fixture_store, months=months).to_json()
        assert feed(remote, str) == feed(fixture_store, str)
