"""Benchmark: the SPARQL service under gunicorn against the Oxigraph server, in the same run.

Not a test. It takes the benchmark portfolio (benchmarks/generate.py, 1M triples), serves it
with the Oxigraph server and with ``comgraph serve --workers 2`` (gunicorn with uvicorn workers,
the one production server), and drives each with ``wrk`` (Debian's ``wrk``) on 127.0.0.1 only,
with a bounded number of connections and a fixed duration. Two queries:

* cheap: a lookup by IRI (one responsibility's properties);
* heavy: an aggregate over all 1M triples (GROUP BY predicate, COUNT).

After the heavy runs it measures what serving costs in memory: the proportional set size (PSS,
from /proc/PID/smaps_rollup, so pages shared after a fork count once) summed over every process
of ``comgraph serve`` (gunicorn's master, its workers and their query children), and the
Oxigraph server's RSS.

It prints requests/s and p50/p99 latency for each server and query, each comgraph server's
ratio against Oxigraph, and writes the figures to ``benchmarks/out/serve.json`` (or ``--json``).
Targets (the issue's): cheap >= 0.25x and heavy >= 0.9x of Oxigraph's requests/s.

What keeps the comparison fair:

* the same store kind on both sides (``--store memory``, the default: ``oxigraph serve`` in
  memory, loaded through its Graph Store endpoint, and ``comgraph serve`` in memory; or
  ``--store disk``: ``oxigraph serve-read-only`` and ``comgraph serve --store oxigraph:///...``
  on copies of the same RocksDB folder, one per server);
* all the servers' answers are checked to be the same rows before any load is sent;
* the same connections, warm-up and duration for every server, one server loaded at a time;
* ``--rounds`` (3) measured runs per server, interleaved (Oxigraph, comgraph, Oxigraph, ...),
  so that a drift of a shared machine falls on every server alike; each round's ratio compares
  runs made a few seconds apart, and the reported ratio is the median of the rounds';
* the warm-up (3 s) brings every server to its steady state: it uses as many connections as
  comgraph's workers have threads (``2 x --threads``), so each worker has forked every query
  child it can use before the measured run. A query child's first full scan makes private the
  store pages it touches (copy-on-write after the fork; about 270 MB for these 1M triples) and
  costs about twice a warm one. Without this, the measured run's connections, spread over the
  workers differently from the warm-up's, had a worker fork a child or two mid-run, and the
  heavy ratio fell by about a tenth;
* wrk closes its connections mid-query when its time is up, and a server may go on evaluating
  what nobody waits for any more; so after every wrk run (warm-up included) the benchmark waits
  until both servers' process trees are idle, and work left over from one run never lands in
  the next one's measurement.

    .venv/bin/python benchmarks/serve.py [--triples 1000000] [--seconds 10] [--rounds 3]
        [--store memory|disk] [--threads 4] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import requests

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks import processes as procs  # noqa: E402
from benchmarks.generate import EX, portfolio  # noqa: E402  (the one generator)

OUT = Path(__file__).resolve().parent / "out"
CHEAP = f"SELECT ?p ?o WHERE {{ <{EX}r0/responsibility/1> ?p ?o }}"
HEAVY = "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p"
TARGETS = {"cheap": 0.25, "heavy": 0.9}
SERVERS = ("gunicorn",)
WORKERS = 2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, seconds: float = 600) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        try:
            if requests.get(url, timeout=5).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def wait_idle(roots: list[int], seconds: float = 180) -> float:
    """Wait until the servers stop using CPU (queries left behind by a wrk run have ended)."""
    started = time.monotonic()
    before = sum(procs.cpu_seconds(r) for r in roots)
    while time.monotonic() - started < seconds:
        time.sleep(0.5)
        now = sum(procs.cpu_seconds(r) for r in roots)
        if now - before < 0.02:
            break
        before = now
    return time.monotonic() - started


def rows(r: requests.Response) -> list[str]:
    return sorted(json.dumps(b, sort_keys=True) for b in r.json()["results"]["bindings"])


def wrk(url: str, connections: int, seconds: int) -> dict[str, float]:
    """requests/s, p50 and p99 (ms) from one bounded wrk run."""
    run = subprocess.run(
        ["wrk", "-t", str(min(connections, 2)), "-c", str(connections), "-d", f"{seconds}s",
         "--timeout", "60s", "--latency", "-H", "Accept: application/sparql-results+json", url],
        capture_output=True, text=True, check=True,
    )
    text = run.stdout

    def latency(label: str) -> float:
        value, unit = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", text, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)),
        "p50_ms": latency("50%"),
        "p99_ms": latency("99%"),
        "errors": int(errors.group(1)) if errors else 0,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--store", choices=["memory", "disk"], default="memory",
                        help="the store kind, the same for every server")
    parser.add_argument("--servers", default=",".join(SERVERS),
                        help="comgraph's production servers to measure (comma-separated)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="measured runs per server and query, interleaved between the servers; "
                             "figures are medians, the ratio the median of the rounds' ratios")
    parser.add_argument("--threads", type=int, default=4,
                        help="threads per comgraph worker, for every server (serve's default: 4)")
    parser.add_argument("--json", type=Path, default=OUT / "serve.json", help="write the figures here")
    args = parser.parse_args()
    servers = [s for s in args.servers.split(",") if s]
    if not servers or set(servers) - set(SERVERS):
        parser.error(f"--servers takes {', '.join(SERVERS)}")
    if not shutil.which("wrk"):
        print("benchmarks/serve.py needs wrk: apt-get install -y wrk", file=sys.stderr)
        return 2
    OUT.mkdir(exist_ok=True)
    data = portfolio(args.triples)
    bin_dir = Path(sys.executable).parent
    processes: list[subprocess.Popen] = []
    loads: list[float] = []
    with tempfile.TemporaryDirectory(prefix="comgraph-bench-") as folder:
        try:
            ox_port = free_port()
            ox_dir = Path(folder, "oxigraph")
            cg_dirs = {server: Path(folder, f"comgraph-{server}") for server in servers}
            if args.store == "disk":
                for target in (ox_dir, *cg_dirs.values()):
                    subprocess.run([str(bin_dir / "oxigraph"), "load", "--location", str(target),
                                    "--file", str(data)], check=True, capture_output=True)
                ox_command = ["serve-read-only", "--location", str(ox_dir)]
                cg_stores = {server: f"oxigraph://{path}" for server, path in cg_dirs.items()}
                cg_data: list[str] = []
            else:
                ox_command, cg_data = ["serve"], [str(data)]
                cg_stores = {server: "oxigraph:" for server in servers}
            # No --timeout-s for Oxigraph: it starts a thread per query for its time limit, and
            # under wrk's load that thread fails to start and the server panics (tried, 0.5.13).
            oxigraph = subprocess.Popen(
                [str(bin_dir / "oxigraph"), *ox_command, "--bind", f"127.0.0.1:{ox_port}"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            processes.append(oxigraph)
            targets = {"oxigraph": f"http://127.0.0.1:{ox_port}/query"}
            comgraphs: dict[str, subprocess.Popen] = {}
            for server in servers:
                cg_port = free_port()
                comgraphs[server] = subprocess.Popen(
                    [str(bin_dir / "comgraph"), "serve", *cg_data, "--workers", str(WORKERS),
                     "--threads", str(args.threads), "--port", str(cg_port),
                     "--max-rows", "1000000",
                     "--query-timeout", "30"],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                    env={**os.environ, "COMGRAPH_STORE": cg_stores[server]})
                processes.append(comgraphs[server])
                targets[f"comgraph-{server}"] = f"http://127.0.0.1:{cg_port}/sparql"
            wait_for(targets["oxigraph"] + "?query=" + quote("ASK {}"), oxigraph)
            if args.store == "memory":
                with data.open("rb") as body:
                    requests.post(f"http://127.0.0.1:{ox_port}/store?default", data=body,
                                  headers={"Content-Type": "application/n-triples"},
                                  timeout=600).raise_for_status()
            for server, process in comgraphs.items():
                wait_for(targets[f"comgraph-{server}"] + "?query=" + quote("ASK {}"), process)
            roots = [process.pid for process in processes]
            results: dict[str, dict[str, dict[str, float]]] = {}
            for name, query, connections in (("cheap", CHEAP, 16), ("heavy", HEAVY, 4)):
                results[name] = {}
                answers = [requests.get(f"{base}?query={quote(query)}", timeout=120,
                                        headers={"Accept": "application/sparql-results+json"})
                           for base in targets.values()]
                for answer in answers:
                    answer.raise_for_status()
                if any(rows(answer) != rows(answers[0]) for answer in answers[1:]):
                    raise RuntimeError(f"the servers disagree on the {name} query")
                urls = {server: f"{base}?query={quote(query)}" for server, base in targets.items()}
                for url in urls.values():
                    wait_idle(roots)
                    # Warm up with as many connections as the comgraph workers have threads,
                    # so each worker forks every query child it can use (see the docstring).
                    wrk(url, max(connections, WORKERS * args.threads), 3)
                rounds: dict[str, list[dict[str, float]]] = {server: [] for server in urls}
                for _ in range(args.rounds):  # interleaved: a drift of the machine hits all
                    for server, url in urls.items():
                        wait_idle(roots)
                        loads.append(os.getloadavg()[0])
                        rounds[server].append(wrk(url, connections, args.seconds))
                results[name] = rounds
            wait_idle(roots)
            memory = {"comgraph_pss_mb": {}, "oxigraph_rss_mb": procs.rss_mb(oxigraph.pid),
                      "oxigraph_pss_mb": procs.memory(oxigraph.pid)["pss"]}
            for server, process in comgraphs.items():
                used = procs.memory(process.pid)
                memory["comgraph_pss_mb"][server] = used["pss"]
                memory[f"comgraph_processes_{server}"] = used["processes"]
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
    print(f"\n{'query':6} {'server':17} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}  "
          "ratio: median of the rounds [each round] (target)")
    summary = {"triples": args.triples, "seconds": args.seconds, "store": args.store,
               "rounds": args.rounds, "threads_per_worker": args.threads,
               "load_average_at_start_of_runs": loads, "results": results, "ratios": {},
               "memory_after_heavy": memory}
    for name, by_server in results.items():
        summary["ratios"][name] = {}
        for server, runs in by_server.items():
            tail = ""
            if server != "oxigraph":
                each = [run["rps"] / base["rps"]
                        for run, base in zip(runs, by_server["oxigraph"], strict=True)]
                ratio = statistics.median(each)
                summary["ratios"][name][server] = {"median": ratio, "rounds": each}
                tail = (f"  {ratio:.2f}x [{' '.join(f'{x:.2f}' for x in each)}]"
                        f" (>= {TARGETS[name]}x)")
            rps, p50, p99 = (statistics.median(run[key] for run in runs)
                             for key in ("rps", "p50_ms", "p99_ms"))
            print(f"{name:6} {server:17} {rps:9.1f} {p50:8.2f} {p99:8.2f}{tail}")
        summary["ratios"][name]["target"] = TARGETS[name]
    print(f"store: {args.store}; {args.threads} threads per worker; "
          "load average (1 min) as each run started: "
          f"{', '.join(f'{x:.1f}' for x in loads)}")
    print("memory after the heavy runs: comgraph PSS (all processes) "
          + ", ".join(f"{k} {v:.0f} MB" for k, v in memory["comgraph_pss_mb"].items())
          + f"; Oxigraph RSS {memory['oxigraph_rss_mb']:.0f} MB")
    args.json.write_text(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
