"""Production serving: gunicorn or granian around the same ``create_app``.

``comgraph serve --workers N [--server gunicorn|granian]`` builds the app (and loads the data)
once, in the server's master process, and the server forks the workers from it, so they share
the loaded store's pages until they write. gunicorn (the default) handles HTTP in Python;
granian handles it in Rust (hyper/tokio) and calls the same WSGI app from a pool of Python
threads in each worker, which costs far less per request. The equivalent command lines, for a
store on disk or a remote engine, are::

    gunicorn --workers 2 --threads 4 --worker-class gthread --no-control-socket \\
        --bind 127.0.0.1:5000 'comgraph.app.wsgi:app_from_env()'
    granian --interface wsgi --factory --workers 2 --blocking-threads 4 \\
        --host 127.0.0.1 --port 5000 comgraph.app.wsgi:app_from_env

which open the store named by ``COMGRAPH_STORE`` (and read every other setting from the
environment, see docs/sparql-service.md).
"""

from __future__ import annotations

import multiprocessing
from typing import Any

from flask import Flask


def app_from_env() -> Flask:
    """The app over the store in ``COMGRAPH_STORE``, for a gunicorn or granian command line."""
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


def serve_with_granian(app: Flask, *, host: str, port: int, workers: int, threads: int) -> None:
    """Run ``app`` under granian (WSGI) with ``workers`` processes of ``threads`` threads each."""
    from granian import Granian
    from granian.constants import Interfaces

    # granian starts its workers with multiprocessing's default start method. They must be
    # forked, as gunicorn's are: the loader below hands each worker the app built here, store
    # and data included, which a spawned worker could not receive (Python 3.14 defaults to
    # forkserver, which granian turns into spawn).
    multiprocessing.set_start_method("fork", force=True)
    server = Granian(
        "comgraph.app.wsgi:app_from_env",  # only a label: the loader below ignores it
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        # The WSGI app runs on these Python threads; a query waiting on its forked child
        # (or on a remote engine) holds one, so other requests need the others.
        blocking_threads=threads,
        log_access=False,  # comgraph writes its own structured access log
        websockets=False,
    )
    server.serve(target_loader=lambda _target: app)
