"""``comgraph serve``'s logging: the access log is written in batches, never lost at exit."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import threading
import time

from comgraph.app.serve_logging import BufferedLineHandler


@contextlib.contextmanager
def _logger(handler: BufferedLineHandler, name: str):
    logger = logging.getLogger(name)
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    try:
        yield logger
    finally:  # no flushing thread outlives its test
        logger.removeHandler(handler)
        handler.close()


def test_lines_wait_for_the_interval_then_are_written_in_one_batch() -> None:
    stream = io.StringIO()
    handler = BufferedLineHandler(stream, interval=0.3)
    with _logger(handler, "test.buffered.interval") as logger:
        for i in range(3):
            logger.info(json.dumps({"n": i}))
        assert stream.getvalue() == ""  # nothing written per record
        deadline = time.monotonic() + 60  # polled: a loaded box may be slow to flush
        while not stream.getvalue() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert stream.getvalue() == '{"n": 0}\n{"n": 1}\n{"n": 2}\n'


def test_a_full_buffer_is_written_at_once_and_close_writes_the_rest() -> None:
    stream = io.StringIO()
    handler = BufferedLineHandler(stream, interval=60, max_lines=4)
    with _logger(handler, "test.buffered.full") as logger:
        for i in range(6):
            logger.info("line %d", i)
        assert stream.getvalue().splitlines() == [f"line {i}" for i in range(4)]
        flushing = [t for t in threading.enumerate() if t.name == "comgraph-log-flush"]
        assert flushing
    # closed, as logging.shutdown() does at exit: the rest is written, the thread stops
    assert stream.getvalue().splitlines() == [f"line {i}" for i in range(6)]
    for thread in flushing:
        thread.join(timeout=5)
    assert not any(thread.is_alive() for thread in flushing)


def test_a_forked_worker_gets_its_own_flushing_thread(tmp_path) -> None:
    path = tmp_path / "log.txt"
    with path.open("w") as stream:
        handler = BufferedLineHandler(stream, interval=0.1)
        with _logger(handler, "test.buffered.fork") as logger:
            logger.info("from the master")
            handler.flush()
            child = os.fork()
            if child == 0:  # a worker: no flushing thread was forked with it
                try:
                    logger.info("from the worker")
                    time.sleep(0.5)  # no flush() call: the worker's own thread must write it
                finally:
                    os._exit(0)
            os.waitpid(child, 0)
    assert path.read_text().splitlines() == ["from the master", "from the worker"]


def test_comgraph_serves_access_lines_go_straight_to_the_batch(monkeypatch) -> None:
    from comgraph.app import create_app, ops, serve_logging

    from comgraph.store import open_store

    access = logging.getLogger("comgraph.access")
    monkeypatch.setattr(access, "handlers", list(access.handlers))
    monkeypatch.setattr(access, "propagate", access.propagate)
    monkeypatch.setattr(ops, "_access_sink", None)
    stream = io.StringIO()
    serve_logging.configure_serve_logging(stream)
    handler = access.handlers[0]
    try:
        assert access.handlers == [handler] and isinstance(handler, BufferedLineHandler)
        assert ops._access_sink == handler.write_line
        client = create_app({"STORE": open_store("oxigraph:"), "TESTING": True}).test_client()
        assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200
        assert client.get("/healthz").status_code == 200  # Flask's hook
        assert stream.getvalue() == ""  # waiting in the batch
    finally:
        handler.close()
    entries = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(e["endpoint"], e["status"]) for e in entries] == [("sparql.endpoint", 200),
                                                                ("ops.healthz", 200)]
    assert entries[0]["rows"] == 1 and len(entries[0]["query_hash"]) == 16


def test_two_workers_sharing_a_pipe_never_cut_into_each_others_lines() -> None:
    """gunicorn's workers share the master's stderr; read through a pipe (journald, a container,
    a test), a batch written in one write(2) larger than PIPE_BUF may interleave with the other
    worker's. Batches go out in whole-line pieces of at most PIPE_BUF bytes, which are atomic."""
    read_end, write_end = os.pipe()
    line = {"endpoint": "sparql.endpoint", "query": "x" * 700}
    workers = []
    for worker in range(2):
        child = os.fork()
        if child == 0:
            try:
                os.close(read_end)
                stream = os.fdopen(write_end, "w", buffering=1)
                handler = BufferedLineHandler(stream, interval=60, max_lines=40)
                for n in range(400):
                    handler.write_line(json.dumps({**line, "worker": worker, "n": n}))
                handler.close()
                stream.close()
            finally:
                os._exit(0)
        workers.append(child)
    os.close(write_end)
    received = bytearray()
    with os.fdopen(read_end, "rb", buffering=0) as pipe:
        while chunk := pipe.read(4096):  # a slow reader keeps the pipe nearly full, as a busy
            received += chunk           # log collector does: big writes then go in parts
            time.sleep(0.0005)
    lines = received.decode().splitlines()
    for child in workers:
        os.waitpid(child, 0)
    parsed = [json.loads(text) for text in lines]  # a cut line does not parse
    assert sorted((p["worker"], p["n"]) for p in parsed) == [(w, n) for w in range(2) for n in range(400)]
