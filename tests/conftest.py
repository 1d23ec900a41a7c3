"""Shared fixtures: stores of both kinds, a real Oxigraph server, the app and its clients."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from comgraph.store import Store, open_store
from tests.oxigraph_server import OxigraphServer

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"


@pytest.fixture(scope="session")
def oxigraph_server() -> Iterator[OxigraphServer]:
    """One real Oxigraph server process for the whole run; each test clears it first."""
    with OxigraphServer() as server:
        yield server


@pytest.fixture(params=["embedded", "disk", "remote"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty store of each kind (in memory, on disk, a real server): every test runs on all."""
    if request.param == "embedded":
        s = open_store("oxigraph:")
    elif request.param == "disk":
        s = open_store(f"oxigraph://{tmp_path / 'store'}")
    else:
        server: OxigraphServer = request.getfixturevalue("oxigraph_server")
        server.clear()
        s = open_store(server.store_url)
    with s:
        yield s


# -- the SPARQL service: the app over each store, and the same app on a real socket ----------

UPDATE_TOKEN = "test-update-token"


@pytest.fixture
def service(store: Store):
    """The web app over each kind of store (so every HTTP test runs on both), writes enabled."""
    from comgraph.app import create_app

    return create_app({"STORE": store, "TESTING": True, "SPARQL_UPDATE_TOKEN": UPDATE_TOKEN})


@pytest.fixture
def live_service(service) -> Iterator[str]:
    """The app served by werkzeug on 127.0.0.1 on a free port, in a thread; yields its base URL."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, service, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def pytest_terminal_summary(terminalreporter) -> None:
    """How many inputs each fuzz target tried (tests/test_fuzz_inputs.py), when it ran."""
    fuzz = sys.modules.get("tests.test_fuzz_inputs")
    if fuzz is not None and fuzz.TRIED:
        terminalreporter.section("fuzz inputs tried")
        for target, count in sorted(fuzz.TRIED.items()):
            terminalreporter.write_line(f"{target}: {count}")
