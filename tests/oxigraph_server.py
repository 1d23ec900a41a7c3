"""A real Oxigraph server process for tests: started on 127.0.0.1 on a free port, stopped after."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import requests

from tests.readiness import wait_until_ready


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def oxigraph_binary() -> str:
    beside = Path(sys.executable).parent / "oxigraph"
    found = str(beside) if beside.exists() else shutil.which("oxigraph")
    if not found:
        raise RuntimeError("the Oxigraph server is missing: pip install oxigraph (a dev dependency)")
    return found


class OxigraphServer:
    """``oxigraph serve`` in a temporary folder. Use as a context manager."""

    def __init__(self, *extra_args: str):
        self.extra_args = extra_args
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.query_url = f"{self.base}/query"
        self.store_url = f"sparql+{self.query_url}"
        self._dir = tempfile.TemporaryDirectory(prefix="comgraph-oxigraph-")
        self._process: subprocess.Popen | None = None

    def __enter__(self) -> OxigraphServer:
        self._process = subprocess.Popen(
            [oxigraph_binary(), "serve", "--location", self._dir.name,
             "--bind", f"127.0.0.1:{self.port}", *self.extra_args],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        try:
            wait_until_ready(self.query_url, self._process, status=None)  # any answer: it is up
        except BaseException:
            self.__exit__()
            raise
        return self

    def clear(self) -> None:
        requests.post(f"{self.base}/update", data={"update": "DROP ALL"}, timeout=30).raise_for_status()

    def __exit__(self, *exc: object) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
            if self._process.stderr:
                self._process.stderr.close()
        self._dir.cleanup()
