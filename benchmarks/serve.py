"""Benchmark: the SPARQL service under gunicorn against the Oxigraph server, same data, same run.

Not a test. It generates 1M triples, starts ``oxigraph serve-read-only`` on them and
``comgraph serve --workers 2`` (gunicorn) on the same file, and drives both with ``wrk``
(Debian's ``wrk``) on 127.0.0.1 only, with a bounded number of connections and a fixed
duration. Two queries:

* cheap: a lookup by IRI (one subject's properties);
* heavy: an aggregate over all 1M triples (GROUP BY predicate, COUNT).

It prints requests/s and p50/p99 latency for each server and query, the ratio against
Oxigraph, and writes the figures to ``benchmarks/out/serve.json``. Targets (the issue's):
cheap >= 0.25x and heavy >= 0.9x of Oxigraph's requests/s.

    .venv/bin/python benchmarks/serve.py [--triples 1000000] [--seconds 10]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import requests

OUT = Path(__file__).resolve().parent / "out"
EX = "http://bench.example/"
CHEAP = f"SELECT ?p ?o WHERE {{ <{EX}s12345> ?p ?o }}"
HEAVY = "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p"
TARGETS = {"cheap": 0.25, "heavy": 0.9}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def generate(path: Path, triples: int) -> None:
    """Subjects with ten properties each: a class, numbers, strings and links."""
    if path.exists() and path.stat().st_size > 0 and path.name == f"bench-{triples}.nt":
        return
    with path.open("w") as out:
        for i in range(triples // 10):
            s = f"<{EX}s{i}>"
            out.write(f"{s} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{EX}C{i % 20}> .\n")
            for p in range(6):
                value = (i * 31 + p) % 1000
                out.write(f'{s} <{EX}p{p}> "{value}"^^<http://www.w3.org/2001/XMLSchema#integer> .\n')
            out.write(f'{s} <{EX}name> "subject number {i}" .\n')
            out.write(f"{s} <{EX}next> <{EX}s{(i + 1) % (triples // 10)}> .\n")
            out.write(f"{s} <{EX}group> <{EX}g{i % 100}> .\n")


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
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("benchmarks/serve.py needs wrk: apt-get install -y wrk", file=sys.stderr)
        return 2
    OUT.mkdir(exist_ok=True)
    data = OUT / f"bench-{args.triples}.nt"
    print(f"generating {args.triples} triples in {data} ...", file=sys.stderr)
    generate(data, args.triples)
    bin_dir = Path(sys.executable).parent
    processes: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory(prefix="comgraph-bench-") as folder:
        try:
            subprocess.run([str(bin_dir / "oxigraph"), "load", "--location", folder, "--file", str(data)],
                           check=True, capture_output=True)
            ox_port, cg_port = free_port(), free_port()
            oxigraph = subprocess.Popen(
                [str(bin_dir / "oxigraph"), "serve-read-only", "--location", folder,
                 "--bind", f"127.0.0.1:{ox_port}"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            processes.append(oxigraph)
            comgraph = subprocess.Popen(
                [str(bin_dir / "comgraph"), "serve", str(data), "--workers", "2",
                 "--port", str(cg_port), "--max-rows", "1000000"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                env={**os.environ, "COMGRAPH_STORE": "oxigraph:"})
            processes.append(comgraph)
            targets = {"oxigraph": f"http://127.0.0.1:{ox_port}/query",
                       "comgraph": f"http://127.0.0.1:{cg_port}/sparql"}
            wait_for(targets["oxigraph"] + "?query=" + quote("ASK {}"), oxigraph)
            wait_for(targets["comgraph"] + "?query=" + quote("ASK {}"), comgraph)
            results: dict[str, dict[str, dict[str, float]]] = {}
            for name, query, connections in (("cheap", CHEAP, 16), ("heavy", HEAVY, 4)):
                results[name] = {}
                for server, base in targets.items():
                    url = f"{base}?query={quote(query)}"
                    check = requests.get(url, headers={"Accept": "application/sparql-results+json"},
                                         timeout=120)
                    check.raise_for_status()
                    wrk(url, connections, 2)  # warm up
                    results[name][server] = wrk(url, connections, args.seconds)
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
    print(f"\n{'query':6} {'server':9} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}  ratio (target)")
    summary = {"triples": args.triples, "seconds": args.seconds, "results": results, "ratios": {}}
    for name, by_server in results.items():
        ratio = by_server["comgraph"]["rps"] / by_server["oxigraph"]["rps"]
        summary["ratios"][name] = ratio
        for server, r in by_server.items():
            tail = f"  {ratio:.2f}x (>= {TARGETS[name]}x)" if server == "comgraph" else ""
            print(f"{name:6} {server:9} {r['rps']:9.1f} {r['p50_ms']:8.2f} {r['p99_ms']:8.2f}{tail}")
    (OUT / "serve.json").write_text(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
