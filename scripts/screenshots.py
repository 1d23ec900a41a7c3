"""Screenshots of the app's main pages for the docs: `python scripts/screenshots.py`.

Loads a data folder (default data/demo-defects, the demo with its planted defects) into an
in-memory store, serves the app on a free port of 127.0.0.1, opens each page in Debian's
headless Chromium (through ChromeDriver, offline), waits until its pictures are drawn (the
network by Cytoscape.js, the scorecard's charts by Vega-Lite, the editor by YASGUI) and writes a
full-page PNG per page to docs/img/page-NAME.png; `network-50` is the network of a generated
50-party relationship (tests/network_fixture.py) instead. It fails when a page's
Content-Security-Policy refused something, so a screenshot never shows a page broken in browsers.

Needs: `make install` and `apt-get install chromium chromium-driver` (`make browser`).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent

EDITOR_QUERY = """PREFIX cg: <https://w3id.org/comgraph/ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
# Obligations by due date, with who owes them to whom
SELECT (STR(?date) AS ?due) ?obligation ?obligor ?obligee WHERE {
  ?o a cg:Obligation ; rdfs:label ?obligation ; cg:dueDate ?date ;
     cg:obligor/rdfs:label ?obligor ; cg:obligee/rdfs:label ?obligee .
} ORDER BY ?date LIMIT 6"""

#: (file name, path, JavaScript that is true once the page is drawn).
PAGES = [
    ("home", "/", "document.readyState === 'complete'"),
    ("raci", "/raci", "document.readyState === 'complete'"),
    ("network", "/network",
     "document.getElementById('network-picture').dataset.drawn === 'true'"),
    ("scorecard", "/scorecard", "document.body.dataset.charts === 'drawn'"),
    # The network of a generated 50-party relationship (tests/network_fixture.py), not of --data.
    ("network-50", "/network", "document.getElementById('network-picture').dataset.drawn === 'true'"),
    ("editor", "/editor?" + urlencode({"query": EDITOR_QUERY}),
     "!!document.querySelector('.yasqe .CodeMirror')"),
]
#: The page's width, wide enough for a figure that would scroll sideways (a big network).
WIDTH = """return Math.max(document.body.scrollWidth, ...[...document.querySelectorAll('figure')]
  .map(f => f.getBoundingClientRect().left + f.scrollWidth + 32))"""
#: What the editor's screenshot shows it running (its answer fills the result table).
RUN_IN_EDITOR = ("document.querySelector('.yasqe_queryButton').click()",
                 "!!document.querySelector('.yasr table tbody td')")


def serve(data: Path | str):
    """The app on a folder of .ttl files (or on Turtle text), on a free port; returns (base URL, server)."""
    from comgraph.app import create_app
    from werkzeug.serving import make_server

    from comgraph.store import Source, open_store

    store = open_store("oxigraph:")
    if isinstance(data, str):
        store.load([Source("generated.ttl", data=data.encode())])
    else:
        store.load(sorted(p for p in data.glob("*.ttl") if p.name != "placeholder.ttl"))
    server = make_server("127.0.0.1", 0, create_app({"STORE": store}), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


def chromium(width: int):
    binary, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (binary and driver):
        sys.exit("screenshots: needs chromium and chromedriver (apt-get install chromium chromium-driver)")
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must not download anything
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--hide-scrollbars", f"--window-size={width},900"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(driver), options=options)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "demo-defects",
                        help="folder of .ttl files")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img", help="where the PNGs go")
    parser.add_argument("--width", type=int, default=1280, help="window width in CSS pixels")
    parser.add_argument("--max-height", type=int, default=5000, help="cut taller pages at this height")
    parser.add_argument("--timeout", type=float, default=120, help="seconds a page may take to draw")
    parser.add_argument("pages", nargs="*", help=f"pages to take (default: all of {[p[0] for p in PAGES]})")
    args = parser.parse_args()
    chosen = [p for p in PAGES if not args.pages or p[0] in args.pages]
    args.out.mkdir(parents=True, exist_ok=True)
    base, server = serve(args.data)
    servers, fifty = [server], base
    if any(name == "network-50" for name, _, _ in chosen):
        sys.path.insert(0, str(ROOT))
        from tests.network_fixture import relationship_turtle

        fifty, generated = serve(relationship_turtle(50))
        servers.append(generated)
    driver = chromium(args.width)
    failed = []
    try:
        for name, path, ready in chosen:
            driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                "width": args.width, "height": 900, "deviceScaleFactor": 1, "mobile": False})
            url = (fifty if name == "network-50" else base) + path
            driver.get(url)
            deadline = time.monotonic() + args.timeout  # polled: a loaded machine may be slow
            while not driver.execute_script(f"return {ready}"):
                if time.monotonic() > deadline:
                    failed.append(f"{path}: not drawn within {args.timeout:.0f} s")
                    break
                time.sleep(0.2)
            if name == "editor":
                run, answered = RUN_IN_EDITOR
                for _ in range(3):  # a click while YASGUI is still settling can be aborted: again
                    time.sleep(1)
                    driver.execute_script(run)
                    end = min(deadline, time.monotonic() + 20)
                    while not driver.execute_script(f"return {answered}") and time.monotonic() < end:
                        time.sleep(0.2)
                    if driver.execute_script(f"return {answered}"):
                        break
                else:
                    failed.append(f"{path}: the editor's query gave no result table")
            time.sleep(0.5)  # let the last frame paint
            refused = [e["message"] for e in driver.get_log("browser")
                       if "Content Security Policy" in e["message"] or "Refused to" in e["message"]]
            if refused:
                failed.append(f"{path}: refused by the Content-Security-Policy: {refused[0]}")
            # The viewport is set exactly (a window's size includes what the browser draws
            # around the page); a page may grow once it is taller (YASGUI sizes to it): twice.
            for _ in range(2):
                width = max(args.width, int(driver.execute_script(WIDTH)))
                height = int(driver.execute_script("return document.documentElement.scrollHeight"))
                driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                    "width": width, "height": min(max(height, 600), args.max_height),
                    "deviceScaleFactor": 1, "mobile": False})
                time.sleep(0.5)
            target = args.out / f"page-{name}.png"
            if name == "network-50":  # only the picture: its table of 109 ties is long
                driver.find_element("css selector", "figure.network").screenshot(str(target))
            else:
                driver.save_screenshot(str(target))
            print(f"{target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}  ({url})")
    finally:
        driver.quit()
        for running in servers:
            running.shutdown()
    for problem in failed:
        print(f"screenshots: {problem}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
