"""The embedded store: pyoxigraph, in memory (``oxigraph:``) or in a folder on disk.

A query given a ``timeout`` runs in a child process that is killed when the time is up
(see "timed queries" below), unless it is a SELECT of one triple pattern: such a query hands
over each row as soon as the index yields it, so it runs here and is stopped between rows
(see "queries that stream row by row"). Without a timeout a query runs in this process.
"""

from __future__ import annotations

import functools
import io
import json
import os
import re
import select
import shutil
import signal
import struct
import sys
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox

from comgraph.store import _child
from comgraph.store.base import (
    GraphName,
    LoadError,
    Progress,
    QueryError,
    QueryMemoryExceeded,
    QueryResult,
    QueryTimeout,
    Source,
    Store,
    StoreError,
    StoreUnavailable,
    Term,
    as_graph_name,
    load_error_from_parse_failure,
)
from comgraph.store.bindings import inject_values


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
        #: MB a timed query's child may allocate beyond what it starts with; 0: no cap.
        self.query_memory = default_query_memory() if query_memory is None else query_memory
        try:
            self._store = ox.Store(str(self.path)) if self.path else ox.Store()
        except OSError as exc:
            raise StoreUnavailable(f"cannot open the store in {self.path}: {exc}") from None
        if self.path is not None:
            remove_leftovers(self.path)
        # Timed queries: a pool of children per process (see "timed queries" below).
        self._pool_lock = threading.Lock()
        self._write_lock = threading.RLock()
        self._idle: list[_Executor] = []
        self._generation = 0
        self._pool_pid = os.getpid()
        self._opened_pid = os.getpid()
        self._snapshot: _Snapshot | None = None  # on disk: the newest snapshot for children

    def limit_query_memory(self, megabytes: int | None) -> None:
        self.query_memory = default_query_memory() if megabytes is None else int(megabytes)
        with self._pool_lock:  # idle children carry the old cap
            idle, self._idle = self._idle, []
        for executor in idle:
            self._retire(executor)

    # -- reading -----------------------------------------------------------------------

    def query(
        self,
        sparql: str,
        *,
        bindings: Mapping[str, Term] | None = None,
        timeout: float | None = None,
        default_graph: Sequence[GraphName] | None = None,
        named_graphs: Sequence[ox.NamedNode] | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        if bindings:
            sparql = inject_values(sparql, bindings)
        if timeout is not None:
            if default_graph is None and named_graphs is None and self.evaluates_inline(sparql):
                return self._streamed_query(sparql, timeout, base_iri)
            return self._timed_query(sparql, timeout, default_graph, named_graphs, base_iri)
        try:
            return self._store.query(
                sparql,
                base_iri=base_iri,
                default_graph=list(default_graph) if default_graph is not None else None,
                named_graphs=list(named_graphs) if named_graphs is not None else None,
            )
        except SyntaxError as exc:
            raise QueryError(str(exc)) from None
        except OSError as exc:
            raise StoreError(f"query failed: {exc}") from None

    def evaluates_inline(self, sparql: str) -> bool:
        # One index scan, stopped at its time limit between rows and serialised pieces. (A
        # RocksDB handle does not survive a fork: a forked process on disk asks a child.)
        return streams_row_by_row(sparql) and (self.path is None or os.getpid() == self._opened_pid)

    def _streamed_query(self, sparql: str, timeout: float, base_iri: str | None) -> QueryResult:
        deadline = time.monotonic() + timeout
        try:
            solutions = self._store.query(sparql, base_iri=base_iri)
        except SyntaxError as exc:
            raise QueryError(str(exc)) from None
        except OSError as exc:
            raise StoreError(f"query failed: {exc}") from None
        return StreamedSolutions(solutions, deadline)

    def _timed_query(self, sparql: str, timeout: float, default_graph: Sequence[GraphName] | None,
                     named_graphs: Sequence[ox.NamedNode] | None, base_iri: str | None) -> QueryResult:
        deadline = time.monotonic() + timeout
        executor = self._checkout()
        job = {
            "sparql": sparql,
            "base_iri": base_iri,
            "default_graph": None if default_graph is None else [
                None if isinstance(g, ox.DefaultGraph) else g.value for g in default_graph],
            "named_graphs": None if named_graphs is None else [g.value for g in named_graphs],
        }
        stream = _FramedResult(self, executor, deadline)
        try:
            executor.submit(job)
            kind, payload = executor.read_frame(deadline)
        except BaseException:
            stream._abandon()
            raise
        if kind == b"B":
            stream._executor = None
            self._checkin(executor)
            return ox.parse_query_results(payload, ox.QueryResultsFormat.JSON)
        if kind == b"S":
            return ForkedSolutions(stream)
        if kind == b"T":
            return ForkedTriples(stream)
        stream._abandon()
        raise _error_from_frame(kind, payload)

    def _checkout(self) -> _Executor:
        executor = None
        stale = []
        with self._pool_lock:
            if self._pool_pid != os.getpid():
                # This process was forked (a gunicorn worker): the idle children and the
                # snapshots belong to the parent. Drop our copies of the children's pipes and
                # start a pool of our own.
                stale, self._idle, self._snapshot = self._idle, [], None
                self._pool_pid = os.getpid()
            while self._idle:
                candidate = self._idle.pop()
                if candidate.spawned or candidate.generation == self._generation:
                    executor = candidate
                    break
                stale.append(candidate)
        for old in stale:
            self._retire(old)
        allowance = self.query_memory << 20
        if executor is None and self.path is None:
            # Fork only while no write is under way, so the child's snapshot is consistent and
            # no store lock is held at the moment of the fork.
            with self._write_lock:
                executor = _ForkedExecutor(self._store, self._generation, allowance)
        elif executor is None:
            executor = _SpawnedExecutor(self._generation, allowance)
        if self.path is not None:
            try:
                self._aim(executor)
            except BaseException:
                self._retire(executor)
                raise
        return executor

    def _aim(self, executor: _Executor) -> None:
        """Point a disk child at what it must read: the snapshot of the current generation."""
        if os.getpid() != self._opened_pid:
            # A forked process (a gunicorn worker) must not call RocksDB through the handle it
            # inherited for anything but short reads and writes: the background threads that
            # would flush or checkpoint are not there. Its children read the live folder, which
            # nothing compacts under them any more, and reopen it after every write made here.
            executor.target = (str(self.path), f"live-{os.getpid()}-{self._generation}")
            return
        with self._pool_lock:
            snapshot = self._snapshot
        if snapshot is None or snapshot.generation != self._generation:
            with self._write_lock:  # no write half-way, and one checkpoint per generation
                with self._pool_lock:
                    snapshot = self._snapshot
                if snapshot is None or snapshot.generation != self._generation:
                    folder = self.path / SNAPSHOTS
                    folder.mkdir(exist_ok=True)
                    snapshot = _Snapshot(folder / f"{self._generation}-{uuid.uuid4().hex[:12]}",
                                         self._generation)
                    try:
                        self._store.backup(str(snapshot.path))
                    except OSError as exc:
                        snapshot.delete()
                        raise StoreError(f"cannot snapshot the store for a query: {exc}") from None
                    with self._pool_lock:
                        old, self._snapshot = self._snapshot, snapshot
                        doomed = old if old is not None and old.users == 0 else None
                    if doomed is not None:
                        doomed.delete()
        with self._pool_lock:
            doomed = None
            if executor.snapshot is not snapshot:
                doomed = self._release(executor)
                snapshot.users += 1
                executor.snapshot = snapshot
        executor.target = (str(snapshot.path), snapshot.path.name)
        if doomed is not None:
            doomed.delete()

    def _release(self, executor: _Executor) -> _Snapshot | None:
        """Under the pool lock: the child no longer reads its snapshot. Returns the snapshot if
        nobody reads it any more and a newer one exists, for the caller to delete."""
        snapshot, executor.snapshot = executor.snapshot, None
        if snapshot is None:
            return None
        snapshot.users -= 1
        return snapshot if snapshot.users == 0 and snapshot is not self._snapshot else None

    def _retire(self, executor: _Executor) -> None:
        executor.close()
        with self._pool_lock:
            doomed = self._release(executor)
        if doomed is not None:
            doomed.delete()

    def _checkin(self, executor: _Executor) -> None:
        executor.busy = False
        doomed = None
        with self._pool_lock:
            keep = ((executor.spawned or executor.generation == self._generation)
                    and executor.owner == os.getpid() and len(self._idle) < MAX_IDLE_EXECUTORS)
            if keep:
                snapshot = executor.snapshot
                if snapshot is not None and snapshot.generation != self._generation:
                    try:  # written to while this child answered: let its snapshot go now
                        executor.drop()
                        doomed = self._release(executor)
                    except OSError:
                        keep = False
            if keep:
                self._idle.append(executor)
        if not keep:
            self._retire(executor)
        if doomed is not None:
            doomed.delete()

    def version(self) -> int:
        return self._generation

    def _wrote(self) -> None:
        """After a write: forked children hold a stale snapshot, retire them; disk children
        drop theirs (they read the next one at their next query), and a snapshot nobody reads
        is deleted."""
        doomed: list[_Snapshot] = []
        stale: list[_Executor] = []
        with self._pool_lock:
            self._generation += 1
            if self.path is None:
                stale, self._idle = self._idle, []
            else:
                for executor in self._idle:
                    if executor.snapshot is not None:
                        try:
                            executor.drop()  # a few bytes to an idle child: never blocks
                        except OSError:
                            stale.append(executor)
                        doomed.append(self._release(executor))
                self._idle = [e for e in self._idle if e not in stale]
                current = self._snapshot
                if current is not None and current.users == 0:
                    self._snapshot = None
                    doomed.append(current)
        for executor in stale:
            self._retire(executor)
        for snapshot in doomed:
            if snapshot is not None:
                snapshot.delete()

    def graphs(self) -> list[ox.NamedNode]:
        rows = self._store.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        return sorted((row["g"] for row in rows if isinstance(row["g"], ox.NamedNode)),
                      key=lambda g: g.value)

    def dump(self, output: IO[bytes], format: ox.RdfFormat, *,
             graph: GraphName | str | None = None) -> None:
        target = as_graph_name(graph)
        if target is None and not format.supports_datasets:
            target = ox.DefaultGraph()
        try:
            self._store.dump(output, format, from_graph=target)
        except OSError as exc:
            raise StoreError(f"dump failed: {exc}") from None

    # -- writing -----------------------------------------------------------------------

    def update(self, sparql: str, *, timeout: float | None = None, base_iri: str | None = None) -> None:
        # Updates run here, not in a child: a child's changes would land in its own copy.
        try:
            with self._write_lock:
                try:
                    self._store.update(sparql, base_iri=base_iri)
                finally:
                    self._wrote()
        except SyntaxError as exc:
            raise QueryError(str(exc)) from None
        except OSError as exc:
            raise StoreError(f"update failed: {exc}") from None

    def load(
        self,
        sources: Iterable[Source | str | Path],
        *,
        graph: ox.NamedNode | str | None = None,
        format: ox.RdfFormat | None = None,
        progress: Progress | None = None,
    ) -> int:
        items = [Source.coerce(s, format) for s in sources]
        target = as_graph_name(graph)
        for item in items:
            _check_target(item, target)
        # A parse error must leave the store as it was. In memory, pyoxigraph's load() is one
        # transaction per file and faster than bulk_load(), so one file needs no more; with
        # several, a later file failing after an earlier one was committed would leave a partial
        # load, so all are parsed first. On disk, transactional load() is several times slower
        # than bulk_load(), which is not atomic: parse everything first, then bulk load.
        bulk = self.path is not None
        read = 0
        if bulk or len(items) > 1:
            for item in items:
                read += self._check_parses(item)
        total = sum(item.size() for item in items) if progress else 0
        with self._write_lock:
            before = len(self._store) if not bulk else 0
            done = 0
            try:
                for item in items:
                    self._load_one(item, target, progress, done, total, bulk=bulk)
                    done += item.size() if progress else 0
            finally:
                self._wrote()
            return read if bulk else len(self._store) - before

    def _check_parses(self, item: Source) -> int:
        """Parse a source without loading it; return how many quads it holds."""
        count = 0
        with item.open() as stream:
            try:
                for _ in ox.parse(stream, item.rdf_format(), base_iri=_base_iri(item)):
                    count += 1
            except (SyntaxError, MemoryError) as exc:
                raise load_error_from_parse_failure(item.name, exc, item) from None
        return count

    def _load_one(self, item: Source, target: GraphName | None, progress: Progress | None,
                  done: int, total: int, *, bulk: bool) -> None:
        fmt = item.rdf_format()
        kwargs = {"format": fmt, "base_iri": _base_iri(item)}
        if target is not None and not fmt.supports_datasets:
            kwargs["to_graph"] = target
        load = self._store.bulk_load if bulk else self._store.load
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
        with self._pool_lock:
            idle, self._idle = self._idle, []
        for executor in idle:
            self._retire(executor)
        with self._pool_lock:
            current = self._snapshot
            if current is not None and current.users == 0 and os.getpid() == self._opened_pid:
                self._snapshot = None
            else:
                current = None
        if current is not None:
            current.delete()
        if self.path is not None:
            self._store.flush()


def _check_target(item: Source, target: GraphName | None) -> None:
    if isinstance(target, ox.NamedNode) and item.rdf_format().supports_datasets:
        raise LoadError(
            item.name,
            f"--graph applies to triple formats only; {item.rdf_format().name} names its own graphs",
        )


def _base_iri(item: Source) -> str | None:
    return item.path.resolve().as_uri() if item.path is not None else None


# -- queries that stream row by row: evaluated here, stopped between rows ----------------------
#
# A SELECT whose pattern is one triple pattern (no join, filter, path, DISTINCT, ORDER BY,
# OFFSET, aggregate or subquery, and no variable repeated in it) is answered by one index scan:
# every row the scan yields is a row of the answer, so each step of the iterator is short and
# the time limit can be checked between rows and stop the scan by dropping it. No child is
# needed, and such a query (a lookup by IRI is the common case) skips the hand-off to a
# process. Anything the pattern below does not match exactly goes to a child as before.

_IRI = r"<[^<>\"{}|^`\\\x00-\x20]*>"
_PNAME = r"(?:[A-Za-z][\w-]*)?:(?:[\w-]+(?:\.[\w-]+)*)?"
_VAR = r"[?$][A-Za-z_][A-Za-z0-9_]*"
_LITERAL = (r"(?:\"(?:[^\"\\\n\r]|\\[tbnrf\"'\\])*\"|'(?:[^'\\\n\r]|\\[tbnrf\"'\\])*')"
            rf"(?:@[A-Za-z]+(?:-[A-Za-z0-9]+)*|\^\^(?:{_IRI}|{_PNAME}))?|[+-]?\d+(?:\.\d+)?")
_ONE_PATTERN_SELECT = re.compile(
    rf"""\s*(?:(?:PREFIX\s+(?:[A-Za-z][\w-]*)?:\s*{_IRI}|BASE\s+{_IRI})\s*)*
    SELECT\s+(?:\*|(?:{_VAR}\s*)+)\s*(?:WHERE\s*)?
    \{{\s*(?P<s>{_IRI}|{_VAR}|{_PNAME})\s+(?P<p>{_IRI}|{_VAR}|{_PNAME}|a)
    \s+(?P<o>{_IRI}|{_VAR}|{_PNAME}|{_LITERAL})\s*\.?\s*\}}
    \s*(?:LIMIT\s+\d+\s*)?""",
    re.IGNORECASE | re.VERBOSE,
)


def streams_row_by_row(sparql: str) -> bool:
    """Whether ``sparql`` is a SELECT of one triple pattern, answered row by row by one scan."""
    if len(sparql) > 4096:
        return False
    return _one_pattern_select(sparql)


@functools.lru_cache(maxsize=512)  # texts of at most 4 KB: a few MB at worst
def _one_pattern_select(sparql: str) -> bool:
    # Memoised: a service sees the same short queries again and again, and the answer depends
    # on the text alone.
    match = _ONE_PATTERN_SELECT.fullmatch(sparql)
    if match is None:
        return False
    # ?x ?x ?o makes the engine skip, inside one step, every triple whose two positions differ.
    names = [t[1:] for t in match.group("s", "p", "o") if t[0] in "?$"]
    return len(names) == len(set(names))


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


# -- timed queries: evaluated in a child process that can be killed ---------------------------
#
# pyoxigraph has no cancel: aggregates and ORDER BY do all their work inside query(), with the
# GIL released, and nothing can stop them from another thread. A time limit that really stops
# the work therefore needs a process to kill. Each timed query runs in a child process, which
# evaluates it and streams the serialised answer back through a pipe (TSV for solutions,
# N-Triples for triples: one row or triple per line, so callers can count and cut by lines).
# Children are kept and reused, so a cheap query pays a pipe round trip. When a deadline
# passes, the child is killed with SIGKILL and the caller gets QueryTimeout. Each child may
# allocate at most ``query_memory`` MB more than it holds when it starts (RLIMIT_DATA, see
# ``_child.limit_memory``); past it the child dies and the caller gets QueryMemoryExceeded.
#
# * In memory, a child is forked from this process: it sees a copy-on-write snapshot of the
#   store (no copy is made, pages are shared). A write bumps the store's generation: older
#   children see a stale snapshot and are retired.
# * On disk, a child is a fresh interpreter (posix_spawn of ``_child.py``), never a fork: RocksDB
#   keeps process-wide state (its default Env's thread pools and their mutexes) that its
#   background threads lock, and a fork taken while one of them holds such a lock leaves the
#   child's copy locked for ever; the child's read-only open then hangs (caught in gdb:
#   ``ThreadPoolImpl::Impl::SetBackgroundThreadsInternal`` under ``DBOptions::IncreaseParallelism``
#   under ``Store.read_only``), and the query waits out its whole time limit. A child reads a
#   snapshot of the store: a RocksDB checkpoint (``Store.backup``, hard links to the immutable
#   table files) made once per generation under ``.comgraph-snapshots/`` in the store's folder,
#   which no compaction can delete under it (a read-only instance of the live folder could lose
#   that race: "No such file"). A child moves to the newest snapshot at its next query instead
#   of being retired, and a snapshot is deleted once no child reads it and a newer one exists.

_HEADER = _child.HEADER
_CHUNK = _child.CHUNK
#: Idle children kept per process; more are started when more queries run at once.
MAX_IDLE_EXECUTORS = 4
#: The memory (MB) a timed query's child may allocate beyond what it holds when it starts.
DEFAULT_QUERY_MEMORY_MB = 1024
SNAPSHOTS = ".comgraph-snapshots"
_CHILD_SCRIPT = str(Path(_child.__file__).resolve())
_PYOXIGRAPH_SITE = str(Path(ox.__file__).resolve().parent.parent)
# Held while a child is started, so that no other child starts in the middle and inherits the
# pipes meant for this one (a forked child also closes every descriptor it does not need).
_START_LOCK = threading.Lock()
_write_all = _child.write_all


def default_query_memory(env: Mapping[str, str] | None = None) -> int:
    """``COMGRAPH_QUERY_MEMORY`` (MB; 0 for no cap), else the default."""
    value = (os.environ if env is None else env).get("COMGRAPH_QUERY_MEMORY", "").strip()
    if not value:
        return DEFAULT_QUERY_MEMORY_MB
    try:
        megabytes = int(value)
    except ValueError:
        raise StoreError(f"COMGRAPH_QUERY_MEMORY={value!r}: expected a whole number of MB") from None
    if megabytes < 0:
        raise StoreError(f"COMGRAPH_QUERY_MEMORY={value!r}: expected 0 (no cap) or more")
    return megabytes


def remove_leftovers(folder: Path) -> list[str]:
    """Delete what a killed process left in a store folder that it had open for writing.

    * ``bulk-<number>.sst``: pyoxigraph's ``bulk_load`` writes the table files it builds under
      these names and hands them to RocksDB at the end (RocksDB then links them under its own
      names, ``<number>.sst``, and pyoxigraph removes these). RocksDB never refers to a file of
      this name, so one that is left is the remainder of a load that did not finish.
    * ``.comgraph-snapshots/``: the query children's snapshots (hard links) of a server that
      is gone.

    Call it only once the folder is open for writing here: RocksDB's lock then keeps every
    other writer out. Returns the names removed.
    """
    removed = []
    for entry in folder.glob("bulk-*.sst"):
        if re.fullmatch(r"bulk-\d+\.sst", entry.name) and entry.is_file():
            try:
                entry.unlink()
                removed.append(entry.name)
            except FileNotFoundError:
                pass
    snapshots = folder / SNAPSHOTS
    if snapshots.is_dir():
        shutil.rmtree(snapshots, ignore_errors=True)
        removed.append(SNAPSHOTS)
    return removed


class _Snapshot:
    """A checkpoint of a disk store for one generation, and how many children read it."""

    def __init__(self, path: Path, generation: int):
        self.path, self.generation, self.users = path, generation, 0

    def delete(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def _stderr_file() -> int:
    """A file for a child's stderr, which the parent reads when the child dies."""
    try:
        return os.memfd_create("comgraph-query-child-stderr", os.MFD_CLOEXEC)
    except (AttributeError, OSError):  # pragma: no cover - memfd is Linux-only
        import tempfile

        handle = tempfile.TemporaryFile()
        fd = os.dup(handle.fileno())
        handle.close()
        return fd


def _close_fds_except(keep: set[int]) -> None:
    """Close every descriptor but ``keep`` (in a forked child: the parent's sockets, other
    children's pipes, the store's files)."""
    low = 0
    for fd in sorted(keep):
        if fd > low:
            os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, os.sysconf("SC_OPEN_MAX") if hasattr(os, "sysconf") else 1 << 16)


# What a child prints on its way out when an allocation failed under its RLIMIT_DATA: Rust's
# allocator, then C++ (RocksDB) and glibc's own messages.
_OUT_OF_MEMORY = ("memory allocation of", "std::bad_alloc", "Cannot allocate memory",
                  "cannot allocate memory")


class _Executor:
    """One child process and the parent's ends of its pipes and of its stderr."""

    spawned = False

    def _adopt(self, pid: int, requests_w: int, results_r: int, stderr: int, generation: int,
               allowance: int) -> None:
        self.pid = pid
        self.owner = os.getpid()
        self.generation = generation
        self.allowance = allowance
        self.requests = requests_w
        self.results = results_r
        self.stderr = stderr
        self.busy = False
        self.reaped = False
        self.snapshot: _Snapshot | None = None
        self.target: tuple[str, str] | None = None  # the folder a disk child reads, and its key
        self.inbox = bytearray()
        self.poller = select.poll()
        self.poller.register(results_r, select.POLLIN | select.POLLHUP | select.POLLERR)

    def submit(self, job: dict[str, Any]) -> None:
        if self.target is not None:
            job["open"], job["key"] = self.target
        payload = json.dumps(job).encode()
        self.busy = True
        _write_all(self.requests, struct.pack("!I", len(payload)) + payload)

    def drop(self) -> None:
        """Tell an idle disk child to close the snapshot it reads (no answer comes)."""
        payload = b'{"drop": true}'
        _write_all(self.requests, struct.pack("!I", len(payload)) + payload)
        self.target = None

    def read_frame(self, deadline: float | None) -> tuple[bytes, bytes]:
        header = self._read(_HEADER.size, deadline)
        kind, length = _HEADER.unpack(header)
        return kind, self._read(length, deadline) if length else b""

    def _read(self, size: int, deadline: float | None) -> bytes:
        # Read whatever the child has written (often a whole small answer at once) and serve
        # frames from that buffer: one poll and one read per answer, not one per frame.
        while len(self.inbox) < size:
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0 or not self.poller.poll(left * 1000):
                    raise QueryTimeout("the query ran past its time limit and was stopped")
            chunk = os.read(self.results, 1 << 18)
            if not chunk:
                raise self._ended()
            self.inbox += chunk
        data = bytes(self.inbox[:size])
        del self.inbox[:size]
        return data

    def _ended(self) -> StoreError:
        """The child closed its end of the pipe: it died. Say why."""
        status, usage = self._reap()
        output = self._output()
        peak = f" (its process peaked at {usage.ru_maxrss // 1024} MB resident)" if usage is not None else ""
        if any(sign in output for sign in _OUT_OF_MEMORY):
            if not self.allowance:  # no cap: the machine itself is out of memory
                return QueryMemoryExceeded(f"the query process ran out of memory{peak}")
            return QueryMemoryExceeded(
                f"the query needed more memory than the {self.allowance >> 20} MB a query may use "
                f"and was stopped{peak}")
        if status is not None and os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL:
            # Not this process (its kills go through close()): the kernel's out-of-memory killer.
            return QueryMemoryExceeded(
                f"the query process was killed by the system, which ran out of memory{peak}")
        if output:
            sys.stderr.write(output if output.endswith("\n") else output + "\n")
        if status is None:
            how = "unknown status"
        elif os.WIFSIGNALED(status):
            how = f"killed by {signal.Signals(os.WTERMSIG(status)).name}"
        else:
            how = f"exit code {os.waitstatus_to_exitcode(status)}"
        return StoreError(f"the query process ended without an answer ({how})")

    def _reap(self) -> tuple[int | None, Any]:
        if self.reaped or self.owner != os.getpid():
            return None, None
        give_up = time.monotonic() + 5
        while True:
            try:
                pid, status, usage = os.wait4(self.pid, os.WNOHANG)
            except ChildProcessError:
                return None, None
            if pid:
                self.reaped = True
                return status, usage
            if time.monotonic() > give_up:
                return None, None
            time.sleep(0.005)

    def _output(self) -> str:
        """The last 64 KB the child wrote to stderr."""
        try:
            size = os.fstat(self.stderr).st_size
            data = os.pread(self.stderr, min(size, 1 << 16), max(0, size - (1 << 16)))
        except OSError:
            return ""
        return data.decode("utf-8", "replace")

    def close(self) -> None:
        """Stop the child (at once, even mid-query) and release its pipes."""
        for fd in (self.requests, self.results, self.stderr):
            try:
                os.close(fd)
            except OSError:
                pass
        if self.owner != os.getpid() or self.reaped:
            return  # inherited through a fork (the child belongs to another process), or gone
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        self.reaped = True


class _ForkedExecutor(_Executor):
    """A child forked from this process, reading the in-memory store it inherited."""

    def __init__(self, store: ox.Store, generation: int, allowance: int):
        with _START_LOCK:
            requests_r, requests_w = os.pipe()
            results_r, results_w = os.pipe()
            stderr = _stderr_file()
            pid = os.fork()
            if pid == 0:  # the child: never returns, never runs the parent's exit handlers
                code = 0
                try:
                    os.dup2(stderr, 2)
                    _close_fds_except({0, 1, 2, requests_r, results_w})
                    signal.signal(signal.SIGINT, signal.SIG_DFL)
                    signal.signal(signal.SIGTERM, signal.SIG_DFL)
                    _child.serve(ox, store, requests_r, results_w, allowance)
                except BaseException:  # noqa: BLE001 - a child has nobody to report to but its pipe
                    code = 1
                finally:
                    os._exit(code)
            os.close(requests_r)
            os.close(results_w)
        self._adopt(pid, requests_w, results_r, stderr, generation, allowance)


class _SpawnedExecutor(_Executor):
    """A fresh interpreter running ``_child.py``, reading a disk store's folder read-only."""

    spawned = True

    def __init__(self, generation: int, allowance: int):
        with _START_LOCK:
            requests_r, requests_w = os.pipe()
            results_r, results_w = os.pipe()
            stderr = _stderr_file()
            try:
                os.set_inheritable(requests_r, True)
                os.set_inheritable(results_w, True)
                argv = [sys.executable, "-I", "-S", _CHILD_SCRIPT, _PYOXIGRAPH_SITE,
                        str(requests_r), str(results_w), str(allowance)]
                pid = os.posix_spawn(sys.executable, argv, os.environ,
                                     file_actions=[(os.POSIX_SPAWN_DUP2, stderr, 2)])
            except BaseException:
                for fd in (requests_w, results_r, stderr):
                    os.close(fd)
                raise
            finally:
                os.close(requests_r)
                os.close(results_w)
        self._adopt(pid, requests_w, results_r, stderr, generation, allowance)


class _FramedResult:
    """The parent's side of a streamed answer: a file-like reader over the child's frames.

    Reading to the end hands the child back to the pool; a deadline, an error or abandoning the
    result mid-stream kills it.
    """

    def __init__(self, store: OxigraphStore, executor: _Executor, deadline: float | None):
        self._store = store
        self._executor: _Executor | None = executor
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
            self._store._checkin(self._executor)
            self._executor = None
            return b""
        self._abandon()
        raise _error_from_frame(kind, payload)

    def chunks(self) -> Iterator[bytes]:
        while True:
            data = self.read()
            if not data:
                return
            yield data

    def _abandon(self) -> None:
        if self._executor is not None:
            executor, self._executor = self._executor, None
            self._store._retire(executor)

    def __del__(self) -> None:
        self._abandon()


def _error_from_frame(kind: bytes, payload: bytes) -> StoreError:
    if kind == b"E":
        error = json.loads(payload)
        if error["kind"] == "syntax":
            return QueryError(error["message"])
        if error["kind"] == "memory":
            return QueryMemoryExceeded("the query needed more memory than a query may use "
                                       "and was stopped")
        return StoreError(f"query failed: {error['message']}")
    return StoreError(f"unexpected answer from the query process: {kind!r}")


class ForkedSolutions:
    """A SELECT answer streamed from a child: behaves like pyoxigraph's QuerySolutions."""

    def __init__(self, stream: _FramedResult):
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
            # Already in the asked format: pass the child's bytes through untouched.
            if output is None:
                return b"".join(self._stream.chunks())
            for chunk in self._stream.chunks():
                output.write(chunk)
            return None
        return self._solutions().serialize(output, format)


class ForkedTriples:
    """A CONSTRUCT or DESCRIBE answer streamed from a child, as N-Triples lines underneath."""

    def __init__(self, stream: _FramedResult):
        self._stream = stream

    def __iter__(self) -> Iterator[ox.Triple]:
        for quad in ox.parse(self._stream, ox.RdfFormat.N_TRIPLES):
            yield quad.triple

    def serialize(self, output: Any = None,
                  format: ox.RdfFormat = ox.RdfFormat.N_TRIPLES) -> bytes | None:
        if format == ox.RdfFormat.N_TRIPLES and not self._stream.started:
            if output is None:
                return b"".join(self._stream.chunks())
            for chunk in self._stream.chunks():
                output.write(chunk)
            return None
        return ox.serialize(iter(self), output, format)
