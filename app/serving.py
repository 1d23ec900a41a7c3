"""Production serving for ``comgraph serve --workers N [--server gunicorn|granian]``.

The app (and the data it loads) is built once, in the server's master process, and the server
forks the workers from it, so they share the loaded store's pages until they write.

* **gunicorn** (the default): gunicorn's master supervises ``N`` uvicorn workers
  (:class:`comgraph.app.asgi.Worker`), which read HTTP in C (httptools on uvloop) and serve
  :class:`comgraph.app.asgi.ComgraphASGI`: plain GET queries answered on the event loop
  (lookups) or a thread pool, everything else through the WSGI bridge to Flask.
* **granian**: HTTP in Rust (hyper/tokio), the Flask app called as WSGI from a pool of Python
  threads in each worker.

The equivalent command lines are in ``comgraph.app.asgi`` and ``comgraph.app.wsgi``.
"""

from __future__ import annotations

import multiprocessing
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
