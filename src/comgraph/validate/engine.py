"""``validate()``: run the shapes over a store or files and build the one Report.

The default engine compiles the shapes to SPARQL (:mod:`comgraph.validate.compiler`) and lets
the store evaluate them; shapes it cannot compile go to pySHACL (:mod:`.reference`), so every
constraint is checked by someone. ``engine="pyshacl"`` runs everything through pySHACL, which is
how the tests prove both engines give the same report.

A store evaluates each shape's queries on its own: a shape whose query the engine refuses, whose
answer breaks off, or that runs past ``shape_timeout`` seconds is abandoned and named in the
report (:class:`ShapeFailure`), and every other shape's findings are kept. Only a store that
cannot be reached at all stops the run (``ValidationError``).
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import pyoxigraph as ox
from rdflib import SH, Graph
from rdflib.term import Node

from comgraph.namespaces import compact
from comgraph.sources import expand_data_paths
from comgraph.store import (
    EngineAnswerBroken,
    QueryTimeout,
    Source,
    Store,
    StoreError,
    StoreUnavailable,
    open_store,
)
from comgraph.store.oxigraph import OxigraphStore
from comgraph.validate.classes import ClassHierarchy
from comgraph.validate.compiler import Check, compile_shapes
from comgraph.validate.inference import INFERENCE_MODES, infer
from comgraph.validate.locations import SourceIndex, imported_locations, locate_imported
from comgraph.validate.model import (
    Report,
    Result,
    Severity,
    ShapeFailure,
    ShapeInfo,
    fingerprint,
    term_key,
)
from comgraph.validate.reference import (
    RawFinding,
    run_pyshacl,
    shapes_subgraph,
    store_as_rdflib,
)
from comgraph.validate.shapes import Shapes, ShapesError, path_text

ENGINES = ("sparql", "pyshacl")
#: SHACL-AF features that change what is validated; no engine here runs them, so refuse.
UNSUPPORTED_FEATURES = (SH.rule, SH.target, SH.SPARQLTarget, SH.SPARQLRule, SH.TripleRule)

Data = Store | Graph | str | Path | Source | Iterable[str | Path | Source]


class ValidationError(Exception):
    """Validation could not run (bad input, bad option, store trouble): exit code 2."""


class UnsupportedFeature(Exception):
    """The shapes use a SHACL feature this installation cannot check: exit code 3."""


def parse_as_of(value: date | str | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        raise ValidationError(f"--as-of {value!r}: expected a date as YYYY-MM-DD") from None


def validate(
    data: Data,
    shapes_dir: str | Path | None = None,
    *,
    as_of: date | str | None = None,
    inference: str = "none",
    engine: str = "sparql",
    vocab_dirs: Iterable[str | Path] | None = None,
    ontology_dirs: Iterable[str | Path] | None = None,
    shape_timeout: float | None = None,
) -> Report:
    """Validate ``data`` (a Store, validated in place, or RDF files/folders, an rdflib Graph or
    Sources) against the shapes in ``shapes_dir`` and return the Report.

    ``shape_timeout`` (seconds, None for none) limits each compiled query of a shape; a shape
    that reaches it, or whose query the store refuses, is named in ``Report.failed_shapes``."""
    if shape_timeout is not None and not shape_timeout > 0:
        raise ValidationError(f"--shape-timeout {shape_timeout:g}: expected a number of seconds above 0")
    if inference not in INFERENCE_MODES:
        raise ValidationError(f"--inference {inference!r}: expected one of {', '.join(INFERENCE_MODES)}")
    if engine not in ENGINES:
        raise ValidationError(f"engine {engine!r}: expected one of {', '.join(ENGINES)}")
    if shapes_dir is None:
        from comgraph.paths import shapes_dir as default_shapes_dir

        shapes_dir = default_shapes_dir()
    try:
        shapes = Shapes.load(shapes_dir, vocab_dirs)
    except ShapesError as exc:
        raise ValidationError(str(exc)) from None
    if next(shapes.all_shapes(), None) is None:
        # Fail closed: a run that checked nothing must not look like a pass.
        raise ValidationError(f"{shapes_dir}: no SHACL shapes found (*.ttl, *.nt, *.trig)")
    for feature in UNSUPPORTED_FEATURES:
        if (None, feature, None) in shapes.graph or (None, None, feature) in shapes.graph:
            raise UnsupportedFeature(f"the shapes use {compact(str(feature))} (SHACL-AF), which comgraph "
                                     "validate does not run")

    store, files, owned, names = _open_data(data)
    try:
        when, when_source = _as_of(store, parse_as_of(as_of))
        if inference != "none":
            if not owned:
                store = _local_copy(store)
                owned = True
            infer(store, inference, ontology_dirs)
        graph = shapes.for_date(when)
        raw, fallback, failures = _run(store, shapes, graph, engine, shape_timeout)
        results = _results(store, shapes, graph, raw, files, names)
    except StoreError as exc:
        raise ValidationError(str(exc)) from None
    finally:
        if owned:
            store.close()
    return Report(
        results=results,
        shapes={s.id: s for s in (shapes.info(n) for n in shapes.all_shapes())},
        as_of=when,
        as_of_source=when_source,
        data=[names.get(f, str(f)) for f in files] if files else ([store.url] if not owned else []),
        shapes_dir=str(shapes_dir),
        engine=engine,
        fallback_shapes=sorted(shapes.shape_id(s) for s in fallback),
        failed_shapes=[ShapeFailure(shapes.info(shape), _reason(exc, shape_timeout),
                                    isinstance(exc, QueryTimeout))
                       for shape, exc in failures.items()],
    )


# -- the data -------------------------------------------------------------------------------


def _open_data(data: Data) -> tuple[Store, list[Path], bool, dict[Path, str]]:
    """The store to validate, the files it came from (for locations), whether we own it."""
    if isinstance(data, Store):
        return data, [], False, {}
    store = OxigraphStore()
    if isinstance(data, Graph):
        store.load([Source("graph", data=data.serialize(format="nt", encoding="utf-8"),
                           format=ox.RdfFormat.N_TRIPLES)])
        _add_hierarchies(store)
        return store, [], True, {}
    items = [data] if isinstance(data, (str, Path, Source)) else list(data)
    sources = [i for i in items if isinstance(i, Source)]
    paths = expand_data_paths([i for i in items if not isinstance(i, Source)])
    for p in paths:
        if not p.exists():
            store.close()
            raise ValidationError(f"{p}: no such file or folder")
    try:
        store.load([*paths, *sources])
    except (StoreError, ValueError) as exc:
        store.close()
        raise ValidationError(str(exc)) from None
    # Quads from TriG/N-Quads files are validated together with the triples: shapes speak of
    # the relationship as a whole, whichever graph a statement was filed in.
    if store.graphs():
        store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
    _add_hierarchies(store)
    names = {p: str(p) for p in paths}
    return store, paths, True, names


#: Vocabularies whose skos:broader links the shapes follow (a prime contractor is a service
#: provider). Files given to validate rarely include them, so a private store gets them.
_HIERARCHIES = ("stakeholder-roles.ttl",)


def _add_hierarchies(store: Store) -> None:
    from comgraph.paths import ontology_dir

    try:
        vocab = ontology_dir() / "vocab"
    except FileNotFoundError:
        return
    rows = [f for f in (vocab / name for name in _HIERARCHIES) if f.is_file()]
    if rows:
        broader = ox.NamedNode("http://www.w3.org/2004/02/skos/core#broader")
        triples = [t for f in rows for t in ox.parse(path=str(f), format=ox.RdfFormat.TURTLE)
                   if t.predicate == broader]
        store.load([Source("skos:broader", data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES),
                           format=ox.RdfFormat.N_TRIPLES)])


def _local_copy(store: Store) -> Store:
    if not store.holds_data_in_process:
        raise ValidationError("--inference needs a local copy of the data, which comgraph will not take "
                              "of a remote store; run the engine's own reasoning, or validate the files")
    buffer = io.BytesIO()
    store.dump(buffer, ox.RdfFormat.N_TRIPLES, graph="default")
    copy = OxigraphStore()
    copy.load([Source("copy", data=buffer.getvalue(), format=ox.RdfFormat.N_TRIPLES)])
    return copy


def _as_of(store: Store, given: date | None) -> tuple[date, str]:
    from comgraph.asof import AsOfError, effective_as_of

    try:
        found, source = effective_as_of(store, given)
    except AsOfError as exc:
        raise ValidationError(f"{exc} (pass --as-of DATE)") from None
    return found, "--as-of" if source == "given" else source


# -- running the shapes ---------------------------------------------------------------------


def _run(store: Store, shapes: Shapes, graph: Graph, engine: str, timeout: float | None = None,
         ) -> tuple[list[RawFinding], list[Node], dict[Node, StoreError]]:
    """The raw findings, the shapes pySHACL checked, and the shapes the store could not
    evaluate (with the error that stopped each)."""
    if engine == "pyshacl":
        return _reference(store, shapes, graph, None), [], {}
    checks, fallback = compile_shapes(graph, ClassHierarchy.of(store, timeout=timeout))
    found: list[RawFinding] = []
    failed: dict[Node, StoreError] = {}
    for check in checks:
        if check.shape in failed:
            continue  # abandoned: a shape that ran away once would run away again
        try:
            found += _evaluate(store, graph, check, timeout)
        except EngineAnswerBroken as exc:
            failed[check.shape] = exc
        except StoreUnavailable:
            raise  # the store is gone, not this shape's query: no shape after it would run
        except StoreError as exc:  # refused (QueryError), timed out, out of memory, engine's 5xx
            failed[check.shape] = exc
    if fallback:
        found += _reference(store, shapes, graph, fallback)
    return found, fallback, failed


def _reason(error: StoreError, timeout: float | None) -> str:
    """One line saying why a shape's query failed (engines quote the query back, over lines)."""
    text = " ".join(str(error).split())
    if isinstance(error, QueryTimeout):
        limit = f" of {timeout:g} s (--shape-timeout)" if timeout is not None else ""
        return f"stopped at the per-shape time limit{limit}: {text}"
    return text if len(text) <= 400 else text[:399] + "…"


def _reference(store: Store, shapes: Shapes, graph: Graph, only: list[Node] | None) -> list[RawFinding]:
    """pySHACL on a copy of the data: every shape, or only the ``only`` ones (given just the
    part of the shapes graph they need, so it does not validate the compiled shapes again)."""
    if not store.holds_data_in_process:
        names = ", ".join(shapes.shape_id(s) for s in only or [])
        raise UnsupportedFeature(
            f"shape(s) {names or '(all)'} need the reference engine (pySHACL), which would need a copy "
            "of the whole remote store; validate the files, or an embedded store, instead"
        )
    data = store_as_rdflib(store)

    def path_of(shape: Node) -> str | None:
        return path_text(graph, graph.value(shape, SH.path))

    given = graph if only is None else shapes_subgraph(graph, only)
    return run_pyshacl(data, given, only=only, path_of=path_of)


def _evaluate(store: Store, graph: Graph, check: Check, timeout: float | None = None) -> list[RawFinding]:
    result = store.query(check.query, timeout=timeout)
    names = [v.value for v in result.variables]
    is_property = check.path is not None
    found = []
    for row in result:
        this = row["this"]
        if this is None:
            continue
        value = row["value"] if "value" in names else None
        path = check.path
        if "path" in names and isinstance(row["path"], ox.NamedNode):
            path = row["path"].value
        message = None
        if check.constraint is not None:
            if value is None and not is_property:
                value = this  # as SHACL-SPARQL (and pySHACL) report it for node shapes
            bound = {n: row[n] for n in names if row[n] is not None}
            message = _fill(_message_template(graph, check.shape, check.constraint), bound)
        found.append(RawFinding(check.shape, check.component, this, path, value, message))
    return found


# -- from raw findings to Results -----------------------------------------------------------


def _message_template(graph: Graph, shape: Node, constraint: Node | None) -> str | None:
    for node in (constraint, shape):
        if node is not None:
            messages = sorted(graph.objects(node, SH.message), key=lambda m: (getattr(m, "language", None)
                                                                              not in (None, "en"), str(m)))
            if messages:
                return str(messages[0])
    return None


_PLACEHOLDER = re.compile(r"\{[?$]([A-Za-z_][A-Za-z0-9_]*)\}")


def _display(term) -> str:
    if isinstance(term, ox.NamedNode):
        return compact(term.value)
    if isinstance(term, ox.Literal):
        return term.value
    if isinstance(term, ox.BlankNode):
        return "a blank node"
    return str(term)


def _fill(template: str | None, bound: dict) -> str | None:
    if template is None:
        return None
    return _PLACEHOLDER.sub(lambda m: _display(bound[m.group(1)]) if m.group(1) in bound else m.group(0),
                            template)


_DEFAULTS = {
    "MinCount": "{path} is missing",
    "MaxCount": "{path} has more values than allowed",
    "Class": "{path} {value} is not of the required class",
    "Datatype": "{path} {value} is not a valid value of the required datatype",
    "NodeKind": "{path} {value} is not of the required kind (IRI, blank node or literal)",
    "HasValue": "{path} lacks the required value",
    "In": "{path} {value} is not one of the allowed values",
    "Pattern": "{path} {value} does not match the required pattern",
    "MinLength": "{path} {value} is too short",
    "MaxLength": "{path} {value} is too long",
    "Closed": "{path} is not allowed here",
}


def _default_message(raw: RawFinding, shape_name: str | None) -> str:
    """A plain sentence for shapes that carry no sh:message (the shapes lint asks for one)."""
    comp = raw.component.rsplit("#", 1)[-1].removesuffix("ConstraintComponent")
    path = compact(raw.path) if raw.path and not raw.path.startswith(("(", "^", "<")) else raw.path
    text = _DEFAULTS.get(comp)
    if text is None:
        base = raw.message or f"fails the {comp} constraint"
        return f"{shape_name}: {base}" if shape_name else base
    value = _display(raw.value) if raw.value is not None else ""
    return " ".join(text.format(path=path or "the node", value=value).split())


def _bnode_keys(store: Store, wanted: set[str]) -> dict[str, str]:
    """A relabelling-proof name for each blank node: a hash of its IRI and literal neighbours."""
    if not wanted:
        return {}
    facts: dict[str, list[str]] = {b: [] for b in wanted}
    rows = store.select("SELECT ?b ?p ?o WHERE { ?b ?p ?o FILTER (isBlank(?b) && !isBlank(?o)) }")
    for r in rows:
        if r["b"].value in facts:
            facts[r["b"].value].append(f"> {r['p']} {r['o']}")
    rows = store.select("SELECT ?b ?p ?s WHERE { ?s ?p ?b FILTER (isBlank(?b) && !isBlank(?s)) }")
    for r in rows:
        if r["b"].value in facts:
            facts[r["b"].value].append(f"< {r['s']} {r['p']}")
    return {b: hashlib.sha256("\n".join(sorted(f)).encode()).hexdigest()[:16] for b, f in facts.items()}


def _labels(store: Store, nodes: set[ox.NamedNode]) -> dict[str, str]:
    labels: dict[str, tuple[int, str]] = {}
    iris = sorted(n.value for n in nodes)
    for i in range(0, len(iris), 400):
        chunk = " ".join(f"<{v}>" for v in iris[i:i + 400])
        rows = store.select(
            "SELECT ?s ?l WHERE { VALUES ?s { " + chunk + " } ?s <http://www.w3.org/2004/02/skos/core#prefLabel>"
            "|<http://www.w3.org/2000/01/rdf-schema#label> ?l }"
        )
        for r in rows:
            lit = r["l"]
            rank = 0 if (lit.language or "en").startswith("en") else 1
            key = r["s"].value
            if key not in labels or (rank, lit.value) < labels[key]:
                labels[key] = (rank, lit.value)
    return {k: v for k, (_rank, v) in labels.items()}


def _results(store: Store, shapes: Shapes, graph: Graph, raw: list[RawFinding], files: list[Path],
             names: dict[Path, str]) -> list[Result]:
    unique: dict[tuple, RawFinding] = {}
    for r in raw:
        unique.setdefault((r.shape, r.component, r.focus, r.path, r.value), r)
    raw = list(unique.values())
    blanks = {t.value for r in raw for t in (r.focus, r.value) if isinstance(t, ox.BlankNode)}
    keys = _bnode_keys(store, blanks)
    labels = _labels(store, {r.focus for r in raw if isinstance(r.focus, ox.NamedNode)})
    index = SourceIndex.build(files, {r.focus for r in raw}, names) if files and raw else None
    imported = imported_locations(store, [t for r in raw for t in (r.focus, r.value)]) if raw else {}
    infos: dict[Node, ShapeInfo] = {}
    results = []
    for r in raw:
        info = infos.get(r.shape) or infos.setdefault(r.shape, shapes.info(r.shape))
        template = _message_template(graph, r.shape, None)
        bound = {"this": r.focus, "focus": r.focus}
        if r.value is not None:
            bound["value"] = r.value
        if r.path:
            simple = not r.path.startswith(("(", "^", "<"))
            bound["path"] = ox.NamedNode(r.path) if simple else ox.Literal(r.path)
        message = r.message if r.component == str(SH.SPARQLConstraintComponent) and r.message else None
        message = message or _fill(template, bound) or _default_message(r, info.name)
        severity_node = graph.value(r.shape, SH.severity)
        results.append(Result(
            shape=info.id,
            component=r.component,
            focus=r.focus,
            severity=Severity.from_iri(str(severity_node)) if severity_node is not None
            else Severity.VIOLATION,
            message=message,
            fingerprint=fingerprint(info.id, r.component, term_key(r.focus, keys), r.path,
                                    term_key(r.value, keys)),
            path=r.path,
            value=r.value,
            shape_name=info.name,
            focus_label=labels.get(r.focus.value) if isinstance(r.focus, ox.NamedNode) else None,
            checklist_item=info.checklist_item,
            checklist_item_label=info.checklist_item_label,
            process=info.process,
            process_label=info.process_label,
            location=locate_imported(imported, r.focus, r.value)
            or (index.locate(r.focus, r.path, r.value) if index else None),
        ))
    results.sort(key=lambda x: (x.process_label or "~", x.checklist_item or "~", x.shape, str(x.focus),
                                x.path or "", str(x.value or "")))
    return results


def open_data_store(url: str) -> Store:
    """Open a store named by URL for validation (a thin wrapper so callers need one import)."""
    return open_store(url)

