"""A timed query's answer as it arrives from its child process, read frame by frame.

:class:`FramedResult` is the parent's side of the pipe: a file-like reader over the child's
data frames that hands the child back to its pool at the end and kills it on a deadline, an
error or an answer abandoned mid-stream. :class:`ForkedSolutions` and :class:`ForkedTriples`
put pyoxigraph's result interface on top, so callers cannot tell a child's answer from one
evaluated in their own process, and pass the child's bytes through untouched when they ask for
the format the child wrote (TSV, N-Triples).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from comgraph.store.executor import Executor, error_from_frame

if TYPE_CHECKING:
    from comgraph.store.pool import ChildPool

class FramedResult:
    """The parent's side of a streamed answer: a file-like reader over the child's frames.

    Reading to the end hands the child back to the pool; a deadline, an error or abandoning the
    result mid-stream kills it.
    """

    def __init__(self, pool: ChildPool, executor: Executor, deadline: float | None):
        self._pool = pool
        self._executor: Executor | None = executor
        self._deadline = deadline
        self._pending = b""
        self.started = False

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes (pyoxigraph's readers insist on that), b"" at the end."""
        self.started = True
        data = self._pending or self._next_chunk()
        if 0 <= size < len(data):
            data, self._pending = data[:size], data[size:]
        else:
            self._pending = b""
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def _next_chunk(self) -> bytes:
        if self._executor is None:
            return b""
        try:
            kind, payload = self._executor.read_frame(self._deadline)
        except BaseException:
            self._abandon()
            raise
        if kind == b"D":
            return payload
        if kind == b"Z":
            self._pool.checkin(self._executor)
            self._executor = None
            return b""
        self._abandon()
        raise error_from_frame(kind, payload)

    def chunks(self) -> Iterator[bytes]:
        while True:
            data = self.read()
            if not data:
                return
            yield data

    def pass_through(self, output: Any) -> bytes | None:
        """The answer in the child's own format, untouched: written to ``output``, or returned
        when it is None (for a caller that asked for that format and has read nothing yet)."""
        if output is None:
            return b"".join(self.chunks())
        for chunk in self.chunks():
            output.write(chunk)
        return None

    def _abandon(self) -> None:
        if self._executor is not None:
            executor, self._executor = self._executor, None
            self._pool.retire(executor)

    def __del__(self) -> None:
        self._abandon()



class ForkedSolutions:
    """A SELECT answer streamed from a child: behaves like pyoxigraph's QuerySolutions."""

    def __init__(self, stream: FramedResult):
        self._stream = stream
        self._parsed: ox.QuerySolutions | None = None

    def _solutions(self) -> ox.QuerySolutions:
        if self._parsed is None:
            self._parsed = ox.parse_query_results(self._stream, ox.QueryResultsFormat.TSV)
        return self._parsed

    @property
    def variables(self) -> list[ox.Variable]:
        return self._solutions().variables

    def __iter__(self) -> Iterator[ox.QuerySolution]:
        return iter(self._solutions())

    def serialize(self, output: Any = None,
                  format: ox.QueryResultsFormat = ox.QueryResultsFormat.JSON) -> bytes | None:
        if format == ox.QueryResultsFormat.TSV and not self._stream.started:
            return self._stream.pass_through(output)
        return self._solutions().serialize(output, format)


class ForkedTriples:
    """A CONSTRUCT or DESCRIBE answer streamed from a child, as N-Triples lines underneath."""

    def __init__(self, stream: FramedResult):
        self._stream = stream

    def __iter__(self) -> Iterator[ox.Triple]:
        for quad in ox.parse(self._stream, ox.RdfFormat.N_TRIPLES):
            yield quad.triple

    def serialize(self, output: Any = None,
                  format: ox.RdfFormat = ox.RdfFormat.N_TRIPLES) -> bytes | None:
        if format == ox.RdfFormat.N_TRIPLES and not self._stream.started:
            return self._stream.pass_through(output)
        return ox.serialize(iter(self), output, format)
