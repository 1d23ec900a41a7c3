"""One truth on every page (issue 13): on data/demo-defects, every mark the RACI grid, the process
pages and the home page show is a finding of the validation report for the same data and date,
and every finding of the report is marked where it belongs. Read through the pages' .json twins;
the twins' formats are checked here too."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from pathlib import Path

import pytest
from comgraph.app import create_app
from flask.testing import FlaskClient

from comgraph.queries import PROCESSES
from comgraph.store import Store, open_store
from comgraph.validate import validate
from tests.views_support import EX

DEFECTS = Path(__file__).resolve().parent.parent / "data" / "demo-defects"
CG = "https://w3id.org/comgraph/ns#"
CHK = "https://w3id.org/comgraph/vocab/checklist/"


@pytest.fixture(scope="module")
def store() -> Store:
    s = open_store("oxigraph:")
    s.load(sorted(DEFECTS.glob("*.ttl")))
    return s


@pytest.fixture(scope="module")
def client(store: Store) -> FlaskClient:
    return create_app({"STORE": store, "TESTING": True}).test_client()


@pytest.fixture(scope="module")
def report_by_item() -> dict[str, set[str]]:
    """What `comgraph validate data/demo-defects` finds, as {checklist item: focus nodes}."""
    report = validate([DEFECTS])
    found: dict[str, set[str]] = defaultdict(set)
    for result in report.active():
        assert result.checklist_item, result  # every demo shape enforces an item
        found[result.checklist_item].add(result.focus.value)
    return dict(found)


def by_item(flags) -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for flag in flags:
        found[flag["item"]].add(flag["focus"])
    return dict(found)


def test_the_report_has_findings_on_every_process(report_by_item: dict[str, set[str]]) -> None:
    """The comparisons below are about something: 18 defects over 17 items."""
    assert len(report_by_item) == 17
    assert report_by_item[CHK + "responsibility-one-accountable"] == {EX + "resp-service-review"}


def test_the_raci_grid_marks_exactly_the_reports_findings_on_responsibilities_and_assignments(
        client: FlaskClient, store: Store, report_by_item: dict[str, set[str]]) -> None:
    on_the_grid = {r["x"].value for r in store.select(
        f"SELECT ?x WHERE {{ {{ ?x a <{CG}Responsibility> }} UNION "
        f"{{ ?x a <{CG}ResponsibilityAssignment> }} }}")}
    expected = {item: focus & on_the_grid for item, focus in report_by_item.items() if focus & on_the_grid}
    grid = client.get("/raci.json").json
    marks = [f for row in grid["rows"]
             for f in row["flags"] + [m for ms in row["cells"].values() for m in ms]]
    assert by_item(marks) == expected
    assert set(expected) == {CHK + "responsibility-one-accountable", CHK + "responsibility-has-responsible",
                             CHK + "assignee-is-member"}
    rows = {r["responsibility"]: r for r in grid["rows"]}
    # Two Accountable parties at once (January to March 2026): the row, and both parties' cells.
    review = rows[EX + "resp-service-review"]
    assert {f["notation"] for f in review["flags"]} == {"INT-06"}
    assert set(review["cells"]) == {EX + "atlas-it", EX + "nw-smo"}
    assert review["letters"][EX + "atlas-it"] == "RA"  # the letters are the as-of date's
    # Nobody Responsible: the row.
    assert [f["notation"] for f in rows[EX + "resp-hosting-operations"]["flags"]] == ["INT-07"]
    # A party that is not a member: its cell.
    strategy = rows[EX + "resp-strategy-review"]
    assert strategy["flags"] == []
    assert [f["notation"] for f in strategy["cells"][EX + "kestrel-assurance"]] == ["INT-10"]
    assert all(f["href"].startswith("/checklist?as_of=2026-06-30#finding-") for f in marks)


def test_the_process_pages_list_exactly_the_reports_findings(
        client: FlaskClient, report_by_item: dict[str, set[str]]) -> None:
    listed = []
    for process in PROCESSES:
        page = client.get(f"/process/{process}.json").json
        for item in page["checklist"]["items"]:
            assert all(f["item"] == item["item"] for f in item["findings"])
            listed += item["findings"]
            assert (item["status"] in ("fails", "warns")) == bool(item["findings"]), item["notation"]
    assert by_item(listed) == report_by_item


def test_the_home_page_flags_exactly_the_reports_findings_and_names_every_reason(
        client: FlaskClient, report_by_item: dict[str, set[str]]) -> None:
    health = client.get("/index.json").json
    assert health["as_of"] == "2026-06-30" and health["error"] is None
    checklist_reasons = [r for c in health["cards"] for r in c["reasons"] if r["kind"] == "checklist"]
    assert by_item([f for r in checklist_reasons for f in r["findings"]]) == report_by_item
    for card in health["cards"]:
        reasons = card["reasons"]
        red = any(r["status"] in ("fails", "overdue") for r in reasons)
        assert card["status"] == ("failing" if red else "warning" if reasons else "passing"), card["process"]
        assert all(r["href"].startswith(f"/process/{card['process']}?as_of=2026-06-30#") for r in reasons)
        # An overdue obligation that turns a card red is one its process page lists.
        page = client.get(f"/process/{card['process']}.json").json
        overdue = [f["focus"] for r in reasons if r["kind"] == "overdue" for f in r["findings"]]
        assert overdue == [o["obligation"] for o in page["overdue"]], card["process"]
    audit = next(c for c in health["cards"] if c["process"] == "audit")
    assert [f["focus"] for r in audit["reasons"] if r["kind"] == "overdue" for f in r["findings"]] == [
        EX + "obl-security-remediation"]


def test_a_stakeholder_page_lists_the_findings_on_it_and_on_what_names_it(client: FlaskClient) -> None:
    kestrel = client.get("/stakeholder.json", query_string={"iri": EX + "kestrel-assurance"}).json
    assert [(f["notation"], f["focus"]) for f in kestrel["findings"]] == [
        ("INT-10", EX + "ra-strategy-review-i-regional-fund")]
    fund = client.get("/stakeholder.json", query_string={"iri": EX + "regional-fund"}).json
    assert [(f["notation"], f["focus"]) for f in fund["findings"]] == [
        ("AUD-03", EX + "target-regional-fund-va")]
    page = client.get("/stakeholder", query_string={"iri": EX + "kestrel-assurance"}).data.decode()
    assert kestrel["findings"][0]["href"].replace("&", "&amp;") in page


def test_the_pages_no_longer_contradict_the_report(client: FlaskClient) -> None:
    raci = client.get("/raci").data.decode()
    assert "has no finding" not in raci
    assert "Every responsibility has exactly one accountable party" not in raci
    assert 'class="badge flag severity-violation" href="/checklist?as_of=2026-06-30#finding-' in raci
    integration = client.get("/process/integration").data.decode()
    # INT-06 fails, and the view beside it reads the same term and finds the same responsibility.
    assert 'id="item-INT-06" class="status-fails"' in integration
    assert ("Responsibilities without exactly one accountable party</a>, "
            "from 2025-07-01 to 2030-06-30: 1") in integration
    assert "Vacant roles and roles held twice</a>, from 2025-07-01 to 2030-06-30: 2" in integration
    checklist = client.get("/checklist").data.decode()
    for flag in client.get("/raci.json").json["flags"]:
        assert f'id="finding-{flag["fingerprint"]}"' in checklist


def test_the_sound_demo_has_no_marks_on_the_raci_grid() -> None:
    from tests.views_support import demo_app

    grid = demo_app().test_client().get("/raci.json").json
    assert grid["flagged"] == 0 and grid["flags"] == [] and grid["rows"]
    assert "has no finding on these responsibilities" in demo_app().test_client().get("/raci").data.decode()


# -- the twins ---------------------------------------------------------------------------------

ATLAS = EX + "atlas-it"


def csv_rows(response) -> list[dict[str, str]]:
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    return list(csv.DictReader(io.StringIO(response.data.decode())))


def test_the_home_twins(client: FlaskClient) -> None:
    as_json = client.get("/index.json")
    assert as_json.mimetype == "application/json"
    equity = next(c for c in as_json.json["cards"] if c["process"] == "equity")
    assert [r["notation"] for r in equity["reasons"]] == ["EQU-01", "EQU-03", "EQU-06"]
    rows = csv_rows(client.get("/index.csv"))
    assert {"process": "equity", "status": "failing", "reason": "EQU-03", "severity": "Violation",
            "focus": EX + "billing-service-fee"}.items() <= next(
        r for r in rows if r["reason"] == "EQU-03").items()
    assert client.get("/", headers={"Accept": "application/json"}).json == as_json.json


def test_the_raci_twins(client: FlaskClient) -> None:
    assert client.get("/raci.json").mimetype == "application/json"
    rows = csv_rows(client.get("/raci.csv"))
    kestrel = next(r for r in rows if r["party"] == EX + "kestrel-assurance")
    assert (kestrel["responsibilityLabel"], kestrel["letters"], kestrel["items"]) == (
        "Annual strategy review", "I", "INT-10")
    no_r = next(r for r in rows if r["responsibility"] == EX + "resp-hosting-operations" and not r["party"])
    assert no_r["items"] == "INT-07"
    assert client.get("/raci", headers={"Accept": "text/csv"}).data == client.get("/raci.csv").data


def test_the_process_twins(client: FlaskClient) -> None:
    page = client.get("/process/integration.json")
    assert page.mimetype == "application/json"
    views = {v["name"]: v for v in page.json["views"]}
    [row] = views["responsibilities-without-one-accountable"]["rows"]
    assert (row["responsibility"], row["fromDate"], row["problem"]) == (
        EX + "resp-service-review", "2026-01-01", "2 accountable parties")
    assert views["raci-matrix"]["period"] == "as of 2026-06-30: only assignments current on this date"
    rows = csv_rows(client.get("/process/integration.csv"))
    gap = next(r for r in rows if r["notation"] == "INT-04" and r["severity"] == "Violation")
    assert (gap["status"], gap["focus"]) == ("fails", EX + "role-service-delivery-manager")
    assert client.get("/process/integration.xml").status_code == 404


def test_the_stakeholder_twins(client: FlaskClient) -> None:
    listing = client.get("/stakeholders.json")
    assert listing.mimetype == "application/json"
    atlas = next(s for s in listing.json["stakeholders"] if s["iri"] == ATLAS)
    assert atlas["label"] == "Atlas IT Services Ltd"
    listed = csv_rows(client.get("/stakeholders.csv"))
    assert any(r["stakeholder"] == ATLAS and r["current"] == "true" for r in listed)
    one = client.get("/stakeholder.json", query_string={"iri": ATLAS})
    assert one.mimetype == "application/json" and one.json["label"] == "Atlas IT Services Ltd"
    owes = next(s for s in one.json["sections"] if s["heading"] == "Obligations it owes")
    assert any(r["obligationLabel"] == "Monthly service report" for r in owes["rows"])
    rows = csv_rows(client.get("/stakeholder.csv", query_string={"iri": ATLAS}))
    assert {"section": "Obligations it owes", "view": "obligations-by-party", "column": "obligationLabel",
            "value": "Monthly service report"}.items() <= next(
        r for r in rows if r["value"] == "Monthly service report").items()


def test_the_scorecard_and_network_twins(client: FlaskClient) -> None:
    score = client.get("/scorecard.json")
    assert score.mimetype == "application/json"
    assert any(s["stakeholder"] == ATLAS and s["points"] for s in score.json["series"])
    rows = csv_rows(client.get("/scorecard.csv"))
    fieldfix = [r for r in rows if r["stakeholderLabel"] == "FieldFix Engineering Ltd"
                and r["metricLabel"] == "Stakeholder satisfaction score"
                and r["measurementDate"] == "2026-06-30"]
    assert [(r["value"], r["met"]) for r in fieldfix] == [("73.0", "false")]
    net = client.get("/network.json")
    assert net.mimetype == "application/json" and any(n["iri"] == ATLAS for n in net.json["nodes"])
    ties = csv_rows(client.get("/network.csv"))
    assert any(t["party"] == ATLAS and t["relation"] for t in ties)


def test_the_checklist_twins(client: FlaskClient) -> None:
    items = {i["notation"]: i for i in client.get("/checklist.json").json["items"]}
    assert items["INT-06"]["findings"][0]["fingerprint"] and items["INT-06"]["status"] == "fails"
    rows = {r["notation"]: r for r in csv_rows(client.get("/checklist.csv"))}
    assert (rows["INT-06"]["status"], rows["INT-06"]["violations"]) == ("fails", "2")


def test_the_period_views_take_from_and_to_on_the_web(client: FlaskClient) -> None:
    url = "/views/roles-vacant-or-double-held.json"
    default = client.get(url).json["results"]["bindings"]
    assert [(b["role"]["value"], b["fromDate"]["value"], b["periodEnd"]["value"]) for b in default] == [
        (EX + "role-service-delivery-manager", "2026-04-01", "2026-06-30")]
    whole = client.get(url, query_string={"to": "2030-06-30"}).json["results"]["bindings"]
    assert {(b["role"]["value"], b["fromDate"]["value"]) for b in whole} == {
        (EX + "role-service-delivery-manager", "2026-04-01"), (EX + "role-audit-lead", "2030-06-21")}
    # A period that starts inside the gap reports it from its own first day.
    late = client.get(url, query_string={"from": "2026-05-01"}).json["results"]["bindings"]
    assert [(b["fromDate"]["value"], b["periodStart"]["value"]) for b in late] == [
        ("2026-05-01", "2026-05-01")]
    bad = client.get(url, query_string={"from": "May"})
    assert bad.status_code == 400 and bad.json["parameter"] == "from"
    form = client.get("/views/responsibilities-without-one-accountable").data.decode()
    assert 'name="from" type="date"' in form and 'name="to" type="date"' in form


def test_a_responsibility_with_nobody_accountable_is_marked_from_the_report() -> None:
    from tests.views_support import demo_store

    store = demo_store()
    store.update(f"DELETE WHERE {{ <{EX}ra-strategy-review-a-nw-exec> ?p ?o }}")
    client = create_app({"STORE": store, "TESTING": True}).test_client()
    grid = client.get("/raci.json").json
    row = next(r for r in grid["rows"] if r["responsibility"] == EX + "resp-strategy-review")
    assert [f["notation"] for f in row["flags"]] == ["INT-06"]
    assert "Nobody is Accountable" in row["flags"][0]["message"]
    assert "A" not in "".join(row["letters"].values())
