"""Operations: health and readiness, Prometheus metrics, access and slow-query logs, CORS.

* ``/healthz`` says the process answers; ``/readyz`` runs an ASK against the store.
* ``/metrics`` is Prometheus text: requests by endpoint, method and status, a latency histogram,
  query timeouts, queries running now, and answers cut by the row cap. Under gunicorn with
  several workers (``PROMETHEUS_MULTIPROC_DIR`` set) it adds up every worker's numbers.
* Each request writes one JSON line to the ``comgraph.access`` logger (with the query's hash,
  duration and row count); a query slower than ``SLOW_QUERY_SECONDS`` also goes, whole, to
  ``comgraph.slow``.
* CORS: origins in ``CORS_ORIGINS`` (empty by default; ``*`` only if configured) get CORS
  headers on every answer, errors included; every answer gets the security headers.

The service's settings get their defaults here (:func:`configure`, called by ``create_app``),
from the environment where one applies. Errors are answered by :mod:`comgraph.app.errors`;
``comgraph serve``'s logging is :mod:`comgraph.app.serve_logging`.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from comgraph.app import get_store
from flask import Blueprint, Response, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST as PROMETHEUS_TEXT
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from werkzeug.datastructures import Headers

from comgraph.sparql_text import query_hash as text_hash
from comgraph.store import StoreError

bp = Blueprint("ops", __name__)
access_log = logging.getLogger("comgraph.access")
slow_log = logging.getLogger("comgraph.slow")

EXPOSED_HEADERS = "X-Comgraph-Rows, X-Comgraph-Row-Cap, X-Comgraph-Truncated, Location"

#: The two <style> elements the bundled YASGUI adds to the page (its results table's column
#: resizer: its own stylesheet, and a col-resize cursor while a column is dragged), allowed by
#: hash rather than by 'unsafe-inline'. `make yasgui` may change them:
#: tests/test_security_headers.py recomputes both from app/static/vendor/yasgui/yasgui.min.js.
EDITOR_STYLE_HASHES = (
    "sha256-zCK2EVMoPc04mRF/g5CotUvxbJPWS+8V0b+s9ptqQIk=",  # " .grip-resizable{table-layout:...}"
    "sha256-c0O6TmFAkgpNbHxKAa1BrveWHHopjEtC47i0PzMudxg=",  # "*{cursor:col-resize!important}"
)
#: Everything a page uses comes from this service: scripts and styles are files under /static
#: (no inline script, no eval, no inline style but the editor's two above), the editor's
#: queries go to /sparql, and no other site may frame a page. YASGUI works under it:
#: tests/test_editor_browser.py.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' " + " ".join(f"'{h}'" for h in EDITOR_STYLE_HASHES),
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def policy_allowing_styles_of(html: str) -> str:
    """The policy, also allowing the inline <style> blocks of this generated page by their hash
    (pyLODE's ontology documentation carries its stylesheet inline)."""
    import base64
    import hashlib

    hashes = [base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()
              for block in re.findall(r"<style[^>]*>(.*?)</style>", html, re.DOTALL | re.IGNORECASE)]
    if not hashes:
        return CONTENT_SECURITY_POLICY
    extra = " ".join(f"'sha256-{h}'" for h in hashes)
    return CONTENT_SECURITY_POLICY.replace("style-src 'self'", f"style-src 'self' {extra}", 1)


#: On every answer, whichever adapter serves it (Flask's hook below, the ASGI adapter): finish_headers.
SECURITY_HEADERS = [("X-Content-Type-Options", "nosniff"),
                    ("Content-Security-Policy", CONTENT_SECURITY_POLICY)]


def _env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def configure(app: Any) -> None:
    """Give the service's settings their defaults (from the environment where one applies)
    and the app its metrics; ``create_app`` calls this before registering the blueprints."""
    config = app.config
    config.setdefault("SPARQL_TIMEOUT", float(os.environ.get("COMGRAPH_QUERY_TIMEOUT", 30)))
    config.setdefault("SPARQL_MAX_ROWS", int(os.environ.get("COMGRAPH_MAX_ROWS", 100_000)))
    config.setdefault("SPARQL_UPDATE_TOKEN", os.environ.get("COMGRAPH_UPDATE_TOKEN") or None)
    config.setdefault("SPARQL_READ_ONLY", None)
    config.setdefault("SPARQL_ALLOW_SERVICE", False)
    config.setdefault("SPARQL_ALLOW_LOAD", False)
    config.setdefault("SPARQL_ALLOW_REMOTE_FROM", False)
    config.setdefault("CORS_ORIGINS", _env_list("COMGRAPH_CORS_ORIGINS"))
    # How long a remote engine's counts in the service description are kept (the embedded
    # store's are kept until it changes).
    config.setdefault("SPARQL_DESCRIPTION_TTL", float(os.environ.get("COMGRAPH_DESCRIPTION_TTL", 10)))
    config.setdefault("SLOW_QUERY_SECONDS", float(os.environ.get("COMGRAPH_SLOW_QUERY_SECONDS", 1)))
    if config.get("MAX_CONTENT_LENGTH") is None:
        config["MAX_CONTENT_LENGTH"] = int(os.environ.get("COMGRAPH_MAX_BODY", 16 << 20))
    app.extensions["comgraph.metrics"] = Metrics()


# -- metrics ---------------------------------------------------------------------------------


class Metrics:
    """The app's Prometheus metrics, in a registry of its own (tests build many apps)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter("comgraph_http_requests", "HTTP requests answered",
                                ["endpoint", "method", "status"], registry=self.registry)
        self.latency = Histogram("comgraph_http_request_duration_seconds",
                                 "Time to answer a request (until the body starts)", ["endpoint"],
                                 buckets=(.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5,
                                          5, 10, 30, 60),
                                 registry=self.registry)
        self.timeouts = Counter("comgraph_query_timeouts", "Queries stopped by their time limit",
                                registry=self.registry)
        self.running = Gauge("comgraph_queries_running", "Queries being evaluated now",
                             registry=self.registry, multiprocess_mode="livesum")
        self.truncated = Counter("comgraph_results_truncated",
                                 "Answers cut by the row cap (signalled to the client)",
                                 registry=self.registry)
        # The labelled children, looked up once per label set: .labels() checks and joins its
        # arguments under a lock on every call, a noticeable share of a cheap query's cost.
        self._counted: dict[tuple[str, str, int], Any] = {}
        self._timed: dict[str, Any] = {}

    def count_request(self, endpoint: str, method: str, status: int, elapsed: float) -> None:
        """Count one answered request and observe its latency."""
        counter = self._counted.get((endpoint, method, status))
        if counter is None:
            counter = self._counted[endpoint, method, status] = \
                self.requests.labels(endpoint, method, str(status))
        counter.inc()
        timer = self._timed.get(endpoint)
        if timer is None:
            timer = self._timed[endpoint] = self.latency.labels(endpoint)
        timer.observe(elapsed)

    def exposition(self) -> bytes:
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return generate_latest(registry)
        return generate_latest(self.registry)


def metrics() -> Metrics:
    return current_app.extensions["comgraph.metrics"]


@dataclass
class QueryOutcome:
    timed_out: bool = False


class note_query:  # noqa: N801 - used as a function: ``with note_query(m) as outcome``
    """Count a query as running while it is evaluated, and count it if it times out.

    A class rather than a generator-based context manager: it runs on every query, and
    ``contextlib`` costs several times more per use.
    """

    __slots__ = ("m", "outcome")

    def __init__(self, m: Metrics | None = None) -> None:
        self.m = m or metrics()
        self.outcome = QueryOutcome()

    def __enter__(self) -> QueryOutcome:
        self.m.running.inc()
        return self.outcome

    def __exit__(self, *exc: object) -> None:
        self.m.running.dec()
        if self.outcome.timed_out:
            self.m.timeouts.inc()


# -- endpoints -------------------------------------------------------------------------------


@bp.get("/healthz")
def healthz() -> Response:
    return Response("ok\n", mimetype="text/plain")


@bp.get("/readyz")
def readyz() -> Response:
    try:
        get_store().ask("ASK { }", timeout=5.0)
    except StoreError as exc:
        return Response(f"not ready: {exc}\n", status=503, mimetype="text/plain")
    return Response("ready\n", mimetype="text/plain")


@bp.get("/metrics")
def prometheus() -> Response:
    return Response(metrics().exposition(), content_type=PROMETHEUS_TEXT)


# -- per-request hooks -----------------------------------------------------------------------


@bp.before_app_request
def _start_clock() -> None:
    g.started = time.perf_counter()


@bp.after_app_request
def _finish(response: Response) -> Response:
    response.headers = Headers(finish_headers(response.headers.to_wsgi_list(), current_app.config,
                                              request.method, request.headers))
    started = g.get("started")
    if started is None:
        return response
    record_request(current_app, method=request.method, path=request.path,
                   endpoint=request.endpoint or "unmatched", status=response.status_code,
                   elapsed=time.perf_counter() - started, rows=g.get("rows"),
                   remote=request.remote_addr, query=g.get("query_text"))
    return response


#: The most of a query's text the slow-query log keeps (the hash names the whole of it): a
#: 16 MiB query must not become a 16 MiB log line.
SLOW_LOG_QUERY_CHARS = 2000


def _shortened(query: str | None) -> str | None:
    if query is None or len(query) <= SLOW_LOG_QUERY_CHARS:
        return query
    return f"{query[:SLOW_LOG_QUERY_CHARS]}… [{len(query) - SLOW_LOG_QUERY_CHARS} more characters]"


def record_request(app: Any, *, method: str, path: str, endpoint: str, status: int, elapsed: float,
                   rows: int | None, remote: str | None, query: str | None) -> None:
    """Metrics, the access log line and the slow-query log for one answered request.

    Called by the Flask hook above and by the ASGI adapter (``comgraph.app.asgi``), which
    answers GET queries without Flask's request machinery but leaves the same traces.
    """
    query_hash = None if query is None else text_hash(query)
    m = app.extensions.get("comgraph.metrics")
    if m is not None:
        m.count_request(endpoint, method, status, elapsed)
    duration_ms = round(elapsed * 1000, 3)
    sink = _access_sink
    if sink is not None or access_log.isEnabledFor(logging.INFO):  # logging caches the answer
        line = json.dumps({
            "time": utc_timestamp(), "method": method, "path": path, "endpoint": endpoint,
            "status": status, "duration_ms": duration_ms,
            "query_hash": query_hash, "rows": rows, "remote": remote,
        })
        if sink is not None:
            sink(line)
        else:
            _emit(access_log, logging.INFO, line)
    if query is not None and elapsed >= app.config["SLOW_QUERY_SECONDS"]:
        slow_log.warning(json.dumps({
            "time": utc_timestamp(), "duration_ms": duration_ms, "status": status,
            "query_hash": query_hash, "rows": rows, "query": _shortened(query),
        }))


#: Where access-log lines go straight, without a LogRecord: the batched handler's
#: ``write_line``, once :func:`comgraph.app.serve_logging.configure_serve_logging` has made it
#: the access log's only handler (``comgraph serve`` owns its process's logging). None: through
#: the ``comgraph.access`` logger.
_access_sink: Callable[[str], None] | None = None


def send_access_lines_to(sink: Callable[[str], None] | None) -> None:
    """Write access-log lines straight to ``sink`` (None: through the logger again)."""
    global _access_sink
    _access_sink = sink

_SECOND: list[Any] = [None, ""]


def utc_timestamp() -> str:
    """Now, as RFC 3339 UTC with milliseconds (``2026-11-30T18:10:39.123Z``). The part up to
    the second is made once per second: this runs for every request."""
    now = time.time()
    second = int(now)
    if _SECOND[0] != second:
        _SECOND[:] = [second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))]
    return f"{_SECOND[1]}.{int((now - second) * 1000):03d}Z"


def _emit(logger: logging.Logger, level: int, message: str) -> None:
    """Log ``message`` as ``logger.log(level, message)`` would, minus the caller lookup.

    ``Logger._log`` walks the stack (``findCaller``) for the record's file and line on every
    call; for the access log they are always this function, so the record is made with them
    given. Filters, handlers, propagation and ``caplog`` see an ordinary record.
    """
    record = logger.makeRecord(logger.name, level, __file__, _EMIT_LINE, message, None, None,
                               func="record_request")
    logger.handle(record)


_EMIT_LINE = _emit.__code__.co_firstlineno


def cors_headers(allowed: list[str], origin: str | None) -> list[tuple[str, str]]:
    """The CORS headers for an answer to ``origin`` (none when it is not allowed)."""
    if not origin or not allowed:
        return []
    if "*" in allowed:
        return [("Access-Control-Allow-Origin", "*"),
                ("Access-Control-Expose-Headers", EXPOSED_HEADERS)]
    if origin in allowed:
        return [("Access-Control-Allow-Origin", origin), ("Vary", "Origin"),
                ("Access-Control-Expose-Headers", EXPOSED_HEADERS)]
    return []


def finish_headers(headers: list[tuple[str, str]], config: Any, method: str,
                   request_headers: Any) -> list[tuple[str, str]]:
    """``headers`` with what every answer carries: the CORS headers for the request's Origin,
    and the security headers (unless the answer set its own). The Flask hook and the ASGI
    adapter both call this. A plain list, not werkzeug's Headers: this runs on every request,
    and Headers' lookups of a missing name cost more than the rest of it."""
    cors = cors_headers(config.get("CORS_ORIGINS") or [], request_headers.get("Origin"))
    if cors:
        headers = list(headers)
        for name, value in cors:
            if name == "Vary":
                headers = _vary_with(headers, value)
                continue
            headers = [(n, v) for n, v in headers if n.lower() != name.lower()] + [(name, value)]
        if method == "OPTIONS":
            headers += [("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, HEAD, OPTIONS"),
                        ("Access-Control-Allow-Headers", request_headers.get(
                            "Access-Control-Request-Headers", "Content-Type, Authorization")),
                        ("Access-Control-Max-Age", "600")]
    present = {name.lower() for name, _ in headers}
    return headers + [(name, value) for name, value in SECURITY_HEADERS if name.lower() not in present]


def _vary_with(headers: list[tuple[str, str]], value: str) -> list[tuple[str, str]]:
    for index, (name, current) in enumerate(headers):
        if name.lower() == "vary":
            if value not in [v.strip() for v in current.split(",")]:
                headers[index] = (name, f"{current}, {value}")
            return headers
    return [*headers, ("Vary", value)]
