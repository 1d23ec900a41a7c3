"""Where the ontology's files are and how they are read, and what every check reports.

The core (``ontology/comgraph.ttl``), its SKOS vocabularies (``ontology/vocab/``), offline
copies of the W3C vocabularies it builds on (``ontology/imports/``) and SHACL's own vocabulary
(as pySHACL ships it). A check that ran reports findings (:class:`Finding`); one that could
not run raises :class:`OntologyError`.
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import rdflib

from comgraph.namespaces import CG, VOCAB
from comgraph.paths import ontology_dir

__all__ = ["CG", "ONTOLOGY_IRI", "VOCAB", "Finding", "OntologyError", "core_file", "import_files",
           "load_graph", "ontology_graph", "shacl_vocabulary_file", "vocabulary_files"]

#: The ontology's own IRI: the core namespace without its ``#``.
ONTOLOGY_IRI = CG.rstrip("#")


class OntologyError(RuntimeError):
    """A check could not run (as opposed to a check that ran and found problems)."""


@dataclass
class Finding:
    """One problem a check found: which check, what, and where."""

    check: str
    message: str
    where: str = ""

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


def core_file() -> Path:
    return ontology_dir() / "comgraph.ttl"


def vocabulary_files() -> list[Path]:
    """The SKOS schemes in ``ontology/vocab/`` (processes, roles, RACI, checklist, ...)."""
    return sorted((ontology_dir() / "vocab").glob("*.ttl"))


def import_files() -> list[Path]:
    """Offline copies of the W3C vocabularies the core builds on."""
    return sorted((ontology_dir() / "imports").glob("*.ttl"))


def shacl_vocabulary_file() -> Path:
    """The SHACL vocabulary itself, as pySHACL ships it; shapes use its terms."""
    return Path(str(importlib.resources.files("pyshacl") / "assets" / "shacl.ttl"))


def load_graph(paths: Iterable[Path | str]) -> rdflib.Graph:
    """Parse Turtle files into one graph; a parse error names the file."""
    graph = rdflib.Graph()
    for path in paths:
        try:
            graph.parse(str(path), format="turtle")
        except Exception as exc:  # rdflib raises several unrelated types on bad input
            raise OntologyError(f"{path}: {exc}") from None
    return graph


def ontology_graph(*, imports: bool = False) -> rdflib.Graph:
    """The core and its vocabularies (and, if asked, the W3C vocabularies)."""
    files = [core_file(), *vocabulary_files()]
    if imports:
        files += import_files()
    return load_graph(files)
