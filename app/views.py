"""The query pages: ``/views`` (the catalogue by process) and ``/views/NAME`` (one named query).

Every view has three faces with the same rows: an HTML table with a parameter form and
pagination, ``/views/NAME.json`` (SPARQL 1.1 Query Results JSON, exactly what ``/sparql``
answers for the same query) and ``/views/NAME.csv`` (SPARQL 1.1 CSV). The Accept header picks one
when no extension is given. Parameter values go through the query catalogue, which binds them as
typed RDF terms; a bad value is a 400 that names the parameter.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

import pyoxigraph as ox
from comgraph.app import get_store
from comgraph.app.named_queries import get_catalogue
from comgraph.app.not_found import Missing, Suggestion, missing_view
from comgraph.app.tables import compact_iri, query_string, table
from comgraph.app.twins import twin_format
from flask import Blueprint, Response, abort, render_template, request, url_for

from comgraph.queries import (
    PROCESSES,
    NamedQuery,
    Parameter,
    ParameterError,
    UnknownQuery,
)

bp = Blueprint("views", __name__)

PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
_FORMATS = {
    "json": ("application/sparql-results+json", ox.QueryResultsFormat.JSON),
    "csv": ("text/csv", ox.QueryResultsFormat.CSV),
}
_ACCEPTABLE = {"text/html": "html", "application/sparql-results+json": "json", "application/json": "json",
               "text/csv": "csv"}
PROCESS_TITLES = {"all": "Across all processes", **{p: p.capitalize() for p in PROCESSES}}


def requested_format(extension: str | None) -> str:
    """``html``, ``json`` or ``csv``: from the URL's extension, else from the Accept header."""
    return twin_format(extension, _ACCEPTABLE)


def parameter_values(query: NamedQuery, args: Mapping[str, str]) -> dict[str, str]:
    """The request's values for the query's parameters; names starting with ``_`` are the page's."""
    return {k: v for k, v in args.items() if not k.startswith("_")}


@bp.get("/views")
def index() -> Response | str:
    return _index(None)


@bp.get("/views.json", endpoint="index_json")
def index_json() -> Response:
    return _index("json")


def _index(extension: str | None) -> Response | str:
    catalogue = get_catalogue()
    if extension == "json" or (extension is None and requested_format(None) == "json"):
        return _json_response([_describe(q) for q in sorted(catalogue, key=lambda q: q.name)])
    return render_template("views/index.html", groups=catalogue.by_process(), titles=PROCESS_TITLES)


@bp.get("/views/<string:name>")
def view(name: str) -> Response | str:
    name, _, extension = name.partition(".")
    if extension and extension not in _FORMATS:
        twins = [url_for("views.view", name=f"{name}.{e}") for e in _FORMATS]
        raise Missing("format", f"{name}.{extension}", [Suggestion(t, t) for t in twins])
    try:
        query = get_catalogue().get(name)
    except UnknownQuery:
        raise missing_view(name) from None
    fmt = requested_format(extension or None)
    store = get_store()
    values = parameter_values(query, request.args)
    try:
        bindings = query.bind(values, store)
    except ParameterError as exc:
        return _parameter_error(query, values, exc, fmt)
    # A store error (here, or while a remote engine's answer is read as it streams) is
    # answered by the error table, comgraph.app.errors.
    result = query.execute(store, bindings)
    if fmt in _FORMATS:
        mimetype, results_format = _FORMATS[fmt]
        response = Response(result.serialize(format=results_format), mimetype=mimetype)
        if fmt == "csv":
            response.headers["Content-Disposition"] = f'attachment; filename="{query.name}.csv"'
        response.vary.add("Accept")
        return response
    return _html(query, values, bindings, result)


def _html(query: NamedQuery, values: dict[str, str], bindings: dict, result) -> Response:
    page = _int_arg("_page", 1, 1, 10**9)
    size = _int_arg("_size", PAGE_SIZE, 1, MAX_PAGE_SIZE)
    variables = [v.value for v in result.variables]
    first, last = (page - 1) * size, page * size
    rows, total = [], 0
    for solution in result:
        if first <= total < last:
            rows.append({n: solution[n] for n in variables})
        total += 1
    effective = {p.name: _shown_value(p, values, bindings) for p in query.parameters}
    descriptions = {c.name: c.description for c in query.columns}
    pages = max(1, -(-total // size))
    kept = {k: v for k, v in effective.items() if v}
    links = {
        "json": url_for("views.view", name=f"{query.name}.json") + query_string(kept),
        "csv": url_for("views.view", name=f"{query.name}.csv") + query_string(kept),
        # YASGUI fills its editor from a ``query`` URL parameter (its populateFromUrl default).
        "sparql": url_for("editor.page") + "?" + urlencode({"query": query.text_with(bindings)}),
        "prev": _page_link(query, kept, page - 1, size) if page > 1 else None,
        "next": _page_link(query, kept, page + 1, size) if page < pages else None,
    }
    body = render_template(
        "views/view.html", query=query, fields=_fields(query, effective),
        table=table(variables, rows, descriptions), total=total, page=page, pages=pages, first=first,
        links=links, process_title=PROCESS_TITLES[query.process], error=None,
    )
    response = Response(body, mimetype="text/html")
    response.vary.add("Accept")
    return response


def _page_link(query: NamedQuery, values: dict[str, str], page: int, size: int) -> str:
    extra = {"_page": str(page)} | ({"_size": str(size)} if size != PAGE_SIZE else {})
    return url_for("views.view", name=query.name) + query_string({**values, **extra})


def _parameter_error(query: NamedQuery, values: dict[str, str], exc: ParameterError, fmt: str) -> Response:
    if fmt == "json":
        return _json_response({"error": str(exc), "parameter": exc.parameter}, status=400)
    if fmt == "csv":
        return _plain(f"{exc}\n", 400)
    known = {p.name for p in query.parameters}
    shown = {k: v for k, v in values.items() if k in known}
    body = render_template(
        "views/view.html", query=query, fields=_fields(query, shown, exc), table=None, total=0, page=1,
        pages=1, first=0, links=None, process_title=PROCESS_TITLES[query.process], error=exc,
    )
    return Response(body, status=400, mimetype="text/html")


def _shown_value(parameter: Parameter, values: Mapping[str, str], bindings: Mapping) -> str:
    """What the form field shows: the value given, or the default the query ran with."""
    if values.get(parameter.name):
        return values[parameter.name]
    term = bindings.get(parameter.name)
    if term is None:
        return ""
    return term.value


def _fields(query: NamedQuery, values: Mapping[str, str], error: ParameterError | None = None) -> list[dict]:
    fields = []
    for p in query.parameters:
        field = {
            "name": p.name, "label": p.label, "type": p.type, "description": p.description,
            "required": p.required, "value": values.get(p.name, ""),
            "error": error.reason if error is not None and error.parameter == p.name else None,
            "input": {"date": "date", "integer": "number", "decimal": "number"}.get(p.type, "text"),
            "step": {"integer": "1", "decimal": "any"}.get(p.type),
            "choices": _choices(p) if p.type == "IRI" and p.choices_class else None,
        }
        fields.append(field)
    return fields


def _choices(parameter: Parameter) -> list[tuple[str, str]]:
    """(value, label) for every instance of the parameter's ``choices`` class, by label."""
    klass = ox.NamedNode(parameter.parse(parameter.choices_class).value)
    rows = get_store().select(
        "SELECT ?x (SAMPLE(?l) AS ?label) WHERE { ?x a ?class "
        "OPTIONAL { ?x <http://www.w3.org/2000/01/rdf-schema#label> ?l } } GROUP BY ?x",
        bindings={"class": klass},
    )
    choices = [(r["x"].value, r["label"].value if "label" in r else compact_iri(r["x"].value))
               for r in rows if isinstance(r.get("x"), ox.NamedNode)]
    return sorted(choices, key=lambda c: c[1].lower())


def _describe(query: NamedQuery) -> dict:
    return {
        "name": query.name, "title": query.title, "description": query.description,
        "process": query.process,
        "parameters": [{"name": p.name, "type": p.type, "default": p.default, "required": p.required,
                        "label": p.label, "description": p.description} for p in query.parameters],
        "columns": [{"name": c.name, "description": c.description} for c in query.columns],
        "html": url_for("views.view", name=query.name),
        "json": url_for("views.view", name=f"{query.name}.json"),
        "csv": url_for("views.view", name=f"{query.name}.csv"),
    }


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name, "")
    if not raw.strip():
        return default
    try:
        value = int(raw)
    except ValueError:
        abort(Response(f"{name}: {raw!r} is not a whole number\n", status=400, mimetype="text/plain"))
    return min(max(value, low), high)


def _json_response(data: object, status: int = 200) -> Response:
    import json

    return Response(json.dumps(data, indent=1) + "\n", status=status, mimetype="application/json")


def _plain(text: str, status: int) -> Response:
    return Response(text, status=status, mimetype="text/plain")
