"""The query editor page, ``/editor``: YASGUI (bundled, never from a CDN) on this endpoint.

The editor starts with the ontology's prefixes declared, offers the named queries of
``queries/`` as examples (each opens in a tab of its own), shows results as tables and lets
people download them. When the service cut an answer at the row cap, a note under the editor
says so (the service's ``X-Comgraph-Row-Cap`` header).
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from flask import Blueprint, render_template, url_for

from comgraph.namespaces import PREFIXES
from comgraph.paths import resource_dir

bp = Blueprint("editor", __name__)

STARTER = "SELECT ?subject ?predicate ?object\nWHERE {\n  ?subject ?predicate ?object\n}\nLIMIT 25\n"


@bp.get("/editor")
def page() -> str:
    prefixes = ontology_prefixes()
    prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(prefixes.items()))
    return render_template("sparql/editor.html", endpoint=url_for("sparql.endpoint", _external=True),
                           starter=prologue + "\n" + STARTER, prefixes=prefixes,
                           examples=named_queries())


def ontology_prefixes() -> dict[str, str]:
    """comgraph's known prefixes, plus every prefix the ontology's Turtle files declare."""
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
    """Each ``queries/*.rq`` with a title: ``# title:`` in its header, else its first comment."""
    try:
        folder = resource_dir("queries")
    except FileNotFoundError:
        return []
    found = []
    for path in sorted(folder.rglob("*.rq")):
        text = path.read_text(encoding="utf-8")
        found.append({"name": path.stem, "title": _title(text, path), "query": text})
    return found


def _title(text: str, path: Path) -> str:
    comments = [line.lstrip("#").strip() for line in text.splitlines() if line.startswith("#")]
    for line in comments:
        if line.lower().startswith("title:"):
            return line.split(":", 1)[1].strip()
    return next((c for c in comments if c), path.stem)
