"""A view (and the SPARQL endpoint) in front of a remote engine whose answer breaks off
half-way, as the Oxigraph server's does when its own time limit ends a query after the 200 has
gone out: each says so with a 503, instead of a 500 with a traceback or a "malformed query"."""

from __future__ import annotations

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest
from comgraph.app import create_app

from comgraph.store import open_store
from tests.readiness import serving_handler

CUT_OFF = b'{"head":{"vars":["capability","capabilityLabel"]},"results":{"bindings":[{"capability":{"type":"u'


class _EngineThatBreaksOff(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self._answer()

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._answer()

    def _answer(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(CUT_OFF)))
        self.end_headers()
        self.wfile.write(CUT_OFF)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def engine() -> Iterator[str]:
    with serving_handler(_EngineThatBreaksOff) as base:
        yield f"sparql+{base}/query"


@pytest.mark.parametrize("suffix", [".json", ".csv", ""])
def test_an_engine_answer_cut_off_half_way_is_a_503_that_says_so(engine: str, suffix: str) -> None:
    app = create_app({"STORE": open_store(engine)})  # not TESTING: errors become answers, as served

    response = app.test_client().get(f"/views/capability-coverage{suffix}")

    assert response.status_code == 503
    assert response.mimetype == "text/plain"
    assert "the engine's answer was cut off or malformed" in response.get_data(as_text=True)


def test_a_sparql_query_whose_engine_answer_breaks_off_is_a_503_not_malformed(engine: str) -> None:
    app = create_app({"STORE": open_store(engine)})

    response = app.test_client().get("/sparql", query_string={
        "query": "SELECT ?capability ?capabilityLabel WHERE { ?capability ?p ?capabilityLabel }"},
        headers={"Accept": "application/sparql-results+json"})

    assert response.status_code == 503, response.get_data(as_text=True)
    assert "cut off or malformed" in response.get_data(as_text=True)
    assert "malformed query" not in response.get_data(as_text=True)
