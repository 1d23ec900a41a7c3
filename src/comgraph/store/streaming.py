"""Queries that stream row by row: a SELECT of one triple pattern, evaluated in the calling
thread and stopped between rows at its time limit.

A SELECT whose pattern is one triple pattern (no join, filter, path, DISTINCT, ORDER BY,
OFFSET, aggregate or subquery, and no variable repeated in it) is answered by one index scan:
every row the scan yields is a row of the answer, so each step of the iterator is short and
the time limit can be checked between rows and stop the scan by dropping it. No child process
is needed (see ``comgraph.store.executor``), and such a query (a lookup by IRI is the common
case) skips the hand-off to a process. Anything the pattern below does not match exactly goes
to a child as before.

The embedded store (``comgraph.store.oxigraph``) asks
:func:`comgraph.sparql_text.is_one_pattern_select` which way a timed query
goes, and wraps the scan in :class:`StreamedSolutions`.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from typing import Any

import pyoxigraph as ox

from comgraph.store.base import QueryTimeout


class _DeadlineWriter:
    """A write target that stops a serialiser once the deadline has passed."""

    def __init__(self, target: Any, deadline: float):
        self.target, self.deadline = target, deadline

    def write(self, data: bytes) -> int:
        if time.monotonic() > self.deadline:
            raise QueryTimeout("the query ran past its time limit and was stopped")
        return self.target.write(data)

    def flush(self) -> None:
        pass


class StreamedSolutions:
    """A one-pattern SELECT evaluated in this process, stopped between rows at its deadline.

    pyoxigraph serialises into the given output in pieces of about 8 KB (some hundred rows), and
    the deadline is checked at each piece, so the scan is dropped within one piece of the limit.
    """

    def __init__(self, solutions: ox.QuerySolutions, deadline: float):
        self._solutions = solutions
        self._deadline = deadline

    @property
    def variables(self) -> list[ox.Variable]:
        return self._solutions.variables

    def __iter__(self) -> Iterator[ox.QuerySolution]:
        for solution in self._solutions:
            if time.monotonic() > self._deadline:
                raise QueryTimeout("the query ran past its time limit and was stopped")
            yield solution

    def serialize(self, output: Any = None,
                  format: ox.QueryResultsFormat = ox.QueryResultsFormat.JSON) -> bytes | None:
        target = output if output is not None else io.BytesIO()
        self._solutions.serialize(_DeadlineWriter(target, self._deadline), format)
        return None if output is not None else target.getvalue()

