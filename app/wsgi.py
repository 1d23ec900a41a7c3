"""The WSGI entry point, for WSGI servers' command lines.

``comgraph serve --workers N`` (``comgraph.app.serving``) runs gunicorn with uvicorn workers
(``comgraph.app.asgi``). Any WSGI server can run the same ``create_app`` from the environment,
for a store on disk or a remote engine, for example::

    gunicorn --workers 2 --threads 4 --worker-class gthread --no-control-socket \\
        --bind 127.0.0.1:5000 'comgraph.app.wsgi:app_from_env()'

which open the store named by ``COMGRAPH_STORE`` and read every other setting from the
environment (see docs/sparql-service.md). gunicorn's own gthread workers parse HTTP in Python,
which costs more per request than uvicorn's workers (``comgraph.app.asgi``).
"""

from __future__ import annotations

from flask import Flask


def app_from_env() -> Flask:
    """The app over the store in ``COMGRAPH_STORE``, for a WSGI server's command line."""
    from comgraph.app import create_app

    return create_app({})
