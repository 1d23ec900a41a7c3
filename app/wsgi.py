"""Production serving: gunicorn around the same ``create_app``.

``comgraph serve --workers N`` builds the app (and loads the data) once, in gunicorn's master
process, and gunicorn forks the workers from it, so they share the loaded store's pages until
they write. The equivalent command line, for a store on disk or a remote engine, is::

    gunicorn --workers 2 --threads 4 --worker-class gthread --no-control-socket \\
        --bind 127.0.0.1:5000 'comgraph.app.wsgi:app_from_env()'

which opens the store named by ``COMGRAPH_STORE`` (and reads every other setting from the
environment, see docs/sparql-service.md).
"""

from __future__ import annotations

from typing import Any

from flask import Flask


def app_from_env() -> Flask:
    """The app over the store in ``COMGRAPH_STORE``, for a gunicorn command line."""
    from comgraph.app import create_app

    return create_app({})


def serve_with_gunicorn(app: Flask, *, host: str, port: int, workers: int, threads: int) -> None:
    """Run ``app`` under gunicorn with ``workers`` processes of ``threads`` threads each."""
    from gunicorn.app.base import BaseApplication

    class _Server(BaseApplication):
        def load_config(self) -> None:
            settings: dict[str, Any] = {
                "bind": f"{host}:{port}",
                "workers": workers,
                "threads": threads,
                "worker_class": "gthread",
                "preload_app": True,
                "control_socket_disable": True,  # else gunicorn writes to ~/.gunicorn/
                "accesslog": None,  # comgraph writes its own structured access log
                "keepalive": 5,
            }
            for key, value in settings.items():
                if key in self.cfg.settings:
                    self.cfg.set(key, value)

        def load(self) -> Flask:
            return app

    _Server().run()
