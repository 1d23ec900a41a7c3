"""The killable child processes that evaluate an embedded store's timed queries.

pyoxigraph has no cancel: aggregates and ORDER BY do all their work inside query(), with the
GIL released, and nothing can stop them from another thread. A time limit that really stops
the work therefore needs a process to kill. Each timed query runs in a child process, which
evaluates it and streams the serialised answer back through a pipe (TSV for solutions,
N-Triples for triples: one row or triple per line, so callers can count and cut by lines).
Children are kept and reused (``comgraph.store.pool``), so a cheap query pays a pipe round
trip. When a deadline passes, the child is killed with SIGKILL and the caller gets
QueryTimeout. Each child may allocate at most ``query_memory`` MB more than it holds when it
starts (RLIMIT_DATA, see ``_child.limit_memory``); past it the child dies and the caller gets
QueryMemoryExceeded.

* In memory, a child is forked from this process (:class:`ForkedExecutor`): it sees a
  copy-on-write snapshot of the store (no copy is made, pages are shared).
* On disk, a child is a fresh interpreter (:class:`SpawnedExecutor`, posix_spawn of
  ``_child.py``), never a fork: RocksDB keeps process-wide state (its default Env's thread
  pools and their mutexes) that its background threads lock, and a fork taken while one of them
  holds such a lock leaves the child's copy locked for ever; the child's read-only open then
  hangs (caught in gdb: ``ThreadPoolImpl::Impl::SetBackgroundThreadsInternal`` under
  ``DBOptions::IncreaseParallelism`` under ``Store.read_only``), and the query waits out its
  whole time limit. What a disk child reads (a snapshot) is the pool's business.

This module holds one child's life: starting it, sending it jobs, reading its frames (the wire
format is in ``_child.py``) against a deadline, and saying why it died.
"""

from __future__ import annotations

import json
import os
import select
import signal
import struct
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from comgraph.store import _child
from comgraph.store.base import QueryError, QueryMemoryExceeded, QueryTimeout, StoreError

if TYPE_CHECKING:
    from comgraph.store.pool import Snapshot

_HEADER = _child.HEADER
#: The memory (MB) a timed query's child may allocate beyond what it holds when it starts.
DEFAULT_QUERY_MEMORY_MB = 1024
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


class Executor:
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
        self.idle_since = 0.0  # when it was last checked in (the pool retires long-idle children)
        self.reaped = False
        self.snapshot: Snapshot | None = None
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


class ForkedExecutor(Executor):
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


class SpawnedExecutor(Executor):
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



def error_from_frame(kind: bytes, payload: bytes) -> StoreError:
    if kind == b"E":
        error = json.loads(payload)
        if error["kind"] == "syntax":
            return QueryError(error["message"])
        if error["kind"] == "memory":
            return QueryMemoryExceeded("the query needed more memory than a query may use "
                                       "and was stopped")
        return StoreError(f"query failed: {error['message']}")
    return StoreError(f"unexpected answer from the query process: {kind!r}")

