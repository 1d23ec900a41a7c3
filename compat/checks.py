"""The checks: each compares what comgraph gives on an engine with what it gives on the embedded
store (in memory) holding the same data, or runs a W3C suite through ``comgraph serve``.

Every check yields :class:`Outcome` rows: which check, which item (a view, a shape, a page, a
W3C test), whether it passed and, when it did not, one line saying why.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
import requests

from comgraph.queries import Catalogue, NamedQuery
from comgraph.sources import expand_data_paths
from comgraph.store import Source, Store, StoreError, open_store
from compat import conformance
from compat.engines import Engine
from compat.normalise import (
    describe_row_difference,
    first_json_difference,
    group_concat_columns,
    json_key,
    solutions_key,
)
from tests.oxigraph_server import free_port
from tests.readiness import wait_until_ready

ROOT = Path(__file__).resolve().parents[1]
VOCAB = ROOT / "ontology" / "vocab"
#: What the views, the dump and the pages run on: the demo, with the vocabularies that label its
#: codes (as ``comgraph serve --demo`` loads it).
DEMO = [VOCAB, ROOT / "data" / "demo"]
#: What validation runs on: the demo with known defects.
DEFECTS = [VOCAB, ROOT / "data" / "demo-defects"]
COMGRAPH = str(Path(sys.executable).parent / "comgraph")
UPDATE_TOKEN = "compat-update-token"
#: Seconds one comgraph command or one page may take before it counts as failed.
COMMAND_TIMEOUT = 300.0
PAGE_TIMEOUT = 120.0


@dataclass(frozen=True)
class Outcome:
    check: str  # the column of the matrix: views, validation, dump, pages, protocol, graph-store
    item: str  # what was checked: a view, a shape, a page, a W3C test
    ok: bool
    reason: str = ""


CHECKS = ("views", "validation", "dump", "pages", "protocol", "graph-store")


# -- running comgraph -------------------------------------------------------------------------


def comgraph(*args: str, engine: Engine | None = None, timeout: float = COMMAND_TIMEOUT,
             ) -> subprocess.CompletedProcess[str]:
    """``comgraph ARGS`` as a user runs it, with the engine's environment."""
    env = {**os.environ, **(engine.env if engine else {})}
    try:
        return subprocess.run([COMGRAPH, *args], capture_output=True, text=True, env=env,
                              timeout=timeout, cwd=ROOT)
    except subprocess.TimeoutExpired as exc:
        return subprocess.CompletedProcess(exc.cmd, -1, "", f"no answer within {timeout:g} s")


def last_line(text: str) -> str:
    """What a failed command said, in one line: its ``comgraph: …`` error (with any HTML an
    engine put in it reduced to its text), else the last line (a traceback's last line says
    what escaped)."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return "(nothing on stderr)"
    start = next((i for i, line in enumerate(lines) if line.startswith("comgraph:")), None)
    said = lines[-1] if start is None else " ".join(lines[start:])
    return _one_line(re.sub(r"<!DOCTYPE[^>]*>|<[^>]+>", " ", said), 300)


def embedded(paths: Sequence[Path]) -> Store:
    store = open_store("oxigraph:")
    store.load(expand_data_paths([str(p) for p in paths]))
    return store


def load_into_engine(engine: Engine, paths: Sequence[Path]) -> str | None:
    """Empty the engine, then ``comgraph load`` the files into it; None, or why it failed."""
    engine.clear()
    graph = ["--graph", engine.data_graph] if engine.data_graph else []
    done = comgraph("load", "-q", "--store", engine.store_url, *graph, *map(str, paths), engine=engine)
    if done.returncode == 0:
        return None
    return f"comgraph load exited {done.returncode}: {last_line(done.stderr)}"


def open_engine_store(engine: Engine) -> Store:
    return open_store(engine.store_url, env={**os.environ, **engine.env})


# -- views ------------------------------------------------------------------------------------


def sample_values(query: NamedQuery, reference: Store) -> list[dict[str, str]]:
    """How a view is run: with its defaults, and once more per IRI parameter that offers choices
    (bound to the first instance of its class in the reference data), because a parameter
    bound inside ``OPTIONAL`` is where engines disagree."""
    runs: list[dict[str, str]] = [{}]
    for parameter in query.parameters:
        if parameter.type == "IRI" and parameter.choices_class:
            cls = parameter.parse(parameter.choices_class).value
            rows = reference.select(
                f"SELECT ?x WHERE {{ ?x a <{cls}> FILTER(isIRI(?x)) }} ORDER BY ?x LIMIT 1")
            if rows:
                runs.append({parameter.name: rows[0]["x"].value})
    return runs


def view_rows(query: NamedQuery, store: Store, values: dict[str, str]):
    result = query.execute(store, query.bind(values, store))  # what `comgraph query NAME` runs
    variables = [v.value for v in result.variables]
    return variables, solutions_key(variables, result, group_concat_columns(query.sparql))


def check_views(engine: Engine, reference: Store) -> Iterator[Outcome]:
    """Every named view, on the engine and on the embedded store, through the query catalogue
    (the calls ``comgraph query NAME`` makes): the same columns and the same rows."""
    catalogue = Catalogue()
    with open_engine_store(engine) as remote:
        for query in sorted(catalogue, key=lambda q: q.name):
            reasons = []
            for values in sample_values(query, reference):
                label = ", ".join(f"{k}=<{v}>" for k, v in values.items()) or "defaults"
                want_vars, want = view_rows(query, reference, values)
                try:
                    got_vars, got = view_rows(query, remote, values)
                except StoreError as exc:
                    # Virtuoso echoes the whole query after its reason.
                    said = re.split(r"\s+SPARQL query:", str(exc))[0]
                    reasons.append(f"{label}: {type(exc).__name__}: {_one_line(said)}")
                    continue
                if got_vars != want_vars:
                    reasons.append(f"{label}: columns {got_vars}, embedded {want_vars}")
                elif got != want:
                    reasons.append(f"{label}: {describe_row_difference(want_vars, want, got)}")
            yield Outcome("views", query.name, not reasons, " | ".join(reasons))


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


# -- validation --------------------------------------------------------------------------------

#: The report's fields that must be the same, besides its findings.
REPORT_FIELDS = ("conforms", "counts", "fallbackShapes", "notices")


def _report(done: subprocess.CompletedProcess[str]) -> dict | None:
    try:
        return json.loads(done.stdout)
    except json.JSONDecodeError:
        return None


def check_validation(engine: Engine) -> Iterator[Outcome]:
    """``comgraph validate --store`` on the engine holding demo-defects, then a small portfolio
    of two relationships (:func:`portfolio_data`), each against ``comgraph validate`` of the
    same files: the same exit code and report summary, and for every shape with a finding on
    either side, the same focus nodes. The portfolio's items are named ``portfolio: ...``."""
    yield from _check_validation_of(engine, DEFECTS, "")
    with tempfile.TemporaryDirectory(prefix="comgraph-compat-portfolio-") as tmp:
        yield from _check_validation_of(engine, portfolio_data(Path(tmp)), "portfolio: ")


def portfolio_data(folder: Path) -> list[Path]:
    """The benchmark generator's portfolio of 20k triples in two relationships with 3% defects
    (15 shapes fire): its responsibilities name their relationship (``cg:ofRelationship``),
    which the demo, one relationship, never does."""
    from benchmarks.generate import portfolio

    return [VOCAB, portfolio(20_000, relationships=2, seed=0, defects=0.03, path=folder / "portfolio.nt")]


def _check_validation_of(engine: Engine, data: Sequence[Path], prefix: str) -> Iterator[Outcome]:
    failed = load_into_engine(engine, data)
    want_run = comgraph("validate", *map(str, data), "--format", "json")
    want = _report(want_run)
    if want is None:
        raise RuntimeError("comgraph validate on the embedded store gave no report: "
                           f"{last_line(want_run.stderr)}")
    got_run = comgraph("validate", "--store", engine.store_url, "--format", "json", engine=engine)
    got = None if failed else _report(got_run)
    if failed:
        reason = failed
    elif got is None:
        reason = f"no report (exit {got_run.returncode}): {last_line(got_run.stderr)}"
    elif got_run.returncode != want_run.returncode:
        reason = f"exit {got_run.returncode}, embedded {want_run.returncode}: {last_line(got_run.stderr)}"
    else:
        diffs = [f"{k}: {json.dumps(got.get(k))}, embedded {json.dumps(want.get(k))}"
                 for k in REPORT_FIELDS if got.get(k) != want.get(k)]
        reason = "; ".join(diffs)
    yield Outcome("validation", f"{prefix}report", not reason, _one_line(reason))

    def findings(report: dict | None) -> dict[str, Counter[str]]:
        by_shape: dict[str, Counter[str]] = {}
        for result in (report or {}).get("results", []):
            by_shape.setdefault(result["shape"], Counter())[result["focus"]] += 1
        return by_shape

    want_by, got_by = findings(want), findings(got)
    for shape in sorted(set(want_by) | set(got_by)):
        name = prefix + shape.rsplit("/", 1)[-1]
        if got is None:
            yield Outcome("validation", name, False, "no report")
            continue
        a, b = want_by.get(shape, Counter()), got_by.get(shape, Counter())
        missing, extra = sorted((a - b).elements()), sorted((b - a).elements())
        reason = "; ".join(filter(None, [
            f"{len(missing)} missing (e.g. {_short_iri(missing[0])})" if missing else "",
            f"{len(extra)} unexpected (e.g. {_short_iri(extra[0])})" if extra else ""]))
        if reason:
            reason = f"{sum(b.values())} findings, embedded {sum(a.values())}: {reason}"
        yield Outcome("validation", name, not reason, reason)


def _short_iri(iri: str) -> str:
    return iri.rsplit("/", 1)[-1] if iri.startswith("http") else iri


# -- dump --------------------------------------------------------------------------------------


def _triples(path: Path, fmt: ox.RdfFormat, graph: ox.NamedNode | ox.DefaultGraph | None
             ) -> set[tuple[str, str, str]]:
    found = set()
    with path.open("rb") as stream:
        for quad in ox.parse(stream, fmt):
            if graph is None or quad.graph_name == graph:
                found.add((str(quad.subject), str(quad.predicate), str(quad.object)))
    return found


def _compare_triples(want: set, got: set) -> str:
    if want == got:
        return ""
    missing, extra = sorted(want - got), sorted(got - want)
    parts = [f"{len(got)} triples, embedded {len(want)}"]
    if missing:
        parts.append(f"{len(missing)} missing, e.g. {' '.join(missing[0])}")
    if extra:
        parts.append(f"{len(extra)} unexpected, e.g. {' '.join(extra[0])}")
    return _one_line("; ".join(parts))


def check_dump(engine: Engine, reference: Store, folder: Path) -> Iterator[Outcome]:
    """``comgraph dump`` of the whole store (N-Quads) and of the data's graph (N-Triples): the
    same triples as the embedded store's, after sorting (graphs the engine keeps for itself are
    left out of the whole-store comparison); a failed dump must leave no file behind."""
    want_file = folder / "embedded.nq"
    with want_file.open("wb") as sink:
        reference.dump(sink, ox.RdfFormat.N_QUADS)
    want = _triples(want_file, ox.RdfFormat.N_QUADS, ox.DefaultGraph())
    data_graph = ox.NamedNode(engine.data_graph) if engine.data_graph else ox.DefaultGraph()
    for item, args, fmt, graph in (
            ("whole store", ["-o", str(folder / "whole.nq")], ox.RdfFormat.N_QUADS, data_graph),
            ("data graph", ["--graph", engine.data_graph or "default", "--format", "ntriples",
                            "-o", str(folder / "graph.nt")], ox.RdfFormat.N_TRIPLES, None)):
        out = Path(args[args.index("-o") + 1])
        done = comgraph("dump", "--store", engine.store_url, *args, engine=engine)
        if done.returncode != 0:
            left = f"; it left a {out.stat().st_size}-byte file behind" if out.exists() else ""
            yield Outcome("dump", item, False, f"exit {done.returncode}: {last_line(done.stderr)}{left}")
            continue
        try:
            got = _triples(out, fmt, graph)
        except SyntaxError as exc:
            yield Outcome("dump", item, False, f"the dump does not parse: {exc}")
            continue
        reason = _compare_triples(want, got)
        yield Outcome("dump", item, not reason, reason)


# -- serving -----------------------------------------------------------------------------------


class ServeFailed(RuntimeError):
    """``comgraph serve`` did not start answering."""


@dataclass
class Served:
    """A running ``comgraph serve``: its base URL and its log, from which :meth:`new_error` reads
    what went wrong behind a 500 (the page itself says only "Internal Server Error")."""

    base: str
    log: Path
    _read: int = 0

    def new_error(self) -> str | None:
        """The last exception logged since the previous call, in one line."""
        with self.log.open("rb") as stream:
            stream.seek(self._read)
            text = stream.read().decode(errors="replace")
            self._read = stream.tell()
        errors = [line for line in text.splitlines() if _EXCEPTION_LINE.match(line)]
        return _one_line(errors[-1], 240) if errors else None


_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Failed|Broken)\b(:|$)")


@contextlib.contextmanager
def serving(*args: str, engine: Engine | None = None) -> Iterator[Served]:
    """``comgraph serve ARGS --port FREE`` (writes allowed with the update token), its output in a
    log file; stopped with SIGTERM after."""
    port = free_port()
    env = {**os.environ, **(engine.env if engine else {}), "COMGRAPH_UPDATE_TOKEN": UPDATE_TOKEN}
    with tempfile.TemporaryDirectory(prefix="comgraph-compat-serve-") as folder:
        served = Served(f"http://127.0.0.1:{port}", Path(folder) / "serve.log")
        with served.log.open("wb") as log:
            process = subprocess.Popen([COMGRAPH, "serve", *args, "--port", str(port)], env=env, cwd=ROOT,
                                       stdout=log, stderr=log)
        try:
            try:
                wait_until_ready(served.base + "/healthz", process)
            except RuntimeError as exc:
                said = last_line(served.log.read_text(errors="replace"))
                raise ServeFailed(f"comgraph serve did not start: {exc}: {said}") from None
            yield served
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=30)


# -- pages -------------------------------------------------------------------------------------

#: Routes left out of the page comparison: counters and probes (they differ by nature), the
#: Graph Store (the W3C suite covers it) and the SPARQL endpoint's service description.
SKIPPED_ROUTES = {"/metrics", "/healthz", "/readyz", "/data", "/sparql"}
#: Keys of a page's JSON twin left out of the comparison: none so far (no twin says which store
#: it runs on or when it was made); a key that must differ by engine goes here, with why.
VOLATILE_KEYS: frozenset[str] = frozenset()
#: How many resource pages (``/resource?iri=``) to compare, spread over the data's subjects.
RESOURCE_SAMPLE = 12
#: Pages asked at once.
PAGE_WORKERS = 4


def page_paths(reference: Store, *, stakeholders: int | None = None,
               resources: int = RESOURCE_SAMPLE) -> list[str]:
    """Every page the app lists: its GET routes without arguments and their ``.json`` twins,
    each process page, each stakeholder page (or the first ``stakeholders``), each view and its
    ``.json`` twin, and resource pages (with their Turtle twins) for ``resources`` of the data's
    subjects, spread over them."""
    from comgraph.app import create_app

    from comgraph.queries import PROCESSES

    app = create_app({"STORE": open_store("oxigraph:"), "TESTING": True})
    paths: list[str] = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint == "static" or rule.rule in SKIPPED_ROUTES:
            continue
        if not rule.arguments:
            paths.append(rule.rule)
        elif rule.arguments == {"extension"}:  # /raci.<any(json, csv):extension>: the JSON twin
            for converter in ("<any(json, csv):extension>", "<string:extension>"):
                if rule.rule.endswith("." + converter):
                    paths.append(rule.rule.replace(converter, "json"))
    paths = [p for p in paths if p not in ("/stakeholder", "/stakeholder.json", "/resource",
                                           "/resource.ttl", "/resource.jsonld")]
    for process in PROCESSES:
        paths += [f"/process/{process}", f"/process/{process}.json"]
    all_stakeholders = sorted({r["s"].value for r in reference.select(
        "SELECT DISTINCT ?s WHERE { ?s a <https://w3id.org/comgraph/ns#Stakeholder> FILTER(isIRI(?s)) }")})
    for iri in all_stakeholders[:stakeholders]:
        paths += [f"/stakeholder?iri={quote(iri, safe='')}", f"/stakeholder.json?iri={quote(iri, safe='')}"]
    for name in sorted(Catalogue().names()):
        paths += [f"/views/{name}", f"/views/{name}.json"]
    subjects = sorted({r["s"].value for r in reference.select(
        "SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s)) }")})
    step = max(1, len(subjects) // max(resources, 1))
    for iri in subjects[::step][:resources]:
        paths += [f"/resource?iri={quote(iri, safe='')}", f"/resource.ttl?iri={quote(iri, safe='')}"]
    return sorted(set(paths))


def _get(base: str, path: str) -> tuple[int, str, bytes] | str:
    try:
        answer = requests.get(base + path, timeout=PAGE_TIMEOUT)
    except requests.RequestException as exc:
        return f"{type(exc).__name__}: {_one_line(str(exc), 200)}"
    return (answer.status_code, answer.headers.get("Content-Type", "").split(";")[0].strip(),
            answer.content)


@functools.cache
def _catalogue() -> Catalogue:
    return Catalogue()


def _body_difference(path: str, mimetype: str, want: bytes, got: bytes) -> str:
    """Why two bodies of a machine twin differ, or "" when they do not."""
    if mimetype == "application/sparql-results+json":
        name = path.split("?")[0].rsplit("/", 1)[-1].removesuffix(".json")
        concat = group_concat_columns(_catalogue().get(name).sparql) if name in _catalogue() else {}
        results = [ox.parse_query_results(body, ox.QueryResultsFormat.JSON) for body in (want, got)]
        variables = [v.value for v in results[0].variables]
        a, b = (solutions_key(variables, r, concat) for r in results)
        return "" if a == b else describe_row_difference(variables, a, b)
    if mimetype == "text/turtle":
        w, g = (_triples_of(body) for body in (want, got))
        return _compare_triples(w, g)
    if mimetype == "application/json":
        a, b = (json_key(json.loads(body), ignore=VOLATILE_KEYS) for body in (want, got))
        return first_json_difference(a, b) or ""
    return ""


def _triples_of(body: bytes) -> set[tuple[str, str, str]]:
    return {(str(t.subject), str(t.predicate), str(t.object))
            for t in ox.parse(body, ox.RdfFormat.TURTLE)}


def check_pages(engine: Served, embedded_base: str, paths: Sequence[str]) -> Iterator[Outcome]:
    """Each page from ``comgraph serve`` on the engine and on the embedded store: the same status,
    the same media type, and for machine twins (JSON, SPARQL results, Turtle) the same content.
    A few pages are asked at once (each server answers with threads); a page that gave a 500 is
    asked again alone, so the exception in the serve log can be named as its reason."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(PAGE_WORKERS) as pool:
        outcomes = list(pool.map(lambda path: _compare_page(engine.base, embedded_base, path), paths))
    for outcome in outcomes:
        if not outcome.ok and outcome.reason.startswith("HTTP 500"):
            engine.new_error()
            _get(engine.base, outcome.item)
            error = engine.new_error()
            if error:
                outcome = Outcome("pages", outcome.item, False,
                                  outcome.reason.split(":")[0] + f": {error} (in the serve log)")
        yield outcome


def _compare_page(engine_base: str, embedded_base: str, path: str) -> Outcome:
    want, got = _get(embedded_base, path), _get(engine_base, path)
    if isinstance(want, str):
        raise RuntimeError(f"the embedded service did not answer {path}: {want}")
    if isinstance(got, str):
        return Outcome("pages", path, False, got)
    if got[0] != want[0]:
        said = _one_line(got[2].decode(errors="replace"), 200) if got[0] >= 400 else ""
        return Outcome("pages", path, False,
                       f"HTTP {got[0]}, embedded {want[0]}" + (f": {said}" if said else ""))
    if got[1] != want[1]:
        return Outcome("pages", path, False, f"{got[1]}, embedded {want[1]}")
    try:
        reason = _body_difference(path, want[1], want[2], got[2]) if want[0] == 200 else ""
    except (SyntaxError, ValueError) as exc:
        reason = f"the answer does not parse: {_one_line(str(exc), 200)}"
    return Outcome("pages", path, not reason, _one_line(reason))


# -- the W3C suites ----------------------------------------------------------------------------


def check_conformance(served: Served | str, reset: conformance.Reset, cases: Sequence[conformance.Case],
                      ) -> Iterator[Outcome]:
    """W3C SPARQL 1.1 Protocol or Graph Store Protocol cases, over HTTP against the service
    ``served``; ``reset`` empties the store under it and loads each case's data. Behind a 500,
    the exception in the serve log is the reason given."""
    plain = conformance.http_sender(served if isinstance(served, str) else served.base)

    def send(method: str, path: str, headers: dict[str, str], body: bytes | None) -> conformance.Answer:
        if isinstance(served, Served):
            served.new_error()
        answer = plain(method, path, headers, body)
        error = served.new_error() if isinstance(served, Served) and answer.status >= 500 else None
        if error:
            answer = dataclasses.replace(answer, body=f"{error} (in the serve log)".encode())
        return answer

    for case in cases:
        try:
            conformance.run_case(case, send, reset, token=UPDATE_TOKEN)
        except conformance.CaseFailed as exc:
            yield Outcome(case.suite, case.name, False, _one_line(str(exc)))
        except (StoreError, requests.RequestException) as exc:
            yield Outcome(case.suite, case.name, False, f"{type(exc).__name__}: {_one_line(str(exc))}")
        else:
            yield Outcome(case.suite, case.name, True)


def engine_reset(engine: Engine, store: Store) -> conformance.Reset:
    """Empty the engine (the harness's way) and load each graph through comgraph's remote store."""

    def reset(graphs: list[tuple[str, str, bytes]]) -> None:
        engine.clear()
        for graph, name, data in graphs:
            store.load([Source(name, data=data)], graph=graph)

    return reset


def store_reset(store: Store) -> conformance.Reset:
    def reset(graphs: list[tuple[str, str, bytes]]) -> None:
        store.update("DROP SILENT ALL")
        for graph, name, data in graphs:
            store.load([Source(name, data=data)], graph=graph)

    return reset
