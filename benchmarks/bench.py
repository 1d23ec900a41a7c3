"""`make bench`: every benchmark row in one run, one Markdown table, results/latest.{md,json}.

    python -m benchmarks.bench [--quick] [--only load,views,validate,scale,core,serve,extras]
        [--out benchmarks/results]

Every row uses the one generator (benchmarks/generate.py: a portfolio with 1% defects) and
compares comgraph with a peer measured in the same run, in interleaved rounds (comgraph, peer,
comgraph, peer, ...), so that a drift of a shared machine falls on both. Each row shows the
median and the range (min-max) of each side and of the per-round ratio, its target and pass/miss.
A peer (or comgraph) that runs past its row's time budget is stopped and shown as "> budget".
Memory is measured, never estimated: the peak RSS of the child process (``wait4``), or for the
server the PSS of all its processes (/proc/PID/smaps_rollup). benchmarks/README.md explains each row.

Sizes: the full run uses 1M triples (load, views, serve), 100k for validation against its peers
and 1M and 3M for validation's growth; ``--quick`` uses 10k-100k and fits in about 5 minutes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import importlib.metadata
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks import validate as validate_module  # noqa: E402
from benchmarks.generate import portfolio  # noqa: E402
from benchmarks.validate import child, compare  # noqa: E402
from benchmarks.validate import measure as measure_validation  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent

FULL = {
    "load": 1_000_000,
    "views": 1_000_000,
    "rdflib": 100_000,
    "validate": 100_000,
    "reference": 3_000,
    "scale": [1_000_000, 3_000_000],
    "scale_rounds": 2,
    "serve": 1_000_000,
    "serve_seconds": 10,
    "serve_rounds": 3,
    "rounds": 3,
    "views_rounds": 2,
    "validate_rounds": 2,
    "import_rows": 10_000,
    "import_rounds": 2,
    "deadline": 45 * 60,
    "pyshacl_at_base": True,
    "budget": {
        "load": 600,
        "views": 1500,
        "rdflib_query": 60,
        "validate": 900,
        "pyshacl": 300,
        "scale": 900,
        "serve": 900,
        "import": 600,
        "lookahead": 600,
    },
}
QUICK = {
    "load": 100_000,
    "views": 100_000,
    "rdflib": 10_000,
    "validate": 10_000,
    "reference": 2_000,
    "scale": [50_000],
    "scale_rounds": 2,
    "serve": 100_000,
    "serve_seconds": 3,
    "serve_rounds": 2,
    "rounds": 3,
    "views_rounds": 3,
    "validate_rounds": 2,
    "import_rows": 10_000,
    "import_rounds": 1,
    "deadline": 600,
    "pyshacl_at_base": False,
    "budget": {
        "load": 120,
        "views": 300,
        "rdflib_query": 5,
        "validate": 120,
        "pyshacl": 120,
        "scale": 150,
        "serve": 240,
        "import": 180,
        "lookahead": 120,
    },
}

PEER_LOAD = """
import sys, pyoxigraph as ox
store = ox.Store(sys.argv[2])
store.bulk_load(path=sys.argv[1], format=ox.RdfFormat.N_TRIPLES)
store.flush()
"""


# -- figures ------------------------------------------------------------------------------------


def spread(values: list[float]) -> dict | None:
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def ratios(ours: list[float], peers: list[float]) -> dict | None:
    return spread([a / b for a, b in zip(ours, peers, strict=False) if b])


def size_name(n: int) -> str:
    return f"{n // 1_000_000}M" if n >= 1_000_000 and n % 1_000_000 == 0 else f"{n // 1000}k"


class Table:
    def __init__(self) -> None:
        self.rows: list[dict] = []

    def add(
        self,
        row: str,
        size: str,
        ours: dict | None,
        peer: dict | None,
        ratio: dict | None,
        target: str,
        verdict: str,
        unit: str = "s",
        note: str = "",
        peer_name: str = "",
    ) -> None:
        entry = {
            "row": row,
            "size": size,
            "comgraph": ours,
            "peer": peer,
            "peer_name": peer_name,
            "ratio": ratio,
            "target": target,
            "result": verdict,
            "unit": unit,
            "note": note,
        }
        self.rows.append(entry)
        print(f"  {self.markdown_row(entry)}", flush=True)

    @staticmethod
    def show(value: dict | str | None, unit: str) -> str:
        if value is None:
            return "–"
        if isinstance(value, str):
            return value
        fmt = (lambda v: f"{v:.2f}") if unit in ("x", "s") else (lambda v: f"{v:,.0f}")
        if unit == "s" and value["max"] < 0.1:
            fmt, unit = (lambda v: f"{v * 1000:.1f}"), "ms"
        sep = "" if unit == "x" else " "
        unit = "×" if unit == "x" else unit
        if value["n"] == 1:
            return f"{fmt(value['median'])}{sep}{unit}"
        return f"{fmt(value['median'])}{sep}{unit} ({fmt(value['min'])}–{fmt(value['max'])})"

    def markdown_row(self, e: dict) -> str:
        peer = self.show(e["peer"], e["unit"])
        if e["peer_name"] and e["peer"] is not None:
            peer = f"{e['peer_name']}: {peer}"
        cells = [
            e["row"],
            e["size"],
            self.show(e["comgraph"], e["unit"]),
            peer,
            self.show(e["ratio"], "x"),
            e["target"],
            e["result"],
            e["note"],
        ]
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    def markdown(self) -> str:
        head = (
            "| row | size | comgraph: median (min–max) | peer: median (min–max) | ratio per round "
            "| target | result | note |\n|---|---|---|---|---|---|---|---|\n"
        )
        return head + "\n".join(self.markdown_row(e) for e in self.rows) + "\n"


def verdict(value: float | None, limit: float, at_most: bool = True) -> str:
    if value is None:
        return "n/a"
    return "pass" if (value <= limit if at_most else value >= limit) else "MISS"


# -- the machine -----------------------------------------------------------------------------------


def machine() -> dict:
    versions = {}
    for name in ("comgraph", "pyoxigraph", "pyshacl", "pyrudof", "rdflib", "oxigraph", "gunicorn"):
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    mem = next(
        (
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal:")
        ),
        0,
    )

    def git(*args: str) -> str:
        try:
            return subprocess.run(
                ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
            ).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return ""

    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "ram_gb": round(mem / 1024 / 1024, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": versions,
        "git_commit": git("rev-parse", "HEAD"),
        "git_branch": git("rev-parse", "--abbrev-ref", "HEAD"),
        "git_dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
        "load_average_start": os.getloadavg(),
    }


# -- the rows --------------------------------------------------------------------------------------


def row_load(cfg: dict, table: Table) -> dict:
    n = cfg["load"]
    data = portfolio(n)
    ours, peers = [], []
    for _ in range(cfg["rounds"]):
        for runs, make in (
            (ours, lambda d: [str(BIN / "comgraph"), "load", "-q", "--store", f"oxigraph://{d}", str(data)]),
            (peers, lambda d: [sys.executable, "-c", PEER_LOAD, str(data), d]),
        ):
            folder = tempfile.mkdtemp(prefix="comgraph-bench-load-")
            try:
                result = child(make(folder), cfg["budget"]["load"])
            finally:
                shutil.rmtree(folder, ignore_errors=True)
            runs.append(result)
    t_ours = [r["time"] for r in ours if not r["over_budget"] and r["rc"] == 0]
    t_peer = [r["time"] for r in peers if not r["over_budget"] and r["rc"] == 0]
    ratio = ratios(t_ours, t_peer)
    table.add(
        "load, disk store",
        size_name(n),
        spread(t_ours),
        spread(t_peer),
        ratio,
        "≤ 1.2×",
        verdict(ratio and ratio["median"], 1.2),
        note=f"peak RSS {max(r['peak_mb'] for r in ours):.0f} MB vs "
        f"{max(r['peak_mb'] for r in peers):.0f} MB",
        peer_name="pyoxigraph bulk_load",
    )
    return {"comgraph": ours, "peer": peers}


def run_json(cmd: list[str], budget: float, out: Path, partial: bool = False) -> tuple[dict, dict | None]:
    """Run a benchmark script that writes JSON to ``out``. With ``partial``, a script stopped at
    its budget that had written figures so far (marked ``"partial": true``) gives those."""
    result = child(cmd, budget, success=(0,))
    if partial and result["over_budget"] and out.exists():
        return result, json.loads(out.read_text())
    if result["over_budget"] or result.get("rc") != 0 or not out.exists():
        return result, None
    return result, json.loads(out.read_text())


def row_views(cfg: dict, table: Table, folder: Path) -> dict:
    n = cfg["views"]
    data = portfolio(n)
    found = {}
    for kind in ("memory", "disk"):
        out = folder / f"views-{kind}.json"
        result, figures = run_json(
            [
                sys.executable,
                str(HERE / "views.py"),
                "--data",
                str(data),
                "--store-kind",
                kind,
                "--rounds",
                str(cfg["views_rounds"]),
                "--json",
                str(out),
            ],
            cfg["budget"]["views"],
            out,
            partial=True,
        )
        found[kind] = {"process": result, "figures": figures}
        if figures is not None and figures.get("partial"):
            table.add(
                f"views ({kind})",
                size_name(n),
                None,
                None,
                None,
                "≤ 1.2×",
                "> budget",
                note=f"stopped at the budget after {len(figures['queries'])} views, shown below",
            )
        if figures is None:
            why = "> budget" if result["over_budget"] else f"failed: {result.get('stderr', '')[-200:]}"
            table.add(f"views ({kind})", size_name(n), None, None, None, "≤ 1.2×", why)
            continue
        for name, q in figures["queries"].items():
            ratio = ratios(q["query"], q["peer_query"])
            json_ratio = ratios(q["json"], q["peer_json"])
            worst = max(ratio["median"], json_ratio["median"])
            table.add(
                f"view {name} ({kind})",
                size_name(n),
                spread(q["query"]),
                spread(q["peer_query"]),
                ratio,
                "≤ 1.2×",
                verdict(worst, 1.2),
                peer_name="pyoxigraph",
                note=f"{q['rows']} rows; /views/{name}.json {Table.show(json_ratio, 'x')} of "
                f"pyoxigraph + JSON ({Table.show(spread(q['json']), 's')})",
            )
        table.add(
            f"views ({kind}), peak RSS",
            size_name(n),
            None,
            None,
            None,
            "–",
            "listed",
            note=f"{result['peak_mb']:.0f} MB for both stores in one process",
        )
    # rdflib's Memory store, within a budget per query
    n_rdf = cfg["rdflib"]
    out = folder / "views-rdflib.json"
    result, figures = run_json(
        [
            sys.executable,
            str(HERE / "views.py"),
            "--data",
            str(portfolio(n_rdf)),
            "--rdflib",
            "--budget",
            str(cfg["budget"]["rdflib_query"]),
            "--json",
            str(out),
        ],
        cfg["budget"]["views"],
        out,
    )
    found["rdflib"] = {"process": result, "figures": figures}
    if figures is None:
        table.add(
            "views vs rdflib Memory",
            size_name(n_rdf),
            None,
            None,
            None,
            "≤ 1.2×",
            "> budget" if result["over_budget"] else "failed",
        )
    else:
        # one row for all views: rdflib is the slow peer, its figures are for orientation
        ours_t, theirs_t, each, over, failed = [], [], [], [], []
        for name, q in figures["queries"].items():
            mine = statistics.median(q["comgraph"])
            if isinstance(q["rdflib"], (int, float)):
                ours_t.append(mine)
                theirs_t.append(q["rdflib"])
                each.append(mine / q["rdflib"])
            elif q["rdflib"] is None:
                over.append(name)
            else:
                failed.append(f"{name} ({q['rdflib']})")
        ratio = spread(each)
        note = f"{len(each)} views finished; ratio over the views, rdflib one run each"
        if over:
            note += f"; over the {figures['budget']:.0f} s budget: {', '.join(over)}"
        if failed:
            note += f"; rdflib failed: {', '.join(failed)}"
        table.add(
            f"views vs rdflib Memory (all {len(figures['queries'])} views)",
            size_name(n_rdf),
            spread(ours_t),
            spread(theirs_t),
            ratio,
            "≤ 1.2×",
            verdict(ratio and ratio["max"], 1.2),
            peer_name="rdflib Memory",
            note=note,
        )
    return found


def run_stats(runs: list[dict]) -> tuple[list[float], str | None]:
    """Times of the finished runs, and why there are none ("> budget", "error")."""
    times = [r["time"] for r in runs if not r["over_budget"] and "error" not in r]
    if times:
        return times, None
    if any(r["over_budget"] for r in runs):
        return [], f"> {runs[0].get('budget', 0):.0f} s budget"
    return [], "error: " + (runs[0].get("error", "")[-160:] if runs else "not run")


def row_validate(cfg: dict, table: Table) -> dict:
    n = cfg["validate"]
    data = portfolio(n)
    result = measure_validation(
        data, ["comgraph", "pyrudof"], cfg["validate_rounds"], cfg["budget"]["validate"], core=False
    )
    ours, why_ours = run_stats(result["runs"]["comgraph"])
    peer, why_peer = run_stats(result["runs"]["pyrudof"])
    ratio = ratios(ours, peer)
    counts = {e: next((r.get("count") for r in rs if "count" in r), None) for e, rs in result["runs"].items()}
    same = result.get("comgraph_vs_pyrudof")
    note = (
        f"findings: comgraph {counts['comgraph']}, pyrudof {counts['pyrudof']}"
        + (f" ({'the same' if same['same'] else 'different'} (shape, focus) pairs)" if same else "")
        + f"; peak RSS {max(r['peak_mb'] for r in result['runs']['comgraph']):.0f} MB vs "
        f"{max(r['peak_mb'] for r in result['runs']['pyrudof']):.0f} MB"
    )
    table.add(
        "validate, project shapes",
        size_name(n),
        spread(ours) or why_ours,
        spread(peer) or why_peer,
        ratio,
        "≤ 0.5× pyrudof",
        verdict(ratio and ratio["median"], 0.5),
        note=note,
        peer_name="pyrudof",
    )
    # plain pySHACL: the reference for the findings, at this size within its budget ...
    if not cfg["pyshacl_at_base"]:
        table.add(
            "validate, same findings as pySHACL",
            size_name(n),
            spread(ours) or why_ours,
            "not run",
            None,
            "the same findings",
            "skipped",
            peer_name="pySHACL",
            note="--quick: plain pySHACL needs minutes at this size on these shapes; see the row below",
        )
    else:
        ref = measure_validation(data, ["pyshacl"], 1, cfg["budget"]["pyshacl"], core=False)
        result["runs"]["pyshacl"] = ref["runs"]["pyshacl"]
        theirs, why = run_stats(ref["runs"]["pyshacl"])
        done = next((r for r in ref["runs"]["pyshacl"] if "keys" in r), None)
        mine = next((r for r in result["runs"]["comgraph"] if "keys" in r), None)
        if done and mine:
            same = compare(mine, done)
            result["comgraph_vs_pyshacl"] = same
            table.add(
                "validate, same findings as pySHACL",
                size_name(n),
                spread(ours),
                spread(theirs),
                ratios(ours[:1], theirs),
                "the same findings",
                "pass" if same["same"] else "MISS",
                peer_name="pySHACL",
                note=f"{mine['count']} vs {done['count']} findings; "
                f"{same['only_first']} only comgraph, {same['only_second']} only pySHACL",
            )
        else:
            table.add(
                "validate, same findings as pySHACL",
                size_name(n),
                spread(ours) or why_ours,
                why,
                None,
                "the same findings",
                "> budget" if why and "budget" in why else "n/a",
                peer_name="pySHACL",
            )
    # ... and at a size where it finishes, so that the findings are compared in every run
    small = cfg["reference"]
    ref_small = measure_validation(
        portfolio(small, defects=0.03), ["comgraph", "pyshacl"], 1, cfg["budget"]["pyshacl"], core=False
    )
    result["reference_small"] = ref_small
    a = next((r for r in ref_small["runs"]["comgraph"] if "keys" in r), None)
    b = next((r for r in ref_small["runs"]["pyshacl"] if "keys" in r), None)
    t_a, _ = run_stats(ref_small["runs"]["comgraph"])
    t_b, why_b = run_stats(ref_small["runs"]["pyshacl"])
    if a and b:
        same = compare(a, b)
        table.add(
            "validate, same findings as pySHACL",
            f"{size_name(small)}, 3% defects",
            spread(t_a),
            spread(t_b),
            ratios(t_a, t_b),
            "the same findings",
            "pass" if same["same"] else "MISS",
            peer_name="pySHACL",
            note=f"{a['count']} vs {b['count']} findings from {a['shapes_found']} "
            f"shapes; {same['only_first']} only comgraph, {same['only_second']} only pySHACL",
        )
    else:
        table.add(
            "validate, same findings as pySHACL",
            f"{size_name(small)}, 3% defects",
            spread(t_a),
            why_b,
            None,
            "the same findings",
            "> budget" if why_b and "budget" in why_b else "n/a",
            peer_name="pySHACL",
        )
    return result


def row_scale(cfg: dict, table: Table, base: dict | None) -> dict:
    """Validation's growth: each larger size against the validate row's size, measured in
    interleaved rounds (base, larger, base, larger, ...) so that a drift of the machine falls on
    both; the ratio is per round. ``base`` (the validate row's own runs) is not reused: it ran
    minutes earlier."""
    base_n = cfg["validate"]
    found = {}
    over = False
    for n in cfg["scale"]:
        factor = n / base_n
        limit = 1.2 * factor  # linear growth, with the 20% the other rows allow
        if over:
            table.add(
                "validate, project shapes, growth",
                size_name(n),
                "not run",
                None,
                None,
                f"≤ {limit:.0f}× the {size_name(base_n)} time",
                "skipped",
                note="the smaller size ran over its budget",
            )
            continue
        rounds = cfg["scale_rounds"] if n == cfg["scale"][0] else 1
        base_runs, runs = [], []
        for _ in range(rounds):
            base_runs += measure_validation(
                portfolio(base_n), ["comgraph"], 1, cfg["budget"]["validate"], core=False
            )["runs"]["comgraph"]
            result = measure_validation(portfolio(n), ["comgraph"], 1, cfg["budget"]["scale"], core=False)
            runs += result["runs"]["comgraph"]
            if runs[-1]["over_budget"] or "error" in runs[-1]:
                break
        result["runs"]["comgraph"] = runs
        result["base_runs"] = base_runs
        found[n] = result
        times, why = run_stats(runs)
        base_times, _ = run_stats(base_runs)
        run = runs[0]
        pairs = [
            (r["time"], b["time"])
            for r, b in zip(runs, base_runs, strict=False)
            if not r["over_budget"] and "error" not in r and not b["over_budget"] and "error" not in b
        ]
        ratio = spread([t / b for t, b in pairs]) if pairs else None
        result_text = verdict(ratio and ratio["median"], limit) if times else ("> budget" if why else "n/a")
        table.add(
            "validate, project shapes, growth",
            size_name(n),
            spread(times) or why,
            spread(base_times) if base_times else None,
            ratio,
            f"≤ {limit:.0f}× the {size_name(base_n)} time",
            result_text,
            peer_name=f"own {size_name(base_n)} time",
            note=f"{run.get('count', '?')} findings" if times else "",
        )
        peak = max(r["peak_mb"] for r in runs)
        if n == cfg["scale"][0]:
            table.add(
                "validate, peak RSS",
                size_name(n),
                {"median": peak, "min": peak, "max": peak, "n": 1},
                None,
                None,
                "≤ 1 GB" if n >= 1_000_000 else "≤ 1 GB (at 1M)",
                verdict(peak, 1024) if times else "n/a (stopped)",
                unit="MB",
            )
        if not times:
            over = True
    return found


def row_core(cfg: dict, table: Table) -> dict:
    n = cfg["validate"]
    result = measure_validation(
        portfolio(n), ["comgraph", "pyrudof"], cfg["validate_rounds"], cfg["budget"]["validate"], core=True
    )
    ours, why_ours = run_stats(result["runs"]["comgraph"])
    peer, why_peer = run_stats(result["runs"]["pyrudof"])
    ratio = ratios(ours, peer)
    same = result.get("comgraph_vs_pyrudof")
    table.add(
        "validate, Core shapes only",
        size_name(n),
        spread(ours) or why_ours,
        spread(peer) or why_peer,
        ratio,
        "≤ 0.5× pyrudof",
        verdict(ratio and ratio["median"], 0.5),
        peer_name="pyrudof",
        note=(f"findings {'the same' if same['same'] else 'different'} as pyrudof's" if same else ""),
    )
    return result


def row_serve(cfg: dict, table: Table, folder: Path) -> dict:
    n = cfg["serve"]
    if not shutil.which("wrk"):
        table.add(
            "serve", size_name(n), None, None, None, "–", "skipped", note="needs wrk: apt-get install wrk"
        )
        return {}
    out = folder / "serve.json"
    result, figures = run_json(
        [
            sys.executable,
            str(HERE / "serve.py"),
            "--triples",
            str(n),
            "--seconds",
            str(cfg["serve_seconds"]),
            "--rounds",
            str(cfg["serve_rounds"]),
            "--json",
            str(out),
        ],
        cfg["budget"]["serve"],
        out,
    )
    if figures is None:
        table.add(
            "serve",
            size_name(n),
            None,
            None,
            None,
            "–",
            "> budget" if result["over_budget"] else "failed",
            note=result.get("stderr", "")[-200:],
        )
        return {"process": result}
    for name, target in (("cheap", 0.25), ("heavy", 0.9)):
        runs = figures["results"][name]
        ours = [r["rps"] for r in runs["comgraph-gunicorn"]]
        peer = [r["rps"] for r in runs["oxigraph"]]
        ratio = ratios(ours, peer)
        p99 = statistics.median(r["p99_ms"] for r in runs["comgraph-gunicorn"])
        table.add(
            f"serve {name}, requests/s",
            size_name(n),
            spread(ours),
            spread(peer),
            ratio,
            f"≥ {target}×",
            verdict(ratio["median"], target, at_most=False),
            unit="req/s",
            peer_name="Oxigraph server",
            note=f"comgraph serve --workers 2; p99 {p99:.1f} ms",
        )
    memory = figures["memory_after_heavy"]
    pss = memory["comgraph_pss_mb"]["gunicorn"]
    rss = memory["oxigraph_rss_mb"]
    table.add(
        "memory serving, in memory, after heavy",
        size_name(n),
        {"median": pss, "min": pss, "max": pss, "n": 1},
        {"median": rss, "min": rss, "max": rss, "n": 1},
        None,
        "≤ 1 GB",
        verdict(pss, 1024),
        unit="MB",
        peer_name="Oxigraph RSS",
        note=f"PSS of all {memory['comgraph_processes_gunicorn']} comgraph processes",
    )
    return figures


def row_extras(cfg: dict, table: Table) -> dict:
    found = {}
    data = portfolio(cfg["validate"])
    probe = subprocess.run([str(BIN / "comgraph"), "lookahead", "--help"], capture_output=True)
    if probe.returncode != 0:
        table.add(
            "look-ahead",
            size_name(cfg["validate"]),
            "not yet available",
            None,
            None,
            "listed",
            "skipped",
            note="`comgraph lookahead` does not exist yet",
        )
    else:
        # as the look-ahead's branch defines it: the graph through --data (like `comgraph query`);
        # it reads the validation report too, so its time includes a validation
        with tempfile.TemporaryDirectory(prefix="comgraph-bench-lookahead-") as out:
            result = child(
                [
                    str(BIN / "comgraph"),
                    "lookahead",
                    "--data",
                    str(data),
                    "--format",
                    "json",
                    "-o",
                    str(Path(out) / "lookahead.json"),
                ],
                cfg["budget"]["lookahead"],
            )
        found["lookahead"] = result
        table.add(
            "look-ahead",
            size_name(cfg["validate"]),
            {"median": result["time"], "min": result["time"], "max": result["time"], "n": 1},
            None,
            None,
            "listed",
            "listed" if result.get("rc") in (0, 1) else f"exit {result.get('rc')}",
            note=f"peak RSS {result['peak_mb']:.0f} MB",
        )
    importer = importlib.import_module("benchmarks.import")
    rows = cfg["import_rows"]
    sheet, edited = importer.sheets(rows)["raci"]
    first, again = [], []
    for _ in range(cfg["import_rounds"]):
        folder = Path(tempfile.mkdtemp(prefix="comgraph-bench-import-"))
        try:
            work = folder / "raci.xlsx"  # the same name both times: a re-import of one source
            url = f"oxigraph://{folder / 'store'}"
            shutil.copy(sheet, work)
            first.append(
                child(
                    [
                        str(BIN / "comgraph"),
                        "import",
                        "raci",
                        str(work),
                        "--start",
                        "2026-01-01",
                        "--store",
                        url,
                        "-q",
                    ],
                    cfg["budget"]["import"],
                )
            )
            shutil.copy(edited, work)
            again.append(
                child(
                    [str(BIN / "comgraph"), "import", "raci", str(work), "--store", url, "-q"],
                    cfg["budget"]["import"],
                )
            )
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    for label, runs in (("import raci, first", first), ("import raci, one cell edited", again)):
        times = [r["time"] for r in runs if not r["over_budget"] and r.get("rc") == 0]
        table.add(
            label,
            f"{rows // 1000}k rows",
            spread(times) or "failed",
            None,
            None,
            "listed",
            "listed" if times else "failed",
            note=f"disk store; peak RSS {max(r['peak_mb'] for r in runs):.0f} MB",
        )
    found["import"] = {"first": first, "again": again}
    return found


# -- the run ---------------------------------------------------------------------------------------

#: The order they run in: the rows whose time is bounded first, then the two that grow with the
#: data (all views at 1M; validation at 1M and 3M), so that a row running long (against the
#: run's deadline) costs only what comes after it.
# The rows the must-show names first; views (40 texts at 1M, twice) last, so that a run
# that reaches its deadline loses views, which it then shows as far as they got.
ROWS = ("load", "validate", "scale", "core", "serve", "extras", "views")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10k-100k triples, about 5 minutes")
    parser.add_argument("--only", default=",".join(ROWS), help=f"some of {','.join(ROWS)}")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args(argv)
    only = [r for r in args.only.split(",") if r]
    if set(only) - set(ROWS):
        parser.error(f"--only takes {','.join(ROWS)}")
    cfg = QUICK if args.quick else FULL
    os.environ.pop("COMGRAPH_STORE", None)
    info = machine()
    info["mode"] = "quick" if args.quick else "full"
    info["config"] = cfg
    print(
        f"comgraph bench ({info['mode']}): {info['cpus']} CPUs, {info['ram_gb']} GB, load average "
        f"{info['load_average_start'][0]:.1f}, commit {info['git_commit'][:10]}",
        flush=True,
    )
    validate_module.compile_comgraph()  # every row runs comgraph as an installed one: compiled
    started = time.monotonic()
    # every child's budget is capped by the run's deadline, so the run ends in its time
    validate_module.RUN_DEADLINE = time.perf_counter() + cfg["deadline"]
    table = Table()
    raw: dict = {}
    with tempfile.TemporaryDirectory(prefix="comgraph-bench-") as tmp:
        folder = Path(tmp)
        print("generating the portfolios ...", flush=True)
        for n in sorted({cfg["load"], cfg["views"], cfg["rdflib"], cfg["validate"], cfg["serve"]}):
            portfolio(n)  # the growth sizes are made when their row runs
        steps = {
            "load": lambda: row_load(cfg, table),
            "views": lambda: row_views(cfg, table, folder),
            "validate": lambda: row_validate(cfg, table),
            "scale": lambda: row_scale(cfg, table, raw.get("validate")),
            "core": lambda: row_core(cfg, table),
            "serve": lambda: row_serve(cfg, table, folder),
            "extras": lambda: row_extras(cfg, table),
        }
        for name in ROWS:
            if name in only:
                left = validate_module.RUN_DEADLINE - time.perf_counter()
                if left < 30:
                    table.add(
                        name,
                        "–",
                        "not run",
                        None,
                        None,
                        "–",
                        "not run",
                        note=f"the run's {cfg['deadline'] / 60:.0f}-minute deadline had passed",
                    )
                    continue
                step_start = time.monotonic()
                print(f"{name} ...", flush=True)
                raw[name] = steps[name]()
                raw.setdefault("seconds", {})[name] = round(time.monotonic() - step_start, 1)
    info["load_average_end"] = os.getloadavg()
    info["seconds"] = round(time.monotonic() - started, 1)
    header = (
        f"# comgraph benchmarks ({info['mode']})\n\n"
        f"{info['date']}, commit `{info['git_commit'][:10]}`{' (dirty)' if info['git_dirty'] else ''} "
        f"on {info['git_branch']}; {info['cpus']} CPUs, {info['ram_gb']} GB RAM; load average "
        f"{info['load_average_start'][0]:.1f} at the start, {info['load_average_end'][0]:.1f} at the end; "
        f"Python {info['python']}, "
        + ", ".join(f"{k} {v}" for k, v in info["versions"].items() if v)
        + f"; {info['seconds'] / 60:.1f} minutes.\n\n"
        "Times are medians over interleaved rounds (comgraph, peer, comgraph, peer, ...) with the "
        "range in brackets; a ratio is comgraph / peer per round (for requests/s, comgraph's share "
        "of the peer's). See benchmarks/README.md for what each row measures.\n\n"
    )
    text = header + table.markdown()
    misses = sum(1 for r in table.rows if r["result"] == "MISS")
    text += f"\n{misses} of {len(table.rows)} rows miss their target.\n"
    print("\n" + text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "latest.md").write_text(text)
    (args.out / "latest.json").write_text(
        json.dumps({"machine": info, "rows": table.rows, "raw": raw}, indent=1, default=str)
    )
    print(f"wrote {args.out / 'latest.md'} and {args.out / 'latest.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
