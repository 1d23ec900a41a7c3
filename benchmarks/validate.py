"""Benchmark: ``comgraph validate`` against plain pySHACL (rdflib) and pyrudof, same data, same run.

Generates synthetic relationship graphs (default 100k and 1M triples) with a known share of
defects, validates them with 5 Core shapes and 1 SHACL-SPARQL shape, and prints wall time and
peak memory (each engine runs in its own process; peak RSS from the kernel) plus the number of
findings, and checks that comgraph and pySHACL report the same findings.

    .venv/bin/python benchmarks/validate.py            # 100k and 1M
    .venv/bin/python benchmarks/validate.py --sizes 100000 --skip pyshacl
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SHAPES = """\
@prefix cg: <https://w3id.org/comgraph/ns#> .
@prefix ex: <https://example.org/bench/shapes/> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .

ex:prefixes a owl:Ontology ;
    sh:declare [ sh:prefix "cg" ; sh:namespace "https://w3id.org/comgraph/ns#"^^xsd:anyURI ] .

ex:RoleLabel a sh:PropertyShape ; sh:targetClass cg:Role ; sh:path rdfs:label ;
    sh:minCount 1 ; sh:maxCount 1 .
ex:RoleCarries a sh:PropertyShape ; sh:targetClass cg:Role ; sh:path cg:carries ; sh:minCount 1 ;
    sh:class cg:Responsibility .
ex:ResponsibilityProcess a sh:PropertyShape ; sh:targetClass cg:Responsibility ; sh:path cg:process ;
    sh:minCount 1 ; sh:nodeKind sh:IRI .
ex:ResponsibilityFrequency a sh:PropertyShape ; sh:targetClass cg:Responsibility ; sh:path cg:frequency ;
    sh:in ( cg:monthly cg:quarterly cg:yearly ) .
ex:ObligationDue a sh:PropertyShape ; sh:targetClass cg:Obligation ; sh:path cg:dueDate ;
    sh:datatype xsd:date ; sh:maxCount 1 .
ex:OneAccountable a sh:NodeShape ; sh:targetClass cg:Responsibility ;
    sh:sparql [ sh:prefixes ex:prefixes ; sh:select \"\"\"
        SELECT $this WHERE { $this cg:accountable ?a , ?b . FILTER (?a != ?b) }\"\"\" ] .
"""


def generate(path: Path, triples: int) -> int:
    """Roles, responsibilities and obligations, about 10 triples per unit; 1 unit in 50 broken."""
    cg, ex = "https://w3id.org/comgraph/ns#", "https://example.org/bench/data/"
    rdf_type = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    label = "<http://www.w3.org/2000/01/rdf-schema#label>"
    date = "<http://www.w3.org/2001/XMLSchema#date>"
    written = 0
    with path.open("w") as out:
        i = 0
        while written < triples:
            role, resp, obl = f"<{ex}role{i}>", f"<{ex}resp{i}>", f"<{ex}obl{i}>"
            bad = i % 50 == 0
            lines = [
                f"{role} {rdf_type} <{cg}Role> .",
                f"{resp} {rdf_type} <{cg}Responsibility> .",
                f"{obl} {rdf_type} <{cg}Obligation> .",
                f"{resp} <{cg}process> <{cg}integration> .",
                f"{resp} <{cg}accountable> <{ex}party{i % 97}> .",
                f"{resp} <{cg}frequency> <{cg}{'weekly' if bad else 'monthly'}> .",
                f"{obl} <{cg}dueDate> \"2025-0{1 + i % 9}-15\"^^{date} .",
            ]
            if not bad or i % 100:
                lines.append(f"{role} {label} \"Role {i}\" .")
            if not (bad and i % 150 == 0):
                lines.append(f"{role} <{cg}carries> {resp} .")
            if bad:
                lines.append(f"{resp} <{cg}accountable> <{ex}party{(i + 1) % 97}> .")
                lines.append(f"{obl} <{cg}dueDate> \"soon\" .")
            out.write("\n".join(lines) + "\n")
            written += len(lines)
            i += 1
    return written


COMGRAPH = """
import json, sys
from comgraph.validate import validate
report = validate([sys.argv[1]], sys.argv[2], vocab_dirs=[])
keys = sorted({(r.shape, r.component, str(r.focus), r.path or "", str(r.value) if r.value is not None else "")
               for r in report.results})
json.dump({"count": len(report.results), "keys": keys}, open(sys.argv[3], "w"))
"""

PYSHACL = """
import json, sys
import rdflib
from pyshacl import validate
from rdflib import RDF, SH
data = rdflib.Graph().parse(sys.argv[1], format="nt")
shapes = rdflib.Graph().parse(sys.argv[2] + "/shapes.ttl", format="turtle")
_c, report, _t = validate(data, shacl_graph=shapes, inplace=True)
def term(t):
    if t is None: return ""
    if isinstance(t, rdflib.URIRef): return "<" + str(t) + ">"
    if isinstance(t, rdflib.Literal):
        if t.language: return '"' + str(t) + '"@' + t.language
        dt = t.datatype or rdflib.XSD.string
        return '"' + str(t) + '"' + ("" if dt == rdflib.XSD.string else "^^<" + str(dt) + ">")
    return str(t)
keys = set()
for root in report.subjects(RDF.type, SH.ValidationReport):
    for r in report.objects(root, SH.result):
        path = report.value(r, SH.resultPath)
        keys.add((str(report.value(r, SH.sourceShape)), str(report.value(r, SH.sourceConstraintComponent)),
                  term(report.value(r, SH.focusNode)), str(path) if path is not None else "",
                  term(report.value(r, SH.value))))
json.dump({"count": len(keys), "keys": sorted(keys)}, open(sys.argv[3], "w"))
"""

PYRUDOF = """
import json, sys
import pyrudof
rudof = pyrudof.Rudof(pyrudof.RudofConfig())
rudof.read_data(sys.argv[1], format=pyrudof.RDFFormat.NTriples)
rudof.read_shacl(sys.argv[2] + "/shapes.ttl")
report = rudof.validate_shacl()
json.dump({"count": len(report), "keys": []}, open(sys.argv[3], "w"))
"""


def measure(name: str, code: str, data: Path, shapes: Path, out: Path) -> dict:
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code, str(data), str(shapes), str(out)])
    _pid, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        return {"engine": name, "error": f"exit status {status}", "time": elapsed}
    result = json.loads(out.read_text())
    return {"engine": name, "time": elapsed, "peak_gb": usage.ru_maxrss / 1024 / 1024, **result}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--skip", nargs="*", default=[], choices=["comgraph", "pyshacl", "pyrudof"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="comgraph-bench-") as tmp:
        folder = Path(tmp)
        shapes = folder / "shapes"
        shapes.mkdir()
        (shapes / "shapes.ttl").write_text(SHAPES)
        print(f"{'size':>9} | {'engine':<9} | {'time s':>7} | {'peak GB':>7} | findings | vs comgraph time")
        for size in args.sizes:
            data = folder / f"data-{size}.nt"
            count = generate(data, size)
            rows = []
            for name, code in (("comgraph", COMGRAPH), ("pyshacl", PYSHACL), ("pyrudof", PYRUDOF)):
                if name in args.skip:
                    continue
                rows.append(measure(name, code, data, shapes, folder / f"{name}-{size}.json"))
            base = next((r for r in rows if r["engine"] == "comgraph" and "error" not in r), None)
            for r in rows:
                if "error" in r:
                    print(f"{count:>9} | {r['engine']:<9} | {r['time']:7.1f} | {'':>7} | {r['error']}")
                    continue
                ratio = f"{r['time'] / base['time']:.1f}x" if base else ""
                print(f"{count:>9} | {r['engine']:<9} | {r['time']:7.1f} | {r['peak_gb']:7.2f} | "
                      f"{r['count']:>8} | {ratio}")
            ref = next((r for r in rows if r["engine"] == "pyshacl" and "error" not in r), None)
            if base and ref:
                ours = {tuple(k) for k in base["keys"]}
                theirs = {tuple(k) for k in ref["keys"]}
                only_ours, only_theirs = len(ours - theirs), len(theirs - ours)
                same = "the same report" if ours == theirs else (
                    f"DIFFERENT reports ({only_ours} only comgraph, {only_theirs} only pySHACL)")
                print(f"{'':>9}   comgraph and pySHACL: {same}")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
