"""Benchmark: every named query through comgraph against the same SPARQL run by pyoxigraph directly.

    python benchmarks/views.py [--triples 1000000] [--repeat 5] [--only NAME ...]

Takes the benchmark portfolio of benchmarks/generate.py (cached under benchmarks/out/), loads
it into two in-memory stores in one process, and for each named query
times, in the same run:
  * comgraph: ``Catalogue().get(NAME).run(store)``: default parameters resolved (the as-of date
    read from the data), values bound through the Store seam, every row read; and
  * the peer: pyoxigraph's ``Store.query`` on the exact text comgraph runs (bindings already in
    its VALUES block), every row read.
It prints the medians and their ratio per query. Target: comgraph's median is within 1.5x of the
peer's for every query.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import pyoxigraph as ox

from comgraph.queries import Catalogue
from comgraph.store import open_store

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.generate import portfolio  # noqa: E402  (the one generator)


def generate(target: int) -> Path:
    """The benchmark portfolio of about ``target`` triples (benchmarks/generate.py)."""
    return portfolio(target)


def median_time(run, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", nargs="*", help="Only these named queries.")
    args = parser.parse_args()
    data = generate(args.triples)
    ours = open_store("oxigraph:")
    ours.load([data])
    peer = ox.Store()
    peer.bulk_load(path=str(data), format=ox.RdfFormat.N_TRIPLES)
    print(f"{len(peer):,} triples; median of {args.repeat} runs per query, every row read", flush=True)
    catalogue = Catalogue()
    print(f"{'query':44} {'rows':>7} {'comgraph':>10} {'pyoxigraph':>11} {'ratio':>6}")
    worst = 0.0
    for query in catalogue:
        if args.only and query.name not in args.only:
            continue
        text = query.text_with(query.bind({}, ours))  # what comgraph runs, for the peer to run too
        rows = sum(1 for _ in peer.query(text))
        sum(1 for _ in query.run(ours))  # one warm-up each, so neither side pays for a cold cache
        mine = median_time(lambda q=query: sum(1 for _ in q.run(ours)), args.repeat)
        theirs = median_time(lambda t=text: sum(1 for _ in peer.query(t)), args.repeat)
        ratio = mine / theirs if theirs else float("inf")
        worst = max(worst, ratio)
        print(f"{query.name:44} {rows:7d} {mine * 1000:8.1f}ms {theirs * 1000:9.1f}ms {ratio:5.2f}x",
              flush=True)
    print(f"worst ratio {worst:.2f}x (target <= 1.5x: {'met' if worst <= 1.5 else 'MISSED'})")
    sys.exit(0)


if __name__ == "__main__":
    main()
