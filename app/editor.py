"""The query editor page, ``/editor``: YASGUI (bundled, never from a CDN) on this endpoint.

The editor starts with a small query that declares only the prefixes it uses, offers the named
queries of ``queries/`` (each button opens that query in a tab of its own), shows results as
tables whose IRIs link to this app's resource pages under their labels (``POST /editor/labels``
names and links them as the app's pages do), and lets people download them. When the service
cut an answer at the row cap, a note under the editor says so (the service's
``X-Comgraph-Row-Cap`` header).
"""

from __future__ import annotations

import functools
import re

import pyoxigraph as ox
from comgraph.app import get_store
from comgraph.app.tables import MAX_LOOKUP, cell, store_labels
from flask import Blueprint, Response, abort, jsonify, render_template, request, url_for

from comgraph.namespaces import PREFIXES
from comgraph.paths import resource_dir

bp = Blueprint("editor", __name__)

#: The query a fresh editor holds: things with their labels and types.
STARTER_BODY = """SELECT ?thing ?label ?type
WHERE {
  ?thing a ?type ;
         rdfs:label ?label .
}
LIMIT 25
"""

#: IRIs one labels request may ask about (a page of results holds far fewer).
MAX_LABELS = MAX_LOOKUP

_PREFIXED_NAME = re.compile(r"(?<![\w:-])([A-Za-z][\w.-]*)?:(?=[\w%\\]|\s|$)")
_NOT_NAMES = re.compile(r"<[^<>\s]*>|\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'|#[^\n]*")


def with_prefixes(body: str, known: dict[str, str]) -> str:
    """``body`` after the PREFIX lines of the known prefixes it uses, and of no others."""
    bare = _NOT_NAMES.sub(" ", body)  # IRIs, strings and comments hold no prefixed names
    used = sorted({m.group(1) or "" for m in _PREFIXED_NAME.finditer(bare)} & set(known))
    prologue = "".join(f"PREFIX {p}: <{known[p]}>\n" for p in used)
    return prologue + ("\n" if prologue else "") + body


@bp.get("/editor")
def page() -> str:
    prefixes = dict(ontology_prefixes())
    return render_template("sparql/editor.html", endpoint=url_for("sparql.endpoint", _external=True),
                           starter=with_prefixes(STARTER_BODY, prefixes), prefixes=prefixes,
                           examples=named_queries(), labels=url_for("editor.labels"),
                           max_labels=MAX_LABELS)


@bp.post("/editor/labels")
def labels() -> Response:
    """``{"iris": [...]}`` -> ``{IRI: {"text": label, "href": page}}``: how the app's pages name
    and link each IRI (its rdfs:label or skos:prefLabel in the store, else the vocabulary's
    label, else its compact name; its resource page), for the editor's result table."""
    asked = (request.get_json(silent=True) or {}).get("iris")
    if not isinstance(asked, list) or len(asked) > MAX_LABELS:
        abort(Response(f"expected {{\"iris\": [...]}} with at most {MAX_LABELS} IRIs\n", status=400,
                       mimetype="text/plain"))
    nodes = {}
    for iri in asked:
        try:
            nodes[iri] = ox.NamedNode(iri)
        except (TypeError, ValueError):
            continue  # not an IRI: the table shows it as it is
    found = store_labels(nodes)
    answer = {}
    for iri, node in nodes.items():
        shown = cell(node, found.get(iri))
        answer[iri] = {"text": shown.text, "href": shown.href}
    return jsonify(answer)


@functools.cache
def ontology_prefixes() -> dict[str, str]:
    """comgraph's known prefixes, plus every prefix the ontology's Turtle files declare (read
    once per process: the shipped files do not change while it runs)."""
    prefixes = dict(PREFIXES)
    try:
        folder = resource_dir("ontology")
    except FileNotFoundError:
        return prefixes
    for path in sorted(folder.rglob("*.ttl")):
        try:
            parser = ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
            for _ in parser:
                pass
            prefixes.update({p: ns for p, ns in parser.prefixes.items() if p})
        except (SyntaxError, OSError):
            continue  # a broken ontology file is the ontology tests' business, not the editor's
    return prefixes


def named_queries() -> list[dict[str, str]]:
    """The catalogue's named queries as editor examples, with their parameters bound to their
    defaults (``as_of`` to the data's date), so an example answers as its view does."""
    from comgraph.queries import Catalogue, CatalogueError, ParameterError

    try:
        catalogue = Catalogue()
    except (FileNotFoundError, CatalogueError):
        return []
    store = get_store()
    found = []
    for named in catalogue:
        try:
            text = named.text_with(named.bind({}, store))
        except ParameterError:  # a required parameter with no default: show it unbound
            text = named.sparql
        found.append({"name": named.name, "title": named.title, "query": text})
    return found
