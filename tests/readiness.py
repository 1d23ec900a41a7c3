"""Waiting for a server process that a test started: poll until it answers, within a generous deadline.

A loaded 2-core CI box can take tens of seconds to start a server and seconds to answer its first
request, so one slow answer (a read timeout) is a reason to ask again, never a failure; only the
overall deadline, or the process exiting, ends the wait.
"""

from __future__ import annotations

import contextlib
import http.server
import socketserver
import subprocess
import threading
import time
from collections.abc import Iterator
from typing import Any

import requests

DEADLINE = 120.0  # seconds for a server to start answering
ASK_TIMEOUT = 10.0  # seconds one readiness request may take before it is asked again


def wait_until_ready(url: str, process: subprocess.Popen | None = None, *, within: float = DEADLINE,
                     status: int | None = 200) -> None:
    """Return once GET `url` answers with `status` (any answer when None); raise RuntimeError when
    `process` exits first (with its stderr, when piped) or nothing answered within `within` s."""
    deadline = time.monotonic() + within
    while True:
        if process is not None and process.poll() is not None:
            said = process.stderr.read().decode(errors="replace")[-2000:] if process.stderr else ""
            raise RuntimeError(f"{process.args} exited with {process.returncode} before {url} "
                               f"answered: {said}")
        try:
            answer = requests.get(url, timeout=ASK_TIMEOUT)
            if status is None or answer.status_code == status:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer within {within:.0f} s")
        time.sleep(0.1)


@contextlib.contextmanager
def serving(server: socketserver.BaseServer) -> Iterator[str]:
    """``server`` (an ``http.server`` or werkzeug server bound to 127.0.0.1) answering from a
    thread; yields ``http://127.0.0.1:PORT``, then shuts it down and closes its socket."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=30)


def serving_app(app: Any) -> contextlib.AbstractContextManager[str]:
    """A WSGI app (the comgraph app) served by werkzeug on a free port of 127.0.0.1."""
    from werkzeug.serving import make_server

    return serving(make_server("127.0.0.1", 0, app, threaded=True))


def serving_handler(handler: type[http.server.BaseHTTPRequestHandler],
                    ) -> contextlib.AbstractContextManager[str]:
    """A fake engine or feed: ``handler`` answering on a free port of 127.0.0.1."""
    return serving(http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler))
