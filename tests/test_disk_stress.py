"""Writes and reads alternating on a disk store under parallel load (issue 10, item 9).

``comgraph serve --store oxigraph:///DIR`` (werkzeug, a thread per request) takes Graph Store
PUTs and POSTs and SPARQL queries from several client threads at once. Every timed query runs in
a child process that reads a snapshot of the store. Before the fix, a child was forked from the
server, whose RocksDB background threads could hold a process-wide RocksDB lock at that moment:
the child's read-only open then waited on it for ever and the query ran into its time limit
(503 after the whole limit); and a child reading the live folder lost races with compactions
("No such file", 500). Here every request must be answered correctly, each well within the
server's time limit.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import requests

from comgraph.store.oxigraph import OxigraphStore
from comgraph.store.pool import SNAPSHOTS
from tests.oxigraph_server import free_port
from tests.readiness import wait_until_ready

TOKEN = "stress-token"
JSON = "application/sparql-results+json"
LIMIT = 10.0  # the server's query time limit, seconds
WRITERS, READERS = 3, 3
CYCLES = 70  # write/read alternations per writer, at most
AT_LEAST = 15  # alternations every writer makes, however slow the machine (no speed is asserted)
BUDGET = 50.0  # seconds after which a writer that has made AT_LEAST alternations stops
FILLER = 20  # triples besides the counter in every PUT
EX = "http://stress.example/"


class Tally:
    """What every client thread saw: requests, those that took the limit or more, wrong answers."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests = 0
        self.slow: list[tuple[str, float, int]] = []
        self.wrong: list[str] = []


class Client:
    """One thread's connection (requests' sessions are not shared between threads)."""

    def __init__(self, base: str, tally: Tally):
        self.base, self.tally = base, tally
        self.session = requests.Session()

    def call(self, method: str, path: str, what: str, **kwargs) -> requests.Response:
        started = time.monotonic()
        answer = self.session.request(method, self.base + path, timeout=LIMIT * 3, **kwargs)
        took = time.monotonic() - started
        with self.tally.lock:
            self.tally.requests += 1
            if took >= LIMIT:
                self.tally.slow.append((what, round(took, 2), answer.status_code))
        return answer

    def query(self, sparql: str, what: str) -> requests.Response:
        return self.call("GET", f"/sparql?query={quote(sparql)}", what, headers={"Accept": JSON})

    def check(self, ok: bool, message: str) -> None:
        if not ok:
            with self.tally.lock:
                self.tally.wrong.append(message)


def _writer(client: Client, k: int, stop_at: float, done: list[int]) -> None:
    graph, log = f"{EX}g{k}", f"{EX}log{k}"
    auth = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/turtle"}
    for n in range(1, CYCLES + 1):
        if n > AT_LEAST and time.monotonic() > stop_at:
            return
        body = f'<{EX}s{k}> <{EX}counter> "{n}" .\n' + "".join(
            f"<{EX}x{i}> <{EX}q> {i} .\n" for i in range(FILLER))
        put = client.call("PUT", f"/data?graph={quote(graph)}", "PUT", data=body.encode(), headers=auth)
        client.check(put.status_code in (201, 204), f"PUT {n} on g{k}: {put.status_code} {put.text[:200]}")
        post = client.call("POST", f"/data?graph={quote(log)}", "POST", headers=auth,
                           data=f'<{EX}s{k}> <{EX}wrote> "{n}" .\n'.encode())
        client.check(post.status_code in (201, 204),
                     f"POST {n} on log{k}: {post.status_code} {post.text[:200]}")
        # Read what was just written, through a child (an ASK and an aggregate never run inline).
        ask = client.query(f'ASK {{ GRAPH <{graph}> {{ <{EX}s{k}> <{EX}counter> "{n}" }} }}', "ASK")
        client.check(ask.status_code == 200 and ask.json()["boolean"] is True,
                     f"ASK {n} on g{k}: {ask.status_code} {ask.text[:200]}")
        count = client.query(f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{log}> {{ ?s ?p ?o }} }}", "COUNT")
        client.check(count.status_code == 200
                     and count.json()["results"]["bindings"][0]["n"]["value"] == str(n),
                     f"COUNT {n} on log{k}: {count.status_code} {count.text[:200]}")
        done[k] = n


def _reader(client: Client, stop: threading.Event) -> None:
    # Every PUT replaces its graph in one update, so any snapshot sees each graph whole.
    per_graph = (f"SELECT ?g (COUNT(*) AS ?n) {{ GRAPH ?g {{ ?s ?p ?o }} "
                 f'FILTER(STRSTARTS(STR(?g), "{EX}g")) }} GROUP BY ?g')
    lookup = f"SELECT ?o {{ <{EX}x3> <{EX}q> ?o }}"  # one pattern: evaluated in the server itself
    while not stop.is_set():
        answer = client.query(per_graph, "per-graph counts")
        client.check(answer.status_code == 200, f"per-graph counts: {answer.status_code} {answer.text[:200]}")
        if answer.status_code == 200:
            counts = {row["g"]["value"]: row["n"]["value"]
                      for row in answer.json()["results"]["bindings"]}
            client.check(all(n == str(FILLER + 1) for n in counts.values()),
                         f"a graph seen half-written: {counts}")
        answer = client.query(lookup, "lookup")
        client.check(answer.status_code == 200, f"lookup: {answer.status_code} {answer.text[:200]}")


def test_writes_and_reads_alternate_on_a_disk_store_under_load(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    port = free_port()
    comgraph = Path(sys.executable).parent / "comgraph"
    log = (tmp_path / "serve.log").open("w+b")
    process = subprocess.Popen(
        [str(comgraph), "serve", "--store", f"oxigraph://{folder}", "--port", str(port),
         "--query-timeout", str(LIMIT)],
        env={**os.environ, "COMGRAPH_UPDATE_TOKEN": TOKEN}, stdout=subprocess.DEVNULL, stderr=log)
    base = f"http://127.0.0.1:{port}"
    tally = Tally()
    done = [0] * WRITERS
    try:
        try:
            wait_until_ready(f"{base}/healthz", process)
        except RuntimeError as error:
            raise AssertionError(f"{error}: {(tmp_path / 'serve.log').read_text()}") from None
        stop = threading.Event()
        stop_at = time.monotonic() + BUDGET
        writers = [threading.Thread(target=_writer, args=(Client(base, tally), k, stop_at, done))
                   for k in range(WRITERS)]
        readers = [threading.Thread(target=_reader, args=(Client(base, tally), stop))
                   for _ in range(READERS)]
        for thread in writers + readers:
            thread.start()
        for thread in writers:
            thread.join()
        stop.set()
        for thread in readers:
            thread.join()
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
    assert tally.wrong == [], f"{len(tally.wrong)} wrong answers of {tally.requests}: {tally.wrong[:5]}"
    assert tally.slow == [], (f"{len(tally.slow)} requests of {tally.requests} took the whole time "
                              f"limit or more: {tally.slow[:5]}")
    # Every writer made its alternations (a count, not a speed: a busy machine takes longer).
    assert min(done) >= AT_LEAST, f"a writer stopped early: {done}"
    # The server was stopped with its snapshots in place; opening the store again removes them,
    # and every write that was acknowledged is there.
    with OxigraphStore(folder) as store:
        assert not (folder / SNAPSHOTS).exists()
        for k in range(WRITERS):
            rows = store.select(f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{EX}log{k}> {{ ?s ?p ?o }} }}")
            assert rows[0]["n"].value == str(done[k])
            assert store.ask(f'ASK {{ GRAPH <{EX}g{k}> {{ <{EX}s{k}> <{EX}counter> "{done[k]}" }} }}')
