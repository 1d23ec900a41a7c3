"""Which pyoxigraph handle an embedded store may use in this process, across forks.

A server forks its workers from the process that opened the store (``comgraph serve
--workers N``: gunicorn preloads the app in its master). In memory that is what
we want: each worker reads a copy-on-write copy. On disk it is not: RocksDB flushes its
memtable and compacts its files on background threads, and threads do not survive a fork.
Measured here (pyoxigraph 0.5): in a process forked from one that had a disk store open,

* the inherited handle's ``flush()`` never returns (the flush it waits for is queued to a
  thread that is not there), and dropping it waits for that work too;
* a new writable instance opened there (once the parent had let go of RocksDB's lock) hangs
  the same way on its first ``flush()``: RocksDB's process-wide thread pools believe their
  threads exist;
* a new read-only instance reads correctly: it needs no background work.

So a forked process never touches the handle it inherited (it is kept, unused, so that nothing
drops it) and never writes: it reads through a read-only instance of its own, opened on first
use, and opened again when the folder shows that someone else wrote (its write-ahead logs or
its MANIFEST changed; checked at most every ``FOLLOW_INTERVAL`` seconds), so its answers are
always one consistent state of the store, at most that much older than the newest. A write
there raises StoreError. The process that opened the store keeps its writable handle; after
``release()`` (``Store.close``) it opens it again on next use.

Opening RocksDB takes its thread pool's mutex, and a fork taken while a background thread of
the parent held that mutex leaves the child's copy locked for ever (see
``comgraph.store.executor``). A process about to fork workers should therefore ``close()`` the
store first: RocksDB's close waits for its background work, so the fork finds the pool idle
(``comgraph serve`` does).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

from comgraph.store._child import is_stale_files
from comgraph.store.base import StoreError, StoreUnavailable

#: Seconds between two looks at the folder from a forked process's read-only instance.
FOLLOW_INTERVAL = 0.05
# Handles inherited through a fork: never used, never dropped (dropping one waits for the
# parent's background work, which this process will never do).
_INHERITED: list[ox.Store] = []


def folder_state(path: Path) -> tuple[tuple[str, int], ...]:
    """What changes in a RocksDB folder when its data does: every write appends to a write-ahead
    log (``*.log``), and every flush, bulk load and compaction appends to the MANIFEST."""
    try:
        return tuple(sorted((entry.name, entry.stat().st_size) for entry in os.scandir(path)
                            if entry.name.endswith(".log") or entry.name.startswith("MANIFEST-")))
    except OSError:
        return ()


class Handle:
    """The store's pyoxigraph handle for this process (see the module's docstring).

    ``on_change`` is called when a forked process's read-only instance was opened again because
    the data changed, so that what is derived from it (the version, the children's key) moves.
    """

    def __init__(self, path: Path | None, on_change: Callable[[], None]):
        self.path = path
        self.opened_pid = os.getpid()
        self._on_change = on_change
        try:
            self._store: ox.Store | None = ox.Store(str(path)) if path else ox.Store()
        except OSError as exc:
            raise StoreUnavailable(f"cannot open the store in {path}: {exc}") from None
        self._pid = self.opened_pid  # the process self._store belongs to
        self._lock = threading.Lock()
        self._state: tuple[tuple[str, int], ...] | None = None
        self._checked = 0.0

    @property
    def forked(self) -> bool:
        """Whether this process is not the one that opened the store on disk."""
        return self.path is not None and os.getpid() != self.opened_pid

    def get(self) -> ox.Store:
        """The handle to read through in this process."""
        store = self._store
        if store is not None and (self.path is None or self._pid == os.getpid() == self.opened_pid):
            return store
        return self._refresh()

    def writable(self) -> ox.Store:
        """The handle to write through; StoreError in a process forked from the one that
        opened the store on disk."""
        if self.forked:
            raise StoreError(
                f"this process was forked from the one that opened the store in {self.path} and "
                "cannot write to it (RocksDB flushes and compacts on threads that do not survive "
                "a fork); write through the process that opened it")
        return self.get()

    def _refresh(self) -> ox.Store:
        assert self.path is not None
        with self._lock:
            pid = os.getpid()
            if self._pid != pid:  # forked since: park what we inherited, open our own
                if self._store is not None:
                    _INHERITED.append(self._store)
                self._store, self._pid, self._state = None, pid, None
            if pid == self.opened_pid:  # released here (close), now used again
                if self._store is None:
                    self._store = self._open(ox.Store)
                return self._store
            now = time.monotonic()
            if self._store is not None and now - self._checked < FOLLOW_INTERVAL:
                return self._store
            self._checked = now
            state = folder_state(self.path)  # before opening: a later write is seen next time
            if self._store is None or state != self._state:
                self._store, self._state = self._open(ox.Store.read_only), state
                self._on_change()
            return self._store

    def _open(self, opener: Callable[[str], ox.Store]) -> ox.Store:
        for attempt in range(3):
            try:
                return opener(str(self.path))
            except OSError as exc:
                if attempt < 2 and is_stale_files(exc):
                    time.sleep(0.05 * (attempt + 1))
                    continue
                raise StoreUnavailable(f"cannot open the store in {self.path}: {exc}") from None
        raise AssertionError("unreachable")

    def invalidate(self) -> None:
        """A forked process's read-only instance failed on a file compacted away: open it again
        at the next read."""
        with self._lock:
            if self._pid == os.getpid() and self.forked:
                self._store, self._state = None, None

    def release(self) -> None:
        """Let go of the files (and, where it was opened, RocksDB's lock) until the next use:
        the writable handle is flushed first; an inherited one stays parked."""
        if self.path is None:
            return
        with self._lock:
            store, pid = self._store, self._pid
            if store is None:
                return
            if pid != os.getpid():
                _INHERITED.append(store)
            elif pid == self.opened_pid:
                store.flush()
            self._store = None
            self._pid = os.getpid()
