"""How table cells read on the pages: dates on one line, booleans as words on a badge, IRIs
without a label column (targets) by their labels in the store; the machine twins unchanged.
The browser half checks the widest views fit the window and no date breaks across lines."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.readiness import serving_app
from tests.views_support import demo_fixtures

app, client = demo_fixtures()  # the demo's app and its client, one per module


def test_dates_are_time_elements_and_booleans_are_words(client: FlaskClient) -> None:
    page = client.get("/views/stakeholders-and-roles").data.decode()
    assert '<td><time datetime="2025-07-01">2025-07-01</time></td>' in page
    assert '<td><span class="bool yes" title="true">yes</span></td>' in page
    assert ">true<" not in page
    # the CSV twin keeps the RDF values
    csv_text = client.get("/views/stakeholders-and-roles.csv").data.decode()
    assert ",2025-07-01,2030-06-30,true" in csv_text


def test_a_target_is_named_by_its_label(client: FlaskClient) -> None:
    page = client.get("/views/performance-against-target").data.decode()
    assert ('<a href="/r/ex/target-atlas-it-cr" title="https://example.org/retail-it/target-atlas-it-cr">'
            "Atlas IT: contract and relationship score at least 75</a>") in page
    assert ">ex:target-atlas-it-cr<" not in page


@pytest.fixture(scope="module")
def base_url(app: Flask) -> Iterator[str]:
    with serving_app(app) as url:
        yield url


PAGES = ["/views/obligations-by-party", "/views/role-and-responsibility-history",
         "/views/stakeholders-and-roles", "/views/performance-against-target",
         "/stakeholder?iri=https://example.org/retail-it/atlas-it"]


@pytest.mark.parametrize("path", PAGES)
def test_tables_use_the_width_they_have_and_dates_stay_on_one_line(browser, base_url: str, path: str) -> None:
    browser.set_window_size(1280, 1000)
    browser.get(base_url + path)
    scroll, client, dates, broken, tables, wider = browser.execute_script(
        "const times = [...document.querySelectorAll('table time')];"
        "const tables = [...document.querySelectorAll('table.results')];"
        "return [document.documentElement.scrollWidth, document.documentElement.clientWidth, times.length,"
        " times.filter(t => t.getClientRects().length > 1 || t.getBoundingClientRect().height > 30).length,"
        " tables.length, tables.filter(t => t.scrollWidth > t.parentElement.clientWidth).length]")
    assert scroll <= client, (path, scroll, client)
    assert dates > 0 and broken == 0, (path, dates, broken)
    assert tables > 0 and wider == 0, (path, tables, wider)  # every table fits its frame
    # the main column uses the window's width, not a fixed cap
    main_width = browser.execute_script("return document.querySelector('main').getBoundingClientRect().width")
    assert main_width >= client - 1


@pytest.mark.parametrize("path", PAGES[:2])
def test_a_narrow_window_scrolls_the_table_not_the_page(browser, base_url: str, path: str) -> None:
    browser.set_window_size(800, 900)
    try:
        browser.get(base_url + path)
        scroll, client = browser.execute_script(
            "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert scroll <= client, (path, scroll, client)
    finally:
        browser.set_window_size(1280, 1000)
