"""``comgraph serve --workers 2`` as a real process, under gunicorn (uvicorn workers), and the
documented gunicorn command line in front of a real Oxigraph server.

The production server is started the way a user starts it, on a free port, with its default
host, and must keep every promise the app makes in-process: answers, refusals, the token, the
body cap, the row cap, CORS, a time limit that really stops a runaway query (in a child forked
from the server's worker) while another request is answered, a big answer streamed in chunks,
metrics summed over both workers, and a listening socket on 127.0.0.1 only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import requests

from tests.oxigraph_server import free_port
from tests.readiness import wait_until_ready

EX = "http://example.org/"
#: How long past its limit a stopped query may take to answer on a loaded 2-core CI box. The
#: runaway would run for minutes unstopped, so this still proves the stop.
STOP_SLACK = 8
TRIPLES = 1500
ROW_CAP = 1000
ORIGIN = "https://app.example"
JSON = "application/sparql-results+json"
# A cross product over the generated graph: minutes of work inside one aggregate.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


class Served:
    def __init__(self, server: str, base: str, port: int, process: subprocess.Popen):
        self.server, self.base, self.port, self.process = server, base, port, process

    def get(self, query: str, accept: str = JSON, **params: str) -> requests.Response:
        return requests.get(f"{self.base}/sparql", params={"query": query, **params},
                            headers={"Accept": accept}, timeout=30)

    def metric(self, line_start: str) -> float:
        text = requests.get(f"{self.base}/metrics", timeout=10).text
        values = [float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                  if line.startswith(line_start)]
        return sum(values)


@pytest.fixture(scope="module", params=["gunicorn"])
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    data = tmp_path_factory.mktemp("serve") / "generated.nt"
    data.write_text("".join(f"<{EX}s{i}> <{EX}p{i % 7}> \"{i}\" .\n" for i in range(TRIPLES)))
    port = free_port()
    comgraph = Path(sys.executable).parent / "comgraph"
    process = subprocess.Popen(
        [str(comgraph), "serve", str(data), "--workers", "2",
         "--port", str(port), "--max-rows", str(ROW_CAP), "--max-body", "4096",
         "--cors-origin", ORIGIN],  # no --host: the default must be 127.0.0.1
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    _wait_until_healthy(base, process)
    yield Served(request.param, base, port, process)
    process.terminate()
    try:
        assert process.wait(timeout=15) in (0, -15), f"{request.param} did not stop cleanly"
        # The access log is written in batches; what waited is written when a worker stops.
        lines = [json.loads(line) for line in process.stderr.read().decode().splitlines()
                 if line.startswith('{"time"')]
        assert any(line.get("endpoint") == "sparql.endpoint" and line["rows"] == ROW_CAP
                   and len(line["query_hash"]) == 16 for line in lines)
    finally:
        if process.poll() is None:
            process.kill()
        process.stderr.close()


def _wait_until_healthy(base: str, process: subprocess.Popen) -> None:
    try:
        wait_until_ready(f"{base}/healthz", process)
    except RuntimeError:
        process.kill()
        raise


def test_a_select_is_answered_with_the_right_rows(served: Served) -> None:
    answer = served.get(f'SELECT ?s WHERE {{ ?s <{EX}p3> "10" }}')
    assert answer.status_code == 200
    assert [b["s"]["value"] for b in answer.json()["results"]["bindings"]] == [f"{EX}s10"]


def test_service_is_refused_with_400_and_cors_headers_for_a_listed_origin(served: Served) -> None:
    query = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"
    answer = requests.get(f"{served.base}/sparql", params={"query": query},
                          headers={"Origin": ORIGIN}, timeout=10)
    assert answer.status_code == 400 and "SERVICE" in answer.text
    assert answer.headers["Access-Control-Allow-Origin"] == ORIGIN
    other = requests.get(f"{served.base}/sparql", params={"query": query},
                         headers={"Origin": "https://evil.example"}, timeout=10)
    assert other.status_code == 400 and "Access-Control-Allow-Origin" not in other.headers


def test_an_update_without_a_token_is_401_and_a_big_body_is_413(served: Served) -> None:
    update = requests.post(f"{served.base}/sparql", data={"update": f"INSERT DATA {{ <{EX}x> <{EX}y> 1 }}"},
                           timeout=10)
    assert update.status_code == 401
    big = requests.post(f"{served.base}/sparql", data="ASK {}" + " " * 8000, timeout=10,
                        headers={"Content-Type": "application/sparql-query"})
    assert big.status_code == 413
    still = served.get(f"ASK {{ <{EX}x> <{EX}y> 1 }}")
    assert still.json()["boolean"] is False


def test_a_runaway_query_is_stopped_while_another_request_is_answered(served: Served) -> None:
    before = served.metric("comgraph_query_timeouts_total ")
    answer: dict[str, object] = {}

    def runaway() -> None:
        started = time.monotonic()
        response = served.get(RUNAWAY, timeout="4")
        answer.update(status=response.status_code, took=time.monotonic() - started, text=response.text)

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.2)
    quick = served.get(f"ASK {{ <{EX}s1> ?p ?o }}")
    assert quick.status_code == 200 and quick.json()["boolean"] is True
    assert thread.is_alive(), "the runaway query finished before the quick one (4 s limit)"
    thread.join(timeout=30)
    assert answer["status"] == 503 and "time limit of 4 s" in answer["text"]
    assert answer["took"] < 4 + STOP_SLACK
    # Metrics are summed over both workers, whichever one ran the query.
    assert served.metric("comgraph_query_timeouts_total ") == before + 1


def test_a_big_answer_is_streamed_in_chunks(served: Served) -> None:
    answer = served.get(f"SELECT ?s ?p ?o WHERE {{ ?s ?p ?o }} LIMIT {ROW_CAP}")
    assert answer.status_code == 200
    assert answer.headers.get("Transfer-Encoding") == "chunked"
    assert "Content-Length" not in answer.headers
    assert len(answer.content) > 1 << 16  # more than one chunk of the spool
    assert len(answer.json()["results"]["bindings"]) == ROW_CAP
    assert answer.headers["X-Comgraph-Rows"] == str(ROW_CAP)


def test_an_answer_flask_writes_is_streamed_too(served: Served) -> None:
    # A form POST is not the ASGI adapter's: under gunicorn it crosses the WSGI bridge to Flask.
    query = f"SELECT ?s ?p ?o WHERE {{ ?s ?p ?o }} LIMIT {ROW_CAP}"
    answer = requests.post(f"{served.base}/sparql", data={"query": query}, timeout=30,
                           headers={"Accept": JSON})
    assert answer.status_code == 200 and answer.headers.get("Transfer-Encoding") == "chunked"
    assert answer.content == served.get(query).content
    assert answer.headers["X-Comgraph-Rows"] == str(ROW_CAP)


def test_a_chunked_upload_is_read_whole(served: Served) -> None:
    # A generator body goes out chunked, with no Content-Length.
    query = f'SELECT ?s WHERE {{ ?s <{EX}p3> "10" }}'
    form = requests.post(f"{served.base}/sparql", data=(part for part in [b"query=", quote(query).encode()]),
                         headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": JSON},
                         timeout=10)
    direct = requests.post(f"{served.base}/sparql", data=(part for part in [query.encode()]),
                           headers={"Content-Type": "application/sparql-query", "Accept": JSON}, timeout=10)
    for answer in (form, direct):
        assert answer.status_code == 200, answer.text
        assert [b["s"]["value"] for b in answer.json()["results"]["bindings"]] == [f"{EX}s10"]


def test_a_chunked_body_over_the_cap_is_refused_not_cut(served: Served) -> None:
    """--max-body 4096: a chunked body of 6 KB whose first 4 KB are a whole query is refused
    (413), as it would be with a Content-Length; it was once cut at the cap and answered."""
    query = f'SELECT ?s WHERE {{ ?s <{EX}p3> "10" }}' + " " * 6000
    parts = [query[i:i + 1000].encode() for i in range(0, len(query), 1000)]
    direct = requests.post(f"{served.base}/sparql", data=iter(parts), timeout=30,
                           headers={"Content-Type": "application/sparql-query", "Accept": JSON})
    assert direct.status_code == 413, direct.text
    assert "larger than this server accepts (4096 bytes)" in direct.text
    form = requests.post(f"{served.base}/sparql", data=iter([b"query=", quote(query).encode()]),
                         headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=30)
    assert form.status_code == 413, form.text


def test_the_row_cap_is_signalled(served: Served) -> None:
    answer = served.get("SELECT ?s WHERE { ?s ?p ?o }", accept="text/csv")
    assert answer.status_code == 200
    assert answer.headers["X-Comgraph-Row-Cap"] == str(ROW_CAP)
    assert answer.headers["X-Comgraph-Truncated"] == "true"
    assert len(answer.text.splitlines()) == 1 + ROW_CAP


def test_requests_from_both_workers_are_counted_in_metrics(served: Served) -> None:
    before = served.metric('comgraph_http_requests_total{endpoint="sparql.endpoint",method="GET",'
                           'status="200"}')
    for _ in range(20):
        assert served.get("ASK {}").status_code == 200
    after = served.metric('comgraph_http_requests_total{endpoint="sparql.endpoint",method="GET",'
                          'status="200"}')
    assert after == before + 20


def test_the_server_listens_on_127_0_0_1_only(served: Served) -> None:
    listening = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port = local.rsplit(":", 1)
            if state == "0A" and int(port, 16) == served.port:  # 0A: LISTEN
                listening.append(address)
    assert listening and set(listening) == {"0100007F"}  # 127.0.0.1, little-endian hex


def test_the_documented_gunicorn_line_serves_a_remote_store(oxigraph_server, tmp_path: Path) -> None:
    """docs/sparql-service.md's command line, as pasted: two uvicorn workers under gunicorn
    in front of a real Oxigraph server, a Graph Store write with the token, then a query."""
    oxigraph_server.clear()
    port = free_port()
    gunicorn = Path(sys.executable).parent / "gunicorn"
    env = {**os.environ, "COMGRAPH_STORE": oxigraph_server.store_url,
           "COMGRAPH_UPDATE_TOKEN": "s3cret", "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    process = subprocess.Popen(
        [str(gunicorn), "--workers", "2", "--worker-class", "comgraph.app.asgi.Worker",
         "--no-control-socket", "--bind", f"127.0.0.1:{port}", "comgraph.app.asgi:app_from_env()"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=tmp_path)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(base, process)
        turtle = f"<{EX}a> <{EX}p> <{EX}b> .\n"
        refused = requests.put(f"{base}/data?default", data=turtle, timeout=10,
                               headers={"Content-Type": "text/turtle"})
        assert refused.status_code == 401
        put = requests.put(f"{base}/data?default", data=turtle, timeout=10,
                           headers={"Content-Type": "text/turtle", "Authorization": "Bearer s3cret"})
        assert put.status_code in (201, 204)
        answer = requests.get(f"{base}/sparql", params={"query": f"SELECT ?o WHERE {{ <{EX}a> ?p ?o }}"},
                              headers={"Accept": JSON}, timeout=10)
        assert [b["o"]["value"] for b in answer.json()["results"]["bindings"]] == [f"{EX}b"]
    finally:
        process.terminate()
        assert process.wait(timeout=15) == 0
        process.stderr.close()
