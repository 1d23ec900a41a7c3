"""The SPARQL endpoint, ``/sparql``: the SPARQL 1.1 Protocol for query and update.

* GET ``?query=``, form POST (``query=`` or ``update=``) and direct POST
  (``application/sparql-query``, ``application/sparql-update``);
* the dataset parameters ``default-graph-uri`` / ``named-graph-uri`` (queries) and
  ``using-graph-uri`` / ``using-named-graph-uri`` (updates);
* content negotiation with q-values, and ``format=`` to override it;
* GET with no query answers with the service description (``sd:Service`` with a VoID summary);
  a browser asking for HTML is sent to the query editor instead;
* limits: a time limit that really stops the query (the server's ``SPARQL_TIMEOUT``; a client
  may ask for less with ``timeout=`` seconds), a row cap signalled in the ``X-Comgraph-Row-Cap``
  header, and a body size cap (413);
* read-only unless a bearer token is configured; SERVICE, LOAD and FROM outside the store are
  refused before evaluation.

All of that is the request pipeline's (:mod:`comgraph.app.pipeline`); this view only
translates Flask's request into a :class:`~comgraph.app.pipeline.SparqlRequest` and the
pipeline's :class:`~comgraph.app.pipeline.Reply` into Flask's response (rendering the HTML
results page, the one answer the pipeline leaves to Flask's templates). Flask's hooks then add
the headers and traces every answer gets (:mod:`comgraph.app.ops`).
"""

from __future__ import annotations

from comgraph.app.pipeline import Reply, SparqlRequest, answer
from flask import Blueprint, Response, current_app, g, render_template, request, url_for

bp = Blueprint("sparql", __name__)


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response:
    reply = answer(current_app, from_flask())
    g.query_text, g.rows = reply.query, reply.rows
    return to_flask(reply)


def from_flask() -> SparqlRequest:
    """Flask's request, as the pipeline reads it."""
    return SparqlRequest(
        method=request.method, args=request.args, base_url=request.base_url,
        accept=request.headers.get("Accept"), mimetype=request.mimetype,
        charset=request.mimetype_params.get("charset"),
        authorization=request.headers.get("Authorization", ""),
        form=lambda: request.form, body=request.get_data, editor_url=url_for("editor.page"))


def to_flask(reply: Reply) -> Response:
    """The pipeline's reply, as Flask's response."""
    if reply.page is not None:
        template, values = reply.page
        return Response(render_template(template, **values), status=reply.status,
                        content_type="text/html; charset=utf-8", headers=reply.headers)
    if reply.chunks is not None:
        return Response(reply.chunks, status=reply.status, headers=reply.headers,
                        direct_passthrough=True)
    return Response(reply.whole, status=reply.status, headers=reply.headers)
