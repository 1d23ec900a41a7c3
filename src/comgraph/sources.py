"""Expanding the DATA arguments of the CLI: files, or folders of RDF files."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

RDF_SUFFIXES = {".ttl", ".nt", ".nq", ".trig", ".rdf", ".owl", ".xml", ".jsonld", ".n3"}


def expand_data_paths(items: Iterable[str | Path]) -> list[Path]:
    """Files stay as given; a folder stands for the RDF files below it, in a stable order."""
    paths: list[Path] = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            paths += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in RDF_SUFFIXES)
        else:
            paths.append(path)
    return paths
