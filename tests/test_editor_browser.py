"""The query editor in a real headless Chromium: it loads (bundled YASGUI, no CDN), runs a query
against this service, and shows the result table, all under the service's Content-Security-Policy
with no refusal in the console. On the demo: the starter query declares only the prefixes it
uses, every named-query button opens that query and running it shows its rows, result IRIs link
to the app's pages under their labels, and the page never grows wider than the window.
Screenshots land in tests/artifacts/."""

from __future__ import annotations

import pytest

from comgraph.store import Source, Store
from tests.browser import ARTIFACTS, chromium, policy_violations

TTL = b"""@prefix ex: <http://example.org/> .
ex:acme ex:name "Acme Outsourcing" . ex:globex ex:name "Globex Shared Services" .
"""


@pytest.fixture
def browser():
    driver = chromium()
    try:
        yield driver
    finally:
        driver.quit()


@pytest.mark.parametrize("store", ["embedded"], indirect=True)
def test_the_editor_runs_a_query_and_shows_the_result_table(store: Store, live_service, browser) -> None:
    import requests
    from comgraph.app.ops import CONTENT_SECURITY_POLICY
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    store.load([Source("names.ttl", data=TTL)])
    page = requests.get(f"{live_service}/editor", timeout=30)
    assert page.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    browser.get(f"{live_service}/editor")
    wait = WebDriverWait(browser, 20)
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".yasqe .CodeMirror")))
    browser.execute_script(
        "Yasgui && document.querySelector('.CodeMirror').CodeMirror.setValue(arguments[0]);",
        "SELECT ?who ?name WHERE { ?who <http://example.org/name> ?name } ORDER BY ?name")
    browser.find_element(By.CSS_SELECTOR, ".yasqe_queryButton").click()
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".yasr table tbody tr")))
    cells = [c.text for c in browser.find_elements(By.CSS_SELECTOR, ".yasr table tbody td")]
    assert any("Acme Outsourcing" in c for c in cells)
    assert any("Globex Shared Services" in c for c in cells)
    # Widen the first column: the resizer adds its dragging <style> to the page.
    from selenium.webdriver.common.action_chains import ActionChains

    grip = browser.find_element(By.CSS_SELECTOR, ".yasr .grip-handle .grip-resizable")
    ActionChains(browser).click_and_hold(grip).move_by_offset(40, 0).pause(0.2).perform()
    dragging = browser.execute_script("return [...document.querySelectorAll('style')]"
                                      ".some(s => s.textContent.includes('cursor:col-resize'))")
    ActionChains(browser).release().perform()
    assert dragging
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "editor.png"))
    # Everything the page loaded came from this service: no CDN, no outside request.
    urls = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)")
    assert urls and all(u.startswith(live_service) for u in urls), urls
    # The policy refused nothing the editor needs: loading, typing, running, drawing the table.
    assert policy_violations(browser) == []


# -- the demo in the editor: named queries, names and links, the page's width ------------------

ACTIVE = ".tabPanel.active"
INFO = f"{ACTIVE} .yasr_response_chip"  # YASR's "N results in S seconds"


@pytest.fixture(scope="module")
def demo_service():
    """The app on the demo, served on a free port of 127.0.0.1 for this module's tests."""
    from tests.readiness import serving_app
    from tests.views_support import demo_app

    with serving_app(demo_app()) as url:
        yield url


def _editor_text(browser) -> str:
    return browser.execute_script(f"const cm = document.querySelector('{ACTIVE} .CodeMirror');"
                                  "return cm ? cm.CodeMirror.getValue() : null")


def _rows_expected(service: str, query: str) -> int:
    import requests

    answer = requests.post(f"{service}/sparql", data={"query": query},
                           headers={"Accept": "application/sparql-results+json"}, timeout=60)
    assert answer.status_code == 200, answer.text
    return len(answer.json()["results"]["bindings"])


def _script_errors(browser) -> list[str]:
    """Errors in the console since the last read, but for the browser's own favicon request."""
    return [e["message"] for e in browser.get_log("browser")
            if e["level"] == "SEVERE" and "favicon.ico" not in e["message"]]


def _page_fits(browser) -> tuple[int, int]:
    return tuple(browser.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]"))


def test_the_starter_query_declares_only_the_prefixes_it_uses(demo_service, browser) -> None:
    import json

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{demo_service}/editor")
    editor = (By.CSS_SELECTOR, f"{ACTIVE} .CodeMirror")
    WebDriverWait(browser, 60).until(ec.presence_of_element_located(editor))
    config = json.loads(browser.find_element(By.ID, "editor-config").get_attribute("textContent"))
    text = _editor_text(browser)
    assert text == config["starter"]
    assert [line for line in text.splitlines() if line.startswith("PREFIX")] == [
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>"]
    assert "rdfs:label" in text


def test_each_named_query_button_opens_that_query_and_runs_it(demo_service, browser) -> None:
    import json

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{demo_service}/editor")
    wait = WebDriverWait(browser, 60)
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, f"{ACTIVE} .CodeMirror")))
    config = json.loads(browser.find_element(By.ID, "editor-config").get_attribute("textContent"))
    examples = config["examples"]
    assert len(examples) >= 20
    browser.find_element(By.CSS_SELECTOR, "details.examples summary").click()
    assert _script_errors(browser) == []
    for example in examples:
        button = browser.find_element(By.CSS_SELECTOR, f'button.example[data-name="{example["name"]}"]')
        button.click()
        wait.until(lambda b, q=example["query"]: _editor_text(b) == q)
        assert _editor_text(browser) == example["query"], example["name"]
        expected = _rows_expected(demo_service, example["query"])
        browser.find_element(By.CSS_SELECTOR, f"{ACTIVE} .yasqe_queryButton").click()
        wait.until(lambda b: b.execute_script(
            f"const e = document.querySelector('{INFO}'); return e && /result/.test(e.innerText)"))
        shown = browser.execute_script(f"return document.querySelector('{INFO}').innerText")
        assert shown.startswith(f"{expected} result"), (example["name"], shown, expected)
        if expected:
            rows = browser.execute_script(
                f"return document.querySelectorAll('{ACTIVE} .yasr table.dataTable tbody tr').length")
            assert rows == min(expected, 50), example["name"]  # YASR's page of 50
        scroll, client = _page_fits(browser)
        assert scroll <= client, (example["name"], scroll, client)
    # a second click on a button goes back to its tab rather than opening another
    tabs = len(browser.find_elements(By.CSS_SELECTOR, ".tabsList .tab"))
    assert tabs == len(examples) + 1  # the starter's tab and one per named query
    first = examples[0]
    browser.find_element(By.CSS_SELECTOR, f'button.example[data-name="{first["name"]}"]').click()
    wait.until(lambda b: _editor_text(b) == first["query"])
    assert len(browser.find_elements(By.CSS_SELECTOR, ".tabsList .tab")) == tabs
    # no script error on the way (the old buttons threw "Cannot read properties of undefined
    # (reading 'setQuery')")
    assert _script_errors(browser) == []


def test_result_iris_link_to_the_apps_pages_under_their_labels_and_the_table_fits(demo_service,
                                                                                   browser) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{demo_service}/editor")
    wait = WebDriverWait(browser, 60)
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, f"{ACTIVE} .CodeMirror")))
    browser.find_element(By.CSS_SELECTOR, "details.examples summary").click()
    # the widest of the named queries on the demo: long titles and descriptions
    browser.find_element(By.CSS_SELECTOR, 'button.example[data-name="obligations-by-party"]').click()
    browser.find_element(By.CSS_SELECTOR, f"{ACTIVE} .yasqe_queryButton").click()
    atlas = f'{ACTIVE} .yasr table.dataTable a.iri[href="/r/ex/atlas-it"]'
    # The table is drawn with compact names, then redrawn once the labels arrive: each look
    # finds the link afresh (an element of the first drawing is gone).
    wait.until(lambda b: b.execute_script(f"const a = document.querySelector('{atlas}');"
                                          "return a && a.textContent === 'Atlas IT Services Ltd'"))
    link = browser.execute_script(f"const a = document.querySelector('{atlas}'); return [a.title, a.href]")
    assert link == ["https://example.org/retail-it/atlas-it", f"{demo_service}/r/ex/atlas-it"]
    # every IRI links into the app: its pretty path, else /resource?iri=
    hrefs = browser.execute_script(
        f"return [...document.querySelectorAll('{ACTIVE} .yasr a.iri')].map(a => a.href)")
    assert hrefs and all(h.startswith(f"{demo_service}/r/") or h.startswith(f"{demo_service}/resource?iri=")
                         for h in hrefs), hrefs[:5]
    scroll, client = _page_fits(browser)
    assert scroll <= client, (scroll, client)
    table_width = browser.execute_script(
        f"return document.querySelector('{ACTIVE} .yasr table.dataTable').scrollWidth")
    assert table_width <= client, (table_width, client)
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "editor-named-query.png"))
    # following a link opens the resource page
    browser.get(link[1])
    assert browser.find_element(By.TAG_NAME, "h1").text == "Atlas IT Services Ltd"


def test_a_known_prefix_used_undeclared_is_declared_when_the_query_runs(demo_service, browser) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{demo_service}/editor")
    wait = WebDriverWait(browser, 60)
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, f"{ACTIVE} .CodeMirror")))
    browser.execute_script(f"document.querySelector('{ACTIVE} .CodeMirror')"
                           ".CodeMirror.setValue(arguments[0])",
                           "SELECT ?o WHERE { ?o a cg:Obligation } ORDER BY ?o LIMIT 3")
    browser.find_element(By.CSS_SELECTOR, f"{ACTIVE} .yasqe_queryButton").click()
    wait.until(lambda b: b.execute_script(
        f"const e = document.querySelector('{INFO}'); return e && /result/.test(e.innerText)"))
    assert browser.find_element(By.CSS_SELECTOR, INFO).text.startswith("3 results")
    text = _editor_text(browser)
    assert [line for line in text.splitlines() if line.startswith("PREFIX")] == [
        "PREFIX cg: <https://w3id.org/comgraph/ns#>"]
    assert text.rstrip().endswith("SELECT ?o WHERE { ?o a cg:Obligation } ORDER BY ?o LIMIT 3")
