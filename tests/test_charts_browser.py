"""The scorecard's Vega-Lite charts in a real headless Chromium: every chart is drawn, charts
that share a scale have the same y domain in the rendered Vega view and the same round tick
labels on their drawn axis, each has its target line, a point shows a tooltip, and nothing is
refused by the Content-Security-Policy."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.browser import ARTIFACTS, policy_violations
from tests.readiness import serving_app
from tests.views_support import demo_app

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serving_app(demo_app()) as base:
        yield base


RENDERED = """
const picture = JSON.parse(document.getElementById('scorecard-data').textContent);
return picture.charts.map(c => {
  const view = window.scorecardViews[c.id];
  const svg = document.querySelector('#' + c.id + ' .plot svg');
  const axis = svg && [...svg.querySelectorAll('g.role-axis')]
    .find(g => (g.getAttribute('aria-label') || '').startsWith('Y-axis'));
  return {id: c.id, scale: c.scale, title: c.title, component: c.component, unit: c.unit,
          domain: c.domain, ticks: c.ticks, threshold: c.threshold,
          drawn: view ? view.scale('y').domain() : null,
          labels: axis ? [...axis.querySelectorAll('.role-axis-label text')].map(t => t.textContent) : null,
          rules: svg ? svg.querySelectorAll('g.mark-rule.role-mark line, g.mark-rule.role-mark path').length
                     : 0,
          points: svg ? svg.querySelectorAll('g.mark-symbol.role-mark path').length : 0};
});
"""


def opened(driver: object, url: str) -> list[dict]:
    driver.get(url + "/scorecard")
    deadline = time.monotonic() + 120  # polled: Vega on a loaded 2-core box
    state = None
    while time.monotonic() < deadline:
        state = driver.execute_script("return document.body.dataset.charts")
        if state:
            break
        time.sleep(0.2)
    assert state == "drawn", driver.find_element("id", "scorecard-status").text
    return driver.execute_script(RENDERED)


def test_every_chart_is_drawn_on_its_shared_scale(browser: object, base_url: str) -> None:
    policy_violations(browser)
    charts = opened(browser, base_url)
    ARTIFACTS.mkdir(exist_ok=True)
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1280, min(max(int(height), 800), 6000))
    browser.save_screenshot(str(ARTIFACTS / "scorecard-vega.png"))
    browser.set_window_size(1280, 1000)
    assert policy_violations(browser) == []
    assert len(charts) >= 4 * 8
    by_scale: dict[str, set] = {}
    for chart in charts:
        assert chart["drawn"] == chart["domain"], chart["id"]
        assert chart["labels"] == [f"{t:g}" for t in chart["ticks"]], chart["id"]
        assert chart["points"] >= 1 and chart["rules"] == (1 if chart["threshold"] is not None else 0)
        by_scale.setdefault(chart["scale"], set()).add(tuple(chart["drawn"]))
    # One domain per shared scale: every stakeholder's chart in a component reads the same.
    assert all(len(domains) == 1 for domains in by_scale.values()), by_scale
    # Every score chart of a component, whoever the stakeholder, is drawn on one domain.
    scores: dict[str, set] = {}
    for chart in charts:
        if chart["unit"] == "Score points":
            scores.setdefault(chart["component"], set()).add(tuple(chart["drawn"]))
    assert len(scores) == 4 and all(len(domains) == 1 for domains in scores.values()), scores
    satisfaction = {tuple(c["drawn"]) for c in charts if c["title"] == "Stakeholder satisfaction score"}
    assert satisfaction == {(60, 90)}


def test_a_point_shows_its_date_and_value(browser: object, base_url: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    opened(browser, base_url)
    point = browser.execute_script(
        "return document.querySelector('#chart-0 .plot svg g.mark-symbol.role-mark path')")
    ActionChains(browser).move_to_element(point).perform()
    deadline = time.monotonic() + 20
    text = ""
    while time.monotonic() < deadline:
        text = browser.execute_script(
            "const t = document.getElementById('vg-tooltip-element');"
            "return t && t.classList.contains('visible') ? t.textContent : ''")
        if text:
            break
        time.sleep(0.1)
    assert "Measured" in text and "Against target" in text
