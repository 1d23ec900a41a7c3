"""The Store seam: the one way comgraph reads and writes a graph.

Every part of comgraph (CLI, web app, validation, query catalogue, importers) talks to a
:class:`Store`. Two implementations sit behind it, chosen by a single store URL:

* ``oxigraph:`` — an embedded in-memory pyoxigraph store;
* ``oxigraph:///path/to/folder`` — an embedded pyoxigraph store on disk;
* ``sparql+http://host:port/query`` (or ``sparql+https://``) — any SPARQL 1.1 endpoint, through the
  SPARQL 1.1 Protocol and the Graph Store Protocol, following its engine's profile
  (:class:`EngineProfile`: named by ``engine=``/``COMGRAPH_ENGINE`` or detected).

Results are pyoxigraph's own result types on every store (``QuerySolutions``, ``QueryBoolean``,
``QueryTriples``), so callers never care which engine answered and can let pyoxigraph serialise
results straight to bytes.
"""

from __future__ import annotations

from comgraph.store.base import (
    EngineAnswerBroken,
    LoadError,
    QueryError,
    QueryMemoryExceeded,
    QueryResult,
    QueryTimeout,
    Source,
    Store,
    StoreError,
    StoreUnavailable,
)
from comgraph.store.engines import PROFILES, EngineProfile
from comgraph.store.formats import FORMAT_NAMES, format_for_path, parse_format
from comgraph.store.url import DEFAULT_STORE_URL, open_store, store_url_from_env

__all__ = [
    "DEFAULT_STORE_URL",
    "LoadError",
    "QueryError",
    "QueryMemoryExceeded",
    "QueryResult",
    "QueryTimeout",
    "Source",
    "Store",
    "StoreError",
    "EngineAnswerBroken",
    "EngineProfile",
    "PROFILES",
    "StoreUnavailable",
    "FORMAT_NAMES",
    "format_for_path",
    "open_store",
    "parse_format",
    "store_url_from_env",
]
