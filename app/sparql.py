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
"""

from __future__ import annotations

import functools
import hashlib
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

import pyoxigraph as ox
from comgraph.app import get_store
from comgraph.app.ops import SECURITY_HEADERS, cors_headers, note_query, record_request
from comgraph.app.protocol import (
    BOOLEAN_FORMATS,
    CHUNK,
    GRAPH_FORMATS,
    SOLUTION_FORMATS,
    ProtocolError,
    Spooled,
    add_using_clauses,
    content_type,
    convert_solutions,
    convert_triples,
    is_solutions,
    memo_short_texts,
    negotiate,
    query_form,
    require_write_access,
    small_body,
    spool_solutions,
    spool_triples,
)
from comgraph.app.query_guard import check_request
from flask import Blueprint, Response, current_app, g, redirect, render_template, request, url_for
from werkzeug.datastructures import CombinedMultiDict, MultiDict

from comgraph.namespaces import PREFIXES
from comgraph.store import QueryError, QueryMemoryExceeded, QueryTimeout, StoreError, StoreUnavailable

bp = Blueprint("sparql", __name__)

_FORM = "application/x-www-form-urlencoded"
_QUERY = "application/sparql-query"
_UPDATE = "application/sparql-update"


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response:
    operation, text, params = _read_operation()
    if operation is None:
        return _service_description()
    if operation == "update":
        return _run_update(text, params)
    return _run_query(text, params)


# -- reading the request -----------------------------------------------------------------


def _read_operation() -> tuple[str | None, str, MultiDict]:
    """Which operation (query, update or none), its text, and the protocol parameters."""
    if request.method == "GET":
        params = request.args
        if "update" in params:
            raise ProtocolError(400, "an update must be sent with POST, never GET")
        return _one_operation(params) + (params,)
    mimetype = request.mimetype
    if mimetype == _FORM:
        params = CombinedMultiDict([request.args, request.form])
        operation, text = _one_operation(params)
        if operation is None:
            raise ProtocolError(400, "the form has neither a 'query' nor an 'update' field")
        return operation, text, params
    if mimetype in (_QUERY, _UPDATE):
        charset = request.mimetype_params.get("charset", "utf-8").lower()
        if charset not in ("utf-8", "utf8"):
            raise ProtocolError(415, f"{mimetype} must be UTF-8 (got charset={charset})")
        if "query" in request.args or "update" in request.args:
            raise ProtocolError(400, f"a direct {mimetype} POST carries the operation in its body; "
                                     "'query'/'update' URL parameters are not allowed with it")
        try:
            text = request.get_data().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ProtocolError(400, f"the body is not valid UTF-8 (byte {exc.start})") from None
        return ("query" if mimetype == _QUERY else "update"), text, request.args
    if not mimetype:
        raise ProtocolError(415, "a POST needs a Content-Type: application/sparql-query, "
                                 "application/sparql-update or application/x-www-form-urlencoded")
    raise ProtocolError(415, f"Content-Type {mimetype} is not one of application/sparql-query, "
                             "application/sparql-update or application/x-www-form-urlencoded")


def _one_operation(params: MultiDict) -> tuple[str | None, str]:
    queries, updates = params.getlist("query"), params.getlist("update")
    if queries and updates:
        raise ProtocolError(400, "a request carries either 'query' or 'update', not both")
    for name, values in (("query", queries), ("update", updates)):
        if len(values) > 1:
            raise ProtocolError(400, f"the request has {len(values)} '{name}' parameters; "
                                     "send exactly one")
        if values:
            return name, values[0]
    return None, ""


def _iris(params: MultiDict, name: str) -> list[ox.NamedNode]:
    nodes = []
    for value in params.getlist(name):
        try:
            nodes.append(ox.NamedNode(value))
        except ValueError:
            raise ProtocolError(400, f"{name}: {value!r} is not an absolute IRI") from None
    return nodes


def _time_limit(params: MultiDict) -> float:
    return time_limit(params.get("timeout"), float(current_app.config["SPARQL_TIMEOUT"]))


def time_limit(asked: str | None, ceiling: float) -> float:
    """The query's time limit: the server's ceiling, or less if the client asks for less."""
    if asked is None:
        return ceiling
    try:
        seconds = float(asked)
    except ValueError:
        raise ProtocolError(400, f"timeout: {asked!r} is not a number of seconds") from None
    if not seconds > 0:
        raise ProtocolError(400, "timeout: must be more than 0 seconds")
    return min(seconds, ceiling)


# -- queries -----------------------------------------------------------------------------


def _candidates(form: str) -> tuple[list[tuple[str, Any]], str]:
    if form == "ASK":
        return BOOLEAN_FORMATS, "boolean (ASK)"
    if form in ("CONSTRUCT", "DESCRIBE"):
        return GRAPH_FORMATS, f"graph ({form})"
    return SOLUTION_FORMATS, "table (SELECT)"


@dataclass
class Answer:
    """An evaluated query, ready to be written: what it is, in which format, and its body."""

    form: str  # ASK, SELECT or CONSTRUCT
    media: str
    fmt: Any
    result: Any
    spooled: Spooled | None  # None for ASK
    headers: dict[str, str]
    rows: int

    def body(self) -> tuple[bytes | None, Iterator[bytes] | None]:
        """The body in the negotiated format (not HTML, which the Flask view renders): whole
        when it is small (so it goes out with a Content-Length, in one write), else streamed
        from the spool in chunks."""
        if self.spooled is None:
            return self.result.serialize(format=self.fmt), None
        whole = small_body(self.spooled, self.fmt, PREFIXES)
        if whole is not None:
            if len(whole) > CHUNK:  # small as TSV, not in the asked format: stream it as well
                return None, (whole[i:i + CHUNK] for i in range(0, len(whole), CHUNK))
            return whole, None
        if self.form == "SELECT":
            converted = convert_solutions(self.spooled, self.fmt)
        else:
            converted = convert_triples(self.spooled, self.fmt, PREFIXES)
        if converted.file.tell() <= CHUNK:  # the spool's position is at its end
            converted.file.seek(0)
            data = converted.file.read()
            converted.file.close()
            return data, None
        return None, converted.chunks()


class OverBudget(Exception):
    """A query given a ``budget`` shorter than its time limit ran past the budget: nothing was
    answered or counted, and it may be run again with its whole limit."""


def execute_query(app: Any, store: Any, text: str, *, limit: float, dataset: dict[str, Any],
                  base_iri: str, choose: Callable[[list[tuple[str, Any]], str], tuple[str, Any]],
                  budget: float | None = None) -> Answer:
    """Check, evaluate and spool one query: the part of a query request that does not depend
    on how the request was read (Flask's view, or the fast path below). Raises ProtocolError,
    or OverBudget when a ``budget`` (seconds) shorter than ``limit`` runs out first."""
    config = app.config
    if budget is not None and budget < limit:
        limit, budgeted = budget, True
    else:
        budgeted = False
    candidates, kind = _candidates(query_form(text))
    media, fmt = choose(candidates, kind)
    deadline = time.monotonic() + limit  # the check's parse is inside the time limit too
    check_request(text, update=False, known_graphs=lambda: {x.value for x in store.graphs()},
                  deadline=deadline, base_iri=base_iri,
                  allow_service=config["SPARQL_ALLOW_SERVICE"],
                  allow_remote_from=config["SPARQL_ALLOW_REMOTE_FROM"])
    cap = config["SPARQL_MAX_ROWS"]
    m = app.extensions["comgraph.metrics"]
    with note_query(m) as outcome:
        try:
            left = deadline - time.monotonic()
            if left <= 0:
                raise QueryTimeout("the query's time limit ran out while it was checked")
            result = store.query(text, timeout=left, base_iri=base_iri, **dataset)
            if isinstance(result, ox.QueryBoolean):
                spooled = None
            elif is_solutions(result):
                spooled = spool_solutions(result, cap, deadline)
            else:
                spooled = spool_triples(result, cap, deadline)
        except QueryTimeout:
            if budgeted:
                raise OverBudget() from None
            outcome.timed_out = True
            raise ProtocolError(503, f"the query was stopped after its time limit of {limit:g} s "
                                     f"(the server allows at most {config['SPARQL_TIMEOUT']:g} s)",
                                {"Retry-After": "1"}) from None
        except QueryMemoryExceeded as exc:  # the server's memory cap: like its time limit
            raise ProtocolError(503, str(exc)) from None
        except QueryError as exc:
            raise ProtocolError(400, f"malformed query: {exc}") from None
        except StoreUnavailable as exc:
            raise ProtocolError(503, str(exc)) from None
        except StoreError as exc:
            raise ProtocolError(500, str(exc)) from None

    actual = "ASK" if spooled is None else ("SELECT" if is_solutions(result) else "CONSTRUCT")
    if _candidates(actual)[0] is not candidates:  # the quick look at the text guessed wrong
        candidates, kind = _candidates(actual)
        try:
            media, fmt = choose(candidates, kind)
        except ProtocolError:
            if spooled is not None:
                spooled.file.close()
            raise
    headers = {"Vary": "Accept"}
    if spooled is None:
        return Answer(actual, media, fmt, result, None, headers, 1)
    headers["X-Comgraph-Rows"] = str(spooled.rows)
    if spooled.capped:
        headers["X-Comgraph-Row-Cap"] = str(cap)
        headers["X-Comgraph-Truncated"] = "true"
        m.truncated.inc()
    return Answer(actual, media, fmt, result, spooled, headers, spooled.rows)


def _run_query(text: str, params: MultiDict) -> Response:
    store = get_store()
    g.query_hash = query_hash(text)
    g.query_text = text
    dataset: dict[str, Any] = {}
    if "default-graph-uri" in params or "named-graph-uri" in params:
        # A dataset in the request replaces the query's own FROM / FROM NAMED entirely.
        dataset = {"default_graph": _iris(params, "default-graph-uri"),
                   "named_graphs": _iris(params, "named-graph-uri")}
    answer = execute_query(current_app, store, text, limit=_time_limit(params), dataset=dataset,
                           base_iri=request.base_url, choose=negotiate)
    g.rows = answer.rows
    if answer.fmt == "html":
        if answer.spooled is None:
            return Response(render_template("sparql/results.html", boolean=bool(answer.result),
                                            query=text),
                            content_type="text/html; charset=utf-8", headers=answer.headers)
        return _html_table(answer.spooled, text, current_app.config["SPARQL_MAX_ROWS"])
    whole, chunks = answer.body()
    if whole is not None:
        return Response(whole, content_type=content_type(answer.media), headers=answer.headers)
    return Response(chunks, content_type=content_type(answer.media), headers=answer.headers,
                    direct_passthrough=True)


@memo_short_texts
def query_hash(text: str) -> str:
    """The access log's short name for a query: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _html_table(spooled: Any, text: str, cap: int) -> Response:
    spooled.file.seek(0)
    solutions = ox.parse_query_results(spooled.file, ox.QueryResultsFormat.TSV)
    variables = [v.value for v in solutions.variables]
    # Bounded by the row cap: the HTML view is for people and never sees more than that.
    rows = [[solution[v] for v in variables] for solution in solutions]
    spooled.file.close()
    return Response(render_template("sparql/results.html", variables=variables, rows=rows,
                                    capped=spooled.capped, cap=cap, query=text),
                    content_type="text/html; charset=utf-8",
                    headers={"X-Comgraph-Rows": str(spooled.rows), "Vary": "Accept",
                             **({"X-Comgraph-Row-Cap": str(cap), "X-Comgraph-Truncated": "true"}
                                if spooled.capped else {})})


# -- the fast path: the common query request without Flask's machinery ----------------------
#
# Most requests to a SPARQL endpoint are a GET with one ``query`` (and maybe a ``timeout``) and
# one plain Accept type. Flask's request context, routing, Accept parsing, response object and
# hooks cost several times what a small lookup costs to evaluate (profiled: about 0.6 ms of
# 0.9 ms per request), so such a request is answered here, in front of Flask, by the same
# execute_query, with the same metrics, access and slow-query log lines and CORS headers as
# the Flask hooks write. Anything else (other parameters, POST, HTML, q-values, several
# types) goes to Flask unchanged. ``plain_query`` and ``answer_plain_query`` do not depend on
# the server interface: ``FastQueries`` below puts them in front of Flask for WSGI servers,
# and ``comgraph.app.asgi`` for ASGI ones (gunicorn's uvicorn workers).

#: Accept values the fast path takes (lower case): a missing header and */* mean the first
#: candidate, as in negotiate(); HTML goes to Flask, which renders it.
_FAST_ACCEPT = {"", "*/*"} | {media for media, fmt in SOLUTION_FORMATS if fmt != "html"} \
    | {media for media, fmt in GRAPH_FORMATS} | {media for media, fmt in BOOLEAN_FORMATS
                                                  if fmt != "html"}
_PLAIN_HOST = re.compile(r"[A-Za-z0-9.\-]+(?::[0-9]+)?|\[[0-9A-Fa-f:.]+\](?::[0-9]+)?")


@memo_short_texts
def _fast_parameters(query_string: str) -> tuple[str, str | None] | None:
    """``query`` and ``timeout`` from a query string that has one ``query`` and nothing else
    but a ``timeout``, else None (Flask answers). Memoised: clients repeat their queries, and
    decoding the query string was a tenth of a cheap query's cost."""
    text = asked = None
    for name, value in parse_qsl(query_string, keep_blank_values=True):
        if name == "query" and text is None:
            text = value
        elif name == "timeout" and asked is None:
            asked = value
        else:
            return None
    return None if text is None else (text, asked)


@functools.lru_cache(maxsize=64)
def _plain_host(host: str) -> bool:
    return _PLAIN_HOST.fullmatch(host) is not None


#: "200 OK" and the like, by status.
_STATUS_LINES: dict[int, str] = {}


def _status_line(status: int) -> str:
    line = _STATUS_LINES.get(status)
    if line is None:
        line = _STATUS_LINES[status] = f"{status} {HTTPStatus(status).phrase}"
    return line


@functools.lru_cache(maxsize=64)
def _fast_choose(accept: str, shown: str | None) -> Callable[[list[tuple[str, Any]], str],
                                                              tuple[str, Any]]:
    def choose(candidates: list[tuple[str, Any]], kind: str) -> tuple[str, Any]:
        if accept in ("", "*/*"):
            return candidates[0]
        for media, fmt in candidates:
            if media == accept:
                return media, fmt
        raise ProtocolError(406, f"no format the client accepts ({shown}) fits a {kind} answer; "
                                 f"this service offers "
                                 f"{', '.join(dict.fromkeys(m for m, _ in candidates))}")
    return choose


@dataclass
class PlainAnswer:
    """The fast path's answer, for any server interface: a status, headers, and a body that
    is either whole (sent with a Content-Length) or chunks to stream (closed when done)."""

    status: int
    headers: list[tuple[str, str]]
    whole: bytes | None
    chunks: Iterator[bytes] | None


def plain_query(query_string: str, accept_header: str | None, host: str,
                ) -> tuple[str, str | None, str] | None:
    """``(query, timeout, accept)`` when a GET on ``/sparql`` with this query string, Accept
    and Host headers is one the fast path answers, else None (Flask answers)."""
    parameters = _fast_parameters(query_string)
    accept = (accept_header or "").strip().lower()
    if parameters is None or accept not in _FAST_ACCEPT or not _plain_host(host):
        return None
    return parameters[0], parameters[1], accept


def answer_plain_query(app: Any, taken: tuple[str, str | None, str], *, accept_header: str | None,
                       host: str, scheme: str, origin: str | None, remote: str | None,
                       budget: float | None = None, started: float | None = None) -> PlainAnswer:
    """Answer what ``plain_query`` took, with the same metrics, access-log and slow-log lines
    and CORS headers as Flask's view. Blocking: it evaluates the query. With a ``budget``,
    raises OverBudget (having answered and logged nothing) when the query needs longer.
    ``started`` is when the request began (a ``time.perf_counter()``), for its duration."""
    if started is None:
        started = time.perf_counter()
    config = app.config
    text, asked, accept = taken
    rows: int | None = None
    try:
        answer = execute_query(
            app, config["STORE"], text, dataset={},
            limit=time_limit(asked, float(config["SPARQL_TIMEOUT"])),
            base_iri=f"{scheme}://{host}/sparql",
            choose=_fast_choose(accept, accept_header), budget=budget)
        rows = answer.rows
        whole, chunks = answer.body()
        status = 200
        headers = [("Content-Type", content_type(answer.media)), *answer.headers.items()]
    except ProtocolError as error:
        status, chunks = error.status, None
        whole = f"{error.message}\n".encode()
        headers = [("Content-Type", "text/plain; charset=utf-8"), *error.headers.items()]
    for name, value in cors_headers(config.get("CORS_ORIGINS") or [], origin):
        if name == "Vary":
            headers = [(n, f"{v}, {value}" if n == "Vary" else v) for n, v in headers]
            if not any(n == "Vary" for n, _ in headers):
                headers.append((name, value))
        else:
            headers.append((name, value))
    headers += SECURITY_HEADERS
    if whole is not None:
        headers.append(("Content-Length", str(len(whole))))
    record_request(app, method="GET", path="/sparql", endpoint="sparql.endpoint",
                   status=status, elapsed=time.perf_counter() - started,
                   query_hash=query_hash(text), rows=rows, remote=remote, query=text)
    return PlainAnswer(status, headers, whole, chunks)


class FastQueries:
    """WSGI middleware in front of the Flask app: answers plain GET queries on ``/sparql``."""

    def __init__(self, app: Any, inner: Callable[..., Any]):
        self.app = app
        self.inner = inner

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if (environ.get("PATH_INFO") != "/sparql" or environ.get("REQUEST_METHOD") != "GET"
                or environ.get("SCRIPT_NAME")):
            return self.inner(environ, start_response)
        shown, host = environ.get("HTTP_ACCEPT"), environ.get("HTTP_HOST") or ""
        taken = plain_query(environ.get("QUERY_STRING", ""), shown, host)
        if taken is None:
            return self.inner(environ, start_response)
        answer = answer_plain_query(
            self.app, taken, accept_header=shown, host=host,
            scheme=environ.get("wsgi.url_scheme", "http"), origin=environ.get("HTTP_ORIGIN"),
            remote=environ.get("REMOTE_ADDR"))
        start_response(_status_line(answer.status), answer.headers)
        return [answer.whole] if answer.whole is not None else answer.chunks


@bp.record_once
def _install_fast_path(state: Any) -> None:
    state.app.wsgi_app = FastQueries(state.app, state.app.wsgi_app)


# -- updates -----------------------------------------------------------------------------


def _run_update(text: str, params: MultiDict) -> Response:
    require_write_access()
    store = get_store()
    config = current_app.config
    g.query_hash = query_hash(text)
    g.query_text = text
    using, using_named = params.getlist("using-graph-uri"), params.getlist("using-named-graph-uri")
    if using or using_named:
        text = add_using_clauses(text, using, using_named)
    # What is checked is what is executed: the text with the USING clauses written in.
    limit = _time_limit(params)
    deadline = time.monotonic() + limit
    check_request(text, update=True, known_graphs=lambda: set(), deadline=deadline,
                  base_iri=request.base_url, allow_service=config["SPARQL_ALLOW_SERVICE"],
                  allow_load=config["SPARQL_ALLOW_LOAD"])
    try:
        store.update(text, base_iri=request.base_url,
                     timeout=max(deadline - time.monotonic(), 0.001))
    except QueryError as exc:
        raise ProtocolError(400, f"malformed update: {exc}") from None
    except QueryTimeout as exc:
        raise ProtocolError(503, str(exc)) from None
    except StoreError as exc:
        raise ProtocolError(500, str(exc)) from None
    finally:
        store_written()
    return Response(status=204)


# -- the service description -------------------------------------------------------------

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
FORMATS_NS = "http://www.w3.org/ns/formats/"
_FORMAT_IRIS = ["SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
                "SPARQL_Results_TSV", "Turtle", "N-Triples", "RDF_XML", "JSON-LD", "TriG", "N-Quads"]


def _service_description() -> Response:
    wants_html = request.accept_mimetypes.best_match(
        ["text/html", *[m for m, _ in GRAPH_FORMATS]]) == "text/html" and "format" not in request.args
    if wants_html:
        return redirect(url_for("editor.page"), code=303)
    media, fmt = negotiate(GRAPH_FORMATS, "service description")
    body = ox.serialize(_describe_service(), format=fmt, prefixes={
        "sd": SD, "void": VOID, "formats": FORMATS_NS,
    } if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML) else None)
    return Response(body, content_type=content_type(media), headers={"Vary": "Accept"})


def _describe_service() -> list[ox.Triple]:
    def n(iri: str) -> ox.NamedNode:
        return ox.NamedNode(iri)

    def count(value: int) -> ox.Literal:
        return ox.Literal(str(value), datatype=n("http://www.w3.org/2001/XMLSchema#integer"))

    service = n(request.base_url)
    config = current_app.config
    triples = [
        ox.Triple(service, RDF_TYPE, n(SD + "Service")),
        ox.Triple(service, n(SD + "endpoint"), service),
        ox.Triple(service, n(SD + "supportedLanguage"), n(SD + "SPARQL11Query")),
        ox.Triple(service, n(SD + "feature"), n(SD + "EmptyGraphs")),
    ]
    if config.get("SPARQL_UPDATE_TOKEN") and not config.get("SPARQL_READ_ONLY"):
        triples.append(ox.Triple(service, n(SD + "supportedLanguage"), n(SD + "SPARQL11Update")))
    triples += [ox.Triple(service, n(SD + "resultFormat"), n(FORMATS_NS + f)) for f in _FORMAT_IRIS]
    dataset = ox.BlankNode("dataset")
    default = ox.BlankNode("default")
    triples += [
        ox.Triple(service, n(SD + "defaultDataset"), dataset),
        ox.Triple(dataset, RDF_TYPE, n(SD + "Dataset")),
        ox.Triple(dataset, RDF_TYPE, n(VOID + "Dataset")),
        ox.Triple(dataset, n(SD + "defaultGraph"), default),
        ox.Triple(default, RDF_TYPE, n(SD + "Graph")),
    ]
    summary = _void_summary()
    triples += [
        ox.Triple(default, n(VOID + "triples"), count(summary["default"])),
        ox.Triple(dataset, n(VOID + "triples"), count(summary["total"])),
        ox.Triple(dataset, n(VOID + "classes"), count(summary["classes"])),
        ox.Triple(dataset, n(VOID + "properties"), count(summary["properties"])),
        ox.Triple(dataset, n(VOID + "distinctSubjects"), count(summary["subjects"])),
    ]
    for index, (graph, size) in enumerate(summary["graphs"]):
        named, graph_node = ox.BlankNode(f"named{index}"), ox.BlankNode(f"graph{index}")
        triples += [
            ox.Triple(dataset, n(SD + "namedGraph"), named),
            ox.Triple(named, RDF_TYPE, n(SD + "NamedGraph")),
            ox.Triple(named, n(SD + "name"), n(graph)),
            ox.Triple(named, n(SD + "graph"), graph_node),
            ox.Triple(graph_node, RDF_TYPE, n(SD + "Graph")),
            ox.Triple(graph_node, n(VOID + "triples"), count(size)),
        ]
    return triples


class _SummaryCache:
    """The VoID counts of one store, computed once per store version.

    Anyone may ask for the service description without a token, and counting a big store is
    slow (8.8 s at 1M triples), so the counts are kept until the store changes: the embedded
    store says so through ``Store.version()``. A remote engine cannot (others may write to it):
    its counts are kept for ``SPARQL_DESCRIPTION_TTL`` seconds, and dropped when this service
    writes to it. One request counts at a time; the others wait for its answer.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[int, int | None, int] | None = None
        self._value: dict[str, Any] | None = None
        self._at = 0.0
        self._writes = 0

    def get(self, store: Any, ttl: float, compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        with self._lock:
            key = (id(store), store.version(), self._writes)
            fresh = (self._value is not None and key == self._key
                     and (key[1] is not None or time.monotonic() - self._at < ttl))
            if not fresh:
                self._value, self._key, self._at = compute(), key, time.monotonic()
            return self._value

    def forget(self) -> None:
        """This service wrote to the store (which may not say so through its version)."""
        self._writes += 1


def summary_cache(app: Any) -> _SummaryCache:
    return app.extensions.setdefault("comgraph.void_summary", _SummaryCache())


def store_written() -> None:
    """Call after a write through this app: the service description counts again."""
    summary_cache(current_app).forget()


def _void_summary() -> dict[str, Any]:
    config = current_app.config
    return summary_cache(current_app).get(get_store(), float(config["SPARQL_DESCRIPTION_TTL"]),
                                          _count_void)


def _count_void() -> dict[str, Any]:
    store = get_store()
    limit = float(current_app.config["SPARQL_TIMEOUT"])
    everything = "{ ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } }"

    def number(sparql: str) -> int:
        rows = store.select(sparql, timeout=limit)
        return int(rows[0]["n"].value) if rows and "n" in rows[0] else 0

    graphs = [(row["g"].value, int(row["n"].value)) for row in store.select(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
        timeout=limit) if isinstance(row.get("g"), ox.NamedNode)]
    return {
        "default": number("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"),
        "total": number(f"SELECT (COUNT(*) AS ?n) WHERE {{ {everything} }}"),
        "classes": number("SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { { ?s a ?c } UNION "
                          "{ GRAPH ?g { ?s a ?c } } }"),
        "properties": number(f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ {everything} }}"),
        "subjects": number(f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {everything} }}"),
        "graphs": graphs,
    }
