"""The views in a real browser: Debian's headless Chromium, driven by Selenium through ChromeDriver.

Each test saves a screenshot under tests/artifacts/ (git-ignored) so a person can look at what
the pages show.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser import ARTIFACTS, chromium
from tests.readiness import serving_app
from tests.views_support import EX, demo_app


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    """The app on the demo, served on a free port of 127.0.0.1 for this module's tests."""
    with serving_app(demo_app()) as base:
        yield base


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(downloads: Path) -> Iterator[object]:
    driver = chromium(downloads)
    try:
        yield driver
    finally:
        driver.quit()


def shot(driver: object, name: str) -> None:
    """A full-page screenshot: the window is stretched to the page's height first."""
    ARTIFACTS.mkdir(exist_ok=True)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1280, min(max(int(height), 800), 6000))
    driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))
    driver.set_window_size(1280, 1000)


def by_css(driver: object, selector: str) -> list:
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, selector)


def test_home_opens_with_the_health_of_each_process(browser: object, base_url: str) -> None:
    browser.get(base_url + "/")
    shot(browser, "home")
    assert browser.title == "comgraph"
    titles = [h.text for h in by_css(browser, "section.health article h2")]
    assert titles == ["Strategy", "Membership", "Integration", "Equity", "Audit", "Feedback"]
    assert by_css(browser, "table.scores tbody tr")


def test_the_raci_matrix_shows_the_demo_letters(browser: object, base_url: str) -> None:
    browser.get(base_url + "/raci")
    shot(browser, "raci")
    headers = [h.get_attribute("textContent").strip() for h in by_css(browser, "table#raci thead th")]
    row = next(r for r in by_css(browser, "table#raci tbody tr")
               if r.get_attribute("textContent").strip().startswith("Annual strategy review"))
    from selenium.webdriver.common.by import By

    letters = [c.text.strip() for c in row.find_elements(By.CSS_SELECTOR, "td")]
    cells = dict(zip(headers[1:], letters, strict=True))
    assert cells["Northwind Executive Committee"] == "A"
    assert cells["Northwind Supplier Management Office"] == "R"
    assert cells["Atlas IT Services Ltd"] == "C"
    assert cells["Regional Digital Transformation Fund"] == "I"
    assert by_css(browser, "table#raci tr.flagged") == []


def test_a_parameter_form_is_filled_in_and_submitted(browser: object, base_url: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    browser.get(base_url + "/views/obligations-due")
    before = len(by_css(browser, "table#results tbody tr"))
    label = browser.find_element(By.XPATH, "//label[normalize-space()='Months ahead']")
    months = browser.find_element(By.ID, label.get_attribute("for"))
    months.clear()
    months.send_keys("1")
    owed_by = browser.find_element(By.ID, browser.find_element(
        By.XPATH, "//label[normalize-space()='Owed by']").get_attribute("for"))
    Select(owed_by).select_by_visible_text("Atlas IT Services Ltd")
    browser.find_element(By.XPATH, "//button[normalize-space()='Show']").click()
    WebDriverWait(browser, 10).until(lambda d: "months=1" in d.current_url)
    shot(browser, "obligations-due-form")
    assert "owed_by=https%3A%2F%2Fexample.org%2Fretail-it%2Fatlas-it" in browser.current_url
    rows = by_css(browser, "table#results tbody tr")
    assert before > 1 and len(rows) == 1
    assert "Monthly service report" in rows[0].text


def test_the_csv_download_holds_the_rows(browser: object, base_url: str, downloads: Path) -> None:
    from selenium.webdriver.common.by import By

    browser.get(base_url + "/views/obligations-overdue")
    browser.find_element(By.LINK_TEXT, "Download CSV").click()
    saved = downloads / "obligations-overdue.csv"
    deadline = time.monotonic() + 60  # polled: a loaded box may be slow to save
    while not saved.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    lines = saved.read_text(encoding="utf-8").strip().splitlines()
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(saved, ARTIFACTS / saved.name)
    assert lines[0].startswith("obligation,obligationLabel,obligor,obligorLabel")
    assert len(lines) == 3
    assert "Atlas IT Services Ltd" in lines[1] and "2026-04-30" in lines[1]
    assert "FieldFix Engineering Ltd" in lines[2] and "2026-05-31" in lines[2]
    assert all(line.startswith(EX) for line in lines[1:])


def test_a_stakeholder_page_opens_from_the_list(browser: object, base_url: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(base_url + "/stakeholders")
    browser.find_element(By.LINK_TEXT, "Atlas IT Services Ltd").click()
    WebDriverWait(browser, 10).until(lambda d: "/stakeholder?iri=" in d.current_url)
    shot(browser, "stakeholder-atlas-it")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Atlas IT Services Ltd"
    headings = [h.text for h in by_css(browser, "section h2")]
    for heading in ("Roles and responsibilities, now and in the past", "Obligations it owes",
                    "Obligations owed to it", "Targets against measurements", "Ownership and licences"):
        assert any(h.startswith(heading) for h in headings), heading
    owes = next(s for s in by_css(browser, "section") if s.text.startswith("Obligations it owes"))
    assert "Monthly service report" in owes.text


def test_the_scorecard_and_network_are_drawn(browser: object, base_url: str) -> None:
    """Drawn in the page by Vega-Lite and Cytoscape.js (their own tests measure the drawings:
    tests/test_charts_browser.py, tests/test_network_browser.py)."""
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(base_url + "/scorecard")
    WebDriverWait(browser, 120).until(lambda d: d.execute_script("return document.body.dataset.charts"))
    shot(browser, "scorecard")
    assert len(by_css(browser, "figure.chart .plot svg")) >= 4 * 6
    assert by_css(browser, "p.latest.missed")
    browser.get(base_url + "/network")
    WebDriverWait(browser, 120).until(
        lambda d: d.execute_script("return document.getElementById('network-picture').dataset.drawn"))
    shot(browser, "network")
    assert browser.execute_script("return cy.nodes('.party').length") >= 8
    assert browser.execute_script("return cy.edges().length") >= 5


def test_the_editor_link_opens_the_view_in_the_query_editor(browser: object, base_url: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(base_url + "/views/raci-matrix")
    browser.find_element(By.LINK_TEXT, "Open in the SPARQL editor").click()
    WebDriverWait(browser, 20).until(ec.presence_of_element_located((By.CSS_SELECTOR, ".yasqe .CodeMirror")))
    text = browser.execute_script("return document.querySelector('.CodeMirror').CodeMirror.getValue()")
    shot(browser, "editor-from-view")
    assert text.startswith("# title: RACI matrix") and \
        '?startDate <= "2026-06-30"^^<http://www.w3.org/2001/XMLSchema#date>' in text


def test_no_page_breaks_the_content_security_policy(browser: object, base_url: str) -> None:
    from tests.browser import policy_violations

    policy_violations(browser)  # empty the log of the tests before
    refused = {}
    for path in ("/", "/raci", "/scorecard", "/network", "/stakeholders", "/checklist", "/views",
                 "/views/raci-matrix", "/validation", "/ontology"):
        browser.get(base_url + path)
        found = policy_violations(browser)
        if found:
            refused[path] = found
    assert refused == {}
