"""``comgraph.app.asgi``: the ASGI app that gunicorn's uvicorn workers serve, driven in-process.

Lookups the store evaluates in-process run on the event loop, within a budget; one that needs
longer is run again, whole, on a thread, and is logged and counted once; other queries run on
the thread pool, and every other request reaches Flask through the WSGI bridge.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from urllib.parse import urlencode

import pytest
from comgraph.app import asgi, create_app
from comgraph.app import sparql as sparql_module

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
    answer = sparql_module.answer_plain_query

    def spy(*args, **kwargs):
        names.append(threading.current_thread().name)
        return answer(*args, **kwargs)

    monkeypatch.setattr(asgi, "answer_plain_query", spy)
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


class _Transport:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str) -> str:
        return f"extra {name}"


def test_writes_in_one_loop_turn_go_out_as_one_and_a_big_stream_is_not_held() -> None:
    async def scenario() -> tuple[_Transport, list[list[bytes]]]:
        real = _Transport()
        joined = asgi._CoalescingTransport(real, asyncio.get_running_loop())
        seen = []
        joined.write(b"HTTP/1.1 200 OK\r\n\r\n")
        joined.write(b"body")
        seen.append(list(real.writes))  # nothing yet: both wait for the end of this turn
        await asyncio.sleep(0)
        seen.append(list(real.writes))
        chunk = b"x" * (1 << 15)
        for _ in range(5):  # a streamed answer: no turn of the loop between its chunks
            joined.write(chunk)
        seen.append([len(w) for w in real.writes])
        joined.write(b"tail")
        assert joined.get_extra_info("peername") == "extra peername"  # the rest is delegated
        joined.close()
        return real, seen

    real, seen = asyncio.run(scenario())
    assert seen[0] == [] and seen[1] == [b"HTTP/1.1 200 OK\r\n\r\nbody"]
    assert seen[2] == [len(seen[1][0]), 1 << 16, 1 << 16]  # written as soon as 64 KB wait
    assert real.writes[-1] == b"x" * (1 << 15) + b"tail" and real.closed  # close writes the rest
