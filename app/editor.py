"""The query editor page, ``/editor``: YASGUI (bundled, never from a CDN) on this endpoint.

The editor starts with the ontology's prefixes declared, offers the named queries of
``queries/`` as examples (each opens in a tab of its own), shows results as tables and lets
people download them. When the service cut an answer at the row cap, a note under the editor
says so (the service's ``X-Comgraph-Row-Cap`` header).
"""

from __future__ import annotations

import functools

import pyoxigraph as ox
from comgraph.app import get_store
from flask import Blueprint, render_template, url_for

from comgraph.namespaces import PREFIXES
from comgraph.paths import resource_dir

bp = Blueprint("editor", __name__)

STARTER = "SELECT ?subject ?predicate ?object\nWHERE {\n  ?subject ?predicate ?object\n}\nLIMIT 25\n"


@bp.get("/editor")
def page() -> str:
    prefixes = dict(ontology_prefixes())
    prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(prefixes.items()))
    return render_template("sparql/editor.html", endpoint=url_for("sparql.endpoint", _external=True),
                           starter=prologue + "\n" + STARTER, prefixes=prefixes,
                           examples=named_queries())


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
