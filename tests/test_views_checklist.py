"""The checklist assessment: validation findings per checklist item and per process, on the pages."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from comgraph.app import create_app
from flask.testing import FlaskClient

from tests.views_support import demo_store

SHAPES = Path(__file__).parent / "data" / "views" / "shapes"
DEFECTS = """
ex:ra-extra a cg:ResponsibilityAssignment ; cg:responsibility ex:resp-strategy-review ;
    cg:party ex:atlas-it ; cg:raci cgraci:accountable ; cg:startDate "2026-01-01"^^xsd:date .
ex:obl-loose a cg:Obligation ; rdfs:label "A loose promise" ; cg:obligor ex:atlas-it ;
    cg:dueDate "2026-08-01"^^xsd:date ; cg:process cgp:equity .
"""


def client(extra: str | None = None) -> FlaskClient:
    return create_app({"STORE": demo_store(extra), "TESTING": True, "SHAPES_DIR": str(SHAPES)}).test_client()


def by_notation(response) -> dict[str, dict]:
    return {i["notation"]: i for i in response.json["items"]}


def test_the_sound_demo_passes_every_checked_item_and_says_which_are_not_checked() -> None:
    items = by_notation(client().get("/checklist.json"))
    assert len(items) == 41
    assert {n: items[n]["status"] for n in ("EQU-05", "INT-06")} == {"EQU-05": "passes", "INT-06": "passes"}
    assert items["FBK-03"]["status"] == "passes"
    assert items["AUD-01"]["status"] == "not checked"


def test_each_defect_fails_its_checklist_item_and_names_the_focus_node() -> None:
    response = client(DEFECTS).get("/checklist.json")
    items = by_notation(response)
    assert response.json["as_of"] == "2026-06-30"
    assert items["INT-06"]["status"] == "fails" and items["INT-06"]["violations"] == 1
    assert items["INT-06"]["findings"][0]["focus"] == "https://example.org/retail-it/resp-strategy-review"
    assert items["EQU-05"]["status"] == "fails"
    assert items["EQU-05"]["findings"][0]["focus_label"] == "A loose promise"
    assert items["EQU-05"]["process"] == "equity"
    early = by_notation(client(DEFECTS).get("/checklist.json", query_string={"as_of": "2025-12-31"}))
    assert early["INT-06"]["status"] == "passes"  # the second accountable party starts in 2026


def test_a_warning_only_item_warns() -> None:
    unowned = 'ex:lesson-x a cg:LessonLearned ; rdfs:label "Unowned" .'
    items = by_notation(client(unowned).get("/checklist.json"))
    assert items["FBK-03"]["status"] == "warns" and items["FBK-03"]["warnings"] == 1


def test_the_page_and_csv_count_items_per_process() -> None:
    c = client(DEFECTS)
    page = c.get("/checklist").data.decode()
    assert 'id="INT-06" class="status-fails"' in page
    assert "More than one party is accountable for this responsibility." in page
    rows = list(csv.DictReader(io.StringIO(c.get("/checklist.csv").data.decode())))
    assert {r["notation"]: r["status"] for r in rows}["EQU-05"] == "fails"
    assert c.get("/checklist", headers={"Accept": "text/csv"}).data == c.get("/checklist.csv").data


def test_home_and_process_pages_show_failing_items_and_open_violations() -> None:
    c = client(DEFECTS)
    home = c.get("/").data.decode()
    assert "Checklist items failing" in home
    equity = c.get("/process/equity").data.decode()
    assert "EQU-05" in equity and "This obligation does not say to whom it is owed." in equity


def test_without_shapes_the_checklist_says_validation_did_not_run() -> None:
    app = create_app({"STORE": demo_store(), "TESTING": True, "SHAPES_DIR": str(SHAPES.parent / "none")})
    response = app.test_client().get("/checklist.json")
    assert response.status_code == 200 and "no SHACL shapes" in (response.json["error"] or "")
    assert {i["status"] for i in response.json["items"]} == {"not checked"}
