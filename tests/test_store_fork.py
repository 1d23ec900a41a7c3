"""A disk store used from a process forked after it was opened, as a server's worker uses it.

``comgraph serve --workers N`` forks its workers from the process that opened the store.
RocksDB's background threads do not survive a fork, so a forked process reads through a
read-only instance of its own and never writes (``comgraph.store.handle``). Here the parent
keeps writing (each write one whole graph, in one update) while a forked child reads with
untimed queries, ``graphs()``, ``version()`` and timed queries (its own children): every answer
must be one consistent state of the store (no graph half there), the child must follow the
parent's writes to the last one, a write in the child must be refused with a clear error, and
nothing may hang. Deadlines are generous; a hung child is killed and the test fails.
The last test runs ``comgraph serve --workers 2`` on a disk store as a user would.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

from comgraph.store import Source, StoreError
from comgraph.store.oxigraph import OxigraphStore
from tests.oxigraph_server import free_port

EX = "http://example.org/fork/"
SEED = 50  # triples in the seed graph
PER_GRAPH = 40  # triples in each graph the parent writes
ROUNDS = 30
DONE = f"{EX}done"
COUNTS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
DEADLINE = 120  # seconds for the whole exchange; a healthy run takes a few


def _graph_update(name: str, size: int) -> str:
    triples = " ".join(f'<{EX}s{i}> <{EX}p> "{name} {i}" .' for i in range(size))
    return f"INSERT DATA {{ GRAPH <{name}> {{ {triples} }} }}"


def _read_until_done(store: OxigraphStore, ready: int) -> dict:
    """The child's side: read until the parent's last graph shows up; report what was seen."""
    bad: list[str] = []
    reads = timed = 0
    seen_graphs = 0
    versions = [store.version()]
    try:
        store.update(_graph_update(f"{EX}child", 1))
        refused = ""
    except StoreError as exc:
        refused = str(exc)
    os.write(ready, b"r")
    os.close(ready)
    give_up = time.monotonic() + DEADLINE - 20
    while time.monotonic() < give_up:
        counts = {row["g"].value: int(row["n"].value) for row in store.select(COUNTS)}
        names = [g.value for g in store.graphs()]
        reads += 1
        for name, n in counts.items():
            expected = SEED if name == f"{EX}seed" else 1 if name == DONE else PER_GRAPH
            if n != expected:
                bad.append(f"{name} had {n} triples, not {expected}")
        if not set(counts) <= set(names):  # graphs() came second: it may only have grown
            bad.append(f"graphs() {len(names)} lacks some of the {len(counts)} counted")
        if len(names) < seen_graphs:
            bad.append(f"went back from {seen_graphs} graphs to {len(names)}")
        seen_graphs = max(seen_graphs, len(names))
        versions.append(store.version())
        if reads % 5 == 0:  # a timed query: a spawned child of this process reads the live folder
            n = int(store.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
                                 timeout=60)[0]["n"].value)
            timed += 1
            if (n - SEED) % PER_GRAPH not in (0, 1):  # 1: the last graph, one triple
                bad.append(f"a timed count saw {n} triples: a graph half written")
        if DONE in counts:
            break
        time.sleep(0.01)
    started = time.monotonic()
    store.close()
    return {"bad": bad[:20], "reads": reads, "timed": timed, "graphs": seen_graphs,
            "refused": refused, "versions": [versions[0], versions[-1]],
            "close_took": time.monotonic() - started}


def _run_child(store: OxigraphStore, ready: int, report: int) -> None:
    code = 1
    try:
        result = _read_until_done(store, ready)
        code = 0
    except BaseException as exc:  # noqa: BLE001 - reported to the parent through the pipe
        result = {"error": repr(exc)}
    finally:
        try:
            os.write(report, json.dumps(result).encode())
        finally:
            os._exit(code)


def _wait(fd: int, until: float) -> bytes:
    chunks = []
    while True:
        left = until - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise TimeoutError
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


@pytest.mark.parametrize("released", [True, False], ids=["closed-before-fork", "held-across-fork"])
def test_a_forked_reader_sees_whole_writes_and_follows_them(tmp_path: Path, released: bool) -> None:
    seed = "".join(f'<{EX}s{i}> <{EX}p> "{i}" .\n' for i in range(SEED)).encode()
    store = OxigraphStore(tmp_path / "store")
    store.load([Source("seed.nt", data=seed, format=ox.RdfFormat.N_TRIPLES)], graph=f"{EX}seed")
    if released:
        store.close()  # as comgraph serve does before its server forks the workers
    ready_r, ready_w = os.pipe()
    report_r, report_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(ready_r)
        os.close(report_r)
        _run_child(store, ready_w, report_w)
    os.close(ready_w)
    os.close(report_w)
    until = time.monotonic() + DEADLINE
    try:
        assert _wait(ready_r, until) == b"r"
        for i in range(ROUNDS):  # the parent writes while the child reads
            store.update(_graph_update(f"{EX}g{i}", PER_GRAPH))
            time.sleep(0.02)
        store.update(_graph_update(DONE, 1))
        report = json.loads(_wait(report_r, until))
        _, status = os.waitpid(pid, 0)
    except TimeoutError:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        pytest.fail(f"the forked reader did not finish within {DEADLINE} s")
    finally:
        os.close(ready_r)
        os.close(report_r)
    assert "error" not in report, report
    assert os.waitstatus_to_exitcode(status) == 0
    assert report["bad"] == [], report
    assert report["graphs"] == ROUNDS + 2, report  # the seed, every round, the last one
    assert report["reads"] >= 1 and report["timed"] >= 0
    assert "forked from the one that opened the store" in report["refused"], report
    assert report["versions"][1] > report["versions"][0], report  # it moved as the data did
    assert report["close_took"] < 10, report
    # The parent is untouched: it still writes and reads, and nothing of the child's got in.
    assert f"{EX}child" not in {g.value for g in store.graphs()}
    assert store.triple_count() == SEED + ROUNDS * PER_GRAPH + 1
    store.close()


def test_serve_workers_read_a_disk_store_and_refuse_writes(tmp_path: Path) -> None:
    """``comgraph serve --workers 2`` on a disk store: the master closes the store before the
    fork, each worker reads through its own instance (a lookup on the event loop, a count in a
    child), and a write with the right token is refused as read-only, with the reason."""
    data = tmp_path / "data.nt"
    data.write_text("".join(f'<{EX}s{i}> <{EX}p> "{i}" .\n' for i in range(200)))
    port = free_port()
    comgraph = Path(sys.executable).parent / "comgraph"
    process = subprocess.Popen(
        [str(comgraph), "serve", str(data), "--store", f"oxigraph://{tmp_path / 'db'}",
         "--workers", "2", "--port", str(port)],
        env={**os.environ, "COMGRAPH_UPDATE_TOKEN": "secret"},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        started = time.monotonic() + DEADLINE
        while not _answers(f"{base}/healthz"):
            assert process.poll() is None, process.stderr.read().decode()[-2000:]
            assert time.monotonic() < started, f"no answer on {base} within {DEADLINE} s"
            time.sleep(0.2)
        for _ in range(4):  # several requests: both workers, whichever answers
            lookup = requests.get(f"{base}/sparql", params={"query": f"SELECT ?o {{ <{EX}s7> ?p ?o }}"},
                                  headers={"Accept": "text/csv"}, timeout=60)
            assert lookup.status_code == 200 and lookup.text.split() == ["o", "7"], lookup.text
            count = requests.get(f"{base}/sparql", params={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"},
                                 headers={"Accept": "text/csv"}, timeout=60)
            assert count.status_code == 200 and count.text.split() == ["n", "200"], count.text
        write = requests.post(f"{base}/sparql", data={"update": f"INSERT DATA {{ <{EX}a> <{EX}b> 1 }}"},
                              headers={"Authorization": "Bearer secret"}, timeout=60)
        assert write.status_code == 403 and "only read it" in write.text, write.text
    finally:
        process.terminate()
        try:
            assert process.wait(timeout=30) in (0, -signal.SIGTERM)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            process.stderr.close()


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=10).status_code == 200
    except (requests.ConnectionError, requests.Timeout):
        return False
