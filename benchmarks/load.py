"""Benchmark: `comgraph load` against pyoxigraph's own bulk load, on the same file, in one run.

    python benchmarks/load.py [--triples 1000000] [--store-kind memory|disk]

Takes the benchmark portfolio of that size (benchmarks/generate.py), then times:
  * `comgraph load FILE --store oxigraph:///tmp/...` as a user runs it (a fresh process), and
  * pyoxigraph ``Store.bulk_load`` in a fresh process (the peer),
and prints both times and their ratio. Target: comgraph takes no more than 1.2x as long.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.generate import portfolio  # noqa: E402  (the one generator)

PEER = """
import sys, pyoxigraph as ox
store = ox.Store(sys.argv[2]) if sys.argv[2] != "-" else ox.Store()
store.bulk_load(path=sys.argv[1], format=ox.RdfFormat.N_TRIPLES)
store.flush() if sys.argv[2] != "-" else None
print(len(store))
"""


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--store-kind", choices=["memory", "disk"], default="disk")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    data = portfolio(args.triples)
    comgraph = str(Path(sys.executable).parent / "comgraph")
    ours, peers = [], []
    for _ in range(args.repeat):
        for runs, make_cmd in ((ours, lambda loc: [comgraph, "load", "-q", "--store",
                                                    f"oxigraph://{loc}" if loc != "-" else "oxigraph:",
                                                    str(data)]),
                               (peers, lambda loc: [sys.executable, "-c", PEER, str(data), loc])):
            tmp = tempfile.mkdtemp(prefix="comgraph-bench-")
            loc = tmp if args.store_kind == "disk" else "-"
            runs.append(timed(make_cmd(loc)))
            shutil.rmtree(tmp, ignore_errors=True)
    best_ours, best_peer = min(ours), min(peers)
    print(f"load {args.triples:,} triples ({args.store_kind} store), best of {args.repeat}")
    print(f"  comgraph load          {best_ours:7.2f} s")
    print(f"  pyoxigraph bulk_load   {best_peer:7.2f} s")
    ratio = best_ours / best_peer
    print(f"  ratio                  {ratio:7.2f}x  (target <= 1.2x: {'met' if ratio <= 1.2 else 'MISSED'})")


if __name__ == "__main__":
    main()
