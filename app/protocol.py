"""What the SPARQL endpoint and the Graph Store share: errors, auth, negotiation, limits, streaming.

Every refusal is a :class:`ProtocolError` with an HTTP status and a message that says what was
wrong and where; one handler turns it into a ``text/plain`` answer (which the CORS hook in
:mod:`comgraph.app.ops` decorates like any other response).

Answers are spooled before the status line is sent: the engine's serialised bytes (TSV rows or
N-Triples lines, written by pyoxigraph itself, never turned into Python rows) go into a spooled
temporary file that stays in memory while small and moves to disk when big. Counting lines on
the way gives the row cap exactly, and a timeout or engine error still becomes a proper status
code instead of a cut-off 200. Then pyoxigraph converts the spool into the asked format, and the
response streams it out in chunks. Memory use is bounded by the spool size, whatever the answer.
"""

from __future__ import annotations

import functools
import hmac
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any, TypeVar

import pyoxigraph as ox
from flask import current_app, request
from werkzeug.datastructures import MIMEAccept

from comgraph.store import QueryTimeout
from comgraph.store.bindings import _TOKEN

SPOOL_IN_MEMORY = 8 << 20
CHUNK = 1 << 16


class ProtocolError(Exception):
    """A request the service refuses, with the HTTP status that says why."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


# -- auth ------------------------------------------------------------------------------------


def require_write_access() -> None:
    """Writes need ``Authorization: Bearer <token>`` matching the configured token.

    No credentials: 401 (with a challenge). Wrong credentials, or a server that takes no writes
    at all (no token configured, or several workers over an embedded store): 403.
    """
    header = request.headers.get("Authorization", "")
    token = current_app.config.get("SPARQL_UPDATE_TOKEN")
    if not header.lower().startswith("bearer "):
        raise ProtocolError(401, "this operation changes the graph and needs a bearer token "
                                 "(Authorization: Bearer <token>)",
                            {"WWW-Authenticate": 'Bearer realm="comgraph"'})
    if current_app.config.get("SPARQL_READ_ONLY"):
        raise ProtocolError(403, "this server is read-only: " + current_app.config["SPARQL_READ_ONLY"])
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

#: Names accepted by ``format=`` (a media type works too).
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
    "jsonld": (None, "application/ld+json"),
    "json-ld": (None, "application/ld+json"),
    "trig": (None, "application/trig"),
    "nquads": (None, "application/n-quads"),
    "nq": (None, "application/n-quads"),
}


def negotiate(candidates: list[tuple[str, Any]], kind: str) -> tuple[str, Any]:
    """Pick the answer's media type: ``format=`` wins, then the Accept header (with q-values)."""
    wanted = request.values.get("format")
    if wanted:
        key = wanted.strip().lower()
        if key in FORMAT_NAMES:
            solution_type, graph_type = FORMAT_NAMES[key]
            key = (graph_type if candidates is GRAPH_FORMATS else solution_type) or ""
        for media, fmt in candidates:
            if media == key:
                return media, fmt
        raise ProtocolError(406, f"format={wanted!r} does not fit a {kind} answer; use one of "
                                 f"{', '.join(dict.fromkeys(m for m, _ in candidates))}")
    accept = request.accept_mimetypes
    if any(";" in value for value, _q in accept):
        # Media-type parameters (``text/turtle; charset=utf-8``) do not change the format.
        accept = MIMEAccept([(value.split(";")[0].strip(), q) for value, q in accept])
    media = accept.best_match([m for m, _ in candidates]) if accept else candidates[0][0]
    if media is None:
        raise ProtocolError(406, f"no format the client accepts ({request.headers.get('Accept')}) "
                                 f"fits a {kind} answer; this service offers "
                                 f"{', '.join(dict.fromkeys(m for m, _ in candidates))}")
    return media, dict(candidates)[media]


def content_type(media: str) -> str:
    if media.startswith("text/") or media in ("application/n-triples", "application/trig",
                                              "application/n-quads"):
        return f"{media}; charset=utf-8"
    return media


# -- looking inside query text without a parser ----------------------------------------------


def keywords(sparql: str) -> Iterator[tuple[str, int, int, int]]:
    """(upper-cased word, depth in braces, start, end) for each bare word outside strings,
    IRIs and comments. Words before a colon are prefixes, not keywords, and are skipped."""
    depth = 0
    for match in _TOKEN.finditer(sparql):
        kind = match.lastgroup
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth -= 1
        elif kind == "word":
            end = match.end()
            if end < len(sparql) and sparql[end] == ":":
                continue
            yield match.group().upper(), depth, match.start(), end


#: The longest text the per-text memos below keep: GET queries (the repeated kind) are short,
#: and a cache of a few hundred entries this long stays under a few MB.
MEMO_MAX_TEXT = 4096
MEMO_ENTRIES = 512

_T = TypeVar("_T")


def memo_short_texts(function: Callable[[str], _T]) -> Callable[[str], _T]:
    """Memoise ``function`` of a query text in a bounded LRU, for texts up to MEMO_MAX_TEXT.

    A service sees the same short queries again and again (dashboards, a benchmark, a client
    polling), and looking inside the text costs more than a dictionary lookup. Only pure
    functions of the text may be memoised: nothing that depends on the configuration or on
    what the store holds.
    """
    cached = functools.lru_cache(maxsize=MEMO_ENTRIES)(function)

    @functools.wraps(function)
    def memoised(text: str) -> _T:
        return cached(text) if len(text) <= MEMO_MAX_TEXT else function(text)

    memoised.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
    memoised.cache_info = cached.cache_info  # type: ignore[attr-defined]
    return memoised


@memo_short_texts
def query_form(sparql: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the first such keyword (the prologue comes first)."""
    for word, _depth, _start, _end in keywords(sparql):
        if word in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
            return word
    return "SELECT"


# -- spooling with a row cap, then streaming -------------------------------------------------


class RowCapReached(Exception):
    """Raised from inside pyoxigraph's serializer to stop it once the cap is passed."""


class _LineCappedSpool:
    """A write target for pyoxigraph that keeps the first ``header + cap`` lines.

    Each TSV row and each N-Triples triple is one line (newlines inside literals are escaped),
    so lines are rows. The deadline is checked here too, which bounds a remote answer that
    trickles in slowly.
    """

    def __init__(self, cap: int | None, header_lines: int, deadline: float | None):
        self.file: IO[bytes] = tempfile.SpooledTemporaryFile(SPOOL_IN_MEMORY)
        self.limit = None if cap is None else cap + header_lines
        self.header_lines = header_lines
        self.lines = 0
        self.deadline = deadline
        self.capped = False

    def write(self, data: bytes) -> int:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise QueryTimeout("the query ran past its time limit and was stopped")
        count = data.count(b"\n")
        if self.limit is not None and self.lines + count > self.limit:
            keep = self.limit - self.lines
            cut = -1
            for _ in range(keep):
                cut = data.index(b"\n", cut + 1)
            self.file.write(data[: cut + 1])
            self.lines = self.limit
            self.capped = True
            raise RowCapReached
        self.file.write(data)
        self.lines += count
        return len(data)

    def flush(self) -> None:
        pass

    @property
    def rows(self) -> int:
        return max(self.lines - self.header_lines, 0)


def is_solutions(result: Any) -> bool:
    """A SELECT answer? Asked without touching ``variables``, which may start reading a stream."""
    return (isinstance(result, ox.QuerySolutions) or hasattr(type(result), "variables")
            or "variables" in getattr(result, "__dict__", {}))


@dataclass
class Spooled:
    """An answer held in a spool: its lines, whether the cap cut it, and the spool itself."""

    file: IO[bytes]
    rows: int
    capped: bool

    def chunks(self) -> Iterator[bytes]:
        self.file.seek(0)
        try:
            while chunk := self.file.read(CHUNK):
                yield chunk
        finally:
            self.file.close()


def spool_solutions(result: Any, cap: int | None, deadline: float | None) -> Spooled:
    """Serialise a SELECT answer as TSV into a spool, keeping at most ``cap`` rows."""
    target = _LineCappedSpool(cap, 1, deadline)
    _serialize_into(result, target, RQ.TSV)
    if target.lines == 0:  # pyoxigraph writes the header with the first row or at the end
        target.file.write(b"\n")
    return Spooled(target.file, target.rows, target.capped)


def spool_triples(result: Any, cap: int | None, deadline: float | None) -> Spooled:
    """Serialise a CONSTRUCT or DESCRIBE answer as N-Triples into a spool (``cap`` triples)."""
    target = _LineCappedSpool(cap, 0, deadline)
    _serialize_into(result, target, RF.N_TRIPLES)
    return Spooled(target.file, target.rows, target.capped)


def _serialize_into(result: Any, target: _LineCappedSpool, fmt: Any) -> None:
    try:
        result.serialize(target, fmt)
    except RowCapReached:
        pass
    except BaseException:
        target.file.close()
        raise
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()  # stops a forked query whose answer is cut by the cap


def convert_solutions(spooled: Spooled, fmt: Any) -> Spooled:
    if fmt == RQ.TSV:
        return spooled
    spooled.file.seek(0)
    out = tempfile.SpooledTemporaryFile(SPOOL_IN_MEMORY)
    ox.parse_query_results(spooled.file, RQ.TSV).serialize(out, fmt)
    spooled.file.close()
    return Spooled(out, spooled.rows, spooled.capped)


def convert_triples(spooled: Spooled, fmt: Any, prefixes: dict[str, str] | None = None) -> Spooled:
    if fmt == RF.N_TRIPLES:
        return spooled
    spooled.file.seek(0)
    out = tempfile.SpooledTemporaryFile(SPOOL_IN_MEMORY)
    _write_triples(spooled.file, out, fmt, prefixes)
    spooled.file.close()
    return Spooled(out, spooled.rows, spooled.capped)


def small_body(spooled: Spooled, fmt: Any, prefixes: dict[str, str] | None = None) -> bytes | None:
    """The whole answer in ``fmt`` as bytes when the spool is small (at most CHUNK bytes of TSV
    or N-Triples), else None and the spool is left as it is, for :func:`convert_solutions` or
    :func:`convert_triples` and streaming.

    A small answer is converted from bytes to bytes by pyoxigraph in one call: no second spool,
    and no Python ``read``/``write`` calls in between. Any format is at most a few times larger
    than TSV or N-Triples, so the body stays small (a caller still streams it when it is over
    CHUNK, as it would a converted spool).
    """
    file = spooled.file
    if file.tell() > CHUNK:  # the spool's position is at its end
        return None
    file.seek(0)
    data = file.read()
    file.close()
    if isinstance(fmt, ox.QueryResultsFormat):
        return data if fmt == RQ.TSV else ox.parse_query_results(data, RQ.TSV).serialize(format=fmt)
    if fmt == RF.N_TRIPLES:
        return data
    return _write_triples(data, None, fmt, prefixes)


def _write_triples(source: Any, out: Any, fmt: Any, prefixes: dict[str, str] | None) -> bytes | None:
    triples = (quad.triple for quad in ox.parse(source, RF.N_TRIPLES))
    if fmt.supports_datasets:
        triples = (ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
    if prefixes and fmt in (RF.TURTLE, RF.TRIG, RF.RDF_XML):
        return ox.serialize(triples, out, fmt, prefixes=prefixes)
    return ox.serialize(triples, out, fmt)


def add_using_clauses(update: str, using: list[str], using_named: list[str]) -> str:
    """Apply the Protocol's ``using-graph-uri`` / ``using-named-graph-uri`` to an update.

    They act as ``USING`` / ``USING NAMED`` on every DELETE/INSERT ... WHERE operation, so they
    are written in just before each such top-level ``WHERE``. An update that names its own
    dataset (``USING`` or ``WITH``) conflicts with them, and the Protocol says to refuse it.
    """
    for name, iris in (("using-graph-uri", using), ("using-named-graph-uri", using_named)):
        for iri in iris:
            try:
                ox.NamedNode(iri)
            except ValueError:
                raise ProtocolError(400, f"{name}: {iri!r} is not an absolute IRI") from None
    clause = " ".join([f"USING <{iri}>" for iri in using] +
                      [f"USING NAMED <{iri}>" for iri in using_named])
    inserts: list[int] = []
    previous = ""
    for word, depth, start, _end in keywords(update):
        if depth == 0 and word in ("USING", "WITH"):
            raise ProtocolError(400, f"the update has its own {word} clause and the request also "
                                     "gives using-graph-uri/using-named-graph-uri; use one or "
                                     "the other")
        if depth == 0 and word == "WHERE" and previous != "DELETE":
            inserts.append(start)
        if depth == 0:
            previous = word
    for position in reversed(inserts):
        update = update[:position] + clause + " " + update[position:]
    return update


# -- request bodies of unknown length --------------------------------------------------------


class BodyOfUnknownLength:
    """WSGI middleware: a body sent without a Content-Length (chunked) is read here, up to one
    byte more than ``MAX_CONTENT_LENGTH``, and given to the app as a body with a length.

    werkzeug caps such a body by reading at most the limit and stopping there, silently: an
    update or a Graph Store upload over the cap would be cut, and its first part written. Read
    whole first, a body over the limit carries a Content-Length over it, so werkzeug refuses it
    with 413 when the app reads it, exactly as a body with a Content-Length, under every server
    (werkzeug's, gunicorn's uvicorn workers through a2wsgi, granian). Nothing of it is used.
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
