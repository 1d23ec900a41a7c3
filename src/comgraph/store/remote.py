"""The remote store: any SPARQL 1.1 engine, over the SPARQL 1.1 Protocol and Graph Store Protocol.

Works with the Oxigraph server, Fuseki, Virtuoso, GraphDB and Neptune. Queries and updates go
through the Protocol; loads and dumps through the Graph Store Protocol (GSP). Answers are parsed
with pyoxigraph, so callers get the same result types as from the embedded store.

Where engines differ, the store reads its engine's profile (``comgraph.store.engines``), given
by name or detected once, on first use, from the endpoint's ``Server`` header and service
description: where the update and GSP endpoints are, which HTTP authentication they take,
whether there is a plain default graph, which graphs are the engine's own. Answers are made to
read as the embedded store's would: each query form asks for its own media types (and a table
given to a CONSTRUCT is refused, not misread), numeric and boolean literals come back in the
embedded store's lexical form (``77``, not Jena's ``77.0``; ``true``, not Virtuoso's ``1``), and
an ASK answer is a boolean however the engine spelt it.
"""

from __future__ import annotations

import html
import io
import json
import logging
import os
import re
import struct
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import IO, Any

import pyoxigraph as ox
import requests
from requests.auth import HTTPDigestAuth

from comgraph.sparql_text import keywords, query_form
from comgraph.store.base import (
    EngineAnswerBroken,
    GraphName,
    Progress,
    QueryError,
    QueryResult,
    QueryTimeout,
    Source,
    Store,
    StoreError,
    StoreUnavailable,
    as_graph_name,
)
from comgraph.store.engines import DEFAULT_GRAPH_STAND_IN, EngineProfile, detect
from comgraph.store.engines import profile as engine_profile
from comgraph.store.remote_load import LOAD_TIMEOUT

log = logging.getLogger(__name__)

#: A graph no engine holds: an operation rewritten to change nothing clears it.
_NOTHING = "urn:x-comgraph:no-graph"

#: Seconds to wait for a connection; reads wait for the query's own timeout (or DEFAULT_TIMEOUT).
CONNECT_TIMEOUT = 10.0
DEFAULT_TIMEOUT = 300.0
#: Seconds the one detection request (GET of the query URL) may take.
DETECT_TIMEOUT = 10.0
#: The most of a service description or an ASK answer that is read.
SMALL_ANSWER = 1 << 20

#: What each query form asks for. One Accept listing both kinds lets an engine pick either, and
#: Virtuoso answers a CONSTRUCT with a JSON table when it may.
ACCEPT_RESULTS = "application/sparql-results+json, application/sparql-results+xml;q=0.9"
ACCEPT_RDF = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.8"
GRAPH_FORMS = ("CONSTRUCT", "DESCRIBE")

SET_CREDENTIALS = "set COMGRAPH_STORE_TOKEN, or COMGRAPH_STORE_USER and COMGRAPH_STORE_PASSWORD"
AUTH_SCHEMES = ("basic", "digest")


class RemoteStore(Store):
    """A SPARQL 1.1 endpoint behind the comgraph contract.

    Credentials come only from the environment (``COMGRAPH_STORE_TOKEN`` for a bearer token, or
    ``COMGRAPH_STORE_USER`` and ``COMGRAPH_STORE_PASSWORD``, sent by HTTP Basic or, with
    ``COMGRAPH_STORE_AUTH=digest`` or on an engine whose profile says so, HTTP Digest) and never
    appear in ``url``, messages or logs.

    ``engine`` names the engine's profile (``virtuoso``, ``fuseki``, ...); without it the
    profile is detected on first use (:attr:`profile`). The update and Graph Store URLs default
    to where that engine keeps them beside the query URL.
    """

    def __init__(
        self,
        query_url: str,
        *,
        update_url: str | None = None,
        graph_store_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        env: Mapping[str, str] | None = None,
        engine: str | EngineProfile | None = None,
    ):
        env = os.environ if env is None else env
        self.query_url = query_url
        self.url = "sparql+" + query_url
        self.timeout = timeout
        self._given_update_url = update_url
        self._given_graph_store_url = graph_store_url
        self._token = env.get("COMGRAPH_STORE_TOKEN") or None
        self._user = None if self._token else (env.get("COMGRAPH_STORE_USER") or None)
        self._password = env.get("COMGRAPH_STORE_PASSWORD", "")
        scheme = (env.get("COMGRAPH_STORE_AUTH") or "").strip().lower() or None
        if scheme is not None and scheme not in AUTH_SCHEMES:
            raise StoreError(f"COMGRAPH_STORE_AUTH={scheme!r} is not a scheme comgraph knows; "
                             f"use {' or '.join(AUTH_SCHEMES)}")
        self._given_scheme = scheme
        self._session = requests.Session()
        self._session.headers["User-Agent"] = "comgraph"
        if self._token:
            self._session.headers["Authorization"] = f"Bearer {self._token}"
        self._profile: EngineProfile | None = None
        self._profile_lock = threading.Lock()
        self._primed = threading.local()
        self._use_scheme(scheme or "basic")  # until the profile says otherwise
        if engine is not None:
            self._settle(engine_profile(engine) if isinstance(engine, str) else engine)

    # -- the engine's profile ----------------------------------------------------------

    @property
    def profile(self) -> EngineProfile:
        """The engine's profile: the one given, or detected once, on first use, from the
        endpoint's ``Server`` header and service description (``generic`` when they name no
        engine it knows)."""
        if self._profile is None:
            with self._profile_lock:
                if self._profile is None:
                    found = self._detect()
                    if found is None:  # unreachable: ask again next time, answer generically now
                        return detect(self.query_url)
                    self._settle(found)
        assert self._profile is not None
        return self._profile

    def _detect(self) -> EngineProfile | None:
        """GET the query URL with no query (a service description, in Turtle), without
        credentials: even an engine that refuses it says who it is in its ``Server`` header."""
        try:
            with requests.get(self.query_url, headers={"Accept": "text/turtle",
                                                       "User-Agent": "comgraph"},
                              timeout=(CONNECT_TIMEOUT, DETECT_TIMEOUT), stream=True) as answer:
                media = _media_type(answer)
                description = None
                if answer.ok and media in ("text/turtle", "application/n-triples",
                                           "application/rdf+xml", "application/ld+json"):
                    description = answer.raw.read(SMALL_ANSWER, decode_content=True).decode(
                        "utf-8", errors="replace")
                return detect(self.query_url, server=answer.headers.get("Server"),
                              description=description)
        except requests.RequestException:
            return None

    def _settle(self, profile: EngineProfile) -> None:
        self._profile = profile
        self._use_scheme(self._given_scheme or profile.auth)

    def _use_scheme(self, scheme: str) -> None:
        if self._user:
            self._session.auth = (HTTPDigestAuth(self._user, self._password) if scheme == "digest"
                                  else (self._user, self._password))

    @property
    def auth_scheme(self) -> str:
        """How a user and password are sent: COMGRAPH_STORE_AUTH, else the engine's own."""
        return self._given_scheme or self.profile.auth

    @property
    def update_url(self) -> str | None:
        return self._given_update_url or self._default_endpoints()[0]

    @property
    def graph_store_url(self) -> str | None:
        return self._given_graph_store_url or self._default_endpoints()[1]

    def _default_endpoints(self) -> tuple[str | None, str | None]:
        return self.profile.default_endpoints(self.query_url, authenticated=self._user is not None)

    # -- HTTP plumbing -----------------------------------------------------------------

    def _request(self, method: str, url: str | None, *, what: str, timeout: float | None = None,
                 **kwargs: Any) -> requests.Response:
        profile = self.profile  # detected before the first request, so the auth is right
        if url is None:
            raise StoreError(f"{self.url}: no {what} URL is known for {profile.title}; "
                             "set it with the store options")
        read_timeout = timeout if timeout is not None else self.timeout
        if read_timeout == LOAD_TIMEOUT:
            read_timeout = None  # a load waits for the engine as long as it works, as curl does
        if hasattr(kwargs.get("data"), "read"):
            self._prime_digest(url, kwargs.get("params"))
        try:
            response = self._session.request(
                method, url, timeout=(CONNECT_TIMEOUT, read_timeout), **kwargs
            )
        except requests.Timeout:
            raise QueryTimeout(f"{what} at {url} gave no answer within {read_timeout:g} s") from None
        except requests.ConnectionError as exc:
            raise StoreUnavailable(f"cannot reach {url}: {_reason(exc)}") from None
        if response.status_code in (401, 403):
            raise self._refused(response, url, what)
        if response.status_code == 400:
            raise QueryError(f"{what} refused by the engine: {_body(response)}")
        if response.status_code == 206 or response.headers.get("X-SQL-State") == "S1TAT":
            # Virtuoso's "anytime" answer: what it found before its time limit, not the answer.
            response.close()
            raise QueryTimeout(f"{what} at {url} reached the engine's time limit and came back "
                               "incomplete (a partial answer, HTTP 206 or X-SQL-State S1TAT)")
        if response.status_code >= 300:
            said = _body(response)
            hint = ""
            if "SR186" in said and self._user is None and profile.name == "virtuoso":
                hint = ("; Virtuoso lets anonymous clients read only: set COMGRAPH_STORE_USER "
                        "and COMGRAPH_STORE_PASSWORD (comgraph then writes through /sparql-auth "
                        "with HTTP Digest), or GRANT SPARQL_UPDATE TO \"SPARQL\"")
            raise StoreError(f"{what} at {url} failed: HTTP {response.status_code} {said}{hint}")
        return response

    def _prime_digest(self, url: str, params: Any) -> None:
        """Before a thread's first upload under HTTP Digest, learn the engine's nonce with a
        HEAD: otherwise the whole file goes out once only to be answered 401 and sent again.
        (Virtuoso answers the HEAD itself with 501; the nonce is what counts.)"""
        if not isinstance(self._session.auth, HTTPDigestAuth) or getattr(self._primed, "done", False):
            return
        self._primed.done = True
        try:
            self._session.head(url, params=params, timeout=(CONNECT_TIMEOUT, DETECT_TIMEOUT)).close()
        except requests.RequestException:
            pass  # the upload itself will say what is wrong

    def _refused(self, response: requests.Response, url: str, what: str) -> StoreError:
        """Why a 401 or 403 came back and what to do, without the credentials themselves: an
        engine that wants another scheme than the one sent is named as such (Virtuoso answers
        Basic with a bare 401, so its challenge is asked for again without credentials)."""
        status = response.status_code
        said = " ".join(_body(response).split())[:200]
        head = f"{url} refused the {what} ({status}{': ' + said if said else ''})"
        sent = "bearer" if self._token else (self.auth_scheme if self._user else None)
        if status == 403:
            if sent is None:
                return StoreError(f"{head}; {SET_CREDENTIALS}")
            return StoreError(f"{head}; the credentials given may not do this")
        wanted = _challenge(response)
        if wanted is None and sent is not None:
            wanted = _challenge_without_credentials(url)
        if sent is None:
            hint = SET_CREDENTIALS
            if wanted == "digest":
                hint += ", with COMGRAPH_STORE_AUTH=digest (it takes HTTP Digest)"
        elif wanted in AUTH_SCHEMES and wanted != sent:
            hint = (f"it takes HTTP {wanted.capitalize()} authentication and comgraph sent "
                    + ("a bearer token; set COMGRAPH_STORE_USER and COMGRAPH_STORE_PASSWORD "
                       f"with COMGRAPH_STORE_AUTH={wanted}" if sent == "bearer"
                       else f"{sent.capitalize()}; set COMGRAPH_STORE_AUTH={wanted}"))
        elif sent == "bearer":
            hint = "check the token in COMGRAPH_STORE_TOKEN"
        else:
            hint = ("check COMGRAPH_STORE_USER and COMGRAPH_STORE_PASSWORD "
                    f"(sent by HTTP {sent.capitalize()})")
        return StoreError(f"{head}; {hint}")

    # -- reading -----------------------------------------------------------------------

    def _evaluate(self, sparql: str, timeout: float | None, default_graph: Sequence[GraphName] | None,
                  named_graphs: Sequence[ox.NamedNode] | None, base_iri: str | None) -> QueryResult:
        form = query_form(sparql)
        shift = 0
        if base_iri:
            # Same line, so the engine's line numbers stay right; columns on line 1 are fixed
            # up in the error message below.
            prefix = f"BASE <{base_iri}> "
            sparql, shift = prefix + sparql, len(prefix)
        data: list[tuple[str, str]] = [("query", sparql)]
        for graph in default_graph or ():
            if isinstance(graph, ox.DefaultGraph):
                # The store's own default graph: the engine's, or the stand-in where the
                # engine's default graph is the union of all graphs.
                graph = self._stored_as(graph)
                if isinstance(graph, ox.DefaultGraph):
                    continue
            if not isinstance(graph, ox.NamedNode):
                raise QueryError("a remote engine takes only IRIs as default-graph-uri")
            data.append(("default-graph-uri", graph.value))
        data += [("named-graph-uri", g.value) for g in named_graphs or ()]
        accept = ACCEPT_RDF if form in GRAPH_FORMS else ACCEPT_RESULTS
        try:
            response = self._request(
                "POST", self.query_url, what="query", timeout=timeout, data=data,
                headers={"Accept": accept}, stream=True,
            )
        except QueryError as exc:
            if not shift:
                raise
            raise QueryError(_POSITION_ON_LINE_1.sub(
                lambda m: f"{m.group(1)}1:{max(int(m.group(2)) - shift, 1)}", str(exc))) from None
        response.raw.decode_content = True
        media = _media_type(response)
        canonical = self.profile.canonical_literals
        if form in GRAPH_FORMS:
            rdf_format = ox.RdfFormat.from_media_type(media) if media else None
            if rdf_format is None:
                response.close()
                raise StoreError(f"the engine answered a {form} query with {_what_came(media)}, "
                                 f"not RDF (comgraph asked for {ACCEPT_RDF})")
            return RemoteTriples(response, rdf_format, normalise=not canonical)
        results_format = ox.QueryResultsFormat.from_media_type(media) if media else None
        if results_format is None:
            response.close()
            raise StoreError(f"the engine answered a {form} query with {_what_came(media)}, "
                             f"not SPARQL results (comgraph asked for {ACCEPT_RESULTS})")
        if form == "ASK":
            return _ask_answer(response, results_format)
        try:
            parsed = ox.parse_query_results(response.raw, results_format)
        except SyntaxError as exc:
            response.close()
            raise EngineAnswerBroken(f"the engine sent results that do not parse: {exc}") from None
        if isinstance(parsed, ox.QueryBoolean):
            response.close()
            raise StoreError(f"the engine answered a {form} query with a boolean, not a table")
        return RemoteSolutions(parsed, response, normalise=not canonical)

    def graphs(self) -> list[ox.NamedNode]:
        """The named graphs holding triples, without the engine's own (Virtuoso keeps its
        configuration, the OWL and LDP vocabularies and its service description in graphs)."""
        rows = self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        profile = self.profile
        return sorted((g for g in (r.get("g") for r in rows)
                       if isinstance(g, ox.NamedNode) and not profile.is_system_graph(g.value)
                       and (profile.plain_default_graph or g.value != DEFAULT_GRAPH_STAND_IN)),
                      key=lambda g: g.value)

    def triple_count(self) -> int:
        if self.profile.plain_default_graph:
            return super().triple_count()
        # The default graph is every graph at once, the engine's own among them: count the
        # named graphs comgraph lists.
        rows = self.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        profile = self.profile
        return sum(int(r["n"].value) for r in rows
                   if isinstance(r.get("g"), ox.NamedNode) and not profile.is_system_graph(r["g"].value))

    def dump(self, output: IO[bytes], format: ox.RdfFormat, *,
             graph: GraphName | str | None = None) -> None:
        """With no graph, a quad format holds the whole store; on an engine without a plain
        default graph that is its named graphs (not its own), and a warning says so."""
        target = as_graph_name(graph)
        profile = self.profile
        if target is None and not format.supports_datasets:
            target = ox.DefaultGraph()
        if target is not None:
            self._write_graph(output, format, target)
            return
        graphs: list[GraphName] = [ox.DefaultGraph()]
        if not profile.plain_default_graph and not self.ask(
                f"ASK {{ GRAPH <{DEFAULT_GRAPH_STAND_IN}> {{ ?s ?p ?o }} }}"):
            graphs = []  # the stand-in holds nothing (a GET of it would be a 404)
        if not profile.plain_default_graph:
            log.warning("%s has no plain default graph: the dump holds comgraph's default graph "
                        "(the named graph %s) and the other named graphs, not the engine's own",
                        profile.title, DEFAULT_GRAPH_STAND_IN)
        graphs += self.graphs()
        ox.serialize(self._quads(graphs), output, format)

    def _write_graph(self, output: IO[bytes], format: ox.RdfFormat, graph: GraphName) -> None:
        if self.graph_store_url is None:
            # No Graph Store (Neptune): the same triples through a CONSTRUCT.
            ox.serialize(self._constructed(graph), output, format)
            return
        response = self._gsp("GET", graph, headers={"Accept": format.media_type}, stream=True)
        got = ox.RdfFormat.from_media_type(_media_type(response))
        response.raw.decode_content = True
        if got == format and self.profile.canonical_literals:
            for chunk in response.iter_content(1 << 16):
                output.write(chunk)
            return
        triples = ox.parse(response.raw, got or ox.RdfFormat.TURTLE)
        ox.serialize((canonical_triple(q.triple) for q in triples), output, format)

    def _quads(self, graphs: Iterable[GraphName]) -> Iterator[ox.Quad]:
        for graph in graphs:
            for triple in self._graph_triples(graph):
                yield ox.Quad(triple.subject, triple.predicate, triple.object, graph)

    def _graph_triples(self, graph: GraphName) -> Iterator[ox.Triple]:
        if self.graph_store_url is None:
            yield from self._constructed(graph)
            return
        response = self._gsp("GET", graph, headers={"Accept": "application/n-triples"}, stream=True)
        response.raw.decode_content = True
        got = ox.RdfFormat.from_media_type(_media_type(response)) or ox.RdfFormat.N_TRIPLES
        normalise = not self.profile.canonical_literals
        try:
            for quad in ox.parse(response.raw, got):
                yield canonical_triple(quad.triple) if normalise else quad.triple
        finally:
            response.close()

    def _constructed(self, graph: GraphName) -> Iterator[ox.Triple]:
        graph = self._stored_as(graph)
        where = ("{ ?s ?p ?o }" if isinstance(graph, ox.DefaultGraph)
                 else f"{{ GRAPH {graph} {{ ?s ?p ?o }} }}")
        yield from self.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {where}")  # type: ignore[misc]

    def _stored_as(self, graph: GraphName) -> GraphName:
        """The graph that holds ``graph`` on the engine: comgraph's default graph is the named
        graph ``DEFAULT_GRAPH_STAND_IN`` where the engine has no plain default graph."""
        if isinstance(graph, ox.DefaultGraph) and not self.profile.plain_default_graph:
            return ox.NamedNode(DEFAULT_GRAPH_STAND_IN)
        return graph

    def _gsp(self, method: str, graph: GraphName, **kwargs: Any) -> requests.Response:
        graph = self._stored_as(graph)
        params = {"default": ""} if isinstance(graph, ox.DefaultGraph) else {"graph": graph.value}
        return self._request(method, self.graph_store_url, what="graph store request",
                             params=params, **kwargs)

    # -- writing -----------------------------------------------------------------------

    def update(self, sparql: str, *, timeout: float | None = None, base_iri: str | None = None) -> None:
        if not self.profile.plain_default_graph:
            mapped = self._map_default_graph_operations(sparql)
            if mapped is None:
                return
            sparql = mapped
        if base_iri:
            sparql = f"BASE <{base_iri}>\n{sparql}"
        self._request("POST", self.update_url, what="update", timeout=timeout,
                      data={"update": sparql})

    def _map_default_graph_operations(self, sparql: str) -> str | None:
        """On an engine without a plain default graph (``DROP ALL`` answers 200 and drops
        nothing on Virtuoso), the graph management operations are rewritten, each in place:
        ``DROP``/``CLEAR`` ``ALL`` or ``NAMED`` become one ``DROP``/``CLEAR SILENT GRAPH`` per
        graph comgraph lists (its default graph's stand-in too, for ``ALL``); ``DEFAULT`` in
        ``DROP``, ``CLEAR``, ``ADD``, ``COPY`` and ``MOVE`` names the stand-in graph. Returns
        None when nothing is left to do."""
        stand_in = f"<{DEFAULT_GRAPH_STAND_IN}>"
        words = [(w, s, e) for w, depth, s, e in keywords(sparql) if depth == 0]
        edits: list[tuple[int, int, str]] = []
        listed: list[ox.NamedNode] | None = None
        operations = 0
        emptied = 0
        for i, (word, start, _end) in enumerate(words):
            if word in ("INSERT", "DELETE", "LOAD", "CREATE", "WITH", "DROP", "CLEAR", "ADD", "COPY",
                        "MOVE") and (i == 0 or words[i - 1][0] not in ("INSERT", "DELETE", "WITH")):
                operations += 1
            if word not in ("DROP", "CLEAR", "ADD", "COPY", "MOVE"):
                continue
            j = i + 1
            if j < len(words) and words[j][0] == "SILENT":
                j += 1
            if j >= len(words):
                continue
            target, _ts, target_end = words[j]
            if word in ("DROP", "CLEAR") and target in ("ALL", "NAMED"):
                if listed is None:
                    listed = self.graphs()
                graphs = [str(g) for g in listed] + ([stand_in] if target == "ALL" else [])
                if not graphs:
                    emptied += 1
                # an operation must stay where it was: with no graph, one that changes nothing
                replacement = (" ;\n".join(f"{word} SILENT GRAPH {g}" for g in graphs)
                               or f"CLEAR SILENT GRAPH <{_NOTHING}>")
                edits.append((start, target_end, replacement))
            elif word in ("DROP", "CLEAR") and target == "DEFAULT":
                edits.append((start, target_end, f"{word} SILENT GRAPH {stand_in}"))
            elif word in ("ADD", "COPY", "MOVE"):
                for k in range(j, min(j + 4, len(words))):
                    if words[k][0] == "DEFAULT":
                        edits.append((words[k][1], words[k][2], stand_in))
        if operations == 1 and emptied == 1:
            return None  # only DROP ALL (or NAMED) of a store with no graph: nothing to do
        for start, end, text in sorted(edits, reverse=True):
            sparql = sparql[:start] + text + sparql[end:]
        return sparql

    def _load(self, items: list[Source], target: GraphName | None, progress: Progress | None) -> int:
        """All or nothing, straight to the target where the engine's Graph Store POST is atomic,
        else staged and moved: see ``comgraph.store.remote_load``."""
        from comgraph.store import remote_load

        return remote_load.load(self, items, target, progress)


    def close(self) -> None:
        self._session.close()


class RemoteSolutions:
    """A SELECT answer from a remote engine: pyoxigraph's QuerySolutions, with a cut-off
    stream (engines that time out mid-answer send HTTP 200 and truncated results) turned into
    EngineAnswerBroken rather than a silently short answer.

    With ``normalise``, every row's numeric and boolean literals are rewritten in the embedded
    store's lexical form as they stream by; the rows are handed to pyoxigraph again (as TSV),
    so the answer is still a real QuerySolutions that serialises to any results format.
    """

    def __init__(self, solutions: ox.QuerySolutions, response: requests.Response, *,
                 normalise: bool = False):
        self._response = response
        self.variables = solutions.variables
        self._solutions = (ox.parse_query_results(_Chunks(_canonical_tsv(solutions)),
                                                  ox.QueryResultsFormat.TSV)
                           if normalise else solutions)

    def __iter__(self) -> Iterator[ox.QuerySolution]:
        try:
            yield from self._solutions
        except SyntaxError as exc:
            raise EngineAnswerBroken(f"the engine's answer was cut off or malformed: {exc}") from None
        finally:
            self._response.close()

    def serialize(self, output: Any = None, format: ox.QueryResultsFormat = ox.QueryResultsFormat.JSON):
        try:
            return self._solutions.serialize(output, format)
        except SyntaxError as exc:
            raise EngineAnswerBroken(f"the engine's answer was cut off or malformed: {exc}") from None
        finally:
            self._response.close()


class RemoteTriples:
    """A CONSTRUCT or DESCRIBE answer from a remote engine, streamed as pyoxigraph Triples
    (with literals in the embedded store's lexical form when ``normalise``)."""

    def __init__(self, response: requests.Response, format: ox.RdfFormat, *,
                 normalise: bool = False):
        self._response = response
        self._format = format
        self._normalise = normalise

    def __iter__(self) -> Iterator[ox.Triple]:
        try:
            for quad in ox.parse(self._response.raw, self._format):
                yield canonical_triple(quad.triple) if self._normalise else quad.triple
        except SyntaxError as exc:
            raise EngineAnswerBroken(f"the engine's answer was cut off or malformed: {exc}") from None
        finally:
            self._response.close()

    def serialize(self, output: Any = None, format: ox.RdfFormat = ox.RdfFormat.N_TRIPLES):
        return ox.serialize(iter(self), output, format)


def _ask_answer(response: requests.Response, results_format: ox.QueryResultsFormat) -> ox.QueryBoolean:
    """An ASK answer as pyoxigraph's QueryBoolean, however the engine spelt the boolean
    (``true``, ``1``; or a one-cell table, as some engines answer ASK in some formats)."""
    with response:
        body = response.raw.read(SMALL_ANSWER, decode_content=True)
    try:
        parsed = ox.parse_query_results(body, results_format)
        if isinstance(parsed, ox.QueryBoolean):
            return parsed
        rows = [list(row) for row in parsed]
        cells = [cell for row in rows for cell in row if cell is not None]
        value = cells[0].value if len(rows) == 1 and len(cells) == 1 else None
    except SyntaxError:
        value = _spelt_boolean(body)
    truth = _TRUTH.get(str(value).strip().lower()) if value is not None else None
    if truth is None:
        raise EngineAnswerBroken("the engine's answer to an ASK query is not a boolean: "
                                 + body[:200].decode("utf-8", errors="replace"))
    return ox.parse_query_results(b'{"head":{},"boolean":%s}' % (b"true" if truth else b"false"),
                                  ox.QueryResultsFormat.JSON)


_TRUTH = {"true": True, "1": True, "false": False, "0": False}
_XML_BOOLEAN = re.compile(rb"<boolean>\s*([^<\s]*)\s*</boolean>")


def _spelt_boolean(body: bytes) -> object:
    try:
        return json.loads(body).get("boolean")
    except (ValueError, AttributeError):
        pass
    found = _XML_BOOLEAN.search(body)
    return found.group(1).decode("ascii", errors="replace") if found else None


# -- literals in the embedded store's lexical form ----------------------------------------------

XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
_DOUBLE = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?|[+-]?INF|NaN")


def _plain_digits(number: Decimal) -> str:
    """No exponent, no trailing zeros, no point when whole: how Oxigraph writes numbers."""
    return format(number.normalize(), "f")


def _canonical_integer(lexical: str) -> str:
    if not _INTEGER.fullmatch(lexical):
        raise ValueError(lexical)
    return str(int(lexical))


def _canonical_decimal(lexical: str) -> str:
    if not _DECIMAL.fullmatch(lexical):
        raise ValueError(lexical)
    number = Decimal(lexical)
    return "0" if number == 0 else _plain_digits(number)


def _special_float(lexical: str, value: float) -> str | None:
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "INF" if value > 0 else "-INF"
    return None


def _canonical_double(lexical: str) -> str:
    if not _DOUBLE.fullmatch(lexical):
        raise ValueError(lexical)
    value = float(lexical)
    # Shortest digits that read back as the same double, as Rust (so Oxigraph) writes them.
    return _special_float(lexical, value) or _plain_digits(Decimal(repr(value)))


def _canonical_float(lexical: str) -> str:
    if not _DOUBLE.fullmatch(lexical):
        raise ValueError(lexical)
    value = struct.unpack("f", struct.pack("f", float(lexical)))[0]
    special = _special_float(lexical, value)
    if special:
        return special
    for digits in range(1, 10):  # the shortest that reads back as the same 32-bit float
        text = f"{value:.{digits}g}"
        if struct.unpack("f", struct.pack("f", float(text)))[0] == value:
            return _plain_digits(Decimal(text))
    return _plain_digits(Decimal(repr(value)))


def _canonical_boolean(lexical: str) -> str:
    return {"true": "true", "1": "true", "false": "false", "0": "false"}[lexical]


_CANONICAL: dict[str, Callable[[str], str]] = {
    XSD + "integer": _canonical_integer,
    XSD + "decimal": _canonical_decimal,
    XSD + "double": _canonical_double,
    XSD + "float": _canonical_float,
    XSD + "boolean": _canonical_boolean,
}


def canonical_term(term: Any) -> Any:
    """``term`` with a numeric or boolean literal in the lexical form the embedded store writes
    (``"77.0"^^xsd:decimal`` becomes ``"77"``, ``"1"^^xsd:boolean`` becomes ``"true"``,
    ``"1.0E2"^^xsd:double`` becomes ``"100"``); any other term, or a lexical form that is not
    valid for its type, unchanged."""
    if type(term) is not ox.Literal:
        return term
    canonical = _CANONICAL.get(term.datatype.value)
    if canonical is None:
        return term
    lexical = term.value
    try:
        written = canonical(lexical.strip())
    except (ValueError, KeyError, ArithmeticError, InvalidOperation):
        return term
    return term if written == lexical else ox.Literal(written, datatype=term.datatype)


def canonical_triple(triple: ox.Triple) -> ox.Triple:
    written = canonical_term(triple.object)
    return triple if written is triple.object else ox.Triple(triple.subject, triple.predicate, written)


def _canonical_tsv(solutions: ox.QuerySolutions) -> Iterator[bytes]:
    """The rows as SPARQL TSV, literals made canonical on the way."""
    names = [v.value for v in solutions.variables]
    yield ("\t".join(f"?{n}" for n in names) + "\n").encode()
    for row in solutions:
        cells = []
        for name in names:
            value = row[name]
            cells.append("" if value is None else str(canonical_term(value)))
        yield ("\t".join(cells) + "\n").encode()


class _Chunks(io.RawIOBase):
    """A readable stream over an iterator of byte chunks (what pyoxigraph's parsers read)."""

    def __init__(self, chunks: Iterator[bytes]):
        self._chunks = chunks
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._pending = chunk
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


# -- helpers ------------------------------------------------------------------------------------

_POSITION_ON_LINE_1 = re.compile(r"(error at )1:(\d+)")


def _media_type(response: requests.Response) -> str:
    return response.headers.get("Content-Type", "").split(";")[0].strip().lower()


def _what_came(media: str) -> str:
    if not media:
        return "an answer with no Content-Type"
    if ox.QueryResultsFormat.from_media_type(media) is not None:
        return f"a SPARQL results table ({media})"
    if ox.RdfFormat.from_media_type(media) is not None:
        return f"RDF ({media})"
    return media


def _challenge(response: requests.Response) -> str | None:
    """The scheme a 401's ``WWW-Authenticate`` asks for (lower case), None without one."""
    said = response.headers.get("WWW-Authenticate", "").strip()
    return said.split(None, 1)[0].rstrip(",").lower() if said else None


def _challenge_without_credentials(url: str) -> str | None:
    try:
        with requests.get(url, headers={"User-Agent": "comgraph"},
                          timeout=(CONNECT_TIMEOUT, DETECT_TIMEOUT), stream=True) as answer:
            return _challenge(answer) if answer.status_code == 401 else None
    except requests.RequestException:
        return None


_ERRNO = re.compile(r"\[Errno -?\d+\] ([^'\")\]]+)")


def _reason(exc: Exception) -> str:
    # requests wraps the socket's error three deep ("HTTPConnectionPool(...): Max retries
    # exceeded ... NewConnectionError(... [Errno 111] Connection refused)"): say the last part.
    text = str(exc)
    found = _ERRNO.findall(text)
    if found:
        return found[-1].strip().lower()
    return text if len(text) < 300 else text[:300] + "…"


_TAG = re.compile(r"<[^>]*>")


def _body(response: requests.Response) -> str:
    try:
        text = response.text.strip()
    except Exception:  # noqa: BLE001 - a body we cannot read is not worth a second error
        return ""
    if _media_type(response) == "text/html":
        # Virtuoso wraps its Graph Store errors in an HTML page: keep the words.
        text = html.unescape(_TAG.sub(" ", text))
    text = " ".join(text.split())  # one line, as every comgraph error is
    return text if len(text) < 2000 else text[:2000] + "…"
