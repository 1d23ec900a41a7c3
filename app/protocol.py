"""What the SPARQL endpoint and the Graph Store share: refusals, auth, formats and negotiation.

Every refusal is a :class:`ProtocolError` with an HTTP status and a message that says what was
wrong and where; the error table (:mod:`comgraph.app.errors`) turns it into a ``text/plain``
answer. Auth and negotiation are plain functions of the request's headers and parameters, so
the request pipeline (:mod:`comgraph.app.pipeline`) uses them whichever server read the
request; ``negotiate`` and ``require_write_access`` read them from Flask's request for the
Graph Store. Spooling and the row cap are in :mod:`comgraph.app.spool`.
"""

from __future__ import annotations

import hmac
import tempfile
from collections.abc import Callable, Mapping
from typing import Any

import pyoxigraph as ox
from comgraph.app.spool import CHUNK, SPOOL_IN_MEMORY
from flask import current_app, request
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header


class ProtocolError(Exception):
    """A request the service refuses, with the HTTP status that says why."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


# -- auth ------------------------------------------------------------------------------------


def require_write_access() -> None:
    """Flask's request may write (see :func:`check_write_access`)."""
    check_write_access(current_app.config, request.headers.get("Authorization", ""))


def check_write_access(config: Mapping[str, Any], header: str) -> None:
    """Writes need ``Authorization: Bearer <token>`` matching the configured token.

    No credentials: 401 (with a challenge). Wrong credentials, or a server that takes no writes
    at all (no token configured, or several workers over an embedded store): 403.
    """
    token = config.get("SPARQL_UPDATE_TOKEN")
    if not header.lower().startswith("bearer "):
        raise ProtocolError(401, "this operation changes the graph and needs a bearer token "
                                 "(Authorization: Bearer <token>)",
                            {"WWW-Authenticate": 'Bearer realm="comgraph"'})
    if config.get("SPARQL_READ_ONLY"):
        raise ProtocolError(403, "this server is read-only: " + config["SPARQL_READ_ONLY"])
    if not token:
        raise ProtocolError(403, "this server takes no writes: no update token is configured "
                                 "(set COMGRAPH_UPDATE_TOKEN)")
    given = header[7:].strip()
    if not hmac.compare_digest(given.encode(), token.encode()):
        raise ProtocolError(403, "the bearer token is not the one this server accepts")


# -- formats and negotiation -----------------------------------------------------------------

RQ = ox.QueryResultsFormat
RF = ox.RdfFormat

#: Candidates in order of preference: the first wins when the client accepts anything.
SOLUTION_FORMATS: list[tuple[str, Any]] = [
    ("application/sparql-results+json", RQ.JSON),
    ("application/sparql-results+xml", RQ.XML),
    ("text/csv", RQ.CSV),
    ("text/tab-separated-values", RQ.TSV),
    ("application/json", RQ.JSON),
    ("application/xml", RQ.XML),
    ("text/html", "html"),
]
BOOLEAN_FORMATS: list[tuple[str, Any]] = [
    ("application/sparql-results+json", RQ.JSON),
    ("application/sparql-results+xml", RQ.XML),
    ("application/json", RQ.JSON),
    ("application/xml", RQ.XML),
    ("text/html", "html"),
]
GRAPH_FORMATS: list[tuple[str, Any]] = [
    ("text/turtle", RF.TURTLE),
    ("application/n-triples", RF.N_TRIPLES),
    ("application/rdf+xml", RF.RDF_XML),
    ("application/ld+json", RF.JSON_LD),
    ("application/trig", RF.TRIG),
    ("application/n-quads", RF.N_QUADS),
    ("text/plain", RF.N_TRIPLES),
    ("application/xml", RF.RDF_XML),
    ("application/json", RF.JSON_LD),
]

#: Names accepted by ``format=`` (a media type works too), SPARQLWrapper's among them: it sends
#: ``format=``, ``output=`` and ``results=`` with its own names (``rdf+xml``, ``n3``, ``json-ld``),
#: and for RDF/XML, JSON-LD and TSV a second ``format=`` holding the media type.
FORMAT_NAMES = {
    "json": ("application/sparql-results+json", "application/ld+json"),
    "xml": ("application/sparql-results+xml", "application/rdf+xml"),
    "csv": ("text/csv", None),
    "tsv": ("text/tab-separated-values", None),
    "html": ("text/html", None),
    "turtle": (None, "text/turtle"),
    "ttl": (None, "text/turtle"),
    "ntriples": (None, "application/n-triples"),
    "nt": (None, "application/n-triples"),
    "rdfxml": (None, "application/rdf+xml"),
    "rdf+xml": (None, "application/rdf+xml"),
    "n3": (None, "text/turtle"),  # Turtle is N3 (N3 adds rules and formulas, which no answer holds)
    "jsonld": (None, "application/ld+json"),
    "json-ld": (None, "application/ld+json"),
    "trig": (None, "application/trig"),
    "nquads": (None, "application/n-quads"),
    "nq": (None, "application/n-quads"),
}


def negotiate(candidates: list[tuple[str, Any]], kind: str) -> tuple[str, Any]:
    """:func:`choose_format` for Flask's request."""
    return choose_format(candidates, kind, format_values(request.values), request.headers.get("Accept"))


def format_values(params: Any) -> tuple[str, ...] | None:
    """Every ``format=`` value of a request (a MultiDict), in order, or None when there is none."""
    return tuple(params.getlist("format")) or None


#: Every media type this service answers in (of any kind of answer).
_OFFERED = frozenset(m for formats in (SOLUTION_FORMATS, BOOLEAN_FORMATS, GRAPH_FORMATS) for m, _ in formats)


#: Choices already made, by (candidates, kind, format=, Accept): clients repeat their headers,
#: and parsing an Accept header costs more than a small lookup costs to evaluate.
_CHOSEN: dict[tuple[int, str, str | None, str | None], tuple[str, Any] | str] = {}


def choose_format(candidates: list[tuple[str, Any]], kind: str, wanted: str | tuple[str, ...] | None,
                  accept: str | None) -> tuple[str, Any]:
    """Pick the answer's media type: ``format=`` (``wanted``, one value or all the request's)
    wins, then the Accept header (with q-values). A ``format=`` value this service does not know
    (a name not in FORMAT_NAMES, a media type it never answers in) is ignored in favour of the
    Accept header; one it knows but that does not fit the answer (``csv`` for a CONSTRUCT) is a
    406, as is an Accept header none of ``candidates`` fits."""
    key = (id(candidates), kind, wanted, accept)
    chosen = _CHOSEN.get(key)
    if chosen is None:
        try:
            chosen = _choose(candidates, kind, wanted, accept)
        except ProtocolError as error:
            chosen = error.message
        if len(_CHOSEN) > 1024:
            _CHOSEN.clear()
        _CHOSEN[key] = chosen
    if isinstance(chosen, str):
        raise ProtocolError(406, chosen)
    return chosen


def _choose(candidates: list[tuple[str, Any]], kind: str, wanted: str | tuple[str, ...] | None,
            accept_header: str | None) -> tuple[str, Any]:
    values = (wanted,) if isinstance(wanted, str) else (wanted or ())
    offered = dict(candidates)
    unfit = None
    for value in values:
        key = value.strip().lower()
        if key in FORMAT_NAMES:
            solution_type, graph_type = FORMAT_NAMES[key]
            key = (graph_type if candidates is GRAPH_FORMATS else solution_type) or ""
        else:
            key = key.split(";")[0].strip()  # a media type: its parameters do not change the format
            if key not in _OFFERED:
                continue  # not a format this service knows: the Accept header decides
        if key in offered:
            return key, offered[key]
        unfit = unfit or value
    if unfit is not None:
        raise ProtocolError(406, f"format={unfit!r} does not fit a {kind} answer; use one of "
                                 f"{', '.join(dict.fromkeys(m for m, _ in candidates))}")
    accept = parse_accept_header(accept_header, MIMEAccept)
    if any(";" in value for value, _q in accept):
        # Media-type parameters (``text/turtle; charset=utf-8``) do not change the format.
        accept = MIMEAccept([(value.split(";")[0].strip(), q) for value, q in accept])
    media = accept.best_match([m for m, _ in candidates]) if accept else candidates[0][0]
    if media is None:
        raise ProtocolError(406, f"no format the client accepts ({accept_header}) "
                                 f"fits a {kind} answer; this service offers "
                                 f"{', '.join(dict.fromkeys(m for m, _ in candidates))}")
    return media, dict(candidates)[media]


def content_type(media: str) -> str:
    if media.startswith("text/") or media in ("application/n-triples", "application/trig",
                                              "application/n-quads"):
        return f"{media}; charset=utf-8"
    return media


# -- request bodies of unknown length --------------------------------------------------------


class BodyOfUnknownLength:
    """WSGI middleware: a body sent without a Content-Length (chunked) is read here, up to one
    byte more than ``MAX_CONTENT_LENGTH``, and given to the app as a body with a length.

    werkzeug caps such a body by reading at most the limit and stopping there, silently: an
    update or a Graph Store upload over the cap would be cut, and its first part written. Read
    whole first, a body over the limit carries a Content-Length over it, so werkzeug refuses it
    with 413 when the app reads it, exactly as a body with a Content-Length, under every server
    (werkzeug's, gunicorn's uvicorn workers through a2wsgi). Nothing of it is used.
    """

    def __init__(self, app: Any, wsgi_app: Callable[..., Any]):
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if not environ.get("CONTENT_LENGTH") and (
                "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
                or environ.get("wsgi.input_terminated")):
            limit = self.app.config.get("MAX_CONTENT_LENGTH") or (16 << 20)
            spool = tempfile.SpooledTemporaryFile(SPOOL_IN_MEMORY)
            source, size = environ["wsgi.input"], 0
            while size <= limit:
                chunk = source.read(min(CHUNK, limit + 1 - size))
                if not chunk:
                    break
                spool.write(chunk)
                size += len(chunk)
            spool.seek(0)
            environ["wsgi.input"] = spool
            environ["CONTENT_LENGTH"] = str(size)
            environ.pop("wsgi.input_terminated", None)
            environ.pop("HTTP_TRANSFER_ENCODING", None)
            try:
                return self.wsgi_app(environ, start_response)
            finally:
                spool.close()
        return self.wsgi_app(environ, start_response)
