"""How many query children an embedded store keeps, and for how long (issue 12).

Each child forked from an in-memory store ends up with a private copy of most of the store's
pages once it has scanned them, so the pool bounds them: at most ``max_children`` run at once
(a query that finds them all busy waits for one, then starts one more anyway, so that a runaway
query never holds up the others), a child started past that bound is retired when its query
ends, and a child idle for ``idle_seconds`` is retired. No assertion here is about how fast
anything is: only about the order of events, with generous deadlines for what must happen.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import pytest
import requests

from comgraph.store import QueryTimeout, StoreError
from comgraph.store.oxigraph import OxigraphStore
from comgraph.store.pool import (
    DEFAULT_IDLE_SECONDS,
    default_idle_seconds,
    default_kept_children,
    default_max_children,
    share_cores_among_workers,
)
from tests.oxigraph_server import free_port
from tests.readiness import wait_until_ready

EX = "http://example.org/children/"
DATA = "INSERT DATA { " + " ".join(f"<{EX}s{i}> <{EX}p> {i} ." for i in range(300)) + " }"
# Minutes of work inside one aggregate on 300 triples: held until its time limit.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
PATIENCE = 60  # seconds for anything that must happen eventually


@pytest.fixture(params=["memory", "disk"])
def store(request: pytest.FixtureRequest, tmp_path: Path):
    store = OxigraphStore(tmp_path / "store" if request.param == "disk" else None)
    store.update(DATA)
    with store:
        yield store


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _pids(store: OxigraphStore) -> list[int]:
    started: list[int] = []
    original = type(store)._checkout

    def checkout(self, *args):
        executor = original(self, *args)
        started.append(executor.pid)
        return executor

    store._checkout = checkout.__get__(store)
    return started


def test_queries_one_after_another_reuse_one_child(store: OxigraphStore) -> None:
    started = _pids(store)
    for _ in range(5):
        assert store.select(COUNT, timeout=PATIENCE)[0]["n"].value == "300"
    assert len(set(started)) == 1
    assert store._pool.children == 1


@pytest.mark.slow
def test_a_query_waits_for_a_busy_child_then_starts_one_past_the_bound(store: OxigraphStore) -> None:
    """With one child allowed and a runaway holding it, another query is still answered (after
    waiting its turn for a while), by a child started past the bound and retired after it."""
    store._pool.max_children = 1
    started = _pids(store)
    outcome: list[BaseException] = []

    def runaway() -> None:
        try:
            store.select(RUNAWAY, timeout=10)
        except BaseException as exc:  # noqa: BLE001 - inspected below
            outcome.append(exc)

    thread = threading.Thread(target=runaway)
    thread.start()
    give_up = time.monotonic() + PATIENCE
    while not started:
        assert time.monotonic() < give_up
        time.sleep(0.05)
    assert store.ask(f"ASK {{ <{EX}s7> <{EX}p> 7 }}", timeout=PATIENCE)
    assert thread.is_alive(), "the runaway query ended before the other one was answered"
    assert len(started) == 2 and started[0] != started[1]
    # The second child was past the bound: retired once its answer was read.
    assert store._pool.children == 1
    assert not _alive(started[1])
    thread.join(timeout=PATIENCE)
    assert len(outcome) == 1 and isinstance(outcome[0], QueryTimeout)
    assert store._pool.children == 0 and not _alive(started[0])


@pytest.mark.slow
def test_queries_within_the_bound_run_at_once_in_children_of_their_own(store: OxigraphStore) -> None:
    store._pool.max_children = 2
    started = _pids(store)
    outcomes: list[BaseException] = []

    def runaway() -> None:
        try:
            store.select(RUNAWAY, timeout=3)
        except BaseException as exc:  # noqa: BLE001 - inspected below
            outcomes.append(exc)

    threads = [threading.Thread(target=runaway) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=PATIENCE)
    assert len(set(started)) == 2
    assert [type(e) for e in outcomes] == [QueryTimeout, QueryTimeout]


def test_an_idle_child_is_retired_and_a_new_one_answers_the_next_query(store: OxigraphStore) -> None:
    store._pool.idle_seconds = 0.2
    started = _pids(store)
    assert store.select(COUNT, timeout=PATIENCE)[0]["n"].value == "300"
    give_up = time.monotonic() + PATIENCE
    while store._pool.children or _alive(started[0]):
        assert time.monotonic() < give_up, "the idle child was never retired"
        time.sleep(0.05)
    assert store.ask(f"ASK {{ <{EX}s7> <{EX}p> 7 }}", timeout=PATIENCE)
    assert len(started) == 2 and started[1] != started[0]


@pytest.mark.slow
def test_a_child_in_use_is_not_retired_however_long_its_query(store: OxigraphStore) -> None:
    store._pool.idle_seconds = 0.1
    started = _pids(store)
    with pytest.raises(QueryTimeout):
        store.select(RUNAWAY, timeout=1.5)  # busy for 15 idle periods: killed by its limit only
    assert len(started) == 1


def test_a_fork_while_another_thread_holds_the_pools_lock_leaves_the_child_a_usable_lock() -> None:
    """A gunicorn worker (or any fork) taken while the reaper or a query held the pool's lock
    used to inherit it held, and the child's first query waited for ever."""
    store = OxigraphStore()
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with store._pool._lock:
            holding.set()
            release.wait(30)

    thread = threading.Thread(target=hold)
    thread.start()
    holding.wait(30)
    pid = os.fork()
    if pid == 0:
        os._exit(0 if store._pool._lock.acquire(timeout=10) else 1)
    try:
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0, "the child found the pool's lock held"
    finally:
        release.set()
        thread.join(30)
        store.close()


@pytest.mark.slow
def test_a_forked_process_has_a_pool_of_its_own(tmp_path: Path) -> None:
    """A worker forked from the process that loaded the store starts its own children and
    retires them; the parent's are its own."""
    store = OxigraphStore()
    store.update(DATA)
    assert store.select(COUNT, timeout=PATIENCE)[0]["n"].value == "300"
    parents = store._pool.children
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the worker
        code = 1
        try:
            os.close(read)
            store._pool.idle_seconds = 0.2
            ok = store.select(COUNT, timeout=PATIENCE)[0]["n"].value == "300"
            mine = store._pool.children == 1
            give_up = time.monotonic() + PATIENCE
            while store._pool.children and time.monotonic() < give_up:
                time.sleep(0.05)
            os.write(write, b"%d %d %d" % (ok, mine, store._pool.children))
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    try:
        with os.fdopen(read, "rb") as answer:
            assert answer.read() == b"1 1 0"
    finally:
        os.waitpid(pid, 0)
    assert parents == store._pool.children == 1
    store.close()


def test_the_bounds_come_from_the_environment_or_the_defaults() -> None:
    assert default_max_children({"COMGRAPH_QUERY_CHILDREN": "3"}) == 3
    assert default_max_children({}) == len(os.sched_getaffinity(0))
    assert default_idle_seconds({}) == DEFAULT_IDLE_SECONDS
    assert default_idle_seconds({"COMGRAPH_QUERY_CHILD_IDLE": "2.5"}) == 2.5
    for bad in ("0", "-1", "two"):
        with pytest.raises(StoreError, match="COMGRAPH_QUERY_CHILDREN"):
            default_max_children({"COMGRAPH_QUERY_CHILDREN": bad})
    for bad in ("0", "-3", "soon", "nan"):
        with pytest.raises(StoreError, match="COMGRAPH_QUERY_CHILD_IDLE"):
            default_idle_seconds({"COMGRAPH_QUERY_CHILD_IDLE": bad})


def test_a_server_s_workers_share_the_cores_unless_told_otherwise(monkeypatch) -> None:
    monkeypatch.setattr("comgraph.store.pool.cores", lambda: 8)
    env: dict[str, str] = {}
    assert share_cores_among_workers(2, env) == 4 and env["COMGRAPH_QUERY_CHILDREN_KEPT"] == "4"
    env = {}
    assert share_cores_among_workers(3, env) == 2  # 8 // 3: never more kept than cores
    env = {}
    assert share_cores_among_workers(16, env) == 1  # but each worker keeps one
    env = {"COMGRAPH_QUERY_CHILDREN_KEPT": "5"}
    assert share_cores_among_workers(2, env) == 5 and env["COMGRAPH_QUERY_CHILDREN_KEPT"] == "5"
    with pytest.raises(StoreError, match="COMGRAPH_QUERY_CHILDREN_KEPT"):
        default_kept_children({"COMGRAPH_QUERY_CHILDREN_KEPT": "none"})


def test_children_past_the_kept_number_are_retired_when_their_query_ends() -> None:
    store = OxigraphStore(query_memory=0)
    store.update(DATA)
    store._pool.max_children, store._pool.max_kept = 3, 1
    handle = store._handle.get()
    busy = [store._pool.checkout(handle) for _ in range(3)]  # three at once: all may run
    assert store._pool.children == 3
    for executor in busy:
        store._pool.checkin(executor)
    assert store._pool.children == 1  # one is kept, the other two are gone
    assert store.select(COUNT)[0]["n"].value == "300"  # and it still answers
    store.close()


def _query_children(master: int) -> list[int]:
    """The processes below the workers of ``master``, still running (the server's own processes
    are the master and its direct children, which gunicorn may still be starting when the test
    begins)."""
    try:
        below = [p for worker in psutil.Process(master).children() for p in worker.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []
    return [p.pid for p in below if _alive(p.pid)]


@pytest.mark.serve
def test_serve_gives_its_query_children_back_once_idle(tmp_path: Path) -> None:
    """``comgraph serve --workers 2``: queries running at once start children in the workers;
    once idle for COMGRAPH_QUERY_CHILD_IDLE seconds they are gone, and the next query is still
    answered."""
    data = tmp_path / "data.nt"
    data.write_text("".join(f"<{EX}s{i}> <{EX}p> \"{i}\" .\n" for i in range(300)))
    port = free_port()
    env = {**os.environ, "COMGRAPH_QUERY_CHILD_IDLE": "1", "COMGRAPH_QUERY_CHILDREN": "1"}
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "comgraph"), "serve", str(data), "--workers", "2",
         "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"

    def count(_: int) -> str:
        answer = requests.get(f"{base}/sparql", params={"query": COUNT}, timeout=PATIENCE,
                              headers={"Accept": "application/sparql-results+json"})
        answer.raise_for_status()
        return answer.json()["results"]["bindings"][0]["n"]["value"]

    try:
        wait_until_ready(f"{base}/healthz", process)
        with ThreadPoolExecutor(8) as pool:
            assert set(pool.map(count, range(32))) == {"300"}
        assert _query_children(process.pid)  # some children are still idle
        give_up = time.monotonic() + PATIENCE
        while _query_children(process.pid):
            assert time.monotonic() < give_up, "idle query children were never retired"
            time.sleep(0.1)
        assert count(0) == "300"
    finally:
        process.terminate()
        process.wait(timeout=30)
