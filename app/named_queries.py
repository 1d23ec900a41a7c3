"""The app's named-query catalogue and the helpers the pages run its queries with.

The views, the dashboards, the home page and the checklist all read the catalogue and the
page's ``as_of`` the same way; they live here so that none of those pages imports another
for them.
"""

from __future__ import annotations

from comgraph.app import get_store
from flask import Response, abort, current_app, request

from comgraph.queries import Catalogue, ParameterError


def get_catalogue() -> Catalogue:
    """The app's query catalogue, read once (from ``QUERIES_DIR`` when the config sets it)."""
    catalogue = current_app.extensions.get("comgraph.catalogue")
    if catalogue is None:
        catalogue = Catalogue(current_app.config.get("QUERIES_DIR"))
        current_app.extensions["comgraph.catalogue"] = catalogue
    return catalogue


class Rows(list):
    """The rows of one named query run, with its column names."""

    variables: list[str]


def run(name: str, **values: str | None) -> Rows:
    """Run a named query with raw parameter values; rows are dicts of terms (None when unbound)."""
    query = get_catalogue().get(name)
    result = query.run(get_store(), {k: v for k, v in values.items() if v})
    rows = Rows()
    rows.variables = [v.value for v in result.variables]
    for solution in result:
        rows.append({n: solution[n] for n in rows.variables})
    return rows


def as_of_arg() -> str | None:
    """The page's ``as_of`` (checked here so a bad one is a 400 naming it, like the views)."""
    raw = request.args.get("as_of", "").strip()
    if raw:
        try:
            get_catalogue().get("raci-matrix").parameter("as_of").parse(raw)
        except ParameterError as exc:
            abort(Response(f"{exc}\n", status=400, mimetype="text/plain"))
    return raw or None
