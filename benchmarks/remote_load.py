"""Benchmark: `comgraph load` into an Oxigraph server against a plain Graph Store POST of the same
file, in the same run.

    python benchmarks/remote_load.py [--triples 1000000] [--rounds 3] [--staged] [--json PATH]

Takes the benchmark portfolio of that size (benchmarks/generate.py, N-Triples) and, in
interleaved rounds (the order alternates), times into a fresh `oxigraph serve` (from this venv, on
a free port of 127.0.0.1, its store in a temporary folder, or in memory with --in-memory):

  * `comgraph load -q --store sparql+http://127.0.0.1:PORT/query FILE`, as a user runs it (a fresh
    process: it parses the file, then sends it in one Graph Store POST), and
  * the peer: a fresh Python process that does `requests.post(.../store?default, data=file)`.

Each load is checked afterwards (the server's triple count). With --staged, one more load goes
the way an engine without an atomic Graph Store POST is loaded (staging graph, then one
`ADD ... TO DEFAULT`), in this process, once, to state what staging costs.

Prints a Markdown table (median, range, ratio of medians to the plain POST, comgraph's peak
memory) and writes the numbers as JSON (default benchmarks/out/remote_load.json). Target:
comgraph within 2x of the plain POST (issue 17).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.generate import portfolio  # noqa: E402  (the one generator)

TARGET = 2.0

PEER = """
import sys, requests
with open(sys.argv[1], "rb") as body:
    answer = requests.post(sys.argv[2], params={"default": ""}, data=body,
                           headers={"Content-Type": "application/n-triples"}, timeout=(10, 3600))
answer.raise_for_status()
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A fresh `oxigraph serve` for one load."""

    def __init__(self, in_memory: bool):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.folder = None if in_memory else tempfile.mkdtemp(prefix="comgraph-bench-oxigraph-")
        binary = str(Path(sys.executable).parent / "oxigraph")
        args = [binary, "serve", "--bind", f"127.0.0.1:{self.port}"]
        if self.folder:
            args += ["--location", self.folder]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while True:
            try:
                requests.get(f"{self.base}/query", timeout=5)
                break
            except requests.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("oxigraph serve did not start") from None
                time.sleep(0.1)

    def count(self) -> int:
        answer = requests.post(f"{self.base}/query", timeout=600, headers={"Accept": "text/csv"},
                               data={"query": "SELECT (COUNT(*) AS ?n) { { ?s ?p ?o } UNION "
                                              "{ GRAPH ?g { ?s ?p ?o } } }"})
        answer.raise_for_status()
        return int(answer.text.split()[-1])

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=60)
        if self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)


def timed_process(args: list[str]) -> tuple[float, int]:
    """Seconds and peak memory (MB) of a child process run to its end."""
    start = time.perf_counter()
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{args[:3]} exited with {process.returncode}")
    return seconds, usage.ru_maxrss // 1024


def staged_load(server: Server, data: Path) -> float:
    """The staging path, as on an engine whose Graph Store POST is not atomic."""
    import pyoxigraph as ox

    from comgraph.store import Source, remote_load
    from comgraph.store.remote import RemoteStore

    store = RemoteStore(f"{server.base}/query", timeout=3600)
    start = time.perf_counter()
    remote_load._stage_and_move(store, [Source.coerce(data)], ox.DefaultGraph(), None)
    seconds = time.perf_counter() - start
    store.close()
    return seconds


def summary(times: list[float]) -> dict[str, float]:
    return {"median": statistics.median(times), "min": min(times), "max": max(times)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--in-memory", action="store_true", help="oxigraph serve without --location")
    parser.add_argument("--staged", action="store_true", help="also time one staged load")
    parser.add_argument("--json", type=Path, default=Path(__file__).parent / "out" / "remote_load.json")
    args = parser.parse_args()

    data = portfolio(args.triples)
    expected = json.loads(Path(f"{data}.json").read_text())["triples"]
    comgraph = str(Path(sys.executable).parent / "comgraph")
    runs: dict[str, list[float]] = {"comgraph": [], "plain": []}
    memory: list[int] = []
    for round_number in range(args.rounds):
        order = ["comgraph", "plain"] if round_number % 2 == 0 else ["plain", "comgraph"]
        for who in order:
            server = Server(args.in_memory)
            try:
                if who == "comgraph":
                    seconds, peak = timed_process([comgraph, "load", "-q", "--store",
                                                   f"sparql+{server.base}/query", str(data)])
                    memory.append(peak)
                else:
                    seconds, _ = timed_process([sys.executable, "-c", PEER, str(data),
                                                f"{server.base}/store"])
                loaded = server.count()
            finally:
                server.stop()
            if loaded != expected:
                raise RuntimeError(f"{who}: the server holds {loaded} triples, expected {expected}")
            runs[who].append(seconds)
            print(f"round {round_number + 1}: {who:8} {seconds:7.2f} s", file=sys.stderr, flush=True)
    staged = None
    if args.staged:
        server = Server(args.in_memory)
        try:
            staged = staged_load(server, data)
            if server.count() != expected:
                raise RuntimeError("staged: wrong triple count")
        finally:
            server.stop()
        print(f"staged:           {staged:7.2f} s", file=sys.stderr, flush=True)

    ours, peer = summary(runs["comgraph"]), summary(runs["plain"])
    ratio = ours["median"] / peer["median"]
    where = "in memory" if args.in_memory else "on disk"
    lines = [
        f"Remote load of {expected:,} triples ({data.stat().st_size / 1e6:.0f} MB of N-Triples) into "
        f"`oxigraph serve` ({where}), {args.rounds} interleaved rounds, a fresh server per load",
        "",
        "| load | median | range | ratio to plain POST | comgraph peak memory |",
        "|---|---|---|---|---|",
        f"| `comgraph load` (one Graph Store POST) | {ours['median']:.1f} s | "
        f"{ours['min']:.1f}–{ours['max']:.1f} s | {ratio:.2f}× | {max(memory)} MB |",
        f"| plain `requests.post` of the file | {peer['median']:.1f} s | "
        f"{peer['min']:.1f}–{peer['max']:.1f} s | 1.00× | |",
    ]
    if staged is not None:
        lines.append(f"| staged and moved (no atomic POST), once | {staged:.1f} s | | "
                     f"{staged / peer['median']:.2f}× | |")
    lines += ["", f"Target: within {TARGET:g}× of the plain POST: {'met' if ratio <= TARGET else 'MISSED'}."]
    print("\n".join(lines))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({
        "triples": expected, "file_bytes": data.stat().st_size, "server": where,
        "rounds": args.rounds, "comgraph_seconds": runs["comgraph"], "plain_seconds": runs["plain"],
        "comgraph": ours, "plain": peer, "ratio": ratio, "target": TARGET,
        "comgraph_peak_mb": memory, "staged_seconds": staged,
    }, indent=2) + "\n")


if __name__ == "__main__":
    main()
