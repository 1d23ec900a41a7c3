"""Each timed query's child may allocate only so much memory (issue 10, item 5).

Without a cap, ``SELECT * {?a ?b ?c . ?d ?e ?f . ?g ?h ?i} ORDER BY ?c ?f ?i LIMIT 1`` grew its
child to 4.7 GB within the 30 s time limit. With a cap (a small one here, 64 MB, so the test is
quick and light) the child fails its allocation within a fraction of a second and the caller
gets QueryMemoryExceeded, which the endpoint answers with a 503 that says so, never a 500
"the query process ended without an answer".
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from comgraph.store import QueryMemoryExceeded, StoreError
from comgraph.store.executor import DEFAULT_QUERY_MEMORY_MB, default_query_memory
from comgraph.store.oxigraph import OxigraphStore
from tests.oxigraph_server import free_port
from tests.readiness import wait_until_ready

HUNGRY = "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i LIMIT 1"
CAP = 64  # MB
DATA = "INSERT DATA { " + " ".join(f"<http://e/s{i}> <http://e/p> {i} ." for i in range(300)) + " }"


@pytest.fixture(params=["memory", "disk"])
def capped(request: pytest.FixtureRequest, tmp_path: Path):
    store = OxigraphStore(tmp_path / "store" if request.param == "disk" else None, query_memory=CAP)
    store.update(DATA)
    with store:
        yield store


def test_a_query_past_the_cap_is_stopped_with_a_clear_error_and_the_store_goes_on(capped) -> None:
    started = time.monotonic()
    with pytest.raises(QueryMemoryExceeded) as caught:
        capped.select(HUNGRY, timeout=60)
    took = time.monotonic() - started
    assert f"more memory than the {CAP} MB a query may use" in str(caught.value)
    assert took < 30, f"the cap stopped the query after {took:.1f} s, not at once"
    # The dead child was replaced: the next queries are answered.
    assert capped.select("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", timeout=30)[0]["n"].value == "300"
    assert capped.ask("ASK { <http://e/s7> <http://e/p> 7 }", timeout=30)


def test_a_query_within_the_cap_is_answered(capped) -> None:
    # 90 000 joined rows counted: a few MB of work, well inside 64 MB.
    rows = capped.select("SELECT (COUNT(*) AS ?n) { ?s ?p ?o . ?a ?b ?c }", timeout=60)
    assert rows[0]["n"].value == "90000"


def test_a_child_that_dies_otherwise_is_not_called_out_of_memory(capped) -> None:
    """A child killed by something else (here SIGTERM, mid-query) is a plain StoreError."""
    started: list[int] = []
    original = type(capped)._checkout

    def checkout(self, *args):
        executor = original(self, *args)
        started.append(executor.pid)
        return executor

    capped._checkout = checkout.__get__(capped)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            capped.select("SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }",
                          timeout=120)
        except BaseException as exc:  # noqa: BLE001 - inspected below
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 60
    while not started:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.5)
    os.kill(started[0], signal.SIGTERM)
    thread.join(timeout=60)
    assert len(errors) == 1 and type(errors[0]) is StoreError, errors
    assert "ended without an answer (killed by SIGTERM)" in str(errors[0])


def test_the_cap_comes_from_the_environment_or_the_default() -> None:
    assert default_query_memory({}) == DEFAULT_QUERY_MEMORY_MB == 1024
    assert default_query_memory({"COMGRAPH_QUERY_MEMORY": "256"}) == 256
    assert default_query_memory({"COMGRAPH_QUERY_MEMORY": "0"}) == 0
    with pytest.raises(StoreError, match="whole number of MB"):
        default_query_memory({"COMGRAPH_QUERY_MEMORY": "1G"})
    with pytest.raises(StoreError, match="0 \\(no cap\\) or more"):
        default_query_memory({"COMGRAPH_QUERY_MEMORY": "-5"})


def test_the_endpoint_answers_503_with_the_reason(tmp_path: Path) -> None:
    from comgraph.app import create_app

    store = OxigraphStore()  # the default cap, lowered by the app's setting
    store.update(DATA)
    app = create_app({"STORE": store, "TESTING": True, "SPARQL_QUERY_MEMORY": CAP,
                      "SPARQL_TIMEOUT": 60})
    with store:
        assert store.query_memory == CAP
        answer = app.test_client().get("/sparql", query_string={"query": HUNGRY},
                                       headers={"Accept": "application/sparql-results+json"})
        assert answer.status_code == 503
        assert f"more memory than the {CAP} MB a query may use" in answer.get_data(as_text=True)
        ok = app.test_client().get("/sparql", query_string={"query": "ASK { ?s ?p 7 }"},
                                   headers={"Accept": "application/sparql-results+json"})
        assert ok.status_code == 200 and ok.get_json()["boolean"] is True


def test_serve_takes_the_cap_from_its_option(tmp_path: Path) -> None:
    data = tmp_path / "data.nt"
    data.write_text("".join(f"<http://e/s{i}> <http://e/p> \"{i}\" .\n" for i in range(300)))
    port = free_port()
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "comgraph"), "serve", str(data), "--port", str(port),
         "--query-memory", str(CAP)],
        env={k: v for k, v in os.environ.items() if k != "COMGRAPH_QUERY_MEMORY"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(f"{base}/healthz", process)
        answer = requests.get(f"{base}/sparql", params={"query": HUNGRY}, timeout=60,
                              headers={"Accept": "application/sparql-results+json"})
        assert answer.status_code == 503, answer.text
        assert f"more memory than the {CAP} MB a query may use" in answer.text
    finally:
        process.terminate()
        process.wait(timeout=30)
