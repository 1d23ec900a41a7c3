"""The embedded store: pyoxigraph, in memory (``oxigraph:``) or in a folder on disk.

This module is the Store implementation: reads, writes, loads, dumps. A query given a
``timeout`` runs in a child process that is killed when the time is up
(``comgraph.store.executor``, pooled by ``comgraph.store.pool``, its answer read through
``comgraph.store.framed``), unless it is a SELECT of one triple pattern: such a query hands
over each row as soon as the index yields it, so it runs here and is stopped between rows
(``comgraph.store.streaming``). Without a timeout a query runs in this process.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, TypeVar

import pyoxigraph as ox

from comgraph.sparql_text import is_one_pattern_select
from comgraph.store._child import is_stale_files
from comgraph.store.base import (
    GraphName,
    LoadError,
    Progress,
    QueryError,
    QueryResult,
    Source,
    Store,
    StoreError,
    as_graph_name,
    check_parses,
    load_error_from_parse_failure,
    source_base_iri,
)
from comgraph.store.executor import Executor, default_query_memory, error_from_frame
from comgraph.store.framed import ForkedSolutions, ForkedTriples, FramedResult
from comgraph.store.handle import Handle
from comgraph.store.pool import ChildPool, remove_leftovers
from comgraph.store.streaming import StreamedSolutions

T = TypeVar("T")


class _CountingReader:
    """A file wrapper that reports how far a parser has read, for the progress bar."""

    def __init__(self, raw: IO[bytes], progress: Progress, done: int, total: int):
        self._raw, self._progress, self._done, self._total = raw, progress, done, total

    def read(self, size: int = -1) -> bytes:
        chunk = self._raw.read(size)
        self._done += len(chunk)
        self._progress(self._done, self._total)
        return chunk

    def readinto(self, buffer: bytearray) -> int:  # pragma: no cover - used by some readers
        n = self._raw.readinto(buffer)
        self._done += n or 0
        self._progress(self._done, self._total)
        return n


class OxigraphStore(Store):
    """pyoxigraph's Store behind the comgraph contract."""

    holds_data_in_process = True

    def __init__(self, path: str | Path | None = None, *, query_memory: int | None = None):
        self.path = Path(path) if path else None
        self.url = f"oxigraph://{self.path.resolve()}" if self.path else "oxigraph:"
        self._write_lock = threading.RLock()
        # Timed queries: a pool of children per process (comgraph.store.pool).
        self._pool = ChildPool(self.path, self._write_lock, os.getpid(),
                               default_query_memory() if query_memory is None else query_memory)
        # The pyoxigraph handle this process may use, across forks (comgraph.store.handle).
        self._handle = Handle(self.path, self._pool.wrote)
        if self.path is not None:
            remove_leftovers(self.path)

    @property
    def query_memory(self) -> int:
        """MB a timed query's child may allocate beyond what it starts with; 0: no cap."""
        return self._pool.query_memory

    def limit_query_memory(self, megabytes: int | None) -> None:
        self._pool.set_query_memory(default_query_memory() if megabytes is None else int(megabytes))

    # -- reading -----------------------------------------------------------------------

    def _evaluate(self, sparql: str, timeout: float | None, default_graph: Sequence[GraphName] | None,
                  named_graphs: Sequence[ox.NamedNode] | None, base_iri: str | None) -> QueryResult:
        if timeout is not None:
            if default_graph is None and named_graphs is None and self._streams(sparql):
                return self._streamed_query(sparql, timeout, base_iri)
            return self._timed_query(sparql, timeout, default_graph, named_graphs, base_iri)
        try:
            return self._read(lambda db: db.query(
                sparql,
                base_iri=base_iri,
                default_graph=list(default_graph) if default_graph is not None else None,
                named_graphs=list(named_graphs) if named_graphs is not None else None,
            ))
        except SyntaxError as exc:
            raise QueryError(str(exc)) from None
        except OSError as exc:
            raise StoreError(f"query failed: {exc}") from None

    def _streams(self, sparql: str) -> bool:
        """Whether a timed query is one index scan, evaluated here and stopped at its time limit
        between rows and serialised pieces (``comgraph.store.streaming``), not in a child. (A
        forked process on disk reads through its own read-only instance, see ``_read``.)"""
        return is_one_pattern_select(sparql)

    def _streamed_query(self, sparql: str, timeout: float, base_iri: str | None) -> QueryResult:
        deadline = time.monotonic() + timeout
        try:
            solutions = self._read(lambda db: db.query(sparql, base_iri=base_iri))
        except SyntaxError as exc:
            raise QueryError(str(exc)) from None
        except OSError as exc:
            raise StoreError(f"query failed: {exc}") from None
        return StreamedSolutions(solutions, deadline)

    def _timed_query(self, sparql: str, timeout: float, default_graph: Sequence[GraphName] | None,
                     named_graphs: Sequence[ox.NamedNode] | None, base_iri: str | None) -> QueryResult:
        deadline = time.monotonic() + timeout
        executor = self._checkout(deadline)
        job = {
            "sparql": sparql,
            "base_iri": base_iri,
            "default_graph": None if default_graph is None else [
                None if isinstance(g, ox.DefaultGraph) else g.value for g in default_graph],
            "named_graphs": None if named_graphs is None else [g.value for g in named_graphs],
        }
        stream = FramedResult(self._pool, executor, deadline)
        try:
            executor.submit(job)
            kind, payload = executor.read_frame(deadline)
        except BaseException:
            stream._abandon()
            raise
        if kind == b"B":
            stream._executor = None
            self._pool.checkin(executor)
            return ox.parse_query_results(payload, ox.QueryResultsFormat.JSON)
        if kind == b"S":
            return ForkedSolutions(stream)
        if kind == b"T":
            return ForkedTriples(stream)
        stream._abandon()
        raise error_from_frame(kind, payload)

    def _checkout(self, deadline: float | None = None) -> Executor:
        return self._pool.checkout(self._handle.get(), deadline)

    def version(self) -> int:
        if self._handle.forked:
            self._handle.get()  # opened again if someone else wrote, which bumps the generation
        return self._pool.generation

    def _read(self, read: Callable[[ox.Store], T]) -> T:
        """``read(handle)`` with this process's handle. A forked process reads a live folder
        through a read-only instance, which can lose a race with the writer's compaction (a file
        it lists is gone): it opens the folder again and retries, twice at most."""
        for attempt in range(3):
            try:
                return read(self._handle.get())
            except OSError as exc:
                if attempt == 2 or not self._handle.forked or not is_stale_files(exc):
                    raise
                self._handle.invalidate()
        raise AssertionError("unreachable")

    def _wrote(self) -> None:
        self._pool.wrote()

    def graphs(self) -> list[ox.NamedNode]:
        def named(db: ox.Store) -> list[ox.NamedNode]:
            rows = db.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
            return [row["g"] for row in rows if isinstance(row["g"], ox.NamedNode)]

        return sorted(self._read(named), key=lambda g: g.value)

    def dump(self, output: IO[bytes], format: ox.RdfFormat, *,
             graph: GraphName | str | None = None) -> None:
        target = as_graph_name(graph)
        if target is None and not format.supports_datasets:
            target = ox.DefaultGraph()
        try:
            self._handle.get().dump(output, format, from_graph=target)
        except OSError as exc:
            raise StoreError(f"dump failed: {exc}") from None

    # -- writing -----------------------------------------------------------------------

    def update(self, sparql: str, *, timeout: float | None = None, base_iri: str | None = None) -> None:
        # Updates run here, not in a child: a child's changes would land in its own copy.
        try:
            with self._write_lock:
                db = self._handle.writable()
                try:
                    db.update(sparql, base_iri=base_iri)
                finally:
                    self._wrote()
        except SyntaxError as exc:
            raise QueryError(str(exc)) from None
        except OSError as exc:
            raise StoreError(f"update failed: {exc}") from None

    def _load(self, items: list[Source], target: GraphName | None, progress: Progress | None) -> int:
        # A parse error must leave the store as it was. In memory, pyoxigraph's load() is one
        # transaction per file and faster than bulk_load(), so one file needs no more; with
        # several, a later file failing after an earlier one was committed would leave a partial
        # load, so all are parsed first. On disk, transactional load() is several times slower
        # than bulk_load(), which is not atomic: parse everything first, then bulk load.
        #
        # An empty disk store has nothing to keep: it is bulk loaded straight away and, if a file
        # does not parse, emptied again (``clear``), which is all-or-nothing without the second
        # parse (about 15% of a first load of 1M triples; benchmarks, "load").
        bulk = self.path is not None
        total = sum(item.size() for item in items) if progress else 0
        if bulk:
            with self._write_lock:
                if _is_empty(self._handle.writable()):
                    return self._load_into_empty(items, target, progress, total)
        read = 0
        if bulk or len(items) > 1:
            for item in items:
                read += check_parses(item)
        with self._write_lock:
            db = self._handle.writable()
            before = len(db) if not bulk else 0
            done = 0
            try:
                for item in items:
                    self._load_one(db, item, target, progress, done, total, bulk=bulk)
                    done += item.size() if progress else 0
            finally:
                self._wrote()
            return read if bulk else len(db) - before

    def _load_into_empty(self, items: list[Source], target: GraphName | None, progress: Progress | None,
                         total: int) -> int:
        """Bulk load into an empty disk store (the write lock held); a failure empties it again."""
        db = self._handle.writable()
        done = 0
        try:
            for item in items:
                self._load_one(db, item, target, progress, done, total, bulk=True)
                done += item.size() if progress else 0
        except BaseException:
            db.clear()
            for graph in list(db.named_graphs()):
                db.remove_graph(graph)
            db.flush()
            raise
        finally:
            self._wrote()
        return len(db)

    def _load_one(self, db: ox.Store, item: Source, target: GraphName | None, progress: Progress | None,
                  done: int, total: int, *, bulk: bool) -> None:
        fmt = item.rdf_format()
        kwargs = {"format": fmt, "base_iri": source_base_iri(item)}
        if target is not None and not fmt.supports_datasets:
            kwargs["to_graph"] = target
        load = db.bulk_load if bulk else db.load
        try:
            if item.path is not None and progress is None:
                load(path=str(item.path), **kwargs)
            else:
                with item.open() as raw:
                    stream = _CountingReader(raw, progress, done, total) if progress else raw
                    load(stream, **kwargs)
        except (SyntaxError, MemoryError) as exc:
            raise load_error_from_parse_failure(item.name, exc, item) from None
        except FileNotFoundError:
            raise LoadError(item.name, "no such file") from None
        except OSError as exc:
            raise LoadError(item.name, str(exc)) from None

    def close(self) -> None:
        """Stop the query children and let go of the files, flushed (RocksDB's lock too, in the
        process that opened the store); a store used again opens them again. A process about to
        fork workers calls it first (see ``comgraph.store.handle``)."""
        self._pool.close()
        self._handle.release()


def _is_empty(db: ox.Store) -> bool:
    """No quad and no named graph (``len`` would count every quad of a disk store)."""
    return (next(iter(db.quads_for_pattern(None, None, None, None)), None) is None
            and next(iter(db.named_graphs()), None) is None)
