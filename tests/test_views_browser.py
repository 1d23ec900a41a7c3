"""The views in a real browser: headless Debian Chromium driven by Playwright.

Each test saves a screenshot under tests/artifacts/ (git-ignored) so a person can look at what
the pages show.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from tests.views_support import EX, demo_app

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parent / "artifacts"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

if not Path(CHROMIUM).exists() and not os.environ.get("CI"):
    pytest.skip("Debian chromium is not installed (make chromium installs it)", allow_module_level=True)



@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    """The app on the demo, served on a free port of 127.0.0.1 for the module's tests."""
    server = make_server("127.0.0.1", 0, demo_app(), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    tab = context.new_page()
    yield tab
    context.close()


def shot(page: object, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_home_opens_with_the_health_of_each_process(page: object, base_url: str) -> None:
    page.goto(base_url + "/")
    shot(page, "home")
    assert page.title() == "comgraph"
    for process in ("Strategy", "Membership", "Integration", "Equity", "Audit", "Feedback"):
        assert page.locator("section.health article h2", has_text=process).count() == 1
    assert page.locator("text=Overdue obligations").first.is_visible()


def test_the_raci_matrix_shows_the_demo_letters(page: object, base_url: str) -> None:
    page.goto(base_url + "/raci")
    shot(page, "raci")
    headers = [h.strip() for h in page.locator("table#raci thead th").all_inner_texts()]
    row = page.locator("table#raci tbody tr", has=page.locator("th", has_text="Annual strategy review"))
    letters = [c.strip() for c in row.locator("td").all_inner_texts()]
    cells = dict(zip(headers[1:], letters, strict=True))
    assert cells["Northwind Executive Committee"] == "A"
    assert cells["Northwind Supplier Management Office"] == "R"
    assert cells["Atlas IT Services Ltd"] == "C"
    assert cells["Regional Digital Transformation Fund"] == "I"
    assert page.locator("table#raci tr.flagged").count() == 0


def test_a_parameter_form_is_filled_in_and_submitted(page: object, base_url: str) -> None:
    page.goto(base_url + "/views/obligations-due")
    before = page.locator("table#results tbody tr").count()
    page.get_by_label("Months ahead").fill("1")
    page.get_by_label("Owed by").select_option(label="Atlas IT Services Ltd")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/views/obligations-due?*")
    shot(page, "obligations-due-form")
    assert "months=1" in page.url and "owed_by=https%3A%2F%2Fexample.org%2Fretail-it%2Fatlas-it" in page.url
    rows = page.locator("table#results tbody tr")
    assert before > 1 and rows.count() == 1
    assert "Monthly service report" in rows.first.inner_text()


def test_the_csv_download_holds_the_rows(page: object, base_url: str) -> None:
    page.goto(base_url + "/views/obligations-overdue")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    saved = ARTIFACTS / "obligations-overdue.csv"
    ARTIFACTS.mkdir(exist_ok=True)
    download.value.save_as(saved)
    assert download.value.suggested_filename == "obligations-overdue.csv"
    lines = saved.read_text(encoding="utf-8").strip().splitlines()
    assert lines[0].startswith("obligation,obligationLabel,obligor,obligorLabel")
    assert len(lines) == 3
    assert "Atlas IT Services Ltd" in lines[1] and "2026-04-30" in lines[1]
    assert "FieldFix Engineering Ltd" in lines[2] and "2026-05-31" in lines[2]
    assert all(line.startswith(EX) for line in lines[1:])


def test_a_stakeholder_page_opens_from_the_list(page: object, base_url: str) -> None:
    page.goto(base_url + "/stakeholders")
    page.get_by_role("link", name="Atlas IT Services Ltd").first.click()
    page.wait_for_url(re.compile(r"/stakeholder\?iri="))
    shot(page, "stakeholder-atlas-it")
    assert page.locator("h1").inner_text() == "Atlas IT Services Ltd"
    for heading in ("Roles and responsibilities, now and in the past", "Obligations it owes",
                    "Obligations owed to it", "Targets against measurements", "Ownership and licences"):
        assert page.get_by_role("heading", name=heading).count() == 1
    owes = page.locator("section", has=page.get_by_role("heading", name="Obligations it owes"))
    assert "Monthly service report" in owes.inner_text()


def test_the_scorecard_and_network_draw_svg(page: object, base_url: str) -> None:
    page.goto(base_url + "/scorecard")
    shot(page, "scorecard")
    assert page.locator("figure.chart svg").count() >= 4 * 6
    assert page.locator("svg circle.missed").count() > 0
    page.goto(base_url + "/network")
    shot(page, "network")
    assert page.locator("svg g.node").count() >= 8
    assert page.locator("svg g.edge").count() >= 5
