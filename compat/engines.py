"""The engines compat runs against: how each is started, addressed, emptied and named.

An :class:`Engine` is a running SPARQL 1.1 engine as comgraph sees it: the ``--store`` URL, the
environment a ``comgraph`` process needs for it (``COMGRAPH_GRAPH_STORE_URL`` …), the graph
compat loads data into (``None``: the default graph; Virtuoso has no plain default graph, so a
named one), and how to empty it between phases. Emptying is the harness's own business (not
comgraph's), so a comgraph bug in ``DROP ALL`` cannot leave one phase's data in the next.
"""

from __future__ import annotations

import contextlib
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import requests

from compat.virtuoso import VirtuosoServer, virtuoso_installed
from tests.oxigraph_server import OxigraphServer, oxigraph_binary

#: The named graph compat loads the data into on an engine without a plain default graph.
DATA_GRAPH = "urn:comgraph:compat:data"

#: Every engine compat knows, in the order it runs them.
KNOWN = ("oxigraph", "virtuoso")


@dataclass
class Engine:
    name: str
    version: str
    store_url: str
    env: dict[str, str] = field(default_factory=dict)
    data_graph: str | None = None
    clear: Callable[[], None] = lambda: None


def available(name: str) -> str | None:
    """None when ``name`` can run here, else why not (one line)."""
    if name == "oxigraph":
        try:
            oxigraph_binary()
        except RuntimeError as exc:
            return str(exc)
        return None
    if name == "virtuoso":
        return None if virtuoso_installed() else "not installed (apt-get install -y virtuoso-opensource)"
    return f"unknown engine {name!r} (known: {', '.join(KNOWN)})"


def install_virtuoso_if_root() -> None:
    """Like the Makefile's browser target: install Debian's Virtuoso when running as root with
    apt, so a CI box gets it; elsewhere compat says how."""
    import os
    import shutil

    if virtuoso_installed() or os.geteuid() != 0 or not shutil.which("apt-get"):
        return
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    if subprocess.run(["apt-get", "install", "-y", "-q", "virtuoso-opensource"], **quiet).returncode:
        subprocess.run(["apt-get", "update", "-q"], **quiet)
        subprocess.run(["apt-get", "install", "-y", "-q", "virtuoso-opensource"], **quiet)


@contextlib.contextmanager
def start(name: str) -> Iterator[Engine]:
    """The engine called ``name``, running on free ports of 127.0.0.1, stopped on exit."""
    if name == "oxigraph":
        with OxigraphServer() as server:
            version = subprocess.run([oxigraph_binary(), "--version"], capture_output=True,
                                     text=True, timeout=30).stdout.strip()
            yield Engine("oxigraph", f"Oxigraph server {version.split()[-1] if version else '?'}",
                         server.store_url, clear=server.clear)
        return
    if name == "virtuoso":
        with tempfile.TemporaryDirectory(prefix="comgraph-compat-virtuoso-") as folder, \
                VirtuosoServer(Path(folder)) as server:
            system = _graphs(server.query_url)
            yield Engine("virtuoso", server.version(), server.store_url,
                         # The dba credentials are ignored by the anonymous endpoints; they are
                         # there for a store that moves to /sparql-auth (HTTP Digest).
                         env={"COMGRAPH_GRAPH_STORE_URL": server.graph_store_url,
                              "COMGRAPH_STORE_USER": "dba", "COMGRAPH_STORE_PASSWORD": "dba"},
                         data_graph=DATA_GRAPH, clear=lambda: _drop_graphs_but(server, system))
        return
    raise ValueError(available(name))


def _graphs(query_url: str) -> set[str]:
    answer = requests.post(query_url, data={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"},
                           headers={"Accept": "application/sparql-results+json"}, timeout=120)
    answer.raise_for_status()
    return {b["g"]["value"] for b in answer.json()["results"]["bindings"]}


def _drop_graphs_but(server: VirtuosoServer, keep: set[str]) -> None:
    """Drop every graph Virtuoso did not start with (its system graphs stay): ``DROP ALL``
    answers 200 there and drops nothing."""
    for graph in sorted(_graphs(server.query_url) - keep):
        if graph.startswith(server.base):  # Virtuoso's own, made on first use of an endpoint
            continue
        requests.post(server.query_url, data={"update": f"DROP SILENT GRAPH <{graph}>"},
                      timeout=120).raise_for_status()
