"""Dashboards degrade per section: when the store refuses one named query (as Virtuoso's compiler
refuses ``performance-against-target``), the section that needed it says "This section could not
be computed: REASON" in place, every other section shows its rows, and the page is still a 200.
The JSON twin names the failed section in ``failed_sections``; the CSV twin is a 503 when its own
rows came from the failed section. A judgement that depended on what failed is "unknown", never
"all good"."""

from __future__ import annotations

import csv
import io
import json

import pytest
from comgraph.app import create_app
from flask import Flask

from comgraph.queries import Catalogue
from comgraph.store import QueryError, QueryTimeout, Store, StoreError, open_store
from tests.conftest import ROOT
from tests.test_validate_per_shape import SHAPES, ShapeBreakingStore
from tests.views_support import demo_files

DEFECTS = sorted((ROOT / "data" / "demo-defects").glob("*.ttl"))
REFUSED = "query refused by the engine: Virtuoso 37000 Error SP031: SPARQL compiler: alias reused"
EX = "https://example.org/retail-it/"


class RefusingStore(ShapeBreakingStore):
    """The data, with the engine refusing the named queries given (by name) and, optionally, the
    compiled queries of some shapes."""

    def __init__(self, inner: Store, queries: dict[str, StoreError],
                 shapes: dict[str, StoreError] | None = None):
        super().__init__(inner, shapes or {})
        catalogue = Catalogue()
        self.refused = {catalogue.get(name).sparql: error for name, error in queries.items()}

    def query(self, sparql: str, **kwargs):
        if sparql in self.refused:
            raise self.refused[sparql]
        return super().query(sparql, **kwargs)

    def version(self) -> int | None:
        return self.inner.version()


def app_over(files, queries: dict[str, StoreError] | None = None,
             shapes: dict[str, StoreError] | None = None) -> Flask:
    store = open_store("oxigraph:")
    store.load(files)
    wrapped = RefusingStore(store, queries or {}, shapes) if queries or shapes else store
    return create_app({"STORE": wrapped, "TESTING": True})


@pytest.fixture(scope="module")
def normal():
    return app_over(DEFECTS).test_client()


@pytest.fixture(scope="module")
def no_scores():
    """demo-defects with ``performance-against-target`` refused, as Virtuoso refuses it."""
    return app_over(DEFECTS, {"performance-against-target": QueryError(REFUSED)}).test_client()


def section_error(page: str, section: str) -> str:
    marker = f'data-section="{section}">'
    assert marker in page, f"no error in place for section {section}"
    return page.split(marker, 1)[1].split("</p>", 1)[0]


def test_a_refused_query_on_the_home_page_fails_only_its_section(no_scores, normal):
    response = no_scores.get("/")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert section_error(page, "scores") == f"This section could not be computed: {REFUSED}"
    assert "No targets yet." not in page  # a failed section does not read as empty
    # The other sections show their rows: the relationship, the health cards, the store.
    assert "stakeholders," in page and 'class="lead"' in page
    assert '<article class="failing" data-process="integration">' in page
    assert "<th scope=\"row\">Triples</th>" in page
    assert response.headers["X-Comgraph-Failed-Sections"].split(", ")[0] == "scores"

    health = no_scores.get("/index.json")
    assert health.status_code == 200
    assert health.json["failed_sections"] == []  # the twin holds the cards, which did not need the scores
    expected = normal.get("/index.json").json
    assert health.json["cards"] == expected["cards"]  # the cards do not need the scores
    assert no_scores.get("/index.csv").data == normal.get("/index.csv").data


def test_the_look_ahead_names_the_kind_it_could_not_compute_and_lists_the_rest(no_scores, normal):
    page = no_scores.get("/lookahead")

    assert page.status_code == 200
    assert section_error(page.get_data(as_text=True), "targets") == \
        f"Targets: this section could not be computed: {REFUSED}"
    data = no_scores.get("/lookahead.json").json
    assert data["failed"] == {"targets": REFUSED}
    assert [f["section"] for f in data["failed_sections"]] == ["targets"]
    kinds = {i["kind"] for i in normal.get("/lookahead.json").json["items"]}
    assert "target-missed" in kinds or "target-trend" in kinds  # targets do show when computed
    assert {i["kind"] for i in data["items"]} == kinds - {"target-missed", "target-trend"}
    csv_twin = no_scores.get("/lookahead.csv")
    assert csv_twin.status_code == 503
    assert csv_twin.get_data(as_text=True) == f"this section could not be computed: Targets: {REFUSED}\n"
    # The home page's "Next 6 months" says the same in place.
    assert section_error(no_scores.get("/").get_data(as_text=True), "targets").startswith("Targets")


def test_a_stakeholder_page_keeps_every_section_but_the_refused_one(no_scores, normal):
    iri = EX + "atlas-it"
    response = no_scores.get("/stakeholder", query_string={"iri": iri})

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert section_error(page, "section-5") == f"This section could not be computed: {REFUSED}"
    data = no_scores.get("/stakeholder.json", query_string={"iri": iri}).json
    expected = normal.get("/stakeholder.json", query_string={"iri": iri}).json
    by_heading = {s["heading"]: s for s in data["sections"]}
    assert by_heading["Targets against measurements"]["count"] is None
    assert by_heading["Targets against measurements"]["rows"] is None
    for section in expected["sections"]:
        if section["heading"] != "Targets against measurements":
            assert by_heading[section["heading"]] == section
    assert by_heading["Stakeholder roles"]["count"] > 0
    assert data["findings"] == expected["findings"]
    assert [(f["section"], f["heading"]) for f in data["failed_sections"]] == [
        ("section-5", "Targets against measurements")]
    assert no_scores.get("/stakeholder.csv", query_string={"iri": iri}).status_code == 503


def test_a_process_page_marks_the_refused_view_and_counts_the_others(no_scores, normal):
    response = no_scores.get("/process/audit")

    assert response.status_code == 200
    assert "could not be computed: " + REFUSED in response.get_data(as_text=True)
    views = {v["name"]: v for v in no_scores.get("/process/audit.json").json["views"]}
    expected = {v["name"]: v for v in normal.get("/process/audit.json").json["views"]}
    assert views["performance-against-target"]["count"] is None
    assert views["performance-against-target"]["error"] == REFUSED
    assert {n: v["count"] for n, v in views.items() if n != "performance-against-target"} == \
        {n: v["count"] for n, v in expected.items() if n != "performance-against-target"}
    assert any(v["count"] for n, v in views.items() if n != "performance-against-target")
    # The CSV is the checklist's items, which did not need the view.
    assert no_scores.get("/process/audit.csv").data == normal.get("/process/audit.csv").data


def test_when_overdue_obligations_cannot_be_computed_no_card_reads_as_passing(normal):
    client = app_over(DEFECTS, {"obligations-overdue": QueryTimeout("the query ran past its time limit")}
                      ).test_client()

    health = client.get("/index.json")

    assert health.status_code == 200
    assert health.json["overdue_total"] is None
    assert [f["section"] for f in health.json["failed_sections"]][:1] == ["overdue"]
    before = {c["process"]: c["status"] for c in normal.get("/index.json").json["cards"]}
    after = {c["process"]: c for c in health.json["cards"]}
    for process, status in before.items():
        card = after[process]
        assert card["overdue"] is None
        assert card["status"] == ("failing" if any(r["kind"] == "checklist" and r["status"] == "fails"
                                                   for r in card["reasons"]) else "unknown"), process
        assert status != "passing" or card["status"] == "unknown"
    page = client.get("/").get_data(as_text=True)
    assert "Nothing wrong on" not in page
    assert section_error(page, "overdue").startswith("This section could not be computed: the query ran")
    csv_twin = client.get("/index.csv")
    assert csv_twin.status_code == 503 and csv_twin.headers["Retry-After"] == "1"
    assert csv_twin.get_data(as_text=True).startswith(
        "this section could not be computed: Overdue obligations")


def test_the_raci_grid_without_its_letters_still_marks_the_findings(normal):
    client = app_over(DEFECTS, {"raci-matrix": QueryError(REFUSED)}).test_client()

    response = client.get("/raci")

    assert response.status_code == 200
    assert section_error(response.get_data(as_text=True), "letters") == \
        f"This section could not be computed: {REFUSED}"
    grid = client.get("/raci.json").json
    assert grid["flagged"] is not None and grid["flagged"] > 0
    assert all(not row["letters"] for row in grid["rows"])
    assert [f["section"] for f in grid["failed_sections"]] == ["letters"]
    assert client.get("/raci.csv").status_code == 503


def test_the_pictures_and_the_stakeholder_list_say_what_they_could_not_draw():
    client = app_over(DEFECTS, {"stakeholder-relations": QueryError(REFUSED),
                                "audit-scorecard": QueryError(REFUSED),
                                "stakeholders-and-roles": QueryError(REFUSED)}).test_client()

    network = client.get("/network")
    assert network.status_code == 200
    page = network.get_data(as_text=True)
    assert section_error(page, "ties") == f"This section could not be computed: {REFUSED}"
    assert section_error(page, "members") == f"This section could not be computed: {REFUSED}"
    twin = client.get("/network.json").json
    assert twin["ties"] is None and twin["nodes"] is None
    assert client.get("/network.csv").status_code == 503

    scorecard = client.get("/scorecard")
    assert scorecard.status_code == 200
    assert section_error(scorecard.get_data(as_text=True), "series").endswith(REFUSED)
    assert "No measurements yet." not in scorecard.get_data(as_text=True)
    assert client.get("/scorecard.json").json["series"] is None

    listing = client.get("/stakeholders")
    assert listing.status_code == 200
    assert section_error(listing.get_data(as_text=True), "stakeholders").endswith(REFUSED)
    assert client.get("/stakeholders.json").json["stakeholders"] is None
    assert client.get("/stakeholders.csv").status_code == 503


def test_a_checklist_item_whose_shape_could_not_be_evaluated_is_unknown_never_passing():
    shape = SHAPES + "OwnershipSharesTotalShape"
    client = app_over(demo_files(), shapes={shape: QueryTimeout("the query ran past its time limit")}
                      ).test_client()

    items = {i["iri"].rsplit("/", 1)[-1]: i for i in client.get("/checklist.json").json["items"]}
    item = items["ownership-shares-total"]
    assert item["status"] == "unknown"
    assert "could not be checked" in item["unknown"] and "time limit" in item["unknown"]
    assert {i["status"] for k, i in items.items() if k != "ownership-shares-total"} <= {
        "passes", "warns", "fails", "not checked"}
    rows = {r["item"].rsplit("/", 1)[-1]: r for r in csv.DictReader(io.StringIO(
        client.get("/checklist.csv").get_data(as_text=True)))}
    assert rows["ownership-shares-total"]["status"] == "unknown"

    cards = {c["process"]: c for c in client.get("/index.json").json["cards"]}
    assert cards["equity"]["status"] == "unknown"  # passing on the demo, when every shape runs
    assert [r["kind"] for r in cards["equity"]["reasons"]] == ["unknown"]
    equity = client.get("/").get_data(as_text=True).split('data-process="equity"')[1].split("</article>")[0]
    assert "Nothing wrong on" not in equity and "unknown: could not be computed" in equity

    validation = client.get("/validation")
    assert validation.status_code == 200
    page = validation.get_data(as_text=True)
    assert f'data-shape="{shape}"' in page and "This shape could not be checked" in page
    report = client.get("/validation.json").json
    assert [(f["shape"], f["kind"]) for f in report["failedShapes"]] == [(shape, "timeout")]
    assert report["complete"] is False


def test_comgraph_lookahead_writes_what_it_could_compute_and_exits_2(runner, monkeypatch):
    from contextlib import contextmanager

    store = open_store("oxigraph:")
    store.load(DEFECTS)

    @contextmanager
    def refusing(*args):
        yield RefusingStore(store, {"lookahead-risks": QueryError(REFUSED)})

    monkeypatch.setattr("comgraph.cli.lookahead.open_with_data", refusing)

    result = runner.invoke(args=["lookahead", "--store", "sparql+http://127.0.0.1:9/query",
                                 "--format", "json"])

    assert result.exit_code == 2
    assert result.stderr == f"comgraph: could not compute risks: {REFUSED}\n"
    look = json.loads(result.stdout)
    assert look["failed"] == {"risks": REFUSED}
    kinds = {i["kind"] for i in look["items"]}
    assert "risk" not in kinds and {"obligation-due", "review-due", "audit-due", "target-missed"} <= kinds


def test_a_store_that_cannot_be_reached_is_a_503_for_the_whole_page_not_a_page_of_failed_sections():
    from comgraph.store import StoreUnavailable

    gone = StoreUnavailable("cannot reach http://127.0.0.1:9/query: connection refused")
    app = app_over(DEFECTS, {"stakeholders-and-roles": gone})
    app.config["TESTING"] = False  # errors become answers, as served

    response = app.test_client().get("/stakeholders?as_of=2026-06-30")

    assert response.status_code == 503
    assert response.get_data(as_text=True) == "cannot reach http://127.0.0.1:9/query: connection refused\n"
