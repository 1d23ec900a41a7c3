"""The error table: which HTTP status each kind of error gets, on every route.

A refusal (:class:`ProtocolError`) carries its own status. A store error is mapped here, and
only here, so an unreachable store is 503 whether a query, an update, the Graph Store, a view
or a resource page met it, and a timeout carries ``Retry-After`` wherever it happens:

==============================  ======  =====================================================
error                           status  why
==============================  ======  =====================================================
QueryTimeout                    503     the time limit stopped it; ``Retry-After: 1``
QueryMemoryExceeded             503     the memory cap stopped it, like the time limit
StoreUnavailable                503     the store (a remote engine) cannot be reached, or its
                                        answer was cut off (``EngineAnswerBroken``)
QueryError                      400     the query or update does not parse or is refused
LoadError                       400     the RDF sent does not parse
any other StoreError            500     the store failed in a way nobody asked for
==============================  ======  =====================================================

A row cap is not an error: the answer is 200 with ``X-Comgraph-Row-Cap`` and
``X-Comgraph-Truncated`` (:mod:`comgraph.app.pipeline`). The body of every error is
``text/plain``, one line that says what was wrong. :func:`register` installs the handlers once,
in ``create_app``; the request pipeline calls :func:`describe` for the answers it writes itself.
"""

from __future__ import annotations

from comgraph.app.protocol import ProtocolError
from flask import Flask, Response, current_app
from werkzeug.exceptions import HTTPException

from comgraph.store import (
    LoadError,
    QueryError,
    QueryMemoryExceeded,
    QueryTimeout,
    StoreError,
    StoreUnavailable,
)

#: (error class, status, extra headers), most specific first.
TABLE: list[tuple[type[StoreError], int, dict[str, str]]] = [
    (QueryTimeout, 503, {"Retry-After": "1"}),
    (QueryMemoryExceeded, 503, {}),
    (StoreUnavailable, 503, {}),
    (QueryError, 400, {}),
    (LoadError, 400, {}),
    (StoreError, 500, {}),
]


def describe(error: ProtocolError | StoreError) -> tuple[int, str, dict[str, str]]:
    """The status, the message and the extra headers that answer ``error``."""
    if isinstance(error, ProtocolError):
        return error.status, error.message, error.headers
    for kind, status, headers in TABLE:
        if isinstance(error, kind):
            return status, _message(error), headers
    raise TypeError(f"not an error the table knows: {error!r}")


def _message(error: StoreError) -> str:
    if isinstance(error, QueryError):
        return f"malformed query or update: {error}"
    if isinstance(error, LoadError):
        return f"the RDF does not parse: {error}"
    return str(error)


def plain(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return Response(f"{message}\n", status=status, mimetype="text/plain", headers=headers)


def _answer(error: ProtocolError | StoreError) -> Response:
    return plain(*describe(error))


def _http_error(error: HTTPException) -> Response:
    if error.code == 404:  # in the app's layout for browsers, with the closest names
        from comgraph.app import not_found

        return not_found.answer(error)
    response = error.get_response()
    if error.code == 413:
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        text = f"the request body is larger than this server accepts ({limit} bytes)"
    else:
        text = f"{error.name}: {error.description}"
    response.set_data(f"{text}\n")
    response.mimetype = "text/plain"
    return response


def register(app: Flask) -> None:
    """Answer every refusal, store error and HTTP error of ``app`` through the table."""
    app.register_error_handler(ProtocolError, _answer)
    app.register_error_handler(StoreError, _answer)
    app.register_error_handler(HTTPException, _http_error)
