"""The pool of an embedded store's query children in one process, and the snapshots that the
children of a disk store read.

Children (``comgraph.store.executor``) are kept and reused: a timed query checks one out and
checks it in when its answer has been read to the end. A write bumps the pool's generation:

* in memory, a child forked before the write sees a stale copy-on-write snapshot of the store
  and is retired;
* on disk, a child reads a **snapshot** of the store: a RocksDB checkpoint (``Store.backup``,
  hard links to the immutable table files) made once per generation under
  ``.comgraph-snapshots/`` in the store's folder, which no compaction can delete under it (a
  read-only instance of the live folder could lose that race: "No such file"). A child moves to
  the newest snapshot at its next query instead of being retired, and a snapshot is deleted
  once no child reads it and a newer one exists. In a process forked from the one that opened
  the store (a server's worker), children read the live folder instead and reopen it whenever
  the data this process reads has changed.

How many children a process keeps is bounded twice, because each forked child of an in-memory
store ends up with a private copy of most of the store's pages (pyoxigraph's scans write
reference counts into them; about 265 MB of a 1M-triple store of 321 MB):

* **at most** ``max_children`` **run at once** (the machine's cores, not the server's threads:
  more children than cores add copies, not speed). A query that finds them all busy waits for
  one to come back, for at most ``WAIT_SECONDS``; then it starts one more child anyway, so that
  a runaway query, which holds its child until its time limit, never holds up the others by
  more than that. A child started past the bound is retired when its query ends;
* **at most** ``max_kept`` **are kept idle** between queries (all of them by default; a server
  with several workers keeps each worker's share of the cores, ``share_cores_among_workers``),
  and a child past that is retired when its query ends;
* **a child idle for** ``idle_seconds`` **is retired** (by a reaper thread in each process that
  has idle children), so that a server whose heavy load has passed gives the copies back. The
  next query then forks a fresh child, whose first scan costs about twice a warm one.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
import uuid
import weakref
from collections.abc import Mapping
from pathlib import Path

import pyoxigraph as ox

from comgraph.store.base import StoreError
from comgraph.store.executor import Executor, ForkedExecutor, SpawnedExecutor

#: Seconds a query waits for a busy child before it starts one more (past ``max_children``).
WAIT_SECONDS = 1.0
#: Seconds a child may sit idle before it is retired (``COMGRAPH_QUERY_CHILD_IDLE``).
DEFAULT_IDLE_SECONDS = 30.0


def cores() -> int:
    """The number of cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def share_cores_among_workers(workers: int, env: dict[str, str] | None = None) -> int:
    """Before a server forks ``workers`` workers: unless ``COMGRAPH_QUERY_CHILDREN_KEPT`` is
    set, each worker keeps at most its share of the cores (at least one) as idle children, so
    that once a load has passed the whole server holds about one copy of an in-memory store per
    core, not one per core per worker. Each worker may still run one child per core at once
    (``COMGRAPH_QUERY_CHILDREN``), so the cores stay busy however the connections are spread
    over the workers; a child past its worker's share is retired when its query ends.
    Returns the number kept per worker."""
    env = os.environ if env is None else env
    if not env.get("COMGRAPH_QUERY_CHILDREN_KEPT", "").strip():
        env["COMGRAPH_QUERY_CHILDREN_KEPT"] = str(max(1, cores() // max(1, workers)))
    return default_kept_children(env)


def _count_from_env(name: str, env: Mapping[str, str] | None) -> int | None:
    """The whole number (1 or more) the environment variable ``name`` gives, None when unset."""
    value = (os.environ if env is None else env).get(name, "").strip()
    if not value:
        return None
    try:
        count = int(value)
    except ValueError:
        count = 0
    if count < 1:
        raise StoreError(f"{name}={value!r}: expected a whole number, 1 or more")
    return count


def default_kept_children(env: Mapping[str, str] | None = None) -> int | None:
    """``COMGRAPH_QUERY_CHILDREN_KEPT``, else None (as many as may run at once)."""
    return _count_from_env("COMGRAPH_QUERY_CHILDREN_KEPT", env)


def default_max_children(env: Mapping[str, str] | None = None) -> int:
    """``COMGRAPH_QUERY_CHILDREN``, else the number of cores this process may run on."""
    count = _count_from_env("COMGRAPH_QUERY_CHILDREN", env)
    return cores() if count is None else count


def default_idle_seconds(env: Mapping[str, str] | None = None) -> float:
    """``COMGRAPH_QUERY_CHILD_IDLE`` (seconds), else the default."""
    value = (os.environ if env is None else env).get("COMGRAPH_QUERY_CHILD_IDLE", "").strip()
    if not value:
        return DEFAULT_IDLE_SECONDS
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not seconds > 0:
        raise StoreError(f"COMGRAPH_QUERY_CHILD_IDLE={value!r}: expected a number of seconds above 0")
    return seconds

SNAPSHOTS = ".comgraph-snapshots"


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


class Snapshot:
    """A checkpoint of a disk store for one generation, and how many children read it."""

    def __init__(self, path: Path, generation: int):
        self.path, self.generation, self.users = path, generation, 0

    def delete(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


#: Every pool in this process, so a forked child can give each one fresh locks.
_POOLS: weakref.WeakSet[ChildPool] = weakref.WeakSet()


def _reset_pools_after_fork() -> None:
    for pool in list(_POOLS):
        pool._after_fork_in_child()


os.register_at_fork(after_in_child=_reset_pools_after_fork)


class ChildPool:
    """One store's query children in this process.

    ``write_lock`` is the store's, held by every write. The pool holds no reference to the
    store, so dropping the store releases its files (and RocksDB's lock) at once.
    """

    def __init__(self, path: Path | None, write_lock: threading.RLock, opened_pid: int, query_memory: int,
                 *, max_children: int | None = None, max_kept: int | None = None,
                 idle_seconds: float | None = None):
        self.path = path
        self.query_memory = query_memory
        self.max_children = default_max_children() if max_children is None else max(1, max_children)
        kept = default_kept_children() if max_kept is None else max(1, max_kept)
        self.max_kept = self.max_children if kept is None else min(kept, self.max_children)
        self.idle_seconds = default_idle_seconds() if idle_seconds is None else idle_seconds
        self.generation = 0
        self._write_lock = write_lock
        self._opened_pid = opened_pid
        self._lock = threading.Lock()
        self._returned = threading.Condition(self._lock)  # a child came back or was retired
        self._idle: list[Executor] = []
        self._live: set[Executor] = set()  # this process's children, busy or idle
        self._starting = 0  # children being started (counted against max_children already)
        self._pid = os.getpid()
        self._reaper: threading.Thread | None = None
        self._snapshot: Snapshot | None = None  # on disk: the newest snapshot for children
        _POOLS.add(self)

    def _after_fork_in_child(self) -> None:
        """A fork copies ``_lock`` as it was: held, if another thread (the reaper, a query) had
        it at that moment, and nothing in the child would ever release it. The child gets a
        lock of its own; ``checkout`` then sees the new pid and starts a pool of its own."""
        self._lock = threading.Lock()
        self._returned = threading.Condition(self._lock)

    @property
    def children(self) -> int:
        """How many children this process has now, busy or idle."""
        with self._lock:
            return len(self._live) if self._pid == os.getpid() else 0

    def set_query_memory(self, megabytes: int) -> None:
        self.query_memory = megabytes
        with self._lock:  # idle children carry the old cap
            idle, self._idle = self._idle, []
        for executor in idle:
            self.retire(executor)

    def checkout(self, handle: ox.Store, deadline: float | None = None) -> Executor:
        """An idle child, or a new one. ``handle`` is the store's pyoxigraph handle in this
        process: a new child in memory is forked from it, a disk snapshot is made with it.

        With ``max_children`` children busy, wait for one to come back, at most
        ``WAIT_SECONDS`` (or until ``deadline``), then start one more anyway."""
        executor = None
        stale = []
        now = time.monotonic()
        give_up = now + WAIT_SECONDS if deadline is None else min(now + WAIT_SECONDS, deadline)
        with self._lock:
            if self._pid != os.getpid():
                # This process was forked (a gunicorn worker): the idle children and the
                # snapshots belong to the parent. Drop our copies of the children's pipes and
                # start a pool of our own.
                stale, self._idle, self._snapshot = self._idle, [], None
                self._live, self._reaper, self._starting = set(), None, 0
                self._pid = os.getpid()
            while True:
                while self._idle:
                    candidate = self._idle.pop()
                    if candidate.spawned or candidate.generation == self.generation:
                        executor = candidate
                        break
                    stale.append(candidate)
                    self._live.discard(candidate)
                if executor is not None:
                    break
                left = give_up - time.monotonic()
                if len(self._live) + self._starting < self.max_children or left <= 0:
                    self._starting += 1
                    break
                self._returned.wait(left)
        for old in stale:
            self.retire(old)
        if executor is None:
            try:
                executor = self._start(handle)
            finally:
                with self._lock:
                    self._starting -= 1
        if self.path is not None:
            try:
                self._aim(executor, handle)
            except BaseException:
                self.retire(executor)
                raise
        return executor

    def _start(self, handle: ox.Store) -> Executor:
        allowance = self.query_memory << 20
        if self.path is None:
            # Fork only while no write is under way, so the child's snapshot is consistent and
            # no store lock is held at the moment of the fork.
            with self._write_lock:
                executor: Executor = ForkedExecutor(handle, self.generation, allowance)
        else:
            executor = SpawnedExecutor(self.generation, allowance)
        with self._lock:
            self._live.add(executor)
        return executor

    def _aim(self, executor: Executor, handle: ox.Store) -> None:
        """Point a disk child at what it must read: the snapshot of the current generation."""
        assert self.path is not None
        if os.getpid() != self._opened_pid:
            # A forked process (a gunicorn worker) reads through a read-only instance and
            # cannot checkpoint. Its children read the live folder, which nothing compacts under
            # them any more, and reopen it whenever the generation changes (the store bumps it
            # when the folder changed under this process's instance).
            executor.target = (str(self.path), f"live-{os.getpid()}-{self.generation}")
            return
        with self._lock:
            snapshot = self._snapshot
        if snapshot is None or snapshot.generation != self.generation:
            with self._write_lock:  # no write half-way, and one checkpoint per generation
                with self._lock:
                    snapshot = self._snapshot
                if snapshot is None or snapshot.generation != self.generation:
                    folder = self.path / SNAPSHOTS
                    folder.mkdir(exist_ok=True)
                    snapshot = Snapshot(folder / f"{self.generation}-{uuid.uuid4().hex[:12]}",
                                        self.generation)
                    try:
                        handle.backup(str(snapshot.path))
                    except OSError as exc:
                        snapshot.delete()
                        raise StoreError(f"cannot snapshot the store for a query: {exc}") from None
                    with self._lock:
                        old, self._snapshot = self._snapshot, snapshot
                        doomed = old if old is not None and old.users == 0 else None
                    if doomed is not None:
                        doomed.delete()
        with self._lock:
            doomed = None
            if executor.snapshot is not snapshot:
                doomed = self._release(executor)
                snapshot.users += 1
                executor.snapshot = snapshot
        executor.target = (str(snapshot.path), snapshot.path.name)
        if doomed is not None:
            doomed.delete()

    def _release(self, executor: Executor) -> Snapshot | None:
        """Under the pool lock: the child no longer reads its snapshot. Returns the snapshot if
        nobody reads it any more and a newer one exists, for the caller to delete."""
        snapshot, executor.snapshot = executor.snapshot, None
        if snapshot is None:
            return None
        snapshot.users -= 1
        return snapshot if snapshot.users == 0 and snapshot is not self._snapshot else None

    def retire(self, executor: Executor) -> None:
        executor.close()
        with self._lock:
            doomed = self._release(executor)
            if executor in self._live:
                self._live.discard(executor)
                self._returned.notify()
        if doomed is not None:
            doomed.delete()

    def checkin(self, executor: Executor) -> None:
        executor.busy = False
        doomed = None
        with self._lock:
            keep = ((executor.spawned or executor.generation == self.generation)
                    and executor.owner == os.getpid() and executor in self._live
                    and len(self._live) <= self.max_children and len(self._idle) < self.max_kept)
            if keep:
                snapshot = executor.snapshot
                if snapshot is not None and snapshot.generation != self.generation:
                    try:  # written to while this child answered: let its snapshot go now
                        executor.drop()
                        doomed = self._release(executor)
                    except OSError:
                        keep = False
            if keep:
                executor.idle_since = time.monotonic()
                self._idle.append(executor)
                self._returned.notify()
                if self._reaper is None:
                    self._reaper = threading.Thread(target=self._reap, name="comgraph-child-reaper",
                                                    daemon=True)
                    self._reaper.start()
        if not keep:
            self.retire(executor)
        if doomed is not None:
            doomed.delete()

    def _reap(self) -> None:
        """This process's reaper thread: retire children idle for ``idle_seconds``; end when
        none is idle (``checkin`` starts another)."""
        while True:
            with self._lock:
                if self._reaper is not threading.current_thread():
                    return  # forked since, or replaced
                now = time.monotonic()
                expired = [e for e in self._idle if now - e.idle_since >= self.idle_seconds]
                self._idle = [e for e in self._idle if e not in expired]
                if not self._idle and not expired:
                    self._reaper = None
                    return
                due = min((e.idle_since for e in self._idle), default=now) + self.idle_seconds
            for executor in expired:
                self.retire(executor)
            time.sleep(max(0.05, due - time.monotonic()))

    def wrote(self) -> None:
        """After a write: forked children hold a stale snapshot, retire them; disk children
        drop theirs (they read the next one at their next query), and a snapshot nobody reads
        is deleted."""
        doomed: list[Snapshot | None] = []
        stale: list[Executor] = []
        with self._lock:
            self.generation += 1
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
            self.retire(executor)
        for snapshot in doomed:
            if snapshot is not None:
                snapshot.delete()

    def close(self) -> None:
        """Stop the idle children; delete the newest snapshot if no child reads it."""
        with self._lock:
            idle, self._idle, self._reaper = self._idle, [], None
        for executor in idle:
            self.retire(executor)
        with self._lock:
            current = self._snapshot
            if current is not None and current.users == 0 and os.getpid() == self._opened_pid:
                self._snapshot = None
            else:
                current = None
        if current is not None:
            current.delete()
