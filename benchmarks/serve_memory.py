"""Measure: the memory of ``comgraph serve`` under a heavy query load, as PSS over its process tree.

Not a test. It generates about 1M triples (``benchmarks/generate.py``'s realistic
generator), serves them the documented way (``comgraph serve DATA --workers N``, in memory; or
``--store oxigraph:///DIR`` on disk, loaded first with ``comgraph load``), and the Oxigraph
server in memory beside it for comparison. For each server it drives the heavy query of
``benchmarks/serve.py`` (an aggregate over every triple) with ``wrk`` on 127.0.0.1: a warm-up
with as many connections as comgraph's workers have threads (8: the serve benchmark's warm-up,
which makes each worker start every query child it can use), then the measured run (4
connections). It sums the proportional set size (``Pss`` in ``/proc/PID/smaps_rollup``: each
shared page divided between the processes sharing it) over the server's process tree:

* ``ready``: after the data is loaded, before any query;
* ``peak``: the highest sum sampled (every second) during the warm-up and the run;
* ``after``: once the run has ended and the tree is idle (no CPU used);
* ``settled``: ``--settle`` seconds later (idle query children may be retired by then).

    .venv/bin/python benchmarks/serve_memory.py [--triples 1000000] [--modes memory-2,memory-1,disk-2]
        [--seconds 10] [--settle 15] [--oxigraph]

It prints one line per mode and writes everything to ``benchmarks/out/serve_memory.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
import processes as procs  # noqa: E402
from generate import portfolio  # noqa: E402  (the one generator)
from serve import HEAVY, free_port, wait_for  # noqa: E402

OUT = Path(__file__).resolve().parent / "out"
THREADS = 4


def wait_idle(root: int, seconds: float = 300) -> None:
    """Wait until no process of the tree used CPU for two half-seconds in a row. Per process:
    a summed figure drops when a busy child exits, and would pass for idleness."""
    give_up, calm = time.monotonic() + seconds, 0
    before = procs.cpu_by_process(root)
    while time.monotonic() < give_up and calm < 2:
        time.sleep(0.5)
        now = procs.cpu_by_process(root)
        used = sum(t - before[pid] for pid, t in now.items() if pid in before)
        used += sum(t for pid, t in now.items() if pid not in before)
        calm = calm + 1 if used <= 0.01 else 0  # a clock tick
        before = now


class Sampler:
    """The highest PSS sum of a tree, sampled every second while running."""

    def __init__(self, root: int):
        self.root, self.peak, self._stop = root, {"pss": 0.0}, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            now = procs.memory(self.root)
            if now["pss"] > self.peak["pss"]:
                self.peak = now
            self._stop.wait(1)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def wrk(url: str, connections: int, seconds: int) -> dict[str, float]:
    run = subprocess.run(
        ["wrk", "-t", str(min(connections, 2)), "-c", str(connections), "-d", f"{seconds}s",
         "--timeout", "60s", "-H", "Accept: application/sparql-results+json", url],
        capture_output=True, text=True, check=True)
    rps = float(run.stdout.split("Requests/sec:")[1].split()[0])
    errors = run.stdout.split("Non-2xx or 3xx responses:")
    return {"rps": rps, "errors": int(errors[1].split()[0]) if len(errors) > 1 else 0}


def measure(name: str, command: list[str], url: str, load: Path | None, args: argparse.Namespace,
            env: dict[str, str]) -> dict[str, object]:
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        wait_for(url + "?query=" + quote("ASK {}"), process)
        if load is not None:  # the Oxigraph server in memory: loaded through its Graph Store
            with load.open("rb") as body:
                requests.post(url.replace("/query", "/store?default"), data=body, timeout=900,
                              headers={"Content-Type": "application/n-triples"}).raise_for_status()
        wait_idle(process.pid)
        figures: dict[str, object] = {"command": " ".join(command), "ready": procs.memory(process.pid)}
        heavy = f"{url}?query={quote(HEAVY)}"
        requests.get(heavy, timeout=300).raise_for_status()
        with Sampler(process.pid) as sampler:
            wrk(heavy, 2 * THREADS, 3)  # warm-up, as benchmarks/serve.py does
            wait_idle(process.pid)
            cpu = procs.cpu_seconds(process.pid)
            figures["run"] = wrk(heavy, 4, args.seconds)
            wait_idle(process.pid)  # what the run left running is the run's too
            served = figures["run"]["rps"] * args.seconds
            used = procs.cpu_seconds(process.pid) - cpu
            figures["run"]["cpu_per_request"] = used / served if served else None
            wait_idle(process.pid)
        figures["peak"] = sampler.peak
        figures["after"] = procs.memory(process.pid)
        time.sleep(args.settle)
        figures["settled"] = procs.memory(process.pid)
        return figures
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--modes", default="memory-2,memory-1,disk-2",
                        help="comma-separated: memory-N (in memory, N workers), disk-N (on disk)")
    parser.add_argument("--seconds", type=int, default=10, help="length of the measured run")
    parser.add_argument("--settle", type=float, default=15,
                        help="seconds to wait after the run before the last measurement")
    parser.add_argument("--oxigraph", action="store_true", help="also measure the Oxigraph server")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    data = portfolio(args.triples)
    bin_dir = Path(sys.executable).parent
    results: dict[str, object] = {"triples": args.triples, "data": str(data), "modes": {}}
    with tempfile.TemporaryDirectory(prefix="comgraph-memory-") as folder:
        for mode in [m for m in args.modes.split(",") if m]:
            kind, workers = mode.split("-")
            port = free_port()
            serve = [str(bin_dir / "comgraph"), "serve", "--workers", workers, "--threads", str(THREADS),
                     "--port", str(port), "--query-timeout", "30", "--max-rows", "1000000"]
            env = dict(os.environ)
            if kind == "disk":
                location = Path(folder, f"disk-{workers}")
                subprocess.run([str(bin_dir / "comgraph"), "load", "-q", "--store",
                                f"oxigraph://{location}", str(data)], check=True)
                serve += ["--store", f"oxigraph://{location}"]
            else:
                serve += ["--store", "oxigraph:", str(data)]
            env.pop("COMGRAPH_STORE", None)
            results["modes"][mode] = figures = measure(
                mode, serve, f"http://127.0.0.1:{port}/sparql", None, args, env)
            report(mode, figures)
        if args.oxigraph:
            port = free_port()
            command = [str(bin_dir / "oxigraph"), "serve", "--bind", f"127.0.0.1:{port}"]
            results["modes"]["oxigraph"] = figures = measure(
                "oxigraph", command, f"http://127.0.0.1:{port}/query", data, args, dict(os.environ))
            report("oxigraph", figures)
    (OUT / "serve_memory.json").write_text(json.dumps(results, indent=2))
    return 0


def report(mode: str, figures: dict) -> None:
    def mb(key: str) -> str:
        return f"{figures[key]['pss']:6.0f} MB ({figures[key]['processes']} proc)"

    print(f"{mode:9} PSS ready {mb('ready')}  peak {mb('peak')}  after {mb('after')}  "
          f"settled {mb('settled')}  heavy {figures['run']['rps']:.2f} req/s "
          f"({figures['run']['errors']} errors, {figures['run']['cpu_per_request'] or 0:.2f} CPU s each); "
          f"RSS after {figures['after']['rss']:.0f} MB",
          flush=True)


if __name__ == "__main__":
    sys.exit(main())
