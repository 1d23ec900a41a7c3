"""Where validation spends its time: each shape's compiled queries, timed, and (optionally)
the number of solution rows the engine evaluated for them.

    python -m comgraph.validate.profile DATA... [--shapes DIR] [--as-of DATE] [--rows] [--top N]
        [--only NAME...]

The time is wall-clock and therefore noisy on a shared machine. *Rows evaluated* is
deterministic: the same data and shapes give the same count on any machine, so tests use it to
catch a shape whose cost grows faster than its data (a correlated ``FILTER NOT EXISTS``
re-evaluated per row grows with the square of the rows it is correlated with). It comes from
the ``oxigraph`` command line tool (the ``oxigraph`` PyPI package, a dev dependency): the data
is copied into a temporary on-disk store, and each query is run once with
``--explain-file … --stats``, whose plan carries the number of results every node produced
(summed over all its evaluations); the sum over the plan's nodes, plus the pairs of rows each
join without a key compared (a cross product shows only in time otherwise), is the rows
evaluated. The
command line tool and the library share Oxigraph's query planner when their versions match,
which :func:`rows_evaluated` checks. It counts rows, not what each index lookup costs: a
lookup by object in the in-memory store gets dearer as the store grows, which only the times
at two sizes show.

Shapes the compiler cannot translate go to pySHACL; they are timed as one run each and have no
row count.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib.term import Node

from comgraph.portability import render
from comgraph.store import Store, StoreError
from comgraph.store.engines import EMBEDDED
from comgraph.validate.classes import ClassHierarchy
from comgraph.validate.compiler import compile_shapes
from comgraph.validate.engine import (
    Data,
    ValidationError,
    _as_of,
    _evaluate,
    _open_data,
    _reference,
    parse_as_of,
)
from comgraph.validate.shapes import Shapes, ShapesError


@dataclass
class ShapeCost:
    """What one shape cost: its compiled queries (or its pySHACL run) together."""

    shape: str
    seconds: float = 0.0
    #: Solution rows evaluated over all the shape's queries; None when not measured (or pySHACL).
    rows: int | None = None
    findings: int = 0
    queries: int = 0
    engine: str = "sparql"


@dataclass
class Profile:
    shapes: list[ShapeCost] = field(default_factory=list)
    triples: int = 0

    @property
    def seconds(self) -> float:
        return sum(s.seconds for s in self.shapes)

    @property
    def rows(self) -> int | None:
        counted = [s.rows for s in self.shapes if s.rows is not None]
        return sum(counted) if counted else None

    def by_shape(self) -> dict[str, ShapeCost]:
        return {s.shape: s for s in self.shapes}

    def text(self, top: int | None = None) -> str:
        ranked = sorted(self.shapes, key=lambda s: (-s.seconds, s.shape))
        lines = [f"{'shape':52} {'seconds':>8} {'rows evaluated':>15} {'findings':>8}"]
        for s in ranked[:top] if top else ranked:
            rows = f"{s.rows:,}" if s.rows is not None else ("(pySHACL)" if s.engine == "pyshacl" else "-")
            lines.append(f"{_short(s.shape):52} {s.seconds:8.3f} {rows:>15} {s.findings:8d}")
        total_rows = f"{self.rows:,}" if self.rows is not None else "-"
        lines.append(f"{'total (' + format(self.triples, ',') + ' triples)':52} {self.seconds:8.3f} "
                     f"{total_rows:>15} {sum(s.findings for s in self.shapes):8d}")
        return "\n".join(lines)


def _short(shape: str) -> str:
    from comgraph.namespaces import compact

    return compact(shape)


def profile(data: Data, shapes_dir: str | Path | None = None, *, as_of=None, rows: bool = False,
            only: Iterable[str] | None = None) -> Profile:
    """Run each shape of ``shapes_dir`` over ``data`` on the compiled engine, timing it; with
    ``rows``, also count the solution rows its queries evaluate (see the module's text).
    ``only`` restricts the run to shapes whose IRI ends with one of the given names."""
    if shapes_dir is None:
        from comgraph.paths import shapes_dir as default_shapes_dir

        shapes_dir = default_shapes_dir()
    try:
        shapes = Shapes.load(shapes_dir)
    except ShapesError as exc:
        raise ValidationError(str(exc)) from None
    store, _files, owned, _names = _open_data(data)
    try:
        when, _source = _as_of(store, parse_as_of(as_of))
        graph = shapes.for_date(when)
        checks, fallback = compile_shapes(graph, ClassHierarchy.of(store))
        wanted = tuple(only or ())

        def chosen(node: Node) -> bool:
            return not wanted or str(node).endswith(wanted)

        checks = [c for c in checks if chosen(c.shape)]
        fallback = [f for f in fallback if chosen(f)]
        costs: dict[str, ShapeCost] = {}
        for check in checks:
            cost = costs.setdefault(shapes.shape_id(check.shape), ShapeCost(shapes.shape_id(check.shape)))
            start = time.perf_counter()
            cost.findings += len(_evaluate(store, graph, check))
            cost.seconds += time.perf_counter() - start
            cost.queries += 1
        for top in fallback:
            cost = costs.setdefault(shapes.shape_id(top), ShapeCost(shapes.shape_id(top), engine="pyshacl"))
            start = time.perf_counter()
            cost.findings += len(_reference(store, shapes, graph, [top]))
            cost.seconds += time.perf_counter() - start
        if rows and checks:
            counted = rows_evaluated(store, [(shapes.shape_id(c.shape), c.query) for c in checks])
            for name, n in counted:
                cost = costs[name]
                cost.rows = (cost.rows or 0) + n
        triples = store.triple_count()
    except StoreError as exc:
        raise ValidationError(str(exc)) from None
    finally:
        if owned:
            store.close()
    return Profile(shapes=list(costs.values()), triples=triples)


# -- rows evaluated, from Oxigraph's own plan statistics -------------------------------------


def oxigraph_cli() -> str:
    """The ``oxigraph`` command (next to this Python first, so a virtualenv's own is used)."""
    beside = Path(sys.executable).with_name("oxigraph")
    found = str(beside) if beside.is_file() else shutil.which("oxigraph")
    if not found:
        raise ValidationError("counting rows evaluated needs the `oxigraph` command line tool "
                              "(pip install oxigraph)")
    return found


def _cli_version(cli: str) -> str:
    out = subprocess.run([cli, "--version"], capture_output=True, text=True, check=True).stdout
    return out.split()[-1]


def rows_evaluated(store: Store, queries: list[tuple[str, str]]) -> list[tuple[str, int]]:
    """For each (name, SELECT text), the number of solution rows Oxigraph's plan produced
    evaluating it over the store's default graph (every node of the plan, every evaluation)."""
    if not store.holds_data_in_process:
        raise ValidationError("counting rows evaluated copies the data; it is offered on a local store only")
    cli = oxigraph_cli()
    version = _cli_version(cli)
    if version != ox.__version__:
        raise ValidationError(f"the oxigraph tool is {version} but pyoxigraph is {ox.__version__}: "
                              "their query plans may differ, so the rows they count would not be comparable")
    with tempfile.TemporaryDirectory(prefix="comgraph-profile-") as tmp:
        data = Path(tmp, "data.nt")
        with data.open("wb") as out:
            buffer = io.BytesIO()
            store.dump(buffer, ox.RdfFormat.N_TRIPLES, graph="default")
            out.write(buffer.getbuffer())
        location = Path(tmp, "store")
        subprocess.run([cli, "load", "--location", str(location), "--file", str(data)],
                       check=True, capture_output=True)
        data.unlink()
        results = []
        for i, (name, query) in enumerate(queries):
            qfile, explain = Path(tmp, f"q{i}.rq"), Path(tmp, f"q{i}.json")
            # The store renders the portable date functions when it runs a query; so here.
            qfile.write_text(render(query, EMBEDDED.date_dialect), encoding="utf-8")
            done = subprocess.run([cli, "query", "--location", str(location), "--query-file", str(qfile),
                                   "--results-format", "tsv", "--explain-file", str(explain), "--stats"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            if done.returncode:
                why = (done.stderr.strip() or f"exit {done.returncode}").splitlines()[0]
                raise ValidationError(f"oxigraph could not explain the query of {name}: {why}")
            plan = json.loads(explain.read_text(encoding="utf-8"))
            results.append((name, plan_rows(plan.get("plan", plan))))
        return results


#: A hash join Oxigraph could find no key for ("keys = )" or "keys = ,"): every row of one side
#: is compared with every row of the other, work its result count does not show.
_KEYLESS_JOIN = re.compile(r"^(Left)?Join\(\w+, keys = [,)]")
#: Nodes whose children after the first are evaluated again for every row of the first (a
#: Filter's further children are its EXISTS patterns).
_PER_ROW = ("Lateral", "ForLoopLeftJoin", "Filter")


def plan_rows(node: dict, once: bool = True) -> int:
    """The rows a plan node and every node under it produced (each summed over all its
    evaluations), plus, for a join without keys that is evaluated once, the pairs of rows it
    compared. (Under a node that evaluates it per row, only the sums of its sides' rows over
    all evaluations are known, whose product would overstate the pairs; it is left out there.)"""
    children = node.get("children", ())
    name = node.get("name", "")
    again = name.startswith(_PER_ROW)
    rows = int(node.get("number of results", 0))
    rows += sum(plan_rows(c, once and not (again and i > 0)) for i, c in enumerate(children))
    if once and _KEYLESS_JOIN.match(name) and len(children) == 2:
        rows += int(children[0].get("number of results", 0)) * int(children[1].get("number of results", 0))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m comgraph.validate.profile",
                                     description="Per-shape cost of comgraph validate.")
    parser.add_argument("data", nargs="+", help="RDF files or folders")
    parser.add_argument("--shapes", help="folder of shapes (default: comgraph's)")
    parser.add_argument("--as-of", help="YYYY-MM-DD (default: the data's cg:asOfDate, else today)")
    parser.add_argument("--rows", action="store_true", help="also count rows evaluated (needs `oxigraph`)")
    parser.add_argument("--only", nargs="*", help="only shapes whose IRI ends with one of these")
    parser.add_argument("--top", type=int, help="show the N most expensive shapes")
    args = parser.parse_args(argv)
    try:
        result = profile(args.data, args.shapes, as_of=args.as_of, rows=args.rows, only=args.only)
    except ValidationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(result.text(args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
