"""Reading one side of a diff: files, a folder, or a store URL, as one rdflib graph.

Files and folders are loaded into a private in-memory store through the Store interface, so a
file that does not parse fails exactly as ``comgraph load`` does (``FILE:LINE:COL: reason``). A
store URL is read through the same interface. Either way the quads are dumped as N-Quads and
read into rdflib, whose ``rdflib.compare`` then gives blank nodes labels that depend only on
the graph's content. Named graphs are merged: the diff compares statements, not where a store
keeps them.
"""

from __future__ import annotations

import io
from pathlib import Path

from pyoxigraph import RdfFormat, parse, serialize
from rdflib import Graph

from comgraph.sources import expand_data_paths
from comgraph.store import LoadError, Store, StoreError, open_store

STORE_URL_SCHEMES = ("oxigraph:", "sparql+http://", "sparql+https://")


class SideError(Exception):
    """A side cannot be read; the message names the file (and line and column) or the store."""


def is_store_url(spec: str) -> bool:
    return spec.startswith(STORE_URL_SCHEMES)


def side_paths(spec: str) -> list[str]:
    """A side names one file or folder, or several joined with commas (``a.ttl,b.ttl``)."""
    if Path(spec).exists() or "," not in spec:
        return [spec]
    return [part for part in spec.split(",") if part]


def read_side(spec: str) -> Graph:
    """Every triple of the side (default and named graphs merged) as an rdflib Graph."""
    if is_store_url(spec):
        _refuse_missing_disk_store(spec)
        try:
            store = open_store(spec)
        except StoreError as exc:
            raise SideError(str(exc)) from None
    else:
        store = open_store("oxigraph:")
        missing = [p for p in side_paths(spec) if not Path(p).exists()]
        if missing:
            store.close()
            raise SideError(f"{missing[0]}: no such file or folder")
        paths = expand_data_paths(side_paths(spec))
        try:
            if paths:
                store.load(paths)
        except (LoadError, ValueError) as exc:
            store.close()
            raise SideError(str(exc)) from None
    with store:
        return _as_rdflib(store)


def _refuse_missing_disk_store(spec: str) -> None:
    # Opening a disk store that is not there would create an empty one and report that
    # everything was removed; a typo in the path must be an error instead.
    if spec in ("oxigraph:", "oxigraph://") or not spec.startswith("oxigraph:"):
        return
    rest = spec[len("oxigraph:"):]
    path = Path(rest[2:] if rest.startswith("//") else rest)
    if not path.is_dir():
        raise SideError(f"{spec}: no store in {path}")


def _as_rdflib(store: Store) -> Graph:
    buffer = io.BytesIO()
    try:
        store.dump(buffer, RdfFormat.N_QUADS)
    except StoreError as exc:
        raise SideError(f"{store.url}: {exc}") from None
    # The graph names are dropped here, by pyoxigraph, so rdflib reads plain N-Triples.
    triples = io.BytesIO()
    serialize((quad.triple for quad in parse(buffer.getvalue(), RdfFormat.N_QUADS)), triples,
              RdfFormat.N_TRIPLES)
    return Graph().parse(data=triples.getvalue(), format="nt")
