"""A server's processes as the benchmarks measure them, through psutil: the tree below a
process, its memory (PSS counts pages shared after a fork once), and its CPU time."""

from __future__ import annotations

import psutil

MB = 2**20


def tree(root: int) -> list[psutil.Process]:
    """``root`` and every process below it that is still there."""
    try:
        top = psutil.Process(root)
        return [top, *top.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def memory(root: int) -> dict[str, float]:
    """PSS, RSS and private memory (USS) in MB, summed over ``root``'s tree, and how many
    processes it has."""
    totals = {"pss": 0.0, "rss": 0.0, "private": 0.0, "processes": 0}
    for process in tree(root):
        try:
            info = process.memory_full_info()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        totals["pss"] += info.pss / MB
        totals["rss"] += info.rss / MB
        totals["private"] += info.uss / MB
        totals["processes"] += 1
    return totals


def rss_mb(pid: int) -> float:
    """One process's resident set size in MB; 0 when it is gone."""
    try:
        return psutil.Process(pid).memory_info().rss / MB
    except psutil.NoSuchProcess:
        return 0.0


def cpu_by_process(root: int) -> dict[int, float]:
    """CPU seconds (user + system) used so far by each process of ``root``'s tree."""
    used = {}
    for process in tree(root):
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        used[process.pid] = times.user + times.system
    return used


def cpu_seconds(root: int) -> float:
    """CPU seconds used by ``root``'s tree so far, children that exited and were waited for
    included (their time is in their parent's children_user/children_system)."""
    total = 0.0
    for process in tree(root):
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


def children(pid: int) -> list[int]:
    """The processes ``pid`` started itself (not theirs), by pid."""
    try:
        return sorted(child.pid for child in psutil.Process(pid).children())
    except psutil.NoSuchProcess:
        return []
