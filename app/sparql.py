"""The SPARQL endpoint, ``/sparql``: SPARQL 1.1 Protocol queries over GET and POST."""

from __future__ import annotations

import pyoxigraph as ox
from comgraph.app import get_store
from flask import Blueprint, Response, request

from comgraph.store import QueryError, StoreError

bp = Blueprint("sparql", __name__)


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response:
    if request.method == "POST" and request.mimetype == "application/sparql-query":
        text = request.get_data(as_text=True)
    else:
        text = request.values.get("query")
    if not text:
        return Response("missing 'query' parameter\n", status=400, mimetype="text/plain")
    try:
        result = get_store().query(text)
    except QueryError as exc:
        return Response(f"{exc}\n", status=400, mimetype="text/plain")
    except StoreError as exc:
        return Response(f"{exc}\n", status=500, mimetype="text/plain")
    if isinstance(result, ox.QueryBoolean) or hasattr(result, "variables"):
        body = result.serialize(format=ox.QueryResultsFormat.JSON)
        return Response(body, mimetype="application/sparql-results+json")
    return Response(result.serialize(format=ox.RdfFormat.TURTLE), mimetype="text/turtle")
