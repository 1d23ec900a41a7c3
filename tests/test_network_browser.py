"""The network picture in a real headless Chromium, measured from what Cytoscape.js drew.

For the demo and for a generated 50-party relationship (tests/network_fixture.py): every party
has a box of its own (no two boxes overlap), its name fits inside its box, the ties' labels
overlap no box and no other label, and no tie passes through the box of a party it does not
start or end at. The positions are read from ``window.cy`` (boxes from
``node.boundingBox()``, ties from their end points and bends) and the checks are done here.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from comgraph.app import create_app

from comgraph.store import Source, open_store
from tests.browser import ARTIFACTS, policy_violations
from tests.network_fixture import relationship_turtle
from tests.readiness import serving_app
from tests.views_support import demo_app

pytestmark = pytest.mark.browser

#: Pixels a box is shrunk by before testing whether a line passes through it (anti-aliasing,
#: rounding), and by which two boxes may touch.
SLACK = 1.0


def _generated_app():
    store = open_store("oxigraph:")
    store.load([Source("generated.ttl", data=relationship_turtle(50).encode())])
    return create_app({"STORE": store, "TESTING": True})


@pytest.fixture(scope="module")
def sites() -> Iterator[dict[str, str]]:
    """The app on the demo and on the generated relationship, each on a free port."""
    with serving_app(demo_app()) as demo, serving_app(_generated_app()) as fifty:
        yield {"demo": demo, "fifty": fifty}


GEOMETRY = """
const box = (b) => ({x1: b.x1, y1: b.y1, x2: b.x2, y2: b.y2});
const only = {includeLabels: false, includeOverlays: false, includeUnderlays: false};
const text = {includeNodes: false, includeEdges: false, includeLabels: true, includeOverlays: false,
              includeUnderlays: false};
return {
  parties: cy.nodes('.party').map(n => ({id: n.id(), name: n.data('name'), text: n.data('label'),
                                         box: box(n.boundingBox(only)), label: box(n.boundingBox(text))})),
  labels: cy.nodes('.tie-label').map(n => ({id: n.id(), tie: n.data('tie'), box: box(n.boundingBox(only)),
                                            label: box(n.boundingBox(text))})),
  ties: cy.edges().map(e => ({id: e.id(), source: e.source().id(), target: e.target().id(),
                              points: [e.sourceEndpoint()]
                .concat(e.segmentPoints() || [], [e.targetEndpoint()]).map(p => [p.x, p.y])})),
};
"""


def drawn(driver: object, url: str, name: str) -> dict:
    """Open the network page, wait until the picture is drawn, save a screenshot, read its geometry."""
    driver.get(url + "/network")
    deadline = time.monotonic() + 120  # polled: elkjs on a loaded 2-core box
    state = None
    while time.monotonic() < deadline:
        state = driver.execute_script("return document.getElementById('network-picture').dataset.drawn")
        if state:
            break
        time.sleep(0.2)
    assert state == "true", driver.find_element("id", "network-status").text
    ARTIFACTS.mkdir(exist_ok=True)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1280, min(max(int(height), 800), 6000))
    driver.save_screenshot(str(ARTIFACTS / f"network-{name}.png"))
    driver.set_window_size(1280, 1000)
    return driver.execute_script(GEOMETRY)


def overlap(a: dict, b: dict, slack: float = SLACK) -> bool:
    """Whether two boxes share more than a sliver."""
    return (min(a["x2"], b["x2"]) - max(a["x1"], b["x1"]) > slack
            and min(a["y2"], b["y2"]) - max(a["y1"], b["y1"]) > slack)


def inside(inner: dict, outer: dict, slack: float = SLACK) -> bool:
    return (inner["x1"] >= outer["x1"] - slack and inner["y1"] >= outer["y1"] - slack
            and inner["x2"] <= outer["x2"] + slack and inner["y2"] <= outer["y2"] + slack)


def crosses(p: tuple[float, float], q: tuple[float, float], b: dict, slack: float = SLACK) -> bool:
    """Whether the segment p-q passes through the inside of box b (Liang-Barsky clipping)."""
    x1, y1, x2, y2 = b["x1"] + slack, b["y1"] + slack, b["x2"] - slack, b["y2"] - slack
    dx, dy = q[0] - p[0], q[1] - p[1]
    low, high = 0.0, 1.0
    for step, room in ((-dx, p[0] - x1), (dx, x2 - p[0]), (-dy, p[1] - y1), (dy, y2 - p[1])):
        if step == 0:
            if room < 0:
                return False
            continue
        t = room / step
        if step < 0:
            low = max(low, t)
        else:
            high = min(high, t)
        if low > high:
            return False
    return high - low > 1e-9


def test_the_line_check_sees_a_crossing_and_a_near_miss() -> None:
    b = {"x1": 0, "y1": 0, "x2": 10, "y2": 10}
    assert crosses((-5, 5), (15, 5), b)
    assert crosses((5, -5), (5, 3), b)
    assert not crosses((-5, 12), (15, 12), b)
    assert not crosses((-5, 0.5), (15, 0.5), b)  # grazing the border is not passing through
    assert not crosses((11, -5), (11, 15), b)


def problems(geometry: dict) -> list[str]:
    parties = {p["id"]: p for p in geometry["parties"]}
    found = []
    listed = list(parties.values())
    for i, a in enumerate(listed):
        if not inside(a["label"], a["box"]):
            found.append(f"the name of {a['name']!r} spills out of its box: {a['label']} in {a['box']}")
        for b in listed[i + 1:]:
            if overlap(a["box"], b["box"]):
                found.append(f"boxes overlap: {a['name']!r} and {b['name']!r}")
    labels = geometry["labels"]
    for i, a in enumerate(labels):
        if not inside(a["label"], a["box"]):
            found.append(f"the label of tie {a['tie']} spills out of its box")
        for p in listed:
            if overlap(a["box"], p["box"]):
                found.append(f"the label of tie {a['tie']} overlaps {p['name']!r}")
        for b in labels[i + 1:]:
            if overlap(a["box"], b["box"]):
                found.append(f"the labels of ties {a['tie']} and {b['tie']} overlap")
    for tie in geometry["ties"]:
        points = tie["points"]
        for p, q in zip(points, points[1:], strict=False):
            for party in listed:
                if party["id"] in (tie["source"], tie["target"]):
                    continue
                if crosses(p, q, party["box"]):
                    found.append(f"tie {tie['id']} ({parties[tie['source']]['name']!r} -> "
                                 f"{parties[tie['target']]['name']!r}) passes through {party['name']!r}")
    return found


def test_the_demo_network_has_every_party_apart_and_no_tie_through_a_box(browser: object,
                                                                         sites: dict[str, str]) -> None:
    policy_violations(browser)
    geometry = drawn(browser, sites["demo"], "demo")
    assert policy_violations(browser) == []
    names = {p["name"] for p in geometry["parties"]}
    assert {"Atlas IT Services Ltd", "Regional Digital Transformation Fund", "Northwind Retail plc"} <= names
    assert len(geometry["parties"]) == 9 and len(geometry["ties"]) == 10
    assert len(geometry["labels"]) == len(geometry["ties"])
    assert problems(geometry) == []
    # The funder's tie goes from the fund to the client, whose box says it is the client.
    fund = next(p for p in geometry["parties"] if p["name"].startswith("Regional Digital"))
    client = next(p for p in geometry["parties"] if p["name"].startswith("Northwind Retail plc"))
    assert client["text"].endswith("Client")
    assert any(t["source"] == fund["id"] and t["target"] == client["id"] for t in geometry["ties"])


def test_fifty_parties_are_drawn_apart_with_no_tie_through_a_box(browser: object,
                                                                 sites: dict[str, str]) -> None:
    policy_violations(browser)
    geometry = drawn(browser, sites["fifty"], "fifty")
    assert policy_violations(browser) == []
    assert len(geometry["parties"]) == 50
    assert len(geometry["ties"]) > 100
    assert problems(geometry) == []
    # Readable: drawn at 75 % or more of full size, never shrunk to a thumbnail.
    assert browser.execute_script("return cy.zoom()") >= 0.75


def test_a_party_box_links_to_its_page(browser: object, sites: dict[str, str]) -> None:
    drawn(browser, sites["demo"], "demo")
    atlas = "cy.nodes('.party').filter(n => n.data('name') === 'Atlas IT Services Ltd')"
    assert browser.execute_script(f"return {atlas}.data('href')").startswith("/stakeholder?iri=")
    browser.execute_script(f"{atlas}.emit('tap')")
    deadline = time.monotonic() + 30
    while "/stakeholder?iri=" not in browser.current_url and time.monotonic() < deadline:
        time.sleep(0.1)
    assert browser.find_element("tag name", "h1").text == "Atlas IT Services Ltd"
