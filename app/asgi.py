"""ASGI serving: the same Flask app behind gunicorn's uvicorn workers (or any ASGI server).

``comgraph serve --workers N`` runs gunicorn with :class:`Worker`, uvicorn's gunicorn worker:
gunicorn's master forks and supervises the workers, and each worker reads HTTP with uvicorn
(httptools, a C parser, on uvloop) instead of gunicorn's own Python parser, which alone cost
more CPU per request than the Oxigraph server spends on a whole cheap query (see
docs/sparql-service.md, "Benchmark").

:class:`ComgraphASGI` answers a plain GET query on ``/sparql`` (``sparql.plain_query``, the
same fast path that sits in front of Flask for WSGI servers) itself. A query the store
evaluates in the calling thread (``Store.evaluates_inline``: one triple pattern, one index
scan) runs on the event loop for at most ``INLINE_BUDGET``; any other query, or one that needs
longer, runs on a thread pool, so the event loop goes on reading other requests while it
runs. Its time limit holds as everywhere else (the store stops it, or kills the child it runs
in). Every other request goes to the Flask app through a2wsgi's WSGI bridge, with its own
thread pool, so a long Graph Store upload or a streamed CONSTRUCT is served as under any WSGI
server.

A gunicorn command line for a store on disk or a remote engine::

    gunicorn --workers 2 --worker-class comgraph.app.asgi.Worker --no-control-socket \\
        --bind 127.0.0.1:5000 'comgraph.app.asgi:app_from_env()'
"""

from __future__ import annotations

import asyncio
import functools
import os
import time
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from a2wsgi import WSGIMiddleware
from comgraph.app.query_guard import needs_parse
from comgraph.app.sparql import OverBudget, answer_plain_query, plain_query
from flask import Flask
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn_worker import UvicornWorker

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

#: How many threads evaluate fast-path queries, and how many run Flask, in each process.
DEFAULT_THREADS = 4
#: The longest a query evaluated inline may hold the event loop (seconds): every other
#: connection of the worker waits meanwhile.
INLINE_BUDGET = 0.002


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
            if await self._plain_query(scope, send):
                return
        elif scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        await self.wsgi(scope, receive, send)

    async def _plain_query(self, scope: Scope, send: Send) -> bool:
        accept = host = origin = None
        for name, value in scope["headers"]:
            if name == b"accept":
                if accept is not None:  # several Accept headers: Flask reads them all
                    return False
                accept = value.decode("latin-1")
            elif name == b"host":
                host = value.decode("latin-1")
            elif name == b"origin":
                origin = value.decode("latin-1")
        taken = plain_query(scope["query_string"].decode("latin-1"), accept, host or "")
        if taken is None:
            return False
        client = scope.get("client")
        answer_it = functools.partial(
            answer_plain_query, self.app, taken, accept_header=accept, host=host or "",
            scheme=scope.get("scheme", "http"), origin=origin, remote=client[0] if client else None,
            started=time.perf_counter())
        answer = None
        if self.app.config["STORE"].evaluates_inline(taken[0]) and not needs_parse(taken[0]):
            # A lookup answered by one index scan costs less than handing it to a thread
            # (measured: about half the CPU per request), so it runs here, on the event loop,
            # for at most INLINE_BUDGET; a scan that needs longer starts again on a thread. A
            # text the guard must parse (a helper process's round trip) goes to a thread.
            try:
                answer = answer_it(budget=INLINE_BUDGET)
            except OverBudget:
                pass
        if answer is None:
            answer = await asyncio.get_running_loop().run_in_executor(self.pool(), answer_it)
        await send({"type": "http.response.start", "status": answer.status,
                    "headers": [(name.lower().encode("latin-1"), value.encode("latin-1"))
                                for name, value in answer.headers]})
        if answer.whole is not None:
            await send({"type": "http.response.body", "body": answer.whole})
            return True
        # A big answer: its chunks are read from a spool that is already written (a local
        # file), so they are read here; send() waits while the client's socket is full.
        try:
            for chunk in answer.chunks or ():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            close = getattr(answer.chunks, "close", None)
            if close is not None:
                close()
        return True


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
    """The ASGI app over the store in ``COMGRAPH_STORE``, for a gunicorn (or uvicorn, granian,
    hypercorn) command line; ``COMGRAPH_THREADS`` sets the threads per process."""
    from comgraph.app import create_app

    if threads is None:
        threads = int(os.environ.get("COMGRAPH_THREADS") or DEFAULT_THREADS)
    return ComgraphASGI(create_app({}), threads)


class _CoalescingTransport:
    """A transport whose writes made in one turn of the event loop go out as one write.

    uvicorn writes a response's status line and headers as soon as the app starts the response,
    and the body in a second write: two system calls and two TCP segments for every small
    answer, and the client woken twice. Joined, a small answer costs one (measured with a
    constant-body app under the same gunicorn: a third more requests per second). Order is
    kept; what waits is written before the transport is closed. Once ``FLUSH_AT`` bytes wait
    they are written at once: a streamed answer's chunks are sent without a turn of the loop in
    between, and only what reaches the transport makes uvicorn's flow control wait for the
    client, so without this a whole big answer would be joined in memory first.
    """

    FLUSH_AT = 1 << 16

    __slots__ = ("_transport", "_loop", "_pending", "_size")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop):
        self._transport, self._loop = transport, loop
        self._pending: list[bytes] = []
        self._size = 0

    def write(self, data: bytes) -> None:
        if not self._pending:
            self._loop.call_soon(self._flush)
        self._pending.append(data)
        self._size += len(data)
        if self._size >= self.FLUSH_AT:
            self._flush()

    def _flush(self) -> None:
        pending, self._pending, self._size = self._pending, [], 0
        if pending and not self._transport.is_closing():
            self._transport.write(b"".join(pending))

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:  # everything else is the transport's own
        return getattr(self._transport, name)


class _HttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, writing through a :class:`_CoalescingTransport`."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(_CoalescingTransport(transport, asyncio.get_running_loop()))


class Worker(UvicornWorker):
    """uvicorn's gunicorn worker, set up for comgraph: httptools (through
    :class:`_HttpProtocol`) on uvloop when installed (both are dependencies), no lifespan
    events (nothing to start), no Server header."""

    CONFIG_KWARGS = {"loop": "auto", "http": _HttpProtocol, "lifespan": "off", "server_header": False}
