"""``comgraph serve``'s logging: the access log is written in batches, never lost at exit."""

from __future__ import annotations

import io
import json
import logging
import os
import time

from comgraph.app.ops import BufferedLineHandler


def _logger(handler: logging.Handler, name: str) -> logging.Logger:
    logger = logging.getLogger(name)
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger


def test_lines_wait_for_the_interval_then_are_written_in_one_batch() -> None:
    stream = io.StringIO()
    handler = BufferedLineHandler(stream, interval=0.3)
    logger = _logger(handler, "test.buffered.interval")
    for i in range(3):
        logger.info(json.dumps({"n": i}))
    assert stream.getvalue() == ""  # nothing written per record
    deadline = time.monotonic() + 5
    while not stream.getvalue() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert stream.getvalue() == '{"n": 0}\n{"n": 1}\n{"n": 2}\n'


def test_a_full_buffer_is_written_at_once_and_flush_writes_the_rest() -> None:
    stream = io.StringIO()
    handler = BufferedLineHandler(stream, interval=60, max_lines=4)
    logger = _logger(handler, "test.buffered.full")
    for i in range(6):
        logger.info("line %d", i)
    assert stream.getvalue().splitlines() == [f"line {i}" for i in range(4)]
    handler.flush()  # what logging.shutdown() does at exit
    assert stream.getvalue().splitlines() == [f"line {i}" for i in range(6)]


def test_a_forked_worker_gets_its_own_flushing_thread(tmp_path) -> None:
    path = tmp_path / "log.txt"
    with path.open("w") as stream:
        handler = BufferedLineHandler(stream, interval=0.1)
        logger = _logger(handler, "test.buffered.fork")
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
