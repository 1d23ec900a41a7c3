"""The ASGI adapter: the comgraph Flask app behind gunicorn's uvicorn workers.

``comgraph serve --workers N`` runs gunicorn with :class:`Worker`, uvicorn's gunicorn worker:
gunicorn's master forks and supervises the workers, and each worker reads HTTP with uvicorn
(httptools, a C parser, on uvloop) instead of gunicorn's own Python parser, which alone cost
more CPU per request than the Oxigraph server spends on a whole cheap query (see
docs/sparql-service.md, "Benchmark").

:class:`ComgraphASGI` translates a GET on ``/sparql`` into the request pipeline's
:class:`~comgraph.app.pipeline.SparqlRequest` and its :class:`~comgraph.app.pipeline.Reply` back
into ASGI messages, without Flask's request machinery (which cost several times what a small
lookup costs to evaluate). The answer is the pipeline's, the same as Flask's view gives; the
headers and traces every answer gets are :mod:`comgraph.app.ops`' (``finish_headers``,
``record_request``), as in Flask's hooks. A query the store evaluates in the calling thread
(a store that holds its data in this process, and a query of one triple pattern, one index scan:
``comgraph.sparql_text.is_one_pattern_select``) runs on the event loop for at most
``INLINE_BUDGET``; any other query, or one that needs longer, runs on a thread pool, so the
event loop goes on reading other requests while it runs. Every other request goes to the Flask
app through a2wsgi's WSGI bridge, with its own thread pool.

A gunicorn command line for a store on disk or a remote engine::

    gunicorn --workers 2 --worker-class comgraph.app.asgi.Worker --no-control-socket \\
        --bind 127.0.0.1:5000 'comgraph.app.asgi:app_from_env()'
"""

from __future__ import annotations

import asyncio
import functools
import os
import re
import time
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qsl

from a2wsgi import WSGIMiddleware
from comgraph.app.ops import finish_headers, record_request
from comgraph.app.pipeline import OverBudget, Reply, SparqlRequest, answer
from comgraph.app.query_guard import needs_parse
from flask import Flask, render_template
from uvicorn_worker import UvicornWorker
from werkzeug.datastructures import ImmutableMultiDict

from comgraph.sparql_text import is_one_pattern_select, memo_short_texts

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

#: How many threads evaluate queries, and how many run Flask, in each process.
DEFAULT_THREADS = 4
#: The longest a query evaluated inline may hold the event loop (seconds): every other
#: connection of the worker waits meanwhile.
INLINE_BUDGET = 0.002
#: A Host header the service's IRI can be made of as it is; any other goes to Flask, which
#: reads it as werkzeug does.
_PLAIN_HOST = re.compile(r"[A-Za-z0-9.\-]+(?::[0-9]+)?|\[[0-9A-Fa-f:.]+\](?::[0-9]+)?")


class ComgraphASGI:
    """An ASGI app around a comgraph Flask app (see the module's docstring)."""

    def __init__(self, app: Flask, threads: int = DEFAULT_THREADS):
        self.app = app
        self.threads = max(1, threads)
        self.wsgi = WSGIMiddleware(app, workers=self.threads)  # type: ignore[arg-type]
        self._pool: ThreadPoolExecutor | None = None
        self._pool_pid = 0

    def pool(self) -> ThreadPoolExecutor:
        """This process's query threads: made on first use, so a worker forked from a master
        that built the app never shares the master's pool."""
        if self._pool is None or self._pool_pid != os.getpid():
            self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="comgraph-query")
            self._pool_pid = os.getpid()
        return self._pool

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and scope["path"] == "/sparql" \
                and not scope.get("root_path"):
            request = _sparql_request(scope)
            if request is not None:
                await self._answer(scope, request, send)
                return
        elif scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        await self.wsgi(scope, receive, send)

    async def _answer(self, scope: Scope, request: SparqlRequest, send: Send) -> None:
        started = time.perf_counter()
        answer_it = functools.partial(_answer_and_render, self.app, request)
        text = request.args.get("query")
        reply = None
        if text is not None and self.app.config["STORE"].holds_data_in_process \
                and is_one_pattern_select(text) and not needs_parse(text):
            # A lookup answered by one index scan costs less than handing it to a thread
            # (measured: about half the CPU per request), so it runs here, on the event loop,
            # for at most INLINE_BUDGET; a scan that needs longer starts again on a thread. A
            # text the guard must parse (a helper process's round trip) goes to a thread.
            try:
                reply = answer_it(budget=INLINE_BUDGET)
            except OverBudget:
                pass
        if reply is None:
            reply = await asyncio.get_running_loop().run_in_executor(self.pool(), answer_it)
        headers = finish_headers(reply.headers, self.app.config, "GET", _RequestHeaders(scope))
        if reply.whole is not None:
            headers.append(("Content-Length", str(len(reply.whole))))
        client = scope.get("client")
        record_request(self.app, method="GET", path="/sparql", endpoint="sparql.endpoint",
                       status=reply.status, elapsed=time.perf_counter() - started, rows=reply.rows,
                       remote=client[0] if client else None, query=reply.query)
        await send({"type": "http.response.start", "status": reply.status,
                    "headers": [(name.lower().encode("latin-1"), value.encode("latin-1"))
                                for name, value in headers]})
        if reply.whole is not None:
            await send({"type": "http.response.body", "body": reply.whole})
            return
        # A big answer: its chunks are read from a spool that is already written (a local
        # file), so they are read here; send() waits while the client's socket is full.
        try:
            for chunk in reply.chunks or ():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            close = getattr(reply.chunks, "close", None)
            if close is not None:
                close()


def _sparql_request(scope: Scope) -> SparqlRequest | None:
    """The GET request in ``scope`` as the pipeline reads it; None when its Host header is not
    a plain one (Flask answers)."""
    accept: list[str] = []
    host = ""
    for name, value in scope["headers"]:
        if name == b"accept":
            accept.append(value.decode("latin-1"))
        elif name == b"host":
            host = value.decode("latin-1")
    if not _plain_host(host):
        return None
    return SparqlRequest(method="GET", args=_arguments(scope["query_string"].decode("latin-1")),
                         base_url=f"{scope.get('scheme', 'http')}://{host}/sparql",
                         accept=", ".join(accept) if accept else None)


@memo_short_texts
def _arguments(query_string: str) -> ImmutableMultiDict:
    """The query string's parameters. Memoised: clients repeat their queries, and decoding the
    query string was a tenth of a cheap query's cost."""
    return ImmutableMultiDict(parse_qsl(query_string, keep_blank_values=True))


@functools.lru_cache(maxsize=64)
def _plain_host(host: str) -> bool:
    return _PLAIN_HOST.fullmatch(host) is not None


class _RequestHeaders:
    """The request headers :func:`finish_headers` reads, looked up in the ASGI scope."""

    def __init__(self, scope: Scope):
        self.scope = scope

    def get(self, name: str, default: str | None = None) -> str | None:
        wanted = name.lower().encode("latin-1")
        for key, value in self.scope["headers"]:
            if key == wanted:
                return value.decode("latin-1")
        return default


def _answer_and_render(app: Flask, request: SparqlRequest, budget: float | None = None) -> Reply:
    """The pipeline's reply, with an HTML page (the one answer it leaves to Flask's templates)
    rendered in a request context of its own."""
    reply = answer(app, request, budget=budget)
    if reply.page is not None:
        template, values = reply.page
        with app.test_request_context("/sparql", base_url=request.base_url[:-len("/sparql")]):
            reply.whole = render_template(template, **values).encode()
        reply.headers = [("Content-Type", "text/html; charset=utf-8"), *reply.headers]
        reply.page = None
    return reply


async def _lifespan(receive: Receive, send: Send) -> None:
    """Nothing to start or stop: the app and its store are ready when this is called."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def app_from_env(threads: int | None = None) -> ComgraphASGI:
    """The ASGI app over the store in ``COMGRAPH_STORE``, for a gunicorn (or uvicorn)
    command line; ``COMGRAPH_THREADS`` sets the threads per process."""
    from comgraph.app import create_app

    if threads is None:
        threads = int(os.environ.get("COMGRAPH_THREADS") or DEFAULT_THREADS)
    return ComgraphASGI(create_app({}), threads)


class Worker(UvicornWorker):
    """uvicorn's gunicorn worker, set up for comgraph the way uvicorn-worker documents
    (``CONFIG_KWARGS``): httptools on uvloop (both are dependencies), no lifespan events
    (nothing to start), no Server header."""

    CONFIG_KWARGS = {"loop": "auto", "http": "httptools", "lifespan": "off", "server_header": False}
