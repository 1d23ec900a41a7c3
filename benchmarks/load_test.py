"""Load test: rounds of mixed traffic against a real ``comgraph serve --workers 2``, with limits.

    .venv/bin/python benchmarks/load_test.py [--triples 100000] [--rounds 5] [--requests 5000]
        [--concurrency 16]

What it runs, all on 127.0.0.1:

* the benchmark portfolio of ``benchmarks/generate.py`` (about ``--triples`` triples, cached under
  ``benchmarks/out/``);
* ``comgraph serve DATA --workers 1`` over the embedded store (gunicorn with a uvicorn worker
  forked from the master that loaded the data), with ``COMGRAPH_UPDATE_TOKEN`` set in its
  environment;
* ``--rounds`` rounds of ``--requests`` requests each, ``--concurrency`` at a time, from
  threads with keep-alive connections. Every round has the same mix, shuffled with a fixed
  seed: named-query views (JSON, CSV, HTML; the cheap ones often, every one sometimes),
  SPARQL queries (GET and form POST: lookups, ASK, joins, an aggregate), authenticated writes
  (SPARQL Update by form and by body, Graph Store PUT), a few writes without a token (401), and
  a runaway query (a triple cross product, ``timeout=1``) that the time limit must stop with a
  503.

Why one worker over the embedded store: with an embedded store and more than one worker,
``comgraph serve`` is read-only (each worker holds its own copy), so writes need either one
worker or an engine behind comgraph. Behind an engine (``--store sparql+http://…``) comgraph
only stops *waiting* at a query's deadline; the work goes on in the engine until the engine's
own limit, which is one limit for every query. Tried with ``--workers 2`` in front of
``oxigraph serve --timeout-s 3``: a limit short enough to end the runaways quickly also cut
ordinary views that took longer than 3 s on a busy 2-core machine, and a limit long enough for
them let every runaway burn a core on the engine for that long. On the embedded store the
runaway runs in a child process forked from the worker, which comgraph kills at the deadline:
the protection this test is about. Every /sparql query runs in such a child, and every write
retires the idle ones, so the mix also exercises forking and retiring children under load.

Per round it prints the requests sent, 5xx answers other than the runaway's expected 503,
answers with a status their request did not expect, the status histogram, p50/p99 latency,
and the RSS of the worker process (from /proc) at the end of the round, with the query
children it has then and their proportional set size (PSS, which shares their copy-on-write
pages fairly; their RSS would count the store once per child). It writes everything to
``benchmarks/out/load_test.json`` and the server's log to ``benchmarks/out/load_test-server.log``,
and exits 1 when any round had an unexpected 5xx or status, or when the worker's RSS after any
later round exceeds its RSS after round 2 by 10 % or more (after the first two rounds, caches
and pools are warm). Bounded: ``--round-seconds`` (300) per round, after which the round is cut short and
the run fails.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks import processes as procs  # noqa: E402
from benchmarks.generate import EX, portfolio  # noqa: E402  (the one benchmark generator)

OUT = Path(__file__).resolve().parent / "out"
CG = "https://w3id.org/comgraph/ns#"
WORKERS = 1
GROWTH_LIMIT = 0.10
#: Views that answer in a few milliseconds at 100k triples; the others (up to ~0.4 s each)
#: are asked for too, less often, so that one round stays within a minute or so on 2 cores.
CHEAP_VIEWS = ["lessons-learned", "raci-matrix", "relationship-overview",
               "responsibilities-without-one-accountable", "role-and-responsibility-history",
               "roles-vacant-or-double-held", "stakeholders-and-roles", "strategy-items",
               "team-make-up", "team-missing-stakeholder-kinds", "equity-register"]
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
QUERIES = [
    f"SELECT ?p ?o WHERE {{ <{EX}person/{{i}}> ?p ?o }}",
    f"ASK {{ <{EX}r0/role/wp-{{i}}> a <{CG}Role> }}",
    f"SELECT ?s ?label WHERE {{ ?s a <{CG}Obligation> ; <http://www.w3.org/2000/01/rdf-schema#label> "
    f"?label }} LIMIT 50 OFFSET {{i}}",
    f"SELECT ?o ?due WHERE {{ ?o a <{CG}Obligation> ; <{CG}dueDate> ?due "
    f"FILTER(?due < \"2026-0{{m}}-01\"^^<http://www.w3.org/2001/XMLSchema#date>) }} LIMIT 100",
    "SELECT ?type (COUNT(?s) AS ?n) WHERE { ?s a ?type } GROUP BY ?type ORDER BY DESC(?n) LIMIT 20",
]


@dataclass
class Request:
    kind: str
    method: str
    path: str
    expect: frozenset[int]
    params: dict[str, str] = field(default_factory=dict)
    data: dict[str, str] | bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


def plan(n: int, rng: random.Random, token: str, round_no: int,
         catalogue: dict[str, set[str]]) -> list[Request]:
    """``n`` requests in the mix the docstring describes, shuffled."""
    auth = {"Authorization": f"Bearer {token}"}
    ok = frozenset({200})
    written = frozenset({200, 204})
    mix: list[Request] = []
    runaways = max(1, n // 1000)
    unauthorised = max(1, n // 100)
    writes = n * 5 // 100
    views = n * 30 // 100
    queries = n - runaways - unauthorised - writes - views
    for _ in range(runaways):
        mix.append(Request("runaway", "GET", "/sparql", frozenset({503}),
                           params={"query": RUNAWAY, "timeout": "1"},
                           headers={"Accept": "application/sparql-results+json"}))
    for i in range(unauthorised):
        mix.append(Request("write-without-token", "POST", "/sparql", frozenset({401}),
                           data={"update": f"INSERT DATA {{ <{EX}intruder/{i}> <{EX}p> 1 }}"}))
    for i in range(writes):
        subject = f"<{EX}load/r{round_no}/w{i}>"
        choice = i % 5
        if choice in (0, 1):
            mix.append(Request("write", "POST", "/sparql", written, headers=auth, data={
                "update": f"INSERT DATA {{ {subject} a <{EX}LoadItem> ; <{EX}n> {i} ; "
                          f"<http://www.w3.org/2000/01/rdf-schema#label> \"item {i}\" }}"}))
        elif choice == 2:
            mix.append(Request("write", "POST", "/sparql", written,
                               headers={**auth, "Content-Type": "application/sparql-update"},
                               data=f"DELETE WHERE {{ <{EX}load/r{round_no}/w{i - 2}> ?p ?o }}".encode()))
        elif choice == 3:
            mix.append(Request("write", "PUT", "/data", frozenset({201, 204}),
                               params={"graph": f"{EX}load/graph/{i % 8}"},
                               headers={**auth, "Content-Type": "text/turtle"},
                               data=f"<{EX}g{i % 8}> <{EX}round> {round_no} ; <{EX}n> {i} .".encode()))
        else:
            mix.append(Request("write", "POST", "/sparql", written, headers=auth, data={
                "update": f"DELETE {{ ?s <{EX}n> ?n }} INSERT {{ ?s <{EX}n> {i} }} "
                          f"WHERE {{ ?s a <{EX}LoadItem> ; <{EX}n> ?n FILTER(?n = {i - 5}) }}"}))
    for i in range(views):
        name = rng.choice(sorted(catalogue)) if i % 20 == 0 else rng.choice(CHEAP_VIEWS)
        fmt = (".json", ".json", ".csv", "")[i % 4]
        params = {}
        if "as_of" in catalogue[name] and rng.random() < 0.5:
            params["as_of"] = f"2026-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
        mix.append(Request("view", "GET", f"/views/{name}{fmt}", ok, params=params))
    for i in range(queries):
        text = rng.choice(QUERIES).replace("{i}", str(rng.randrange(0, 300))) \
            .replace("{m}", str(rng.randrange(1, 10)))
        if i % 3 == 0:
            mix.append(Request("query", "POST", "/sparql", ok, data={"query": text},
                               headers={"Accept": "application/sparql-results+json"}))
        else:
            mix.append(Request("query", "GET", "/sparql", ok, params={"query": text},
                               headers={"Accept": "application/sparql-results+json"}))
    rng.shuffle(mix)
    return mix


@dataclass
class Outcome:
    kind: str
    status: int  # 0: no answer (connection error or client timeout)
    seconds: float
    expected: bool
    #: For an answer its request did not expect: what was asked and the start of the answer.
    detail: str | None = None


class Client:
    """One keep-alive session per thread."""

    def __init__(self, base: str):
        self.base = base
        self.local = threading.local()

    def send(self, r: Request) -> Outcome:
        session = getattr(self.local, "session", None)
        if session is None:
            session = self.local.session = requests.Session()
        started = time.perf_counter()
        try:
            answer = session.request(r.method, self.base + r.path, params=r.params, data=r.data,
                                     headers=r.headers, timeout=60)
            body = answer.content  # the whole body: latency until the last byte
            status = answer.status_code
        except requests.RequestException as exc:
            body, status = str(exc).encode(), 0
        elapsed = time.perf_counter() - started
        expected = status in r.expect
        detail = None if expected else \
            f"{r.method} {r.path} {r.params or ''} -> {status} {body[:300].decode(errors='replace')!r}"
        return Outcome(r.kind, status, elapsed, expected, detail)


# -- processes and their memory ----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url: str, process: subprocess.Popen, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        try:
            if requests.get(url, timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not become ready within {seconds:.0f} s")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def run_round(client: Client, mix: list[Request], concurrency: int, limit: float) -> list[Outcome]:
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="load") as pool:
        futures = [pool.submit(client.send, r) for r in mix]
        done, pending = wait(futures, timeout=limit)
        for f in pending:
            f.cancel()
    return [f.result() for f in done if not f.cancelled()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=5000, help="requests per round")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--round-seconds", type=float, default=300, help="time limit of one round")
    args = parser.parse_args()
    if args.rounds < 3:
        parser.error("--rounds must be at least 3 (memory growth is measured after round 2)")
    bin_dir = Path(sys.executable).parent
    OUT.mkdir(exist_ok=True)
    data = portfolio(args.triples)
    token = secrets.token_urlsafe(24)
    from comgraph.queries import Catalogue

    catalogue = {q.name: {p.name for p in q.parameters} for q in Catalogue()}
    processes: list[subprocess.Popen] = []
    rounds: list[dict] = []
    with (OUT / "load_test-server.log").open("wb") as server_log:
        try:
            port = free_port()
            print(f"starting comgraph serve over {data.name} ...", file=sys.stderr, flush=True)
            comgraph = subprocess.Popen(
                [str(bin_dir / "comgraph"), "serve", str(data), "--workers", str(WORKERS),
                 "--host", "127.0.0.1", "--port", str(port), "--query-timeout", "30"],
                stdout=subprocess.DEVNULL, stderr=server_log,
                env={**os.environ, "COMGRAPH_UPDATE_TOKEN": token, "COMGRAPH_SLOW_QUERY_SECONDS": "60"})
            processes.append(comgraph)
            base = f"http://127.0.0.1:{port}"
            wait_ready(base + "/readyz", comgraph)
            workers = procs.children(comgraph.pid)
            print(f"comgraph serve (pid {comgraph.pid}, workers {workers}); {args.rounds} rounds of "
                  f"{args.requests} requests, {args.concurrency} at a time", flush=True)
            client = Client(base)
            rng = random.Random(20261130)
            for round_no in range(1, args.rounds + 1):
                mix = plan(args.requests, rng, token, round_no, catalogue)
                started = time.monotonic()
                outcomes = run_round(client, mix, args.concurrency, args.round_seconds)
                elapsed = time.monotonic() - started
                now_workers = procs.children(comgraph.pid)
                kids = [k for w in now_workers for k in procs.children(w)]
                statuses = Counter(o.status for o in outcomes)
                server_errors = sum(1 for o in outcomes if o.status >= 500 and not o.expected)
                unexpected = Counter(f"{o.kind} {o.status}" for o in outcomes if not o.expected)
                times = [o.seconds for o in outcomes]
                runaway = [o.seconds for o in outcomes if o.kind == "runaway"]
                record = {
                    "round": round_no, "requests": len(outcomes), "planned": len(mix),
                    "seconds": round(elapsed, 1), "server_errors": server_errors,
                    "unexpected": dict(unexpected),
                    "unexpected_examples": [o.detail for o in outcomes if o.detail][:5],
                    "statuses": {str(k): v for k, v in sorted(statuses.items())},
                    "p50_ms": round(statistics.median(times) * 1000, 1),
                    "p99_ms": round(percentile(times, 0.99) * 1000, 1),
                    "runaway_seconds_max": round(max(runaway), 2) if runaway else None,
                    "by_kind": {k: sum(1 for o in outcomes if o.kind == k)
                                for k in sorted({o.kind for o in outcomes})},
                    "worker_pids": now_workers,
                    "worker_rss_mb": round(sum(procs.rss_mb(p) for p in now_workers), 1),
                    "query_children": len(kids),
                    "query_children_pss_mb": round(sum(procs.memory(p)['pss'] for p in kids), 1),
                }
                rounds.append(record)
                print(f"round {round_no}: {record['requests']}/{record['planned']} requests in "
                      f"{record['seconds']} s; 5xx (not expected) {server_errors}; unexpected "
                      f"{dict(unexpected) or 0}; statuses {record['statuses']}; "
                      f"p50 {record['p50_ms']} ms, p99 {record['p99_ms']} ms; "
                      f"runaway stopped after <= {record['runaway_seconds_max']} s; "
                      f"worker RSS {record['worker_rss_mb']} MB ({record['query_children']} query children, "
                      f"PSS {record['query_children_pss_mb']} MB)",
                      flush=True)
                for example in record["unexpected_examples"]:
                    print(f"  unexpected: {example}", flush=True)
                if now_workers != workers:
                    print(f"  note: the workers changed ({workers} -> {now_workers})", flush=True)
                    workers = now_workers
        finally:
            for process in reversed(processes):
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
    baseline = rounds[1]["worker_rss_mb"]
    later = [r["worker_rss_mb"] for r in rounds[2:]]
    growth = (max(later) - baseline) / baseline if baseline else float("inf")
    failures = []
    for r in rounds:
        if r["requests"] != r["planned"]:
            failures.append(f"round {r['round']} did not finish within {args.round_seconds:.0f} s")
        if r["server_errors"]:
            failures.append(f"round {r['round']}: {r['server_errors']} answers were 5xx")
        if r["unexpected"]:
            failures.append(f"round {r['round']}: unexpected statuses {r['unexpected']}")
    if growth >= GROWTH_LIMIT:
        failures.append(f"worker RSS grew {growth:.1%} after round 2 ({baseline} -> {max(later)} MB)")
    summary = {"triples": args.triples, "requests_per_round": args.requests,
               "concurrency": args.concurrency, "workers": WORKERS, "store": "embedded (memory)",
               "rounds": rounds, "worker_rss_growth_after_round_2": round(growth, 4),
               "failures": failures}
    (OUT / "load_test.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"worker RSS after round 2: {baseline} MB; largest after it: {max(later)} MB "
          f"({growth:+.1%}, limit +{GROWTH_LIMIT:.0%})")
    if failures:
        print("FAILED: " + "; ".join(failures))
        return 1
    print("passed: no 5xx, every status as expected, worker memory steady")
    return 0


if __name__ == "__main__":
    sys.exit(main())
