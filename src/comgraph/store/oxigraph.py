"""The embedded store: pyoxigraph, in memory (``oxigraph:``) or in a folder on disk.

A query given a ``timeout`` runs in a forked child process that is killed when the time is up
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
import signal
import struct
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox

from comgraph.store.base import (
    GraphName,
    LoadError,
    Progress,
    QueryError,
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

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path else None
        self.url = f"oxigraph://{self.path.resolve()}" if self.path else "oxigraph:"
        try:
            self._store = ox.Store(str(self.path)) if self.path else ox.Store()
        except OSError as exc:
            raise StoreUnavailable(f"cannot open the store in {self.path}: {exc}") from None
        # Timed queries: a pool of forked children per process, retired after every write.
        self._pool_lock = threading.Lock()
        self._write_lock = threading.RLock()
        self._idle: list[_Executor] = []
        self._generation = 0
        self._pool_pid = os.getpid()
        self._opened_pid = os.getpid()

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
        with self._pool_lock:
            if self._pool_pid != os.getpid():
                # This process was forked (a gunicorn worker): the idle children belong to the
                # parent. Drop our copies of their pipes and start a pool of our own.
                for executor in self._idle:
                    executor.close()
                self._idle = []
                self._pool_pid = os.getpid()
            while self._idle:
                executor = self._idle.pop()
                if executor.generation == self._generation:
                    return executor
                executor.close()
        # Fork only while no write is under way, so the child's snapshot is consistent and no
        # store lock is held at the moment of the fork.
        with self._write_lock:
            if self.path is not None:
                self._store.flush()
            return _Executor(self._store, self.path, self._generation)

    def _checkin(self, executor: _Executor) -> None:
        executor.busy = False
        with self._pool_lock:
            keep = (executor.generation == self._generation and executor.owner == os.getpid()
                    and len(self._idle) < MAX_IDLE_EXECUTORS)
            if keep:
                self._idle.append(executor)
        if not keep:
            executor.close()

    def version(self) -> int:
        return self._generation

    def _wrote(self) -> None:
        """After a write: children forked before it hold a stale snapshot, retire them."""
        with self._pool_lock:
            self._generation += 1
            stale, self._idle = self._idle, []
        for executor in stale:
            executor.close()

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
            executor.close()
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


# -- timed queries: evaluated in a forked child that can be killed ----------------------------
#
# pyoxigraph has no cancel: aggregates and ORDER BY do all their work inside query(), with the
# GIL released, and nothing can stop them from another thread. A time limit that really stops
# the work therefore needs a process to kill. Each timed query runs in a child forked from this
# process: it sees a copy-on-write snapshot of the store (no copy is made, pages are shared),
# evaluates the query, and streams the serialised answer back through a pipe (TSV for solutions,
# N-Triples for triples: one row or triple per line, so callers can count and cut by lines).
# Children are kept and reused, so a cheap query pays a pipe round trip, not a fork. A write
# bumps the store's generation: older children see a stale snapshot and are retired. When a
# deadline passes, the child is killed with SIGKILL and the caller gets QueryTimeout.

_HEADER = struct.Struct("!cI")
_CHUNK = 1 << 16
#: Idle children kept per process; more are forked when more queries run at once.
MAX_IDLE_EXECUTORS = 4
# The parent's ends of every child's pipes, so that a new child closes its siblings' pipes: a
# child must see end-of-file on its request pipe when the parent goes away, and it would not
# if a sibling held a copy of that pipe's write end.
_PARENT_FDS: set[int] = set()


def _write_all(fd: int, data: bytes | memoryview) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _read_exact(fd: int, size: int) -> bytes:
    parts, remaining = [], size
    while remaining:
        chunk = os.read(fd, remaining)
        if not chunk:
            raise EOFError
        parts.append(chunk)
        remaining -= len(chunk)
    return b"".join(parts)


class _FrameWriter:
    """The child's output: buffers pyoxigraph's many small writes into frames on the pipe."""

    def __init__(self, fd: int):
        self.fd = fd
        self.buffer = bytearray()
        self.queued = bytearray()
        self.sent = False  # whether any of the current answer has left

    def reset(self) -> None:
        self.buffer.clear()
        self.queued.clear()

    def write(self, data: bytes) -> int:
        self.buffer += data
        if len(self.buffer) >= _CHUNK:
            self.send()
        return len(data)

    def flush(self) -> None:
        """pyoxigraph flushes when it likes; frames leave in ``send``, not on every flush."""

    def frame(self, kind: bytes, payload: bytes = b"") -> None:
        """Queue a frame; ``send`` writes what is queued. A small answer leaves in one write,
        so the parent wakes up once for it."""
        self.flush_data()
        self.queued += _HEADER.pack(kind, len(payload)) + payload

    def flush_data(self) -> None:
        if self.buffer:
            self.queued += _HEADER.pack(b"D", len(self.buffer)) + self.buffer
            self.buffer.clear()

    def send(self) -> None:
        self.flush_data()
        if self.queued:
            _write_all(self.fd, self.queued)
            self.queued.clear()
            self.sent = True


def _graph_from_wire(name: str | None) -> GraphName:
    return ox.DefaultGraph() if name is None else ox.NamedNode(name)


def _child_main(store: ox.Store, path: Path | None, requests_fd: int, results_fd: int) -> None:
    """The loop a forked child runs: one query in, one framed answer out, until end-of-file."""
    out = _FrameWriter(results_fd)
    # RocksDB does not survive a fork (its threads stay behind and its locks may be held): on
    # disk, a child reads the folder through a read-only instance of its own, opened lazily.
    opened: ox.Store | None = None if path is not None else store
    while True:
        try:
            (length,) = struct.unpack("!I", _read_exact(requests_fd, 4))
            job = json.loads(_read_exact(requests_fd, length))
        except EOFError:
            return
        for attempt in range(3):
            try:
                if opened is None:
                    opened = ox.Store.read_only(str(path))
                _answer(opened, job, out)
                break
            except SyntaxError as exc:
                out.frame(b"E", json.dumps({"kind": "syntax", "message": str(exc)}).encode())
                break
            except Exception as exc:  # noqa: BLE001 - reported to the parent, which raises it
                # A read-only RocksDB instance can lose a race with the writer's compaction
                # (a file it lists is gone). Nothing was sent yet: reopen and try again.
                if path is not None and attempt < 2 and not out.sent and _is_stale_files(exc):
                    out.reset()
                    opened = None
                    time.sleep(0.05 * (attempt + 1))
                    continue
                out.frame(b"E", json.dumps({"kind": "error", "message": str(exc)}).encode())
                break
        out.send()
        out.sent = False


def _is_stale_files(error: Exception) -> bool:
    text = str(error)
    return "No such file" in text or "Corruption" in text


def _answer(store: ox.Store, job: dict[str, Any], out: _FrameWriter) -> None:
    result = store.query(
        job["sparql"],
        base_iri=job["base_iri"],
        default_graph=None if job["default_graph"] is None
        else [_graph_from_wire(g) for g in job["default_graph"]],
        named_graphs=None if job["named_graphs"] is None
        else [ox.NamedNode(g) for g in job["named_graphs"]],
    )
    if isinstance(result, ox.QueryBoolean):
        out.frame(b"B", result.serialize(format=ox.QueryResultsFormat.JSON))
        return
    if isinstance(result, ox.QuerySolutions):
        out.frame(b"S")
        result.serialize(out, ox.QueryResultsFormat.TSV)
    else:
        out.frame(b"T")
        ox.serialize(result, out, ox.RdfFormat.N_TRIPLES)
    out.frame(b"Z")


class _Executor:
    """One forked child and the parent's ends of its two pipes."""

    def __init__(self, store: ox.Store, path: Path | None, generation: int):
        requests_r, requests_w = os.pipe()
        results_r, results_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns, never runs the parent's exit handlers
            code = 0
            try:
                for fd in (requests_w, results_r, *_PARENT_FDS):
                    try:
                        os.close(fd)
                    except OSError:
                        pass
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                _child_main(store, path, requests_r, results_w)
            except BaseException:  # noqa: BLE001 - a child has nobody to report to but its pipe
                code = 1
            finally:
                os._exit(code)
        os.close(requests_r)
        os.close(results_w)
        self.pid = pid
        self.owner = os.getpid()
        self.generation = generation
        self.requests = requests_w
        self.results = results_r
        self.busy = False
        self.inbox = bytearray()
        self.poller = select.poll()
        self.poller.register(results_r, select.POLLIN | select.POLLHUP | select.POLLERR)
        _PARENT_FDS.update((requests_w, results_r))

    def submit(self, job: dict[str, Any]) -> None:
        payload = json.dumps(job).encode()
        self.busy = True
        _write_all(self.requests, struct.pack("!I", len(payload)) + payload)

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
                raise StoreError("the query process ended without an answer")
            self.inbox += chunk
        data = bytes(self.inbox[:size])
        del self.inbox[:size]
        return data

    def close(self) -> None:
        """Stop the child (at once, even mid-query) and release its pipes."""
        for fd in (self.requests, self.results):
            _PARENT_FDS.discard(fd)
            try:
                os.close(fd)
            except OSError:
                pass
        if self.owner != os.getpid():
            return  # inherited through a fork: the child belongs to another process
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass


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
            self._executor.close()
            self._executor = None

    def __del__(self) -> None:
        self._abandon()


def _error_from_frame(kind: bytes, payload: bytes) -> StoreError:
    if kind == b"E":
        error = json.loads(payload)
        if error["kind"] == "syntax":
            return QueryError(error["message"])
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
