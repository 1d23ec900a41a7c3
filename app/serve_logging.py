"""Logging as ``comgraph serve`` sets it up: messages only, to stderr, the access log batched.

One write per request cost about a sixth of a cheap query's CPU in a served worker, so the
access log's lines are written in batches (:class:`BufferedLineHandler`), and
:func:`comgraph.app.ops.record_request` hands them over as strings, without a LogRecord.
"""

from __future__ import annotations

import logging
import os
import select
import sys
import threading
from typing import Any

from comgraph.app import ops


class BufferedLineHandler(logging.Handler):
    """Write formatted records to a stream in batches, as nginx's ``access_log ... buffer=
    flush=`` does: every ``interval`` seconds, when ``max_lines`` are waiting, and at exit
    (``logging.shutdown`` flushes every handler).

    One write per request cost about a sixth of a cheap query's CPU in a served worker; a
    batch costs one write. A line waits at most ``interval`` seconds; a worker killed with
    SIGKILL loses what waits. A thread per process does the timed flushes; it is started by the
    first record a process writes, so a worker forked from a master gets its own.
    """

    def __init__(self, stream: Any, interval: float = 0.2, max_lines: int = 1000):
        super().__init__()
        self.stream, self.interval, self.max_lines = stream, interval, max_lines
        self._lines: list[str] = []
        self._flusher_pid: int | None = None
        self._closed = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:  # called with self.lock held
        try:
            self._add(self.format(record))
        except Exception:
            self.handleError(record)

    def write_line(self, line: str) -> None:
        """Add a line that is already formatted: what ``emit`` does, minus the LogRecord."""
        with self.lock:  # type: ignore[union-attr]
            self._add(line)

    def _add(self, line: str) -> None:
        self._lines.append(line)
        if self._flusher_pid != os.getpid() and not self._closed.is_set():
            self._flusher_pid = os.getpid()
            threading.Thread(target=self._flush_every_interval, daemon=True,
                             name="comgraph-log-flush").start()
        elif len(self._lines) >= self.max_lines:
            self._write()

    def _flush_every_interval(self) -> None:
        while not self._closed.wait(self.interval):
            self.flush()

    def close(self) -> None:
        """Write what waits and stop the flushing thread (``logging.shutdown`` calls this)."""
        self._closed.set()
        self.flush()
        super().close()

    def flush(self) -> None:
        with self.lock:  # type: ignore[union-attr]
            self._write()

    def _write(self) -> None:
        """Write what waits in pieces of whole lines of at most ``select.PIPE_BUF`` bytes, each
        one write(2): on a pipe (journald, a container's log, a test reading stderr) such a
        write is atomic, so the lines of two workers sharing the pipe never cut into each other.
        (A line longer than that is written alone.)"""
        if not self._lines:
            return
        lines, self._lines = self._lines, []
        binary = getattr(self.stream, "buffer", None)
        if binary is None:  # a text-only stream (a test's StringIO): no pipe to share
            self.stream.write("".join(line + "\n" for line in lines))
            self.stream.flush()
            return
        self.stream.flush()  # whatever the text layer holds goes first
        piece: list[bytes] = []
        size = 0
        for line in lines:
            encoded = (line + "\n").encode("utf-8", "backslashreplace")
            if piece and size + len(encoded) > select.PIPE_BUF:
                binary.write(b"".join(piece))
                binary.flush()
                piece, size = [], 0
            piece.append(encoded)
            size += len(encoded)
        binary.write(b"".join(piece))
        binary.flush()


def configure_serve_logging(stream: Any = None, *, batched: bool = True) -> None:
    """Logging as ``comgraph serve`` sets it up: messages only, to stderr, at INFO; the access
    log batched (:class:`BufferedLineHandler`) when ``batched``, everything else written at
    once. Batch only where worker processes run ``atexit`` handlers when they stop (gunicorn's
    and werkzeug's do), or what waits would be lost."""
    stream = stream if stream is not None else sys.stderr
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=stream)
    if not batched:
        return
    handler = BufferedLineHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    ops.access_log.handlers[:] = [handler]
    ops.access_log.propagate = False
    ops.send_access_lines_to(handler.write_line)
