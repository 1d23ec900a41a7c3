"""The one pipeline that answers a SPARQL Protocol request, whichever server read it.

read the operation -> check it (:mod:`comgraph.app.query_guard`) -> execute -> write the answer

:func:`answer` takes a :class:`SparqlRequest` (plain data: the method, the parameters, the
headers it needs and a way to read the body) and returns a :class:`Reply` (a status, headers and
a body that is whole or chunks to stream). It knows nothing of Flask, WSGI or ASGI: the
server adapters only translate to and from it, Flask's view for every request that reaches the
Flask app (``comgraph.app.sparql``) and the ASGI app for GET requests under gunicorn's uvicorn
workers (``comgraph.app.asgi``). Both then leave the same traces (CORS and security headers,
metrics, access and slow-query logs: :func:`comgraph.app.ops.finish_headers` and
:func:`comgraph.app.ops.record_request`). Errors are answered through the one table,
:mod:`comgraph.app.errors`.

An HTML answer for people is the one thing the core does not write: it returns the template
and its values (:attr:`Reply.page`), and Flask's view renders them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
from comgraph.app import errors
from comgraph.app.ops import note_query
from comgraph.app.protocol import (
    BOOLEAN_FORMATS,
    GRAPH_FORMATS,
    SOLUTION_FORMATS,
    ProtocolError,
    check_write_access,
    choose_format,
    content_type,
    format_values,
)
from comgraph.app.query_guard import check_request
from comgraph.app.service_description import service_description, store_written
from comgraph.app.spool import (
    CHUNK,
    Spooled,
    convert_solutions,
    convert_triples,
    is_solutions,
    small_body,
    spool_solutions,
    spool_triples,
)
from werkzeug.datastructures import MultiDict

from comgraph.namespaces import PREFIXES
from comgraph.sparql_text import UsingConflict, add_using_clauses, query_form
from comgraph.store import QueryTimeout, StoreError

FORM = "application/x-www-form-urlencoded"
QUERY = "application/sparql-query"
UPDATE = "application/sparql-update"


@dataclass
class SparqlRequest:
    """What the pipeline reads of a request to ``/sparql``."""

    method: str
    args: MultiDict  # the URL's query parameters
    base_url: str  # scheme://host/.../sparql: the service's IRI and the queries' base IRI
    accept: str | None = None
    mimetype: str = ""  # the body's media type, without parameters
    charset: str | None = None
    authorization: str = ""
    form: Callable[[], MultiDict] = MultiDict  # the form fields of a form POST
    body: Callable[[], bytes] = bytes  # the body of a direct POST
    editor_url: str = "/editor"


@dataclass
class Reply:
    """The pipeline's answer: a status, headers, and a body that is whole (sent with a
    Content-Length) or chunks to stream (closed when done), or an HTML page to render. ``query``
    and ``rows`` are for the access log."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    whole: bytes | None = b""
    chunks: Iterator[bytes] | None = None
    page: tuple[str, dict[str, Any]] | None = None
    query: str | None = None
    rows: int | None = None


class OverBudget(Exception):
    """A query given a ``budget`` shorter than its time limit ran past the budget: nothing was
    answered or counted, and it may be run again with its whole limit."""


def answer(app: Any, request: SparqlRequest, *, budget: float | None = None) -> Reply:
    """Answer one request to ``/sparql``. Blocking: it evaluates the query. With a ``budget``
    (seconds), raises OverBudget (having answered nothing) when a query needs longer."""
    text: str | None = None
    try:
        operation, text, params = read_operation(request)
        if operation is None:
            return _describe(app, request, params)
        if operation == "update":
            return _update(app, request, text, params)
        return _query(app, request, text, params, budget)
    except (ProtocolError, StoreError) as error:
        status, message, headers = errors.describe(error)
        return Reply(status, [("Content-Type", "text/plain; charset=utf-8"), *headers.items()],
                     f"{message}\n".encode(), query=text)


# -- reading the request ---------------------------------------------------------------------


def read_operation(request: SparqlRequest) -> tuple[str | None, str, MultiDict]:
    """Which operation (query, update or none), its text, and the protocol parameters."""
    if request.method in ("GET", "HEAD"):
        params = request.args
        if "update" in params:
            raise ProtocolError(400, "an update must be sent with POST, never GET")
        return (*_one_operation(params), params)
    mimetype = request.mimetype
    if mimetype == FORM:
        params = MultiDict(request.args)
        for name, value in request.form().items(multi=True):
            params.add(name, value)
        operation, text = _one_operation(params)
        if operation is None:
            raise ProtocolError(400, "the form has neither a 'query' nor an 'update' field")
        return operation, text, params
    if mimetype in (QUERY, UPDATE):
        charset = (request.charset or "utf-8").lower()
        if charset not in ("utf-8", "utf8"):
            raise ProtocolError(415, f"{mimetype} must be UTF-8 (got charset={charset})")
        if "query" in request.args or "update" in request.args:
            raise ProtocolError(400, f"a direct {mimetype} POST carries the operation in its body; "
                                     "'query'/'update' URL parameters are not allowed with it")
        try:
            text = request.body().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ProtocolError(400, f"the body is not valid UTF-8 (byte {exc.start})") from None
        return ("query" if mimetype == QUERY else "update"), text, request.args
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


# -- the service description -----------------------------------------------------------------


#: What a GET with no query may be answered with: a browser (HTML first) gets the editor.
_PAGE_OR_DESCRIPTION: list[tuple[str, Any]] = [("text/html", "html"), *GRAPH_FORMATS]


def _describe(app: Any, request: SparqlRequest, params: MultiDict) -> Reply:
    if "format" not in params:
        accept = choose_format(_PAGE_OR_DESCRIPTION, "service description", None,
                               request.accept) if request.accept else None
        if accept is not None and accept[1] == "html":  # a browser: the query editor
            return Reply(303, [("Location", request.editor_url)])
    media, fmt = choose_format(GRAPH_FORMATS, "service description", format_values(params),
                               request.accept)
    return Reply(200, [("Content-Type", content_type(media)), ("Vary", "Accept")],
                 service_description(app, request.base_url, fmt))


# -- queries ---------------------------------------------------------------------------------


def _candidates(form: str) -> tuple[list[tuple[str, Any]], str]:
    if form == "ASK":
        return BOOLEAN_FORMATS, "boolean (ASK)"
    if form in ("CONSTRUCT", "DESCRIBE"):
        return GRAPH_FORMATS, f"graph ({form})"
    return SOLUTION_FORMATS, "table (SELECT)"


def _query(app: Any, request: SparqlRequest, text: str, params: MultiDict,
           budget: float | None) -> Reply:
    config = app.config
    store = config["STORE"]
    limit = time_limit(params.get("timeout"), float(config["SPARQL_TIMEOUT"]))
    dataset: dict[str, Any] = {}
    if "default-graph-uri" in params or "named-graph-uri" in params:
        # A dataset in the request replaces the query's own FROM / FROM NAMED entirely.
        dataset = {"default_graph": _iris(params, "default-graph-uri"),
                   "named_graphs": _iris(params, "named-graph-uri")}
    if budget is not None and budget < limit:
        limit, budgeted = budget, True
    else:
        budgeted = False
    wanted = format_values(params)

    def choose(candidates: list[tuple[str, Any]], kind: str) -> tuple[str, Any]:
        return choose_format(candidates, kind, wanted, request.accept)

    candidates, kind = _candidates(query_form(text))
    media, fmt = choose(candidates, kind)
    deadline = time.monotonic() + limit  # the check's parse is inside the time limit too
    check_request(text, update=False, known_graphs=lambda: {x.value for x in store.graphs()},
                  deadline=deadline, base_iri=request.base_url,
                  allow_service=config["SPARQL_ALLOW_SERVICE"],
                  allow_remote_from=config["SPARQL_ALLOW_REMOTE_FROM"])
    cap = config["SPARQL_MAX_ROWS"]
    m = app.extensions["comgraph.metrics"]
    with note_query(m) as outcome:
        try:
            left = deadline - time.monotonic()
            if left <= 0:
                raise QueryTimeout("the query's time limit ran out while it was checked")
            result = store.query(text, timeout=left, base_iri=request.base_url, **dataset)
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
            raise QueryTimeout(f"the query was stopped after its time limit of {limit:g} s "
                               f"(the server allows at most {config['SPARQL_TIMEOUT']:g} s)") from None

    actual = "ASK" if spooled is None else ("SELECT" if is_solutions(result) else "CONSTRUCT")
    if _candidates(actual)[0] is not candidates:  # the quick look at the text guessed wrong
        try:
            media, fmt = choose(*_candidates(actual))
        except ProtocolError:
            if spooled is not None:
                spooled.file.close()
            raise
    rows = 1 if spooled is None else spooled.rows
    headers = [("Vary", "Accept")]
    if spooled is not None:
        headers.append(("X-Comgraph-Rows", str(spooled.rows)))
        if spooled.capped:
            headers += [("X-Comgraph-Row-Cap", str(cap)), ("X-Comgraph-Truncated", "true")]
            m.truncated.inc()
    if fmt == "html":
        return Reply(200, headers, None, page=_page(result, spooled, text, cap), query=text,
                     rows=rows)
    whole, chunks = _body(actual, fmt, result, spooled)
    return Reply(200, [("Content-Type", content_type(media)), *headers], whole, chunks,
                 query=text, rows=rows)


def _body(form: str, fmt: Any, result: Any, spooled: Spooled | None,
          ) -> tuple[bytes | None, Iterator[bytes] | None]:
    """The body in the negotiated format: whole when it is small (so it goes out with a
    Content-Length, in one write), else streamed from the spool in chunks."""
    if spooled is None:
        return result.serialize(format=fmt), None
    whole = small_body(spooled, fmt, PREFIXES)
    if whole is not None:
        if len(whole) > CHUNK:  # small as TSV, not in the asked format: stream it as well
            return None, (whole[i:i + CHUNK] for i in range(0, len(whole), CHUNK))
        return whole, None
    if form == "SELECT":
        converted = convert_solutions(spooled, fmt)
    else:
        converted = convert_triples(spooled, fmt, PREFIXES)
    if converted.file.tell() <= CHUNK:  # the spool's position is at its end
        converted.file.seek(0)
        data = converted.file.read()
        converted.file.close()
        return data, None
    return None, converted.chunks()


def _page(result: Any, spooled: Spooled | None, text: str, cap: int) -> tuple[str, dict[str, Any]]:
    """The HTML results page's template and values (bounded by the row cap: the page is for
    people, and never sees more than that)."""
    if spooled is None:
        return "sparql/results.html", {"boolean": bool(result), "query": text}
    spooled.file.seek(0)
    solutions = ox.parse_query_results(spooled.file, ox.QueryResultsFormat.TSV)
    variables = [v.value for v in solutions.variables]
    rows = [[solution[v] for v in variables] for solution in solutions]
    spooled.file.close()
    return "sparql/results.html", {"variables": variables, "rows": rows, "capped": spooled.capped,
                                   "cap": cap, "query": text}


# -- updates ---------------------------------------------------------------------------------


def _update(app: Any, request: SparqlRequest, text: str, params: MultiDict) -> Reply:
    config = app.config
    check_write_access(config, request.authorization)
    store = config["STORE"]
    executed = text
    using, using_named = params.getlist("using-graph-uri"), params.getlist("using-named-graph-uri")
    if using or using_named:
        try:
            executed = add_using_clauses(text, using, using_named)
        except UsingConflict as exc:
            raise ProtocolError(400, str(exc)) from None
    # What is checked is what is executed: the text with the USING clauses written in.
    limit = time_limit(params.get("timeout"), float(config["SPARQL_TIMEOUT"]))
    deadline = time.monotonic() + limit
    check_request(executed, update=True, known_graphs=lambda: set(), deadline=deadline,
                  base_iri=request.base_url, allow_service=config["SPARQL_ALLOW_SERVICE"],
                  allow_load=config["SPARQL_ALLOW_LOAD"])
    try:
        store.update(executed, base_iri=request.base_url,
                     timeout=max(deadline - time.monotonic(), 0.001))
    finally:
        store_written(app)
    return Reply(204, query=text)
