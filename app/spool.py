"""Answers spooled before the status line is sent, with the row cap counted on the way.

The engine's serialised bytes (TSV rows or N-Triples lines, written by pyoxigraph itself, never
turned into Python rows) go into a spooled temporary file that stays in memory while small and
moves to disk when big. Counting lines on the way gives the row cap exactly, and a timeout or
engine error still becomes a proper status code instead of a cut-off 200. Then pyoxigraph
converts the spool into the asked format, and the answer streams it out in chunks. Memory use
is bounded by the spool size, whatever the answer.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

import pyoxigraph as ox

from comgraph.store import QueryTimeout

SPOOL_IN_MEMORY = 8 << 20
CHUNK = 1 << 16
RQ = ox.QueryResultsFormat
RF = ox.RdfFormat


class RowCapReached(Exception):
    """Raised from inside pyoxigraph's serializer to stop it once the cap is passed."""


class _LineCappedSpool:
    """A write target for pyoxigraph that keeps the first ``header + cap`` lines.

    Each TSV row and each N-Triples triple is one line (newlines inside literals are escaped),
    so lines are rows. The deadline is checked here too, which bounds a remote answer that
    trickles in slowly.
    """

    def __init__(self, cap: int | None, header_lines: int, deadline: float | None):
        self.file: IO[bytes] = tempfile.SpooledTemporaryFile(SPOOL_IN_MEMORY)
        self.limit = None if cap is None else cap + header_lines
        self.header_lines = header_lines
        self.lines = 0
        self.deadline = deadline
        self.capped = False

    def write(self, data: bytes) -> int:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise QueryTimeout("the query ran past its time limit and was stopped")
        count = data.count(b"\n")
        if self.limit is not None and self.lines + count > self.limit:
            keep = self.limit - self.lines
            cut = -1
            for _ in range(keep):
                cut = data.index(b"\n", cut + 1)
            self.file.write(data[: cut + 1])
            self.lines = self.limit
            self.capped = True
            raise RowCapReached
        self.file.write(data)
        self.lines += count
        return len(data)

    def flush(self) -> None:
        pass

    @property
    def rows(self) -> int:
        return max(self.lines - self.header_lines, 0)


def is_solutions(result: Any) -> bool:
    """A SELECT answer? Asked without touching ``variables``, which may start reading a stream."""
    return (isinstance(result, ox.QuerySolutions) or hasattr(type(result), "variables")
            or "variables" in getattr(result, "__dict__", {}))


@dataclass
class Spooled:
    """An answer held in a spool: its lines, whether the cap cut it, and the spool itself."""

    file: IO[bytes]
    rows: int
    capped: bool

    def chunks(self) -> Iterator[bytes]:
        self.file.seek(0)
        try:
            while chunk := self.file.read(CHUNK):
                yield chunk
        finally:
            self.file.close()


def spool_solutions(result: Any, cap: int | None, deadline: float | None) -> Spooled:
    """Serialise a SELECT answer as TSV into a spool, keeping at most ``cap`` rows."""
    target = _LineCappedSpool(cap, 1, deadline)
    _serialize_into(result, target, RQ.TSV)
    if target.lines == 0:  # pyoxigraph writes the header with the first row or at the end
        target.file.write(b"\n")
    return Spooled(target.file, target.rows, target.capped)


def spool_triples(result: Any, cap: int | None, deadline: float | None) -> Spooled:
    """Serialise a CONSTRUCT or DESCRIBE answer as N-Triples into a spool (``cap`` triples)."""
    target = _LineCappedSpool(cap, 0, deadline)
    _serialize_into(result, target, RF.N_TRIPLES)
    return Spooled(target.file, target.rows, target.capped)


def _serialize_into(result: Any, target: _LineCappedSpool, fmt: Any) -> None:
    try:
        result.serialize(target, fmt)
    except RowCapReached:
        pass
    except BaseException:
        target.file.close()
        raise
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()  # stops a forked query whose answer is cut by the cap


def convert_solutions(spooled: Spooled, fmt: Any) -> Spooled:
    if fmt == RQ.TSV:
        return spooled
    spooled.file.seek(0)
    out = tempfile.SpooledTemporaryFile(SPOOL_IN_MEMORY)
    ox.parse_query_results(spooled.file, RQ.TSV).serialize(out, fmt)
    spooled.file.close()
    return Spooled(out, spooled.rows, spooled.capped)


def convert_triples(spooled: Spooled, fmt: Any, prefixes: dict[str, str] | None = None) -> Spooled:
    if fmt == RF.N_TRIPLES:
        return spooled
    spooled.file.seek(0)
    out = tempfile.SpooledTemporaryFile(SPOOL_IN_MEMORY)
    _write_triples(spooled.file, out, fmt, prefixes)
    spooled.file.close()
    return Spooled(out, spooled.rows, spooled.capped)


def small_body(spooled: Spooled, fmt: Any, prefixes: dict[str, str] | None = None) -> bytes | None:
    """The whole answer in ``fmt`` as bytes when the spool is small (at most CHUNK bytes of TSV
    or N-Triples), else None and the spool is left as it is, for :func:`convert_solutions` or
    :func:`convert_triples` and streaming.

    A small answer is converted from bytes to bytes by pyoxigraph in one call: no second spool,
    and no Python ``read``/``write`` calls in between. Any format is at most a few times larger
    than TSV or N-Triples, so the body stays small (a caller still streams it when it is over
    CHUNK, as it would a converted spool).
    """
    file = spooled.file
    if file.tell() > CHUNK:  # the spool's position is at its end
        return None
    file.seek(0)
    data = file.read()
    file.close()
    if isinstance(fmt, ox.QueryResultsFormat):
        return data if fmt == RQ.TSV else ox.parse_query_results(data, RQ.TSV).serialize(format=fmt)
    if fmt == RF.N_TRIPLES:
        return data
    return _write_triples(data, None, fmt, prefixes)


def _write_triples(source: Any, out: Any, fmt: Any, prefixes: dict[str, str] | None) -> bytes | None:
    triples = (quad.triple for quad in ox.parse(source, RF.N_TRIPLES))
    if fmt.supports_datasets:
        triples = (ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
    if prefixes and fmt in (RF.TURTLE, RF.TRIG, RF.RDF_XML):
        return ox.serialize(triples, out, fmt, prefixes=prefixes)
    return ox.serialize(triples, out, fmt)
