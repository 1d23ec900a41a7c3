"""The query child's side: one query in, one framed answer out, until end-of-file.

This module needs the standard library and pyoxigraph only, nothing of comgraph, because a disk
store's children run it as a fresh interpreter: ``python -I -S _child.py SITE REQ RES MEMORY``
(see ``comgraph.store.executor``). An in-memory store's children are forked and call
:func:`serve` directly with the store they inherited.

Wire format, both ways: a job is ``!I`` length + JSON; an answer is a sequence of frames, each
``!cI`` (kind, length) + payload: ``B`` a boolean answer (SPARQL JSON), ``S``/``T`` the start of
solutions (TSV) or triples (N-Triples), ``D`` data, ``Z`` the end, ``E`` an error (JSON
``{"kind", "message"}``; kind is ``syntax``, ``memory`` or ``error``).
"""

from __future__ import annotations

import json
import os
import resource
import signal
import struct
import sys
import time
from typing import Any

HEADER = struct.Struct("!cI")
CHUNK = 1 << 16


def write_all(fd: int, data: bytes | memoryview) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def read_exact(fd: int, size: int) -> bytes:
    parts, remaining = [], size
    while remaining:
        chunk = os.read(fd, remaining)
        if not chunk:
            raise EOFError
        parts.append(chunk)
        remaining -= len(chunk)
    return b"".join(parts)


def data_size() -> int:
    """This process's data size in bytes (``VmData``: private writable memory, what
    RLIMIT_DATA counts), or 0 when /proc does not say."""
    try:
        with open("/proc/self/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmData:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def limit_memory(allowance: int | None) -> None:
    """Let this process allocate at most ``allowance`` more bytes than it holds now (None:
    lift the cap again, up to the hard limit).

    RLIMIT_DATA, not RLIMIT_AS: it counts private writable memory (the heap, anonymous maps),
    not address space that is only reserved (glibc reserves 64 MB per malloc arena, thread
    stacks 8 MB each) nor files mapped read-only. A forked child starts with the parent's whole
    data size (the in-memory store included, shared copy-on-write), so the cap is "size now +
    allowance"; copying a shared page on write does not grow the data size. An allocation past
    the cap fails: Rust's allocator then aborts the process ("memory allocation of N bytes
    failed"), Python's raises MemoryError.
    """
    _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if allowance is None:
        resource.setrlimit(resource.RLIMIT_DATA, (hard, hard))
        return
    if allowance <= 0:
        return
    wanted = data_size() + allowance
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (wanted, hard))


class FrameWriter:
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
        if len(self.buffer) >= CHUNK:
            self.send()
        return len(data)

    def flush(self) -> None:
        """pyoxigraph flushes when it likes; frames leave in ``send``, not on every flush."""

    def frame(self, kind: bytes, payload: bytes = b"") -> None:
        """Queue a frame; ``send`` writes what is queued. A small answer leaves in one write,
        so the parent wakes up once for it."""
        self.flush_data()
        self.queued += HEADER.pack(kind, len(payload)) + payload

    def flush_data(self) -> None:
        if self.buffer:
            self.queued += HEADER.pack(b"D", len(self.buffer)) + self.buffer
            self.buffer.clear()

    def send(self) -> None:
        self.flush_data()
        if self.queued:
            write_all(self.fd, self.queued)
            self.queued.clear()
            self.sent = True


def serve(ox: Any, store: Any, requests_fd: int, results_fd: int, allowance: int = 0) -> None:
    """Answer jobs until end-of-file on ``requests_fd``; each query may allocate at most
    ``allowance`` bytes (0: no cap) beyond what the process holds before it.

    ``store`` is the inherited in-memory store, or None on disk: a disk job names the folder
    to read (``open``, a snapshot of the store, see ``comgraph.store.pool``) and a ``key``;
    the child opens that folder read-only and keeps it open while the key stays the same. A job
    ``{"drop": true}`` closes it (its snapshot is about to be deleted) and gets no answer.
    """
    out = FrameWriter(results_fd)
    opened, opened_key = store, None
    if store is not None:
        limit_memory(allowance)
    while True:
        try:
            (length,) = struct.unpack("!I", read_exact(requests_fd, 4))
            job = json.loads(read_exact(requests_fd, length))
        except EOFError:
            return
        if job.get("drop"):
            opened = opened_key = None
            continue
        folder = job.get("open")
        if folder is not None and job.get("key") != opened_key:
            opened = opened_key = None
        for attempt in range(3):
            try:
                if opened is None:
                    # Opening RocksDB maps its caches and starts its threads: about 75 MB to
                    # keep, more on the way. The cap is for the query: it starts after.
                    limit_memory(None)
                    opened = ox.Store.read_only(folder)
                    opened_key = job.get("key")
                    limit_memory(allowance)
                answer(ox, opened, job, out)
                break
            except SyntaxError as exc:
                out.reset()
                out.frame(b"E", json.dumps({"kind": "syntax", "message": str(exc)}).encode())
                break
            except MemoryError:
                out.reset()
                out.frame(b"E", json.dumps({"kind": "memory", "message": "MemoryError"}).encode())
                break
            except Exception as exc:  # noqa: BLE001 - reported to the parent, which raises it
                # A read-only instance of a live folder (never of a snapshot) can lose a race
                # with the writer's compaction (a file it lists is gone). Nothing was sent yet:
                # reopen and try again.
                if folder is not None and attempt < 2 and not out.sent and is_stale_files(exc):
                    out.reset()
                    opened = opened_key = None
                    time.sleep(0.05 * (attempt + 1))
                    continue
                out.reset()
                out.frame(b"E", json.dumps({"kind": "error", "message": str(exc)}).encode())
                break
        out.send()
        out.sent = False


def is_stale_files(error: Exception) -> bool:
    text = str(error)
    return "No such file" in text or "Corruption" in text


def answer(ox: Any, store: Any, job: dict[str, Any], out: FrameWriter) -> None:
    def graph(name: str | None) -> Any:
        return ox.DefaultGraph() if name is None else ox.NamedNode(name)

    result = store.query(
        job["sparql"],
        base_iri=job["base_iri"],
        default_graph=None if job["default_graph"] is None
        else [graph(g) for g in job["default_graph"]],
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


def main(argv: list[str]) -> None:
    """A spawned child: ``_child.py SITE REQUESTS_FD RESULTS_FD MEMORY_BYTES``."""
    site, requests_fd, results_fd, allowance = argv[1], int(argv[2]), int(argv[3]), int(argv[4])
    # The server's Ctrl-C reaches its whole process group: leave quietly, no traceback.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    sys.path.append(site)  # after the standard library: nothing there may shadow it
    import pyoxigraph

    serve(pyoxigraph, None, requests_fd, results_fd, allowance)


if __name__ == "__main__":
    main(sys.argv)
