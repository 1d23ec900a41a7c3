"""``/data``: the SPARQL 1.1 Graph Store HTTP Protocol, for GET, HEAD, PUT, POST and DELETE.

Graphs are named two ways:

* indirectly: ``/data?graph=IRI`` or ``/data?default``;
* directly: ``/data/any/path`` names the graph whose IRI is that request URL.

``POST /data`` with neither makes a new graph and answers 201 with its IRI in ``Location``.
Writes need the bearer token (see :func:`comgraph.app.protocol.require_write_access`). A graph
is sent in any triple format, or as JSON-LD that names no graph of its own. Every
write goes through the Store and is all or nothing: a body that does not parse changes
nothing and gets a 400 naming the line and column. PUT stages the new content in a scratch
graph first and swaps it in with one update, so readers never see a half-replaced graph.
"""

from __future__ import annotations

import time
import uuid

import pyoxigraph as ox
from comgraph.app import get_store
from comgraph.app.protocol import (
    GRAPH_FORMATS,
    ProtocolError,
    content_type,
    negotiate,
    require_write_access,
)
from comgraph.app.service_description import store_written
from comgraph.app.spool import convert_triples, spool_triples
from flask import Blueprint, Response, current_app, request

from comgraph.namespaces import PREFIXES
from comgraph.store import Source
from comgraph.store.base import load_error_from_parse_failure

bp = Blueprint("graph_store", __name__)

_METHODS = ["GET", "HEAD", "PUT", "POST", "DELETE"]


@bp.route("/data", methods=_METHODS)
def indirect() -> Response:
    if "graph" in request.args and "default" in request.args:
        raise ProtocolError(400, "give either ?graph=IRI or ?default, not both")
    if "graph" in request.args:
        try:
            target: ox.NamedNode | ox.DefaultGraph = ox.NamedNode(request.args["graph"])
        except ValueError:
            raise ProtocolError(400, f"graph: {request.args['graph']!r} is not an absolute IRI") \
                from None
    elif "default" in request.args:
        target = ox.DefaultGraph()
    elif request.method == "POST":
        return _create_graph()
    else:
        raise ProtocolError(400, "name the graph: /data?graph=IRI, /data?default, or /data/<path> "
                                 "for the graph whose IRI is that URL")
    return _handle(target)


@bp.route("/data/<path:_rest>", methods=_METHODS)
def direct(_rest: str) -> Response:
    return _handle(ox.NamedNode(request.base_url))


def _handle(target: ox.NamedNode | ox.DefaultGraph) -> Response:
    if request.method in ("GET", "HEAD"):
        return _get(target)
    require_write_access()
    try:
        if request.method == "DELETE":
            return _delete(target)
        if request.method == "PUT":
            return _put(target)
        return _post(target)
    finally:
        store_written()


def _exists(target: ox.NamedNode | ox.DefaultGraph) -> bool:
    if isinstance(target, ox.DefaultGraph):
        return True
    return get_store().ask(f"ASK {{ GRAPH {target} {{ ?s ?p ?o }} }}",
                           timeout=float(current_app.config["SPARQL_TIMEOUT"]))


def _graph_pattern(target: ox.NamedNode | ox.DefaultGraph) -> str:
    if isinstance(target, ox.DefaultGraph):
        return "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    return f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {target} {{ ?s ?p ?o }} }}"


def _get(target: ox.NamedNode | ox.DefaultGraph) -> Response:
    media, fmt = negotiate(GRAPH_FORMATS, "graph")
    if not _exists(target):
        raise ProtocolError(404, f"there is no graph {target} in this store")
    limit = float(current_app.config["SPARQL_TIMEOUT"])
    # A store error (a timeout included) is answered by the error table, comgraph.app.errors.
    # The store's own default graph, not every graph: on an engine whose default graph is the
    # union of its graphs, the store reads its stand-in for it (comgraph.store.engines).
    dataset = [ox.DefaultGraph()] if isinstance(target, ox.DefaultGraph) else None
    result = get_store().query(_graph_pattern(target), timeout=limit, default_graph=dataset)
    spooled = spool_triples(result, None, time.monotonic() + limit)
    body = convert_triples(spooled, fmt, PREFIXES)
    return Response(body.chunks(), content_type=content_type(media), direct_passthrough=True,
                    headers={"Vary": "Accept"})


def _delete(target: ox.NamedNode | ox.DefaultGraph) -> Response:
    if not _exists(target):
        raise ProtocolError(404, f"there is no graph {target} in this store")
    get_store().update("DROP SILENT DEFAULT" if isinstance(target, ox.DefaultGraph)
            else f"DROP SILENT GRAPH {target}")
    return Response(status=204)


def _put(target: ox.NamedNode | ox.DefaultGraph) -> Response:
    existed = _exists(target)
    stage = ox.NamedNode(f"urn:comgraph:staging:{uuid.uuid4()}")
    get_store().load(_sources(), graph=stage)
    where = "DEFAULT" if isinstance(target, ox.DefaultGraph) else f"GRAPH {target}"
    try:
        get_store().update(f"DROP SILENT {where} ; ADD SILENT GRAPH {stage} TO {where} ; "
                f"DROP SILENT GRAPH {stage}")
    finally:
        get_store().update(f"DROP SILENT GRAPH {stage}")
    return Response(status=204 if existed else 201)


def _post(target: ox.NamedNode | ox.DefaultGraph) -> Response:
    existed = _exists(target)
    get_store().load(_sources(), graph=None if isinstance(target, ox.DefaultGraph) else target)
    return Response(status=204 if existed else 201)


def _create_graph() -> Response:
    require_write_access()
    graph = ox.NamedNode(f"{request.host_url}data/{uuid.uuid4()}")
    try:
        get_store().load(_sources(), graph=graph)
    finally:
        store_written()
    return Response(status=201, headers={"Location": graph.value})


def _sources() -> list[Source]:
    """The RDF in the body: one part, or every part of a multipart/form-data upload."""
    if request.mimetype == "multipart/form-data":
        parts = [f for f in request.files.values()]
        if not parts:
            raise ProtocolError(400, "the multipart body has no file parts")
        return [_graph_source(part.filename or part.name or "part", part.read(),
                              _format(part.mimetype, f"part {part.name!r}")) for part in parts]
    return [_graph_source("request body", request.get_data(), _format(request.mimetype, "body"))]


def _is_graph_format(fmt: ox.RdfFormat) -> bool:
    # JSON-LD can name graphs, but a document that does not is a graph, and GET serves one.
    return not fmt.supports_datasets or fmt == ox.RdfFormat.JSON_LD


def _format(mimetype: str, what: str) -> ox.RdfFormat:
    fmt = ox.RdfFormat.from_media_type(mimetype) if mimetype else None
    if fmt is None or not _is_graph_format(fmt):
        offered = ", ".join(dict.fromkeys(m for m, f in GRAPH_FORMATS if _is_graph_format(f)))
        raise ProtocolError(415, f"the {what} has Content-Type {mimetype or '(none)'}; a graph is "
                                 f"sent as one of {offered}")
    return fmt


def _graph_source(name: str, data: bytes, fmt: ox.RdfFormat) -> Source:
    """The source to load; JSON-LD is read here into the graph it describes (N-Triples), since
    the store loads a dataset format into its own graphs, never into the target graph. A
    document that names a graph of its own is refused: the request's URL names the graph."""
    if fmt != ox.RdfFormat.JSON_LD:
        return Source(name, data=data, format=fmt)
    try:
        quads = list(ox.parse(data, fmt))
    except (SyntaxError, MemoryError) as exc:
        error = load_error_from_parse_failure(name, exc, Source(name, data=data, format=fmt))
        raise ProtocolError(400, f"the RDF does not parse: {error}") from None
    named = sorted({q.graph_name.value for q in quads if not isinstance(q.graph_name, ox.DefaultGraph)})
    if named:
        raise ProtocolError(400, f"{name}: this JSON-LD names its own graphs ({', '.join(named[:5])}); "
                                 "send the triples of one graph, whose name is the request's URL")
    return Source(name, data=ox.serialize([q.triple for q in quads], format=ox.RdfFormat.N_TRIPLES),
                  format=ox.RdfFormat.N_TRIPLES)
