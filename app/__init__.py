"""The comgraph web app: ``create_app(config)`` builds a Flask app around one Store.

No app is built at import time. The store comes in through ``config["STORE"]`` (a
:class:`comgraph.store.Store`) or is opened from ``config["STORE_URL"]``; every blueprint reaches
it through :func:`get_store`, never through pyoxigraph or HTTP directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, current_app

from comgraph.store import Store, open_store


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(STORE=None, STORE_URL=None, SHAPES_DIR=None)
    if config:
        app.config.from_mapping(config)
    if app.config["STORE"] is None:
        app.config["STORE"] = open_store(app.config["STORE_URL"])
    # MB each timed query may allocate (embedded store); None leaves the store's own setting
    # (COMGRAPH_QUERY_MEMORY or its default), 0 lifts the cap.
    app.config.setdefault("SPARQL_QUERY_MEMORY", None)
    if app.config["SPARQL_QUERY_MEMORY"] is not None:
        app.config["STORE"].limit_query_memory(int(app.config["SPARQL_QUERY_MEMORY"]))

    from comgraph.app import (
        catalog,
        checklist,
        dashboards,
        editor,
        errors,
        graph_store,
        home,
        lookahead,
        openapi,
        ops,
        pictures,
        resources,
        sparql,
        validation,
        views,
    )
    from comgraph.app.protocol import BodyOfUnknownLength

    ops.configure(app)
    errors.register(app)
    for module in (home, ops, sparql, validation, graph_store, editor, views,
                   dashboards, pictures, resources, checklist, catalog, openapi, lookahead):
        app.register_blueprint(module.bp)
    # The one WSGI middleware, installed here and nowhere else: a chunked body is read whole,
    # so the body cap refuses it instead of cutting it (see BodyOfUnknownLength).
    app.wsgi_app = BodyOfUnknownLength(app, app.wsgi_app)  # type: ignore[method-assign]
    return app


def get_store() -> Store:
    """The store this app serves."""
    return current_app.config["STORE"]
