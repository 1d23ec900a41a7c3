"""Scale: one large portfolio (10M triples) loaded, queried and validated on one machine.

    python benchmarks/scale.py [--triples 10000000] [--targets disk,server] [--profile-shapes]
        [--load-budget 1800] [--server-load-budget 900] [--view-budget 600]
        [--validate-budget 1200] [--work DIR] [--json OUT]

The data is the benchmark portfolio (benchmarks/generate.py, 1% defects, one relationship per
100k triples), cached in benchmarks/out/. Each target is measured as a user runs comgraph, every
command a fresh process:

* **reference**: the engine's own bulk loader, ``oxigraph load --location DIR --file FILE``,
  into an empty folder (once: the disk store and the server read the same RocksDB folder);
* **disk**: the embedded store on disk, ``--store oxigraph:///DIR``;
* **server**: an Oxigraph server (``oxigraph serve --location DIR --bind 127.0.0.1:PORT``, from
  the venv), ``--store sparql+http://127.0.0.1:PORT/query``.

For each target: ``comgraph load -q --store URL FILE`` (wall time, the command's peak RSS from
``wait4``; for the server also the server's RSS after the load and its peak, sampled every
0.5 s through psutil); then ``comgraph validate --store URL --format json:FILE --fail-on never`` (time,
peak RSS, the number of findings and of each shape's); then every named view (every
``queries/*.rq`` that has no required parameter; ``--views`` picks some) as ``comgraph query
NAME --store URL --format json -o FILE``, one run each (at this size a run takes long enough
that one is a fair figure; process start, about 1 s, is included); and the store's size on disk.
Validation runs before the views so that a view past its budget cannot crowd it out. When ``comgraph load``
into the server runs past its budget, the server is stopped and restarted on the reference
folder, so that the views and validation are still measured there (the row says so).

Every step records the load average (``os.getloadavg()``) at its start and end: on a shared
machine a figure means little without it. A step past its budget is stopped and shown as
``> N s``. ``--profile-shapes`` also times each shape's compiled queries on the disk store
(``comgraph.validate.profile``), to show where validation spends its time.

Writes a JSON file (default: benchmarks/out/scale-N.json) and prints a Markdown table. Not a
row of ``make bench``: over an hour at 10M on 2 cores; docs/scale.md has a real run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks import processes as procs  # noqa: E402
from benchmarks.bench import machine, size_name  # noqa: E402
from benchmarks.generate import OUT, portfolio  # noqa: E402
from benchmarks.serve import free_port, wait_for  # noqa: E402
from benchmarks.validate import child  # noqa: E402

BIN = Path(sys.executable).parent
COMGRAPH = str(BIN / "comgraph")
OXIGRAPH = str(BIN / "oxigraph")

PROFILE_SHAPES = """
import json, sys
from comgraph.store import open_store
from comgraph.validate.profile import profile
store = open_store(sys.argv[1])
found = profile(store)
json.dump({"triples": found.triples, "shapes": [
    {"shape": s.shape, "seconds": s.seconds, "findings": s.findings, "queries": s.queries,
     "engine": s.engine} for s in sorted(found.shapes, key=lambda s: -s.seconds)]},
    open(sys.argv[2], "w"), indent=1)
"""


# -- measuring ------------------------------------------------------------------------------------


class Figures(dict):
    """One target's figures: written to the run's JSON file whenever one is added, so that a
    run stopped half-way keeps what it measured."""

    def __init__(self, save) -> None:
        super().__init__()
        self._save = save

    def __setitem__(self, key, value) -> None:
        super().__setitem__(key, value)
        self._save()

    def saved(self) -> None:
        self._save()


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


class Watch:
    """The server's RSS, sampled every half second while a step runs: its peak, and the value
    when the step ended."""

    def __init__(self, pid: int | None):
        self.pid = pid
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Watch:
        if self.pid is not None:
            self.peak = procs.rss_mb(self.pid)
            self._thread = threading.Thread(target=self._sample, daemon=True)
            self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.5):
            self.peak = max(self.peak, procs.rss_mb(self.pid))

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self.peak = max(self.peak, procs.rss_mb(self.pid))

    def figures(self) -> dict:
        if self.pid is None:
            return {}
        return {"server_rss_mb": round(procs.rss_mb(self.pid), 1), "server_peak_rss_mb": round(self.peak, 1)}


class LoadAverages:
    """The one-minute load average every 30 s over the whole run: what else the machine did."""

    def __init__(self) -> None:
        self.samples: list[tuple[str, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while True:
            self.samples.append((dt.datetime.now(dt.UTC).strftime("%H:%M:%S"), load_average()))
            if self._stop.wait(30):
                return

    def __enter__(self) -> LoadAverages:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


#: ``prlimit --as=BYTES --``, put before every command when ``--memory-cap-gb`` is given, so a
#: query that grows without bound fails in its own process instead of waking the kernel's OOM
#: killer on a shared machine (the first 10M validation reached 22 GB and was killed by it).
CAP: list[str] = []


def step(cmd: list[str], budget: float, server: int | None = None) -> dict:
    """Run ``cmd`` (a fresh process) within ``budget`` seconds: its time, peak RSS, exit
    status, the load average before and after, and the server's memory when there is one."""
    cmd = [*CAP, *cmd]
    before = load_average()
    with Watch(server) as watch:
        result = child(cmd, budget)
    result["load_average"] = [before, load_average()]
    result.update(watch.figures())
    result["time"] = round(result["time"], 2)
    result["peak_mb"] = round(result["peak_mb"], 1)
    return result


def folder_mb(path: Path) -> float:
    total = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    return round(total / procs.MB, 1)


def named_views(only: list[str] | None = None) -> tuple[list[str], list[str]]:
    """The named queries that run without a value given (those of ``only``, when given), and
    those that need one."""
    from comgraph.queries import Catalogue

    runnable, skipped = [], []
    for query in Catalogue():
        if only is None or query.name in only:
            (skipped if any(p.required for p in query.parameters) else runnable).append(query.name)
    return runnable, skipped


# -- the steps ------------------------------------------------------------------------------------


def load(url: str, data: Path, budget: float, server: int | None = None) -> dict:
    print(f"  load into {url} ...", flush=True)
    return step([COMGRAPH, "load", "-q", "--store", url, str(data)], budget, server)


def views(url: str, budget: float, folder: Path, into: Figures, server: int | None = None,
          only: list[str] | None = None) -> dict:
    names, skipped = named_views(only)
    found: dict = {"skipped_required_parameter": skipped, "runs": {}}
    into["views"] = found
    for name in names:
        out = folder / f"{name}.json"
        result = step([COMGRAPH, "query", name, "--store", url, "--format", "json", "-o", str(out)],
                      budget, server)
        if not result["over_budget"] and result["rc"] == 0 and out.exists():
            rows = ox.parse_query_results(path=out, format=ox.QueryResultsFormat.JSON)
            result["rows"] = sum(1 for _ in rows)
        if out.exists():
            out.unlink()
        found["runs"][name] = result
        into.saved()
        shown = f"> {budget:.0f} s" if result["over_budget"] else f"{result['time']:.1f} s"
        print(f"    {name:42} {shown:>9} {result.get('rows', result.get('rc'))!s:>8} rows "
              f"{result['peak_mb']:7.0f} MB  load {result['load_average'][1]:.1f}", flush=True)
    return found


def validate(url: str, budget: float, folder: Path, server: int | None = None) -> dict:
    print(f"  validate {url} ...", flush=True)
    out = folder / "validate.json"
    result = step([COMGRAPH, "validate", "--store", url, "--format", f"json:{out}", "--fail-on", "never"],
                  budget, server)
    if not result["over_budget"] and out.exists():
        report = json.loads(out.read_text())
        shapes = Counter(r["shape"] for r in report["results"])
        result["findings"] = len(report["results"])
        result["findings_by_shape"] = dict(sorted(shapes.items()))
        result["report"] = {k: v for k, v in report.items() if k != "results"}
        out.unlink()
    shown = f"> {budget:.0f} s" if result["over_budget"] else f"{result['time']:.1f} s"
    print(f"    validate {shown}, {result['peak_mb']:.0f} MB, {result.get('findings', result.get('stderr'))} "
          "findings", flush=True)
    return result


def profile_shapes(url: str, budget: float, folder: Path) -> dict:
    print(f"  per-shape profile on {url} ...", flush=True)
    out = folder / "profile.json"
    result = step([sys.executable, "-c", PROFILE_SHAPES, url, str(out)], budget)
    if not result["over_budget"] and out.exists():
        result["profile"] = json.loads(out.read_text())
    return result


class Server:
    """``oxigraph serve`` on a folder, on a free port of 127.0.0.1; SIGTERM stops it. Its
    ``--timeout-s`` makes it stop a query that comgraph has given up on (a view past its budget,
    or a request past RemoteStore's read timeout), which it would otherwise keep evaluating."""

    def __init__(self, location: Path, timeout: float):
        self.port = free_port()
        self.location = location
        self.process = subprocess.Popen(
            [*CAP, OXIGRAPH, "serve", "--location", str(location), "--bind", f"127.0.0.1:{self.port}",
             "--timeout-s", str(int(timeout))],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        self.query_url = f"http://127.0.0.1:{self.port}/query"
        self.url = "sparql+" + self.query_url
        wait_for(self.query_url + "?query=" + quote("ASK {}"), self.process, seconds=300)

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def target_disk(data: Path, work: Path, args, found: Figures) -> dict:
    location = work / "disk"
    url = f"oxigraph://{location}"
    found["url"] = url
    found["load"] = load(url, data, args.load_budget)
    if found["load"].get("rc") != 0:
        return found
    found["size_mb"] = folder_mb(location)
    found["validate"] = validate(url, args.validate_budget, work)
    views(url, args.view_budget, work, found, only=args.views)
    if args.profile_shapes:
        found["profile"] = profile_shapes(url, args.validate_budget, work)
    found["size_mb_after"] = folder_mb(location)
    shutil.rmtree(location, ignore_errors=True)
    return found


def target_server(data: Path, work: Path, reference: Path | None, args, found: Figures) -> dict:
    location = work / "server"
    if args.server_location:  # a store folder loaded before: copied, so its owner keeps it
        shutil.copytree(args.server_location, location)
    server = Server(location, args.server_timeout)
    try:
        found["server_rss_mb_empty"] = round(procs.rss_mb(server.pid), 1)
        if args.server_location:
            found["served_from"] = f"a copy of {args.server_location} (no load measured)"
        elif (found.setdefault("load", load(server.url, data, args.server_load_budget, server.pid))
              .get("rc") == 0):
            found["served_from"] = "comgraph load"
        else:
            # The server may still be working on what the load sent: stop it, drop that folder
            # and serve what the engine's own bulk loader wrote, so the views and validation are
            # measured anyway.
            server.stop()
            shutil.rmtree(location, ignore_errors=True)
            if reference is None:
                return found
            location = reference
            server = Server(location, args.server_timeout)
            found["served_from"] = "oxigraph load (comgraph load did not finish)"
            found["server_rss_mb_opened"] = round(procs.rss_mb(server.pid), 1)
        found["url"] = server.url
        found["size_mb"] = folder_mb(location)
        found["validate"] = validate(server.url, args.validate_budget, work, server.pid)
        found["server_rss_mb_after_validate"] = round(procs.rss_mb(server.pid), 1)
        # The views run on a server restarted with --timeout-s of a view's budget, so that a
        # view stopped at its budget does not keep the server busy during the next ones.
        server.stop()
        server = Server(location, args.view_budget)
        views(server.url, args.view_budget, work, found, server.pid, only=args.views)
        found["server_rss_mb_end"] = round(procs.rss_mb(server.pid), 1)
    finally:
        server.stop()
    found["size_mb_after"] = folder_mb(location)
    return found


# -- the table ------------------------------------------------------------------------------------


def seconds(run: dict | None) -> str:
    if run is None:
        return "not run"
    if run.get("over_budget"):
        return f"> {run['budget'] / 60:.0f} min" if run["budget"] >= 120 else f"> {run['budget']:.0f} s"
    if run.get("rc") not in (0, 1):
        return f"failed (exit {run.get('rc')})"
    t = run["time"]
    return f"{t / 60:.1f} min" if t >= 120 else f"{t:.1f} s"


def table(result: dict) -> str:
    lines = ["| step | target | time | peak RSS (command) | server RSS after / peak | other | load avg |",
             "|---|---|---|---|---|---|---|"]

    def row(name: str, target: str, run: dict | None, other: str = "") -> None:
        if run is None:
            return
        server = (f"{run['server_rss_mb']:,.0f} / {run['server_peak_rss_mb']:,.0f} MB"
                  if "server_rss_mb" in run else "–")
        la = run.get("load_average")
        lines.append(f"| {name} | {target} | {seconds(run)} | {run['peak_mb']:,.0f} MB | {server} | "
                     f"{other} | " + (f"{la[0]:.1f}–{la[1]:.1f}" if la else "–") + " |")

    ref = result.get("reference")
    if ref:
        row("load (engine's bulk loader)", "oxigraph load", ref, f"store {ref.get('size_mb', 0):,.0f} MB")
    for target in ("disk", "server"):
        t = result.get(target)
        if not t:
            continue
        fallback = t.get("served_from", "comgraph load") != "comgraph load"
        note = f"store {t['size_mb']:,.0f} MB" if "size_mb" in t and not fallback else ""
        row("comgraph load", target, t.get("load"), note)
        if fallback:
            lines.append(f"| (validation and views below) | {target} | – | – | "
                         f"{t.get('server_rss_mb_opened', 0):,.0f} MB when opened | served from the bulk "
                         f"loader's folder, store {t.get('size_mb', 0):,.0f} MB | – |")
        val = t.get("validate")
        if val:
            other = (f"{val['findings']:,} findings from {len(val['findings_by_shape'])} shapes"
                     if "findings" in val else "")
            row("comgraph validate", target, val, other)
        v = t.get("views")
        if v:
            runs = v["runs"]
            done = [r for r in runs.values() if not r["over_budget"] and r.get("rc") == 0]
            total = sum(r["time"] for r in done)
            slowest = sorted(runs.items(), key=lambda kv: -kv[1]["time"])[:3]
            peak = max(r["peak_mb"] for r in runs.values())
            server_peak = max((r.get("server_peak_rss_mb", 0) for r in runs.values()), default=0)
            la = [min(r["load_average"][0] for r in runs.values()),
                  max(r["load_average"][1] for r in runs.values())]
            lines.append(
                f"| {len(runs)} views, one run each | {target} | {total / 60:.1f} min in all "
                f"({len(done)} of {len(runs)} finished) | ≤ {peak:,.0f} MB | "
                + (f"peak {server_peak:,.0f} MB" if server_peak else "–")
                + " | slowest: " + ", ".join(f"{n} {seconds(r)}" for n, r in slowest)
                + f" | {la[0]:.1f}–{la[1]:.1f} |"
            )
        p = t.get("profile")
        if p and "profile" in p:
            top = p["profile"]["shapes"][:3]
            row("per-shape profile", target, p,
                "slowest: " + ", ".join(f"{s['shape'].rsplit('#', 1)[-1]} {s['seconds']:.0f} s" for s in top))
    return "\n".join(lines) + "\n"


def views_table(result: dict) -> str:
    targets = [t for t in ("disk", "server") if result.get(t, {}).get("views")]
    if not targets:
        return ""
    head = "| view | " + " | ".join(f"{t}: time | rows" for t in targets) + " |"
    lines = [head, "|---|" + "---|---|" * len(targets)]
    names = list(result[targets[0]]["views"]["runs"])
    for name in names:
        cells = []
        for t in targets:
            run = result[t]["views"]["runs"].get(name)
            cells += [seconds(run), f"{run['rows']:,}" if run and "rows" in run else "–"]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


# -- the run --------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=10_000_000)
    parser.add_argument("--targets", default="disk,server", help="some of disk,server")
    parser.add_argument("--no-reference", action="store_true", help="skip the engine's bulk loader")
    parser.add_argument("--load-budget", type=float, default=1800, help="seconds for comgraph load (disk)")
    parser.add_argument("--server-load-budget", type=float, default=900,
                        help="seconds for comgraph load into the server")
    parser.add_argument("--view-budget", type=float, default=600, help="seconds per view")
    parser.add_argument("--views", type=lambda text: [v for v in text.split(",") if v],
                        help="only these named views, NAME,NAME (default: every one)")
    parser.add_argument("--validate-budget", type=float, default=1200, help="seconds for validation")
    parser.add_argument("--server-timeout", type=float, default=300,
                        help="the server's own --timeout-s while loading and validating (RemoteStore's "
                             "read timeout is 300 s); for the views it is --view-budget")
    parser.add_argument("--profile-shapes", action="store_true", help="time each shape on the disk store")
    parser.add_argument("--memory-cap-gb", type=float,
                        help="address-space limit (prlimit --as) of every command and the server")
    parser.add_argument("--server-location", type=Path,
                        help="serve a copy of this loaded store folder instead of loading one")
    parser.add_argument("--work", type=Path, help="folder for the stores (default: a temporary one)")
    parser.add_argument("--json", type=Path, help="default: benchmarks/out/scale-N.json")
    args = parser.parse_args(argv)
    targets = [t for t in args.targets.split(",") if t]
    if set(targets) - {"disk", "server"}:
        parser.error("--targets takes disk,server")
    os.environ.pop("COMGRAPH_STORE", None)
    if args.memory_cap_gb:
        CAP[:] = ["prlimit", f"--as={int(args.memory_cap_gb * 2**30)}", "--"]
    info = machine()
    result: dict = {"machine": info, "triples": args.triples,
                    "budgets": {k: getattr(args, k) for k in
                                ("load_budget", "server_load_budget", "view_budget", "validate_budget",
                                 "server_timeout", "memory_cap_gb")}}
    out = args.json or OUT / f"scale-{args.triples}.json"
    print(f"comgraph scale, {size_name(args.triples)} triples: {info['cpus']} CPUs, {info['ram_gb']} GB, "
          f"load average {load_average():.1f}, commit {info['git_commit'][:10]}", flush=True)
    started = time.monotonic()
    before = load_average()
    t0 = time.perf_counter()
    data = portfolio(args.triples)
    summary = json.loads(Path(str(data) + ".json").read_text())
    result["data"] = {"file": str(data), "mb": round(data.stat().st_size / procs.MB, 1),
                      "summary": summary, "seconds_to_generate_or_find": round(time.perf_counter() - t0, 1),
                      "load_average": [before, load_average()]}
    print(f"data: {data} ({result['data']['mb']:,.0f} MB, {result['data']['seconds_to_generate_or_find']} s)",
          flush=True)
    work = Path(tempfile.mkdtemp(prefix="comgraph-scale-", dir=args.work))
    out.parent.mkdir(parents=True, exist_ok=True)

    def save() -> None:  # what is measured so far
        out.write_text(json.dumps(result, indent=1, default=str))

    averages = LoadAverages()
    result["load_average_samples"] = averages.samples
    try:
        with averages:
            reference = None
            if not args.no_reference:
                reference = work / "reference"
                print("reference: oxigraph load ...", flush=True)
                bulk = [OXIGRAPH, "load", "--location", str(reference), "--file", str(data)]
                result["reference"] = step(bulk, args.load_budget)
                if result["reference"].get("rc") == 0:
                    result["reference"]["size_mb"] = folder_mb(reference)
                else:
                    reference = None
                ref = result["reference"]
                print(f"  {seconds(ref)}, {ref['peak_mb']:.0f} MB", flush=True)
            for target in targets:
                print(f"{target}:", flush=True)
                if target == "disk":
                    target_disk(data, work, args, result.setdefault("disk", Figures(save)))
                else:
                    target_server(data, work, reference, args, result.setdefault("server", Figures(save)))
                save()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    info["load_average_end"] = os.getloadavg()
    result["minutes"] = round((time.monotonic() - started) / 60, 1)
    result["finished"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    out.write_text(json.dumps(result, indent=1, default=str))
    print()
    print(table(result))
    print(views_table(result))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
