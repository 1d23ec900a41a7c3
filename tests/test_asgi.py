"""``comgraph.app.asgi``: the ASGI adapter that gunicorn's uvicorn workers serve, driven in-process.

A GET on /sparql is translated into the request pipeline and answered exactly as Flask's view
answers it. Lookups the store evaluates in-process run on the event loop, within a budget; one
that needs longer is run again, whole, on a thread, and is logged and counted once; other
queries run on the thread pool, and every other request reaches Flask through the WSGI bridge.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from urllib.parse import urlencode

import pytest
from comgraph.app import asgi, create_app

from comgraph.store import Source, open_store

EX = "http://example.org/"
JSON = b"application/sparql-results+json"
LOOKUP = f"SELECT ?p ?o WHERE {{ <{EX}s1> ?p ?o }}"


@pytest.fixture
def app():
    store = open_store("oxigraph:")
    store.load([Source("data.nt", data="".join(
        f"<{EX}s{i}> <{EX}p{i % 3}> \"{i}\" .\n" for i in range(300)).encode())])
    return create_app({"STORE": store, "TESTING": True})


def call(app_: asgi.ComgraphASGI, method: str, path: str, query: dict[str, str] | None = None,
         headers: list[tuple[bytes, bytes]] | None = None, body: bytes = b"") -> tuple[int, dict, bytes]:
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
             "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
             "query_string": urlencode(query or {}).encode(), "client": ("127.0.0.1", 5000),
             "server": ("127.0.0.1", 8000),
             "headers": [(b"host", b"127.0.0.1:8000"), *(headers or [])]}
    sent: list[dict] = []
    received = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> dict:
        return received.pop(0) if received else {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    asyncio.run(app_(scope, receive, send))
    start = sent[0]
    assert start["type"] == "http.response.start"
    return (start["status"], {k.decode(): v.decode() for k, v in start["headers"]},
            b"".join(m.get("body", b"") for m in sent[1:]))


def threads_answering(monkeypatch) -> list[str]:
    names: list[str] = []
    answer = asgi._answer_and_render

    def spy(*args, **kwargs):
        names.append(threading.current_thread().name)
        return answer(*args, **kwargs)

    monkeypatch.setattr(asgi, "_answer_and_render", spy)
    return names


def test_a_lookup_is_answered_on_the_event_loop(app, monkeypatch) -> None:
    # Where a lookup runs is under test, not the 2 ms budget: a loaded box's scheduler alone
    # can take longer (the next test runs a lookup over its budget).
    monkeypatch.setattr(asgi, "INLINE_BUDGET", 60.0)
    names = threads_answering(monkeypatch)
    status, headers, body = call(asgi.ComgraphASGI(app), "GET", "/sparql", {"query": LOOKUP},
                                 [(b"accept", JSON)])
    assert status == 200 and headers["x-comgraph-rows"] == "1"
    assert [b["o"]["value"] for b in json.loads(body)["results"]["bindings"]] == ["1"]
    assert names == [threading.main_thread().name]


def test_a_lookup_over_its_budget_is_answered_once_on_a_thread(app, monkeypatch, caplog) -> None:
    monkeypatch.setattr(asgi, "INLINE_BUDGET", 0.0)  # every inline attempt runs out
    names = threads_answering(monkeypatch)
    caplog.set_level(logging.INFO, logger="comgraph.access")
    metrics = app.extensions["comgraph.metrics"]
    timeouts = metrics.timeouts._value.get()
    status, headers, body = call(asgi.ComgraphASGI(app), "GET", "/sparql",
                                 {"query": "SELECT ?s WHERE { ?s ?p ?o }"}, [(b"accept", b"text/csv")])
    assert status == 200 and len(body.decode().splitlines()) == 1 + 300
    assert names[0] == threading.main_thread().name and names[1].startswith("comgraph-query")
    assert len(names) == 2
    logged = [json.loads(r.getMessage()) for r in caplog.records if r.name == "comgraph.access"]
    assert [(e["status"], e["rows"]) for e in logged] == [(200, 300)]  # one line, not two
    assert metrics.timeouts._value.get() == timeouts  # running out of budget is no timeout


def test_other_queries_run_on_the_thread_pool(app, monkeypatch) -> None:
    names = threads_answering(monkeypatch)
    status, _, body = call(asgi.ComgraphASGI(app), "GET", "/sparql",
                           {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}, [(b"accept", JSON)])
    assert status == 200 and json.loads(body)["results"]["bindings"][0]["n"]["value"] == "300"
    assert len(names) == 1 and names[0].startswith("comgraph-query")


def test_everything_else_reaches_flask_with_the_same_answers(app) -> None:
    served = asgi.ComgraphASGI(app)
    fast = call(served, "GET", "/sparql", {"query": LOOKUP}, [(b"accept", JSON)])
    # no Content-Length: a chunked upload, whose body Flask must still read
    form = call(served, "POST", "/sparql", None,
                [(b"accept", JSON), (b"content-type", b"application/x-www-form-urlencoded"),
                 (b"transfer-encoding", b"chunked")],
                urlencode({"query": LOOKUP}).encode())
    assert form[0] == 200 and form[2] == fast[2]
    assert form[1]["x-comgraph-rows"] == fast[1]["x-comgraph-rows"] == "1"
    # several Accept headers are Flask's to combine
    both = call(served, "GET", "/sparql", {"query": LOOKUP}, [(b"accept", b"text/csv"),
                                                              (b"accept", b"text/plain;q=0.1")])
    assert both[0] == 200 and both[1]["content-type"].startswith("text/csv")
    assert call(served, "GET", "/healthz")[0] == 200
    refused = call(served, "POST", "/sparql", None, [(b"content-type", b"application/sparql-update")],
                   f"INSERT DATA {{ <{EX}a> <{EX}b> 1 }}".encode())
    assert refused[0] == 401


def test_a_get_through_the_adapter_answers_like_flasks_view(app) -> None:
    app.config.update(SPARQL_MAX_ROWS=2, CORS_ORIGINS=["https://app.example"])
    served, client = asgi.ComgraphASGI(app), app.test_client()
    query = "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s"
    asked = [(b"accept", JSON), (b"origin", b"https://app.example")]
    status, headers, body = call(served, "GET", "/sparql", {"query": query}, asked)
    flask = client.post("/sparql", data={"query": query},  # a form: Flask's view
                        headers={"Accept": JSON.decode(), "Origin": "https://app.example"})
    assert status == flask.status_code == 200 and body == flask.data
    for name in ("Content-Type", "X-Comgraph-Rows", "X-Comgraph-Row-Cap", "X-Comgraph-Truncated",
                 "Access-Control-Allow-Origin", "Access-Control-Expose-Headers",
                 "X-Content-Type-Options", "Content-Security-Policy"):
        assert headers[name.lower()] == flask.headers[name], name
    assert set(headers["vary"].replace(" ", "").split(",")) == {"Accept", "Origin"}
    wrong = call(served, "GET", "/sparql", {"query": query}, [(b"accept", b"text/turtle")])
    assert wrong[0] == 406 and b"table (SELECT)" in wrong[2]
    assert call(served, "GET", "/sparql", {"query": query, "timeout": "soon"})[0] == 400
    refused = call(served, "GET", "/sparql",
                   {"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"})
    assert refused[0] == 400 and b"SERVICE" in refused[2]
    # a page for people is rendered by the adapter too, and a browser is sent to the editor
    page = call(served, "GET", "/sparql", {"query": query}, [(b"accept", b"text/html")])
    assert page[0] == 200 and page[1]["content-type"].startswith("text/html") and b"<table" in page[2]
    editor = call(served, "GET", "/sparql", None, [(b"accept", b"text/html")])
    assert editor[0] == 303 and editor[1]["location"] == client.get(
        "/sparql", headers={"Accept": "text/html"}).headers["Location"]
    text = client.get("/metrics").text
    assert 'comgraph_http_requests_total{endpoint="sparql.endpoint",method="GET",status="200"} 2.0' in text
    assert 'comgraph_http_requests_total{endpoint="sparql.endpoint",method="GET",status="406"} 1.0' in text
