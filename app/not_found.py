"""Not-found answers: a 404 in the app's layout that says what was missing and offers the
closest names (difflib, :func:`comgraph.queries.closest`).

A page that knows what it looked for raises :class:`Missing` (the views: an unknown view; the
resource pages: an IRI the graph says nothing about, or an unknown prefix). Any other 404 (a
page that called ``abort(404)``, or a URL no route matches) is answered here too, with
suggestions worked out from the request: the stakeholder page's ``iri``, the process page's
name, or the app's own page paths. The error table (:mod:`comgraph.app.errors`) hands every 404
to :func:`answer`.

A browser (an Accept header naming ``text/html`` first) gets the HTML page; everything else (the
machine twins, API clients, curl) gets one line of ``text/plain``:
``not found: no view 'raci-matrx'; did you mean raci-matrix (/views/raci-matrix)?``
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pyoxigraph as ox
from flask import Response, current_app, render_template, request, url_for
from werkzeug.exceptions import NotFound

from comgraph.queries import closest
from comgraph.store import StoreError

#: How many IRIs of a namespace a resource's 404 compares the missing name with: enough for any
#: relationship's own names, bounded so a 404 on a huge store stays cheap.
MAX_CANDIDATES = 20_000


@dataclass(frozen=True)
class Suggestion:
    text: str
    href: str


class Missing(NotFound):
    """A named thing that is not there: ``what`` (view, resource, stakeholder ...), the ``name``
    asked for, and the closest existing ones."""

    def __init__(self, what: str, name: str, suggestions: Iterable[Suggestion] = ()):
        self.what = what
        self.asked = name
        self.suggestions = list(suggestions)
        super().__init__(self.sentence())

    def sentence(self) -> str:
        text = f"no {self.what} {self.asked!r}"
        if self.suggestions:
            text += "; did you mean " + _one_of([s.text if s.text == s.href else f"{s.text} ({s.href})"
                                                 for s in self.suggestions]) + "?"
        return text


def _one_of(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


def suggest(name: str, candidates: Mapping[str, Suggestion], n: int = 3) -> list[Suggestion]:
    """The suggestions whose keys are closest to ``name`` (several keys may name one thing:
    its label and its compact name), each thing once."""
    found: list[Suggestion] = []
    for key in closest(name, candidates, n=n * 2):
        if candidates[key] not in found:
            found.append(candidates[key])
    return found[:n]


# -- what each page was looking for -------------------------------------------------------------


def missing_view(name: str) -> Missing:
    from comgraph.app.named_queries import get_catalogue

    candidates = {q.name: Suggestion(q.name, url_for("views.view", name=q.name)) for q in get_catalogue()}
    return Missing("view", name, suggest(name, candidates))


def missing_prefix(prefix: str, local: str, known: Iterable[str]) -> Missing:
    candidates = {p: Suggestion(f"{p}:{local}", url_for("resources.pretty", prefix=p, local=local))
                  for p in known}
    return Missing("prefix", prefix, suggest(prefix, candidates))


_IN_NAMESPACE = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?s (SAMPLE(?l) AS ?label) WHERE {
  ?s ?p ?o FILTER (isIRI(?s) && STRSTARTS(STR(?s), ?ns))
  OPTIONAL { ?s rdfs:label ?l }
} GROUP BY ?s LIMIT %d"""


def missing_resource(iri: str) -> Missing:
    """An IRI the graph says nothing about: the IRIs of its namespace with the closest local
    names or labels."""
    from comgraph.app import get_store
    from comgraph.app.tables import compact_iri, known_label, prefixes, resource_url, vocabulary_store

    from comgraph.namespaces import split

    found = split(iri, prefixes())
    namespace = prefixes()[found[0]] if found else iri[: max(iri.rfind("/"), iri.rfind("#")) + 1]
    local = iri[len(namespace):]
    candidates: dict[str, Suggestion] = {}
    rows: list = []
    if namespace and local:
        # the data, and the ontology and vocabularies comgraph ships (cg:, cgraci: ...)
        for store in (get_store(), vocabulary_store()):
            try:
                rows += store.select(_IN_NAMESPACE % MAX_CANDIDATES, bindings={"ns": ox.Literal(namespace)})
            except StoreError:
                pass  # only a suggestion: the 404 stands without one
        for row in rows:
            other = row["s"].value
            label = row.get("label")
            shown = label.value if isinstance(label, ox.Literal) else known_label(other) or compact_iri(other)
            suggestion = Suggestion(shown, resource_url(other))
            candidates.setdefault(other[len(namespace):], suggestion)
            candidates.setdefault(shown, suggestion)
    return Missing("resource", compact_iri(iri), suggest(local or iri, candidates))


def _stakeholder_suggestions(raw: str) -> list[Suggestion]:
    from comgraph.app.named_queries import run
    from comgraph.app.tables import compact_iri

    candidates: dict[str, Suggestion] = {}
    for row in run("stakeholders-and-roles"):
        iri = row.get("stakeholder")
        if not isinstance(iri, ox.NamedNode):
            continue
        label = row.get("stakeholderLabel")
        shown = label.value if isinstance(label, ox.Literal) else compact_iri(iri.value)
        suggestion = Suggestion(shown, url_for("dashboards.stakeholder", iri=iri.value))
        for key in (compact_iri(iri.value), iri.value, shown):
            candidates.setdefault(key, suggestion)
    return suggest(raw, candidates)


def _page_suggestions(path: str) -> list[Suggestion]:
    """Pages of this app (GET routes without arguments) whose paths are close to ``path``."""
    candidates = {}
    for rule in current_app.url_map.iter_rules():
        if rule.arguments or "GET" not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        candidates[rule.rule] = Suggestion(rule.rule, rule.rule)
    return suggest(path, candidates)


def _from_request(error: NotFound) -> Missing:
    """What a plain ``abort(404)`` or an unrouted URL was about, with suggestions."""
    endpoint = request.endpoint
    try:
        if endpoint == "dashboards.stakeholder":
            raw = request.args.get("iri", "")
            return Missing("stakeholder", raw, _stakeholder_suggestions(raw))
        if endpoint == "dashboards.process":
            from comgraph.queries import PROCESSES

            name = (request.view_args or {}).get("name", "")
            candidates = {p: Suggestion(p, url_for("dashboards.process", name=p)) for p in PROCESSES}
            return Missing("process", name, suggest(name, candidates))
        if endpoint is None:
            return Missing("page", request.path, _page_suggestions(request.path))
    except StoreError:
        pass  # the suggestions need the store; without it the 404 stands alone
    return Missing("page", request.path)


# -- the answer -----------------------------------------------------------------------------------


def wants_html() -> bool:
    """A browser: the Accept header names text/html, and prefers it to plain text."""
    accept = request.accept_mimetypes
    return "text/html" in {m for m, q in accept if q > 0} and \
        accept.best_match(["text/html", "text/plain"]) == "text/html"


def answer(error: NotFound) -> Response:
    missing = error if isinstance(error, Missing) else _from_request(error)
    if wants_html():
        body = render_template("404.html", missing=missing)
        return Response(body, status=404, mimetype="text/html")
    return Response(f"not found: {missing.sentence()}\n", status=404, mimetype="text/plain")
