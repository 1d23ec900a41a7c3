"""Turning query results into what the HTML pages show: cells, labelled links, column headings.

Shared by the views, the dashboards and the resource pages. Nothing here escapes text: the
templates do, through Jinja's autoescape, so a literal holding ``<script>`` is shown as text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import current_app, g, url_for

from comgraph.namespaces import PREFIXES, XSD, split
from comgraph.store import StoreError

_HEADINGS = {"raci": "RACI", "iri": "IRI"}

#: The prefixes a data set declares for its own namespaces, as the ontology does for ``cg:``
#: (the demo: ``ex:``), so its IRIs read ``ex:prime`` and link to ``/r/ex/prime``.
_DECLARED_PREFIXES = """PREFIX vann: <http://purl.org/vocab/vann/>
SELECT ?prefix ?namespace
WHERE { ?s vann:preferredNamespacePrefix ?prefix ; vann:preferredNamespaceUri ?namespace }
"""


def prefixes() -> dict[str, str]:
    """Prefixes the app links and abbreviates with: comgraph's own (the core and the vocabulary
    schemes), those the data declares, and ``RESOURCE_PREFIXES`` from the app config."""
    extra = current_app.config.get("RESOURCE_PREFIXES") or {}
    return {**PREFIXES, **data_prefixes(), **extra}


def data_prefixes() -> dict[str, str]:
    """``vann:preferredNamespacePrefix`` declarations in the store, read again only when the
    store has changed (once a request when it cannot tell, as a remote store cannot)."""
    from comgraph.app import get_store

    store = get_store()
    version = store.version()
    cached = current_app.extensions.get("comgraph.data_prefixes")
    if version is not None and cached is not None and cached[0] == version:
        return cached[1]
    if version is None and "comgraph_data_prefixes" in g:
        return g.comgraph_data_prefixes
    try:
        rows = store.select(_DECLARED_PREFIXES)
    except StoreError:
        return {}  # display only: the page's own query says what is wrong with the store
    found = {r["prefix"].value: r["namespace"].value for r in sorted(rows, key=lambda r: r["namespace"].value)
             if _PREFIX_NAME.fullmatch(r["prefix"].value) and "://" in r["namespace"].value}
    if version is None:
        g.comgraph_data_prefixes = found
    else:
        current_app.extensions["comgraph.data_prefixes"] = (version, found)
    return found


_PREFIX_NAME = re.compile(r"[A-Za-z][\w-]*")


def compact_iri(iri: str) -> str:
    """``https://example.org/retail-it/prime`` -> ``ex:prime``; unknown namespaces stay whole."""
    found = split(iri, prefixes())
    return f"{found[0]}:{found[1]}" if found else iri


def resource_url(iri: str, extension: str = "") -> str:
    """The page of an IRI: ``/r/PREFIX/LOCAL`` for known namespaces, else ``/resource?iri=``."""
    found = split(iri, prefixes())
    if found and not found[1].endswith((".ttl", ".jsonld", ".html")):
        return url_for("resources.pretty", prefix=found[0], local=found[1] + extension)
    return url_for("resources.by_query" + {"": "", ".ttl": "_ttl", ".jsonld": "_jsonld"}[extension],
                   iri=iri)


@dataclass(frozen=True)
class Cell:
    """One value as a page shows it. ``text`` is raw; the template escapes it."""

    text: str
    href: str | None = None
    kind: str = "literal"  # iri | literal | date | boolean | bnode | empty
    title: str | None = None
    numeric: bool = False
    value: str | None = None  # a date's or a boolean's lexical form (``<time datetime>``, the badge)


EMPTY = Cell("", kind="empty")
_NUMERIC = {XSD + t for t in ("integer", "decimal", "double", "float", "int", "long",
                               "nonNegativeInteger", "positiveInteger")}
#: Shown on one line (the template wraps them in <time>): a date never breaks at its hyphens.
_DATES = {XSD + t for t in ("date", "dateTime", "dateTimeStamp", "gYearMonth", "gYear", "time")}
_BOOLEAN = XSD + "boolean"


def known_labels() -> dict[str, str]:
    """Labels of the ontology's and vocabularies' terms, read once from the files comgraph ships.

    The data served need not include the vocabularies (the demo does not), yet a page should say
    "Accountable" or "Integration" rather than ``cgraci:accountable``. Display only: queries and
    machine twins never depend on it.
    """
    labels = current_app.extensions.get("comgraph.known_labels")
    if labels is None:
        labels = _read_known_labels()
        current_app.extensions["comgraph.known_labels"] = labels
    return labels


def vocabulary_store():
    """The ontology and its vocabularies (checklist, processes, RACI codes, ...) as comgraph ships
    them, in a small in-memory store of their own, read once per app."""
    store = current_app.extensions.get("comgraph.vocabulary_store")
    if store is None:
        from comgraph.paths import ontology_dir
        from comgraph.store import open_store

        store = open_store("oxigraph:")
        try:
            folder = ontology_dir()
        except FileNotFoundError:
            folder = None
        if folder is not None:
            files = sorted(folder.glob("*.ttl")) + sorted(folder.glob("vocab/*.ttl"))
            if files:
                store.load(files)
        current_app.extensions["comgraph.vocabulary_store"] = store
    return store


def _read_known_labels() -> dict[str, str]:
    rows = vocabulary_store().select(
        "SELECT ?x ?label WHERE { ?x <http://www.w3.org/2000/01/rdf-schema#label> ?label "
        "FILTER (isIRI(?x) && (LANG(?label) = 'en' || LANG(?label) = '')) }"
    )
    return {r["x"].value: r["label"].value for r in rows}


def known_label(iri: str) -> str | None:
    return known_labels().get(iri)


def cell(term: object | None, label: str | None = None) -> Cell:
    """A cell for one RDF term; an IRI becomes a link to its resource page, named by ``label``
    (else by the vocabulary's label for it, else by its compact form)."""
    if term is None:
        return EMPTY
    if isinstance(term, ox.NamedNode):
        shown = label or known_label(term.value) or compact_iri(term.value)
        return Cell(shown, href=resource_url(term.value), kind="iri", title=term.value)
    if isinstance(term, ox.BlankNode):
        return Cell(f"_:{term.value}", kind="bnode")
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        if datatype in _DATES:
            return Cell(term.value, kind="date", value=term.value)
        if datatype == _BOOLEAN and term.value in ("true", "false", "1", "0"):
            yes = term.value in ("true", "1")
            return Cell("yes" if yes else "no", kind="boolean", value="true" if yes else "false")
        numeric = datatype in _NUMERIC
        title = term.language and f"@{term.language}"
        return Cell(term.value, kind="literal", numeric=numeric, title=title or None)
    return Cell(str(term))


_STORE_LABELS = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?x ?label WHERE {
  VALUES ?x { %s }
  ?x rdfs:label|skos:prefLabel ?label FILTER (LANG(?label) IN ('en', ''))
}"""

#: IRIs one label lookup asks the store about.
MAX_LOOKUP = 2000


def store_labels(iris: Iterable[str]) -> dict[str, str]:
    """The store's ``rdfs:label`` / ``skos:prefLabel`` (English or untagged; English first) of
    these IRIs, in one query. Display only: a store error leaves the names compact."""
    from comgraph.app import get_store

    nodes = []
    for iri in dict.fromkeys(iris):
        try:
            nodes.append(ox.NamedNode(iri))
        except ValueError:
            continue
        if len(nodes) >= MAX_LOOKUP:
            break
    if not nodes:
        return {}
    try:
        rows = get_store().select(_STORE_LABELS % " ".join(str(n) for n in nodes))
    except StoreError:
        return {}
    found: dict[str, str] = {}
    for row in sorted(rows, key=lambda r: (r["label"].language != "en", r["label"].value)):
        found.setdefault(row["x"].value, row["label"].value)
    return found


def heading(name: str) -> str:
    """A column name as a heading: ``dueDate`` -> ``Due date``, ``raci`` -> ``RACI``."""
    if name in _HEADINGS:
        return _HEADINGS[name]
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).replace("_", " ").split()
    text = " ".join(w if w.isupper() and len(w) > 1 else w.lower() for w in words)
    return text[:1].upper() + text[1:]


@dataclass
class Table:
    """Result rows laid out for a page: visible columns, and cells with their links."""

    columns: list[str]
    headings: list[str]
    rows: list[list[Cell]]
    descriptions: dict[str, str]


def table(variables: Iterable[str], solutions: Iterable[Mapping[str, object | None]],
          descriptions: Mapping[str, str] | None = None) -> Table:
    """Lay out rows; a column ``xLabel`` next to an IRI column ``x`` becomes the link text. An
    IRI with no such column (a target, a metric) is named by its label in the store, looked up
    for the whole table at once, else by the vocabulary's label, else compactly."""
    names = list(variables)
    hidden = {n for n in names if n.endswith("Label") and n[: -len("Label")] in names}
    shown = [n for n in names if n not in hidden]
    solutions = list(solutions)
    unlabelled = {term.value for row in solutions for n in shown
                  if (n + "Label") not in hidden and isinstance(term := row.get(n), ox.NamedNode)
                  and known_label(term.value) is None}
    labels = store_labels(unlabelled) if unlabelled else {}
    rows = []
    for row in solutions:
        cells = []
        for n in shown:
            label_term = row.get(n + "Label") if (n + "Label") in hidden else None
            label = label_term.value if isinstance(label_term, ox.Literal) else None
            term = row.get(n)
            if label is None and isinstance(term, ox.NamedNode):
                label = labels.get(term.value)
            cells.append(cell(term, label))
        rows.append(cells)
    return Table(shown, [heading(n) for n in shown], rows, dict(descriptions or {}))


def query_string(values: Mapping[str, str | None]) -> str:
    """Non-empty parameters as a URL query string (for links that keep the form's values)."""
    kept = [(k, v) for k, v in values.items() if v not in (None, "")]
    return ("?" + urlencode(kept)) if kept else ""
