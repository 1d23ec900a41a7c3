"""Production serving for ``comgraph serve --workers N``: gunicorn with uvicorn workers.

The app (and the data it loads) is built once, in gunicorn's master process, and gunicorn
forks the workers from it, so they share the loaded store's pages until they write. gunicorn's
master supervises ``N`` uvicorn workers (:class:`comgraph.app.asgi.Worker`), which read HTTP in
C (httptools on uvloop) and serve :class:`comgraph.app.asgi.ComgraphASGI`: GET queries through
the request pipeline, answered on the event loop (lookups) or a thread pool, everything else
through the WSGI bridge to Flask.

This is the one production server. (granian, HTTP in Rust with the app as WSGI, was a second
one until the request pipeline was made one: it was measured behind gunicorn on the cheap
query, 0.23x against 0.29x, and it needed a WSGI shortcut of its own in front of Flask.) The
equivalent command line is in ``comgraph.app.asgi``; ``make serve`` runs werkzeug's server,
one process, for development.
"""

from __future__ import annotations

from typing import Any

from flask import Flask


def serve_with_gunicorn(app: Flask, *, host: str, port: int, workers: int, threads: int) -> None:
    """Run ``app`` under gunicorn: ``workers`` uvicorn worker processes, each evaluating
    queries on ``threads`` threads."""
    from comgraph.app.asgi import ComgraphASGI
    from gunicorn.app.base import BaseApplication

    served = ComgraphASGI(app, threads)

    class _Server(BaseApplication):
        def load_config(self) -> None:
            settings: dict[str, Any] = {
                "bind": f"{host}:{port}",
                "workers": workers,
                "worker_class": "comgraph.app.asgi.Worker",
                "preload_app": True,
                "control_socket_disable": True,  # else gunicorn writes to ~/.gunicorn/
                "accesslog": None,  # comgraph writes its own structured access log
                "keepalive": 5,
            }
            for key, value in settings.items():
                if key in self.cfg.settings:
                    self.cfg.set(key, value)

        def load(self) -> Any:
            return served

    _Server().run()
