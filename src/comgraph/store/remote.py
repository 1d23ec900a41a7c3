"""The remote store: any SPARQL 1.1 engine, over the SPARQL 1.1 Protocol and Graph Store Protocol.

Works with the Oxigraph server, Fuseki, Virtuoso, GraphDB and Neptune. Queries and updates go
through the Protocol; loads and dumps through the Graph Store Protocol (GSP). Answers are parsed
with pyoxigraph, so callers get the same result types as from the embedded store.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import IO, Any

import pyoxigraph as ox
import requests

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

#: Seconds to wait for a connection; reads wait for the query's own timeout (or DEFAULT_TIMEOUT).
CONNECT_TIMEOUT = 10.0
DEFAULT_TIMEOUT = 300.0

_ACCEPT_ANY_RESULT = (
    "application/sparql-results+json, application/sparql-results+xml;q=0.9, "
    "application/n-triples;q=0.8, text/turtle;q=0.7"
)


class RemoteStore(Store):
    """A SPARQL 1.1 endpoint behind the comgraph contract.

    Credentials come only from the environment (``COMGRAPH_STORE_TOKEN`` for a bearer token, or
    ``COMGRAPH_STORE_USER`` and ``COMGRAPH_STORE_PASSWORD`` for HTTP Basic) and never appear in
    ``url``, messages or logs.
    """

    def __init__(
        self,
        query_url: str,
        *,
        update_url: str | None = None,
        graph_store_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        env: Mapping[str, str] | None = None,
    ):
        env = os.environ if env is None else env
        self.query_url = query_url
        self.update_url = update_url or _sibling(query_url, "update")
        self.graph_store_url = graph_store_url or _sibling(query_url, "store")
        self.url = "sparql+" + query_url
        self.timeout = timeout
        self._session = requests.Session()
        self._session.headers["User-Agent"] = "comgraph"
        if env.get("COMGRAPH_STORE_TOKEN"):
            self._session.headers["Authorization"] = f"Bearer {env['COMGRAPH_STORE_TOKEN']}"
        elif env.get("COMGRAPH_STORE_USER"):
            self._session.auth = (env["COMGRAPH_STORE_USER"], env.get("COMGRAPH_STORE_PASSWORD", ""))

    # -- HTTP plumbing -----------------------------------------------------------------

    def _request(self, method: str, url: str | None, *, what: str, timeout: float | None = None,
                 **kwargs: Any) -> requests.Response:
        if url is None:
            raise StoreError(f"{self.url}: no {what} URL is known; set it with the store options")
        read_timeout = timeout if timeout is not None else self.timeout
        try:
            response = self._session.request(
                method, url, timeout=(CONNECT_TIMEOUT, read_timeout), **kwargs
            )
        except requests.Timeout:
            raise QueryTimeout(f"{what} at {url} gave no answer within {read_timeout:g} s") from None
        except requests.ConnectionError as exc:
            raise StoreUnavailable(f"cannot reach {url}: {_reason(exc)}") from None
        if response.status_code in (401, 403):
            # The engine's reason first: a 403 may mean a read-only engine, not bad credentials.
            said = " ".join(_body(response).split())[:200]
            raise StoreError(
                f"{url} refused the {what} ({response.status_code}{': ' + said if said else ''}); "
                "set COMGRAPH_STORE_TOKEN, or COMGRAPH_STORE_USER and COMGRAPH_STORE_PASSWORD"
            )
        if response.status_code == 400:
            raise QueryError(f"{what} refused by the engine: {_body(response)}")
        if response.status_code >= 300:
            raise StoreError(f"{what} at {url} failed: HTTP {response.status_code} {_body(response)}")
        return response

    # -- reading -----------------------------------------------------------------------

    def _evaluate(self, sparql: str, timeout: float | None, default_graph: Sequence[GraphName] | None,
                  named_graphs: Sequence[ox.NamedNode] | None, base_iri: str | None) -> QueryResult:
        shift = 0
        if base_iri:
            # Same line, so the engine's line numbers stay right; columns on line 1 are fixed
            # up in the error message below.
            prefix = f"BASE <{base_iri}> "
            sparql, shift = prefix + sparql, len(prefix)
        form: list[tuple[str, str]] = [("query", sparql)]
        for graph in default_graph or ():
            if not isinstance(graph, ox.NamedNode):
                raise QueryError("a remote engine takes only IRIs as default-graph-uri")
            form.append(("default-graph-uri", graph.value))
        form += [("named-graph-uri", g.value) for g in named_graphs or ()]
        try:
            response = self._request(
                "POST", self.query_url, what="query", timeout=timeout, data=form,
                headers={"Accept": _ACCEPT_ANY_RESULT}, stream=True,
            )
        except QueryError as exc:
            if not shift:
                raise
            raise QueryError(_POSITION_ON_LINE_1.sub(
                lambda m: f"{m.group(1)}1:{max(int(m.group(2)) - shift, 1)}", str(exc))) from None
        response.raw.decode_content = True
        media = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        results_format = ox.QueryResultsFormat.from_media_type(media) if media else None
        if results_format is not None:
            try:
                parsed = ox.parse_query_results(response.raw, results_format)
            except SyntaxError as exc:
                raise EngineAnswerBroken(f"the engine sent results that do not parse: {exc}") from None
            if isinstance(parsed, ox.QueryBoolean):
                return parsed
            return RemoteSolutions(parsed, response)
        rdf_format = ox.RdfFormat.from_media_type(media) if media else None
        if rdf_format is not None:
            return RemoteTriples(response, rdf_format)
        raise StoreError(f"the engine answered with an unexpected media type {media!r}")

    def graphs(self) -> list[ox.NamedNode]:
        rows = self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        return sorted((r["g"] for r in rows if isinstance(r.get("g"), ox.NamedNode)),
                      key=lambda g: g.value)

    def dump(self, output: IO[bytes], format: ox.RdfFormat, *,
             graph: GraphName | str | None = None) -> None:
        target = as_graph_name(graph)
        if target is None and not format.supports_datasets:
            target = ox.DefaultGraph()
        if target is not None:
            response = self._gsp("GET", target, headers={"Accept": format.media_type}, stream=True)
            got = ox.RdfFormat.from_media_type(
                response.headers.get("Content-Type", "").split(";")[0].strip()
            )
            response.raw.decode_content = True
            if got == format:
                for chunk in response.iter_content(1 << 16):
                    output.write(chunk)
            else:
                triples = ox.parse(response.raw, got or ox.RdfFormat.TURTLE)
                ox.serialize((q.triple for q in triples), output, format)
            return
        ox.serialize(self._all_quads(), output, format)

    def _all_quads(self) -> Iterator[ox.Quad]:
        for graph in [ox.DefaultGraph(), *self.graphs()]:
            response = self._gsp("GET", graph, headers={"Accept": "application/n-triples"},
                                 stream=True)
            response.raw.decode_content = True
            got = ox.RdfFormat.from_media_type(
                response.headers.get("Content-Type", "").split(";")[0].strip()
            ) or ox.RdfFormat.N_TRIPLES
            for quad in ox.parse(response.raw, got):
                yield ox.Quad(quad.subject, quad.predicate, quad.object, graph)

    def _gsp(self, method: str, graph: GraphName, **kwargs: Any) -> requests.Response:
        params = {"default": ""} if isinstance(graph, ox.DefaultGraph) else {"graph": graph.value}
        return self._request(method, self.graph_store_url, what="graph store request",
                             params=params, **kwargs)

    # -- writing -----------------------------------------------------------------------

    def update(self, sparql: str, *, timeout: float | None = None, base_iri: str | None = None) -> None:
        if base_iri:
            sparql = f"BASE <{base_iri}>\n{sparql}"
        self._request("POST", self.update_url, what="update", timeout=timeout,
                      data={"update": sparql})

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
    EngineAnswerBroken rather than a silently short answer."""

    def __init__(self, solutions: ox.QuerySolutions, response: requests.Response):
        self._solutions = solutions
        self._response = response
        self.variables = solutions.variables

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
    """A CONSTRUCT or DESCRIBE answer from a remote engine, streamed as pyoxigraph Triples."""

    def __init__(self, response: requests.Response, format: ox.RdfFormat):
        self._response = response
        self._format = format

    def __iter__(self) -> Iterator[ox.Triple]:
        try:
            for quad in ox.parse(self._response.raw, self._format):
                yield quad.triple
        except SyntaxError as exc:
            raise EngineAnswerBroken(f"the engine's answer was cut off or malformed: {exc}") from None
        finally:
            self._response.close()

    def serialize(self, output: Any = None, format: ox.RdfFormat = ox.RdfFormat.N_TRIPLES):
        return ox.serialize(iter(self), output, format)


_POSITION_ON_LINE_1 = re.compile(r"(error at )1:(\d+)")


def _sibling(query_url: str, name: str) -> str | None:
    """Oxigraph-style layout: /query, /update and /store side by side."""
    if query_url.rstrip("/").endswith("/query"):
        return query_url.rstrip("/")[: -len("query")] + name
    if query_url.rstrip("/").endswith("/sparql") and name == "update":
        return query_url
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


def _body(response: requests.Response) -> str:
    try:
        text = response.text.strip()
    except Exception:  # noqa: BLE001 - a body we cannot read is not worth a second error
        return ""
    return text if len(text) < 2000 else text[:2000] + "…"
