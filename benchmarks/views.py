"""Benchmark: every named view through comgraph against the same SPARQL on pyoxigraph, same run.

    python benchmarks/views.py [--triples 1000000 | --data FILE] [--store-kind memory|disk]
        [--rounds 3] [--only NAME ...] [--json OUT]
    python benchmarks/views.py --rdflib --data FILE [--budget 60] [--json OUT]

Takes the benchmark portfolio of benchmarks/generate.py (cached under benchmarks/out/) and loads
it into two stores of the same kind in this process (memory; or disk: two RocksDB folders), one
comgraph's, one pyoxigraph's own. For each named query, in interleaved rounds (comgraph, peer,
comgraph, peer, ...), after one warm-up of each:

  * ``query``: comgraph's ``Catalogue().get(NAME).run(store)``, what ``comgraph query NAME`` runs
    once its store is open (default parameters resolved, the as-of date read from the data,
    values bound through the Store seam), every row read; against pyoxigraph's ``Store.query``
    on the exact text comgraph runs (bindings in its VALUES block), every row read;
  * ``json``: ``GET /views/NAME.json`` through the Flask app (``create_app``, test client, no
    socket), the whole body read; against pyoxigraph's query serialised to SPARQL results JSON.

A query that answers in milliseconds is called several times in a row per round (as many
times on both sides, so that a round lasts at least 50 ms). Each round gives a ratio
(comgraph / peer); a query's result is the median ratio and its range.
``--rdflib``: the same texts on rdflib's Memory store (one run each, stopped after ``--budget``
seconds), against comgraph's query on the in-memory store (median of 3). ``make bench`` runs
both; target: comgraph within 1.2x of pyoxigraph on every view.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from comgraph.portability import register_rdflib_functions, render
from comgraph.queries import Catalogue
from comgraph.store import open_store

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.generate import portfolio  # noqa: E402  (the one generator)


def timed(run, repeat: int = 1) -> float:
    """Seconds per call of ``run``, over ``repeat`` calls in a row."""
    start = time.perf_counter()
    for _ in range(repeat):
        run()
    return (time.perf_counter() - start) / repeat


#: A measurement lasts at least this long: a query that answers in a millisecond is called
#: several times in a row per round (the same number on both sides), so that the clock's and the
#: machine's jitter do not decide its ratio.
MIN_SECONDS = 0.05


def repeats(*warm: float) -> int:
    return max(1, min(200, int(MIN_SECONDS / max(max(warm), 1e-5))))


def measure(data: Path, kind: str, rounds: int, only: list[str] | None = None,
            partial: Path | None = None) -> dict:
    """Per named query: comgraph's and pyoxigraph's times per round, for the query and for JSON.
    With ``partial``, the figures so far are written there after each query, so that a run
    stopped at its budget still tells what it measured."""
    from app import create_app

    folder = Path(tempfile.mkdtemp(prefix="comgraph-bench-views-"))
    try:
        if kind == "disk":
            ours = open_store(f"oxigraph://{folder / 'comgraph'}")
            peer = ox.Store(str(folder / "peer"))
        else:
            ours, peer = open_store("oxigraph:"), ox.Store()
        ours.load([data])
        peer.bulk_load(path=str(data), format=ox.RdfFormat.N_TRIPLES)
        client = create_app({"STORE": ours, "TESTING": True}).test_client()
        results = {}
        for query in Catalogue():
            if only and query.name not in only:
                continue
            # what comgraph runs, for the peer too: bound, and the portable date functions
            # (cgfn:addDays) written as the store runs them (pyoxigraph knows no cgfn: function)
            text = render(query.text_with(query.bind({}, ours)), ours.profile.date_dialect)
            rows = sum(1 for _ in peer.query(text))

            def ours_query(q=query):
                return sum(1 for _ in q.run(ours))

            def peer_query(t=text):
                return sum(1 for _ in peer.query(t))

            def ours_json(name=query.name):
                response = client.get(f"/views/{name}.json")
                assert response.status_code == 200, (name, response.status_code)
                return len(response.get_data())

            def peer_json(t=text):
                return len(peer.query(t).serialize(format=ox.QueryResultsFormat.JSON))

            # one warm-up each, so neither side pays for a cold cache; it also sizes the batches
            warm = [timed(run) for run in (ours_query, peer_query, ours_json, peer_json)]
            n_query, n_json = repeats(*warm[:2]), repeats(*warm[2:])
            times: dict[str, list[float]] = {"query": [], "peer_query": [], "json": [], "peer_json": []}
            for _ in range(rounds):  # interleaved: a drift of the machine hits both sides alike
                times["query"].append(timed(ours_query, n_query))
                times["peer_query"].append(timed(peer_query, n_query))
                times["json"].append(timed(ours_json, n_json))
                times["peer_json"].append(timed(peer_json, n_json))
            results[query.name] = {"rows": rows, "calls_per_round": [n_query, n_json], **times}
            if partial is not None:
                partial.write_text(json.dumps(
                    {"kind": kind, "triples": len(peer), "rounds": rounds, "queries": results,
                     "partial": True}, indent=1))
            print(
                f"{kind} {query.name:44} {rows:7d} rows  query {statistics.median(times['query']):.4f}s "
                f"vs {statistics.median(times['peer_query']):.4f}s",
                file=sys.stderr,
                flush=True,
            )
        return {"kind": kind, "triples": len(peer), "rounds": rounds, "queries": results}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class OverBudget(Exception):
    pass


def measure_rdflib(data: Path, budget: float, only: list[str] | None = None) -> dict:
    """rdflib's Memory store on the same texts (one run each, interrupted after ``budget`` s;
    rdflib's engine is pure Python, so an alarm stops it) against comgraph in memory."""
    import rdflib

    def alarm(_signum, _frame):
        raise OverBudget

    signal.signal(signal.SIGALRM, alarm)
    register_rdflib_functions()  # the same cgfn: date functions, as comgraph's cross-check does
    ours = open_store("oxigraph:")
    ours.load([data])
    graph = rdflib.Graph(store="Memory")
    graph.parse(str(data), format="nt")
    results = {}
    for query in Catalogue():
        if only and query.name not in only:
            continue
        text = query.text_with(query.bind({}, ours))
        mine = [timed(lambda q=query: sum(1 for _ in q.run(ours))) for _ in range(3)]
        signal.setitimer(signal.ITIMER_REAL, budget)
        try:
            theirs = timed(lambda t=text: sum(1 for _ in graph.query(t)))
        except OverBudget:
            theirs = None
        except Exception as exc:  # rdflib refuses some SPARQL 1.1 that Oxigraph runs
            theirs = f"error: {type(exc).__name__}: {str(exc)[:120]}"
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        results[query.name] = {"comgraph": mine, "rdflib": theirs}
        print(
            f"rdflib {query.name:44} {statistics.median(mine):.4f}s vs {theirs}", file=sys.stderr, flush=True
        )
    return {"kind": "rdflib", "triples": len(graph), "budget": budget, "queries": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--data", type=Path, help="an N-Triples file (default: the portfolio of --triples)")
    parser.add_argument("--store-kind", choices=["memory", "disk"], default="memory")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rdflib", action="store_true", help="rdflib's Memory store as the peer")
    parser.add_argument("--budget", type=float, default=60, help="seconds per rdflib query")
    parser.add_argument("--only", nargs="*", help="Only these named queries.")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    data = args.data or portfolio(args.triples)
    if args.rdflib:
        result = measure_rdflib(data, args.budget, args.only)
    else:
        result = measure(data, args.store_kind, args.rounds, args.only, partial=args.json)
        print(f"{result['triples']:,} triples, {args.store_kind} store, {args.rounds} interleaved rounds")
        print(f"{'query':44} {'rows':>7} {'comgraph':>10} {'pyoxigraph':>11} {'ratio':>6} {'json':>6}")
        for name, r in result["queries"].items():
            ratio = statistics.median(a / b for a, b in zip(r["query"], r["peer_query"], strict=True))
            jratio = statistics.median(a / b for a, b in zip(r["json"], r["peer_json"], strict=True))
            print(
                f"{name:44} {r['rows']:7d} {statistics.median(r['query']) * 1000:8.1f}ms "
                f"{statistics.median(r['peer_query']) * 1000:9.1f}ms {ratio:5.2f}x {jratio:5.2f}x"
            )
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
