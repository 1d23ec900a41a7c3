"""Benchmark: ``comgraph validate`` with the project's shapes against pyrudof and plain pySHACL.

    python benchmarks/validate.py [--triples 100000] [--engines comgraph,pyrudof,pyshacl]
        [--core] [--rounds 3] [--budget 600] [--json OUT]

The data is the benchmark portfolio (benchmarks/generate.py, 1% defects); the shapes are the
project's own (``shapes/``), the same for every engine: comgraph reads the folder; the peers read
one Turtle file written from it with ``$asOf`` already replaced by the data's as-of date (what
comgraph does before any engine sees a query), so every engine checks the same constraints.
``--core`` keeps only the SHACL Core shapes (those without ``sh:sparql``). The data carries the
stakeholder-role hierarchy (skos:broader) itself, so no engine needs the vocabularies.

Each engine runs as a fresh process, as a user runs it (``comgraph validate FILE --format json``,
a small script for each peer), in interleaved rounds (comgraph, pyrudof, comgraph, pyrudof, ...;
pySHACL once, it is the slow reference), each stopped after ``--budget`` seconds. For each run it
records the wall time, the peak RSS of the process (from the kernel, ``wait4``) and the findings
as (shape, focus node) pairs, and it compares comgraph's findings with pySHACL's.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.generate import AS_OF, portfolio  # noqa: E402  (the one generator)

BIN = Path(sys.executable).parent

PYSHACL = """
import json, sys
import rdflib
from pyshacl import validate
from rdflib import RDF, SH
from comgraph.portability import register_rdflib_functions
register_rdflib_functions()  # the shapes' cgfn:addDays / cgfn:addMonths, as comgraph's cross-check does
data = rdflib.Graph().parse(sys.argv[1], format="nt")
shapes = rdflib.Graph().parse(sys.argv[2], format="turtle")
_c, report, _t = validate(data, shacl_graph=shapes, inplace=True)
keys = []
for root in report.subjects(RDF.type, SH.ValidationReport):
    for r in report.objects(root, SH.result):
        keys.append((str(report.value(r, SH.sourceShape)), str(report.value(r, SH.focusNode))))
json.dump({"count": len(keys), "keys": keys}, open(sys.argv[3], "w"))
"""

PYRUDOF = """
import json, sys
import pyrudof
rudof = pyrudof.Rudof(pyrudof.RudofConfig())
rudof.read_data(sys.argv[1], format=pyrudof.RDFFormat.NTriples)
rudof.read_shacl(sys.argv[2])
report = rudof.validate_shacl()
keys = [(str(r.source_shape), str(r.focus_node)) for r in report]
json.dump({"count": len(keys), "keys": keys}, open(sys.argv[3], "w"))
"""


def shapes_for_peers(folder: Path, core: bool) -> tuple[Path, Path]:
    """(comgraph's --shapes folder, one Turtle file for the peers): the project's shapes, or only
    those without SHACL-SPARQL; ``$asOf`` replaced by the portfolio's as-of date."""
    from rdflib import RDF, SH, BNode, Graph

    from comgraph.paths import shapes_dir
    from comgraph.validate.shapes import Shapes

    graph = Shapes.load(shapes_dir()).for_date(AS_OF)
    if core:
        keep = Graph()
        for prefix, ns in graph.namespaces():
            keep.bind(prefix, ns)

        def walk(node):
            for p, o in graph.predicate_objects(node):
                keep.add((node, p, o))
                if isinstance(o, BNode):
                    walk(o)
                elif p == RDF.first or p == RDF.rest:
                    walk(o)

        shapes = set(graph.subjects(RDF.type, SH.NodeShape)) | set(graph.subjects(RDF.type, SH.PropertyShape))
        for shape in sorted(shapes):
            if (shape, SH.sparql, None) not in graph:
                walk(shape)
        graph = keep
    folder.mkdir(parents=True, exist_ok=True)
    peer_file = folder / "shapes.ttl"
    graph.serialize(peer_file, format="turtle")
    if not core:
        return shapes_dir(), peer_file
    ours = folder / "core"
    ours.mkdir(exist_ok=True)
    (ours / "core.ttl").write_bytes(peer_file.read_bytes())
    return ours, peer_file


#: A whole run's deadline (``time.perf_counter()``), which caps every child's budget; set by
#: benchmarks/bench.py so that `make bench` ends in its time even when a row runs long.
RUN_DEADLINE: float | None = None


def child(cmd: list[str], budget: float, env: dict | None = None, success: tuple[int, ...] = (0, 1)) -> dict:
    """Run ``cmd`` as a fresh process group; wall seconds, peak RSS (MB) and exit status, or
    ``over_budget`` when it was still running after ``budget`` seconds (then it is killed). The
    end of its stderr comes back when the exit status is not one of ``success`` (by default 0
    and 1: ``comgraph validate`` exits 1 when it finds something; a Python script exits 1 on an
    uncaught exception, so its caller passes ``(0,)``)."""
    start = time.perf_counter()
    if RUN_DEADLINE is not None:
        budget = max(1.0, min(budget, RUN_DEADLINE - start))
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True,
                                env=env)
        deadline = start + budget
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                os.killpg(proc.pid, signal.SIGKILL)
                _pid, status, usage = os.wait4(proc.pid, 0)
                proc.returncode = -9
                return {"over_budget": True, "time": time.perf_counter() - start, "budget": budget,
                        "peak_mb": usage.ru_maxrss / 1024}
            time.sleep(0.05)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        tail = err.read()[-600:].decode(errors="replace")
    return {"over_budget": False, "time": wall, "peak_mb": usage.ru_maxrss / 1024, "rc": proc.returncode,
            "stderr": tail if proc.returncode not in success else ""}


def rendered_for_pyrudof(peer_file: Path) -> Path:
    """The peers' shapes with the portable date functions (cgfn:addDays, cgfn:addMonths) written
    as comgraph writes them for Oxigraph ("xpath"): pyrudof knows no custom function. (Plain
    pySHACL gets the functions registered with rdflib instead, as comgraph's cross-check does.)"""
    target = peer_file.with_name(peer_file.stem + "-pyrudof.ttl")
    if target.exists():
        return target
    from rdflib import SH, Graph, Literal

    from comgraph.portability import FN, render

    graph = Graph().parse(peer_file, format="turtle")
    declared = f"PREFIX cgfn: <{FN}>\nPREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"
    for predicate in (SH.select, SH.ask):
        for node, text in list(graph.subject_objects(predicate)):
            if "cgfn:" in str(text):
                graph.set((node, predicate, Literal(render(declared + str(text), "xpath"))))
    graph.serialize(target, format="turtle")
    return target


def run_engine(engine: str, data: Path, ours: Path, peer_file: Path, folder: Path, budget: float) -> dict:
    out = folder / f"{engine}-{time.monotonic_ns()}.json"
    if engine == "comgraph":
        cmd = [str(BIN / "comgraph"), "validate", str(data), "--shapes", str(ours),
               "--format", f"json:{out}", "--fail-on", "never"]
    else:
        shapes = rendered_for_pyrudof(peer_file) if engine == "pyrudof" else peer_file
        cmd = [sys.executable, "-c", PYRUDOF if engine == "pyrudof" else PYSHACL, str(data), str(shapes),
               str(out)]
    result = {"engine": engine, **child(cmd, budget)}
    if result["over_budget"]:
        return result
    if result["rc"] != 0 or not out.exists():
        result["error"] = f"exit status {result['rc']}: {result.get('stderr', '')}"
        return result
    found = json.loads(out.read_text())
    out.unlink()
    if engine == "comgraph":
        keys = [(r["shape"], r["focus"]) for r in found["results"]]
        result["fallback_shapes"] = len(found.get("fallbackShapes") or [])
    else:
        keys = [tuple(k) for k in found["keys"]]
    result["count"] = len(keys)
    result["keys"] = sorted(Counter(keys).items())
    result["shapes_found"] = len({shape for shape, _focus in keys})
    return result


def compare(ours: dict, theirs: dict) -> dict:
    """Do two runs report the same findings, as (shape, focus) pairs with their multiplicity?"""
    a = Counter({tuple(k): n for k, n in ours["keys"]})
    b = Counter({tuple(k): n for k, n in theirs["keys"]})
    return {"same": a == b, "only_first": sum((a - b).values()), "only_second": sum((b - a).values())}


def compile_comgraph() -> None:
    """Write comgraph's bytecode once, as an installed comgraph has it: the editable install
    under ``PYTHONDONTWRITEBYTECODE`` (set on this machine) compiles every module from source
    in each fresh process (about 0.1 s of a 1 s run), while the peers' Python packages were
    compiled by pip when installed. Cheap when already done (compileall checks the times)."""
    import compileall

    import comgraph

    compileall.compile_dir(str(Path(comgraph.__file__).parent), quiet=1)


def measure(data: Path, engines: list[str], rounds: int, budget: float, core: bool,
            pyshacl_budget: float | None = None) -> dict:
    compile_comgraph()
    with tempfile.TemporaryDirectory(prefix="comgraph-bench-validate-") as tmp:
        folder = Path(tmp)
        ours, peer_file = shapes_for_peers(folder / "shapes", core)
        runs: dict[str, list[dict]] = {engine: [] for engine in engines}
        for _ in range(rounds):  # interleaved: a drift of the machine hits every engine alike
            for engine in engines:
                if engine == "pyshacl" and runs[engine]:
                    continue  # the slow reference runs once
                if runs[engine] and runs[engine][-1].get("over_budget"):
                    continue  # over budget once is over budget
                runs[engine].append(run_engine(engine, data, ours, peer_file, folder,
                                               pyshacl_budget if engine == "pyshacl" and pyshacl_budget
                                               else budget))
                r = runs[engine][-1]
                shown = "> budget" if r["over_budget"] else f"{r['time']:.1f} s"
                print(f"validate {'core' if core else 'all'} {engine}: {shown}, {r['peak_mb']:.0f} MB, "
                      f"{r.get('count', r.get('error', ''))} findings", file=sys.stderr, flush=True)
    result = {"data": str(data), "core": core, "rounds": rounds, "budget": budget, "runs": runs}
    done = {e: next((r for r in rs if "keys" in r), None) for e, rs in runs.items()}
    if done.get("comgraph") and done.get("pyshacl"):
        result["comgraph_vs_pyshacl"] = compare(done["comgraph"], done["pyshacl"])
    if done.get("comgraph") and done.get("pyrudof"):
        result["comgraph_vs_pyrudof"] = compare(done["comgraph"], done["pyrudof"])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=100_000)
    parser.add_argument("--data", type=Path, help="an N-Triples file (default: the portfolio of --triples)")
    parser.add_argument("--engines", default="comgraph,pyrudof,pyshacl")
    parser.add_argument("--core", action="store_true", help="only the SHACL Core shapes")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--budget", type=float, default=600, help="seconds per run")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    data = args.data or portfolio(args.triples)
    result = measure(data, args.engines.split(","), args.rounds, args.budget, args.core)
    for engine, runs in result["runs"].items():
        for r in runs:
            shown = "> budget" if r["over_budget"] else f"{r['time']:.1f} s"
            print(f"{engine:9} {shown:>10} {r['peak_mb']:7.0f} MB  {r.get('count', r.get('error', ''))}")
    for key in ("comgraph_vs_pyshacl", "comgraph_vs_pyrudof"):
        if key in result:
            print(f"{key}: {result[key]}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
