"""Benchmark: every named query through comgraph against the same SPARQL run by pyoxigraph directly.

    python benchmarks/views.py [--triples 1000000] [--repeat 5] [--only NAME ...]

Generates a relationship-shaped synthetic graph with the real comgraph vocabulary (cached under
benchmarks/out/), loads it into two in-memory stores in one process, and for each named query
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
import random
import statistics
import sys
import time
from pathlib import Path

import pyoxigraph as ox

from comgraph.queries import Catalogue
from comgraph.store import open_store

OUT = Path(__file__).resolve().parent / "out"
EX = "https://example.org/bench/"
CG = "https://w3id.org/comgraph/ns#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
ORG = "http://www.w3.org/ns/org#"
DQV = "http://www.w3.org/ns/dqv#"
VOCAB = "https://w3id.org/comgraph/vocab/"
PROCESSES = ["strategy", "membership", "integration", "equity", "audit", "feedback"]
KINDS = ["businessUnit", "serviceProvider", "primeContractor", "subcontractor", "supplierManagement",
         "executiveManagement", "externalFundingProvider"]
COMPONENTS = ["priceAndService", "contractAndRelationships", "stakeholderSatisfaction", "visionAndAlignment"]
RACI = ["responsible", "accountable", "consulted", "informed"]
STATUSES = ["open", "inProgress", "met", "missed", "waived"]


class Writer:
    """N-Triples out, one call per triple, with the few term shapes the generator needs."""

    def __init__(self, f):
        self.f, self.count = f, 0

    def t(self, s: str, p: str, o: str) -> None:
        self.f.write(f"{s} {p} {o} .\n")
        self.count += 1


def iri(local: str) -> str:
    return f"<{EX}{local}>"


def cg(local: str) -> str:
    return f"<{CG}{local}>"


def lit(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def date(day: int) -> str:
    """Day 0 is 2025-07-01; the as-of date is day 365 (2026-07-01)."""
    import datetime as dt

    return f'"{(dt.date(2025, 7, 1) + dt.timedelta(days=day)).isoformat()}"^^<{XSD}date>'


def number(value: float) -> str:
    return f'"{value:.1f}"^^<{XSD}decimal>'


def generate(target: int) -> Path:
    """About ``target`` triples shaped like the demo: one relationship, many of everything."""
    OUT.mkdir(exist_ok=True)
    path = OUT / f"views-synthetic-{target}.nt"
    if path.exists():
        return path
    k = target / 765_000  # the counts below make about 765k triples at k = 1
    n_stake, n_roles, n_resp = int(300 * k) + 8, int(1000 * k) + 6, int(3000 * k) + 6
    n_obl, n_targets, n_measure = int(20000 * k) + 6, int(6000 * k) + 4, 12
    rng = random.Random(7)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        w = Writer(f)
        rel = iri("relationship")
        w.t(rel, RDF_TYPE, cg("Relationship"))
        w.t(rel, LABEL, lit("Synthetic relationship"))
        w.t(rel, cg("asOfDate"), date(365))
        w.t(rel, cg("startDate"), date(0))
        w.t(rel, cg("client"), iri("s0"))
        w.t(rel, cg("hasTeam"), iri("team"))
        w.t(iri("team"), RDF_TYPE, cg("CoManagementTeam"))
        for i in range(n_stake):
            s = iri(f"s{i}")
            w.t(s, RDF_TYPE, cg("Stakeholder"))
            w.t(s, RDF_TYPE, f"<{ORG}Organization>")
            w.t(s, LABEL, lit(f"Stakeholder {i}"))
            m = iri(f"m{i}")
            w.t(m, RDF_TYPE, f"<{ORG}Membership>")
            w.t(m, f"<{ORG}member>", s)
            w.t(m, f"<{ORG}organization>", rel)
            w.t(m, f"<{ORG}role>", f"<{VOCAB}stakeholder-role/{KINDS[i % len(KINDS)]}>")
            w.t(m, cg("startDate"), date(0))
            if i % 3 == 0:
                tm = iri(f"tm{i}")
                w.t(tm, RDF_TYPE, cg("TeamMembership"))
                w.t(tm, f"<{ORG}organization>", iri("team"))
                w.t(tm, f"<{ORG}member>", iri(f"person{i}"))
                w.t(tm, cg("represents"), s)
                w.t(tm, cg("startDate"), date(0))
        for i in range(n_roles):
            r = iri(f"role{i}")
            w.t(r, RDF_TYPE, cg("Role"))
            w.t(r, LABEL, lit(f"Role {i}"))
            w.t(r, cg("process"), f"<{VOCAB}process/{PROCESSES[i % 6]}>")
            for j, (start, end) in enumerate(((0, 200), (201, None))):
                if i % 50 == 0 and j == 1:
                    continue  # some roles fall vacant
                t = iri(f"tenure{i}-{j}")
                w.t(t, RDF_TYPE, cg("RoleTenure"))
                w.t(t, cg("ofRole"), r)
                w.t(t, cg("holder"), iri(f"person{rng.randrange(n_stake)}"))
                w.t(t, cg("onBehalfOf"), iri(f"s{rng.randrange(n_stake)}"))
                w.t(t, cg("startDate"), date(start))
                if end is not None:
                    w.t(t, cg("endDate"), date(end))
        for i in range(n_resp):
            p = iri(f"resp{i}")
            w.t(p, RDF_TYPE, cg("Responsibility"))
            w.t(p, LABEL, lit(f"Responsibility {i}"))
            w.t(p, cg("process"), f"<{VOCAB}process/{PROCESSES[i % 6]}>")
            for code in RACI:
                if code == "accountable" and i % 40 == 0:
                    continue  # some lack an accountable party
                a = iri(f"ra{i}-{code}")
                w.t(a, RDF_TYPE, cg("ResponsibilityAssignment"))
                w.t(a, cg("responsibility"), p)
                w.t(a, cg("party"), iri(f"s{rng.randrange(n_stake)}"))
                w.t(a, cg("raci"), f"<{VOCAB}raci/{code}>")
                w.t(a, cg("startDate"), date(0))
        for i in range(n_obl):
            o = iri(f"obl{i}")
            w.t(o, RDF_TYPE, cg("Obligation"))
            w.t(o, LABEL, lit(f"Obligation {i}"))
            w.t(o, cg("process"), f"<{VOCAB}process/{PROCESSES[i % 6]}>")
            w.t(o, cg("obligor"), iri(f"s{rng.randrange(n_stake)}"))
            w.t(o, cg("obligee"), iri(f"s{rng.randrange(n_stake)}"))
            w.t(o, cg("dueDate"), date(rng.randrange(0, 730)))
            w.t(o, cg("status"), f"<{VOCAB}status/{STATUSES[i % 5]}>")
            w.t(o, cg("deliverable"), lit(f"Deliverable number {i}"))
            if i % 4 == 0:
                w.t(o, cg("frequency"), f"<{VOCAB}frequency/monthly>")
        for i in range(n_targets):
            tg, metric = iri(f"target{i}"), iri(f"metric{i % 40}")
            stakeholder = iri(f"s{i % n_stake}")
            w.t(tg, RDF_TYPE, cg("Target"))
            w.t(tg, cg("appliesTo"), stakeholder)
            w.t(tg, cg("metric"), metric)
            w.t(tg, cg("operator"), f"<{VOCAB}operator/atLeast>")
            w.t(tg, cg("threshold"), number(75))
            w.t(tg, cg("period"), f"<{VOCAB}frequency/quarterly>")
            for q in range(n_measure):
                me = iri(f"meas{i}-{q}")
                w.t(me, RDF_TYPE, cg("Measurement"))
                w.t(me, f"<{DQV}isMeasurementOf>", metric)
                w.t(me, f"<{DQV}computedOn>", stakeholder)
                w.t(me, cg("forTarget"), tg)
                w.t(me, f"<{DQV}value>", number(60 + rng.random() * 40))
                w.t(me, cg("measurementDate"), date(30 * q))
        for i in range(40):
            metric = iri(f"metric{i}")
            w.t(metric, RDF_TYPE, f"<{DQV}Metric>")
            w.t(metric, LABEL, lit(f"Metric {i}"))
            w.t(metric, f"<{DQV}inDimension>", f"<{VOCAB}audit-component/{COMPONENTS[i % 4]}>")
        for i in range(max(10, int(1000 * k))):
            kind = ("FundingArrangement", "BillingArrangement")[i % 2]
            a = iri(f"arr{i}")
            w.t(a, RDF_TYPE, cg(kind))
            w.t(a, LABEL, lit(f"Arrangement {i}"))
            ends = ("funder", "recipient") if kind == "FundingArrangement" else ("payer", "payee")
            w.t(a, cg(ends[0]), iri(f"s{rng.randrange(n_stake)}"))
            w.t(a, cg(ends[1]), iri(f"s{rng.randrange(n_stake)}"))
            w.t(a, cg("amount"), number(1000 + i))
            w.t(a, cg("currency"), lit("EUR"))
            asset = iri(f"asset{i}")
            w.t(asset, RDF_TYPE, cg("Asset"))
            w.t(asset, LABEL, lit(f"Asset {i}"))
            for j in range(2):
                ow = iri(f"own{i}-{j}")
                w.t(ow, RDF_TYPE, cg("Ownership"))
                w.t(ow, cg("ownedAsset"), asset)
                w.t(ow, cg("owner"), iri(f"s{rng.randrange(n_stake)}"))
                w.t(ow, cg("share"), number(0.5))
                w.t(ow, cg("startDate"), date(0))
            lic = iri(f"lic{i}")
            w.t(lic, RDF_TYPE, cg("Licence"))
            w.t(lic, cg("licensedAsset"), asset)
            w.t(lic, cg("licensor"), iri(f"s{rng.randrange(n_stake)}"))
            w.t(lic, cg("licensee"), iri(f"s{rng.randrange(n_stake)}"))
        for i in range(max(6, int(500 * k))):
            cap, dec = iri(f"cap{i}"), iri(f"sel{i}")
            w.t(cap, RDF_TYPE, cg("Capability"))
            w.t(cap, LABEL, lit(f"Capability {i}"))
            w.t(cap, cg("neededBy"), iri(f"s{rng.randrange(n_stake)}"))
            w.t(iri(f"s{rng.randrange(n_stake)}"), cg("offersCapability"), cap)
            if i % 5:
                w.t(dec, cg("forCapability"), cap)
                w.t(dec, cg("selectedProvider"), iri(f"s{rng.randrange(n_stake)}"))
                w.t(dec, cg("approvedBy"), iri("s0"))
        for i in range(max(6, int(1000 * k))):
            lesson, action = iri(f"lesson{i}"), iri(f"action{i}")
            w.t(lesson, RDF_TYPE, cg("LessonLearned"))
            w.t(lesson, LABEL, lit(f"Lesson {i}"))
            w.t(lesson, cg("owner"), iri(f"s{rng.randrange(n_stake)}"))
            w.t(lesson, cg("action"), action)
            w.t(action, RDF_TYPE, cg(("CorrectiveAction", "Enhancement")[i % 2]))
            w.t(action, cg("dueDate"), date(rng.randrange(0, 730)))
            w.t(action, cg("status"), f"<{VOCAB}status/{STATUSES[i % 5]}>")
            item = iri(f"item{i}")
            w.t(item, RDF_TYPE, cg(("Objective", "Priority", "GovernancePolicy", "Procedure")[i % 4]))
            w.t(item, cg("owner"), iri(f"s{rng.randrange(n_stake)}"))
            w.t(item, cg("reviewDate"), date(rng.randrange(0, 730)))
        for i in range(max(4, int(100 * k))):
            fc = iri(f"forecast{i}")
            w.t(fc, RDF_TYPE, cg("Forecast"))
            w.t(fc, cg("issuedDate"), date(300 + i % 60))
            for j in range(20):
                risk = iri(f"risk{i}-{j}")
                w.t(fc, cg("identifiesRisk"), risk)
                w.t(risk, LABEL, lit(f"Risk {i}.{j}"))
                w.t(risk, cg("expectedDate"), date(rng.randrange(300, 700)))
                w.t(risk, cg("likelihood"), f"<{VOCAB}level/{('low', 'medium', 'high')[j % 3]}>")
                w.t(risk, cg("impact"), f"<{VOCAB}level/{('low', 'medium', 'high')[i % 3]}>")
    tmp.rename(path)
    return path


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
