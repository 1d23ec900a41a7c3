"""Store URLs: one string picks the store, everywhere (``--store`` or ``COMGRAPH_STORE``)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import urlsplit

from comgraph.store.base import Store, StoreError
from comgraph.store.engines import profile as engine_profile

DEFAULT_STORE_URL = "oxigraph:"


def store_url_from_env(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    return env.get("COMGRAPH_STORE") or DEFAULT_STORE_URL


def open_store(
    url: str | None = None,
    *,
    update_url: str | None = None,
    graph_store_url: str | None = None,
    env: Mapping[str, str] | None = None,
    engine: str | None = None,
) -> Store:
    """Open the store a URL names.

    * ``oxigraph:`` — in memory;
    * ``oxigraph:///abs/path`` or ``oxigraph:relative/path`` — on disk, created if missing;
    * ``sparql+http://host:port/query`` or ``sparql+https://…`` — a remote SPARQL 1.1 endpoint.

    For a remote store, ``engine`` (else ``COMGRAPH_ENGINE``) names the engine's profile
    (``oxigraph``, ``fuseki``, ``graphdb``, ``virtuoso``, ``neptune``, ``generic``); without
    one it is detected from the endpoint on first use. The update and Graph Store URLs default
    to where that engine keeps them beside the query URL; set them with
    ``update_url``/``graph_store_url`` or ``COMGRAPH_UPDATE_URL``/``COMGRAPH_GRAPH_STORE_URL``.
    An unknown engine name is a StoreError naming the known ones; an engine other than
    ``oxigraph`` given for an embedded store is refused (the environment's is ignored there).
    """
    env = os.environ if env is None else env
    url = url or store_url_from_env(env)
    if engine and url.startswith("oxigraph:") and engine_profile(engine).name != "oxigraph":
        raise StoreError(f"engine {engine!r} applies to a remote store (sparql+http://…); "
                         f"{url} is the embedded store, which is Oxigraph")
    if url == "oxigraph:" or url == "oxigraph://":
        from comgraph.store.oxigraph import OxigraphStore

        return OxigraphStore()
    if url.startswith("oxigraph:"):
        from comgraph.store.oxigraph import OxigraphStore

        rest = url[len("oxigraph:"):]
        path = rest[2:] if rest.startswith("//") else rest
        return OxigraphStore(path)
    if url.startswith(("sparql+http://", "sparql+https://")):
        from comgraph.store.remote import RemoteStore

        endpoint = url[len("sparql+"):]
        parts = urlsplit(endpoint)
        if parts.username or parts.password:
            raise StoreError(
                "store URL: put no credentials in the URL; set COMGRAPH_STORE_TOKEN, or "
                "COMGRAPH_STORE_USER and COMGRAPH_STORE_PASSWORD"
            )
        if not parts.hostname:
            raise StoreError(f"store URL {url!r}: no host")
        return RemoteStore(
            endpoint,
            update_url=update_url or env.get("COMGRAPH_UPDATE_URL"),
            graph_store_url=graph_store_url or env.get("COMGRAPH_GRAPH_STORE_URL"),
            env=env,
            engine=engine or env.get("COMGRAPH_ENGINE") or None,
        )
    raise StoreError(
        f"store URL {url!r} is not one comgraph knows; use oxigraph: (memory), "
        "oxigraph:///path (disk) or sparql+http://host:port/query (remote)"
    )
