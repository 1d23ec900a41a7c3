"""The query editor in a real headless Chromium: it loads (bundled YASGUI, no CDN), runs a query
against this service, and shows the result table, all under the service's Content-Security-Policy
with no refusal in the console. A screenshot lands in tests/artifacts/."""

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
