"""What the importers share: where a value came from (a cell such as ``Sheet1!B7`` or a YAML
path), errors that name it, the words of comgraph's vocabularies a sheet may use, stable IRIs
slugged from names, and writing one source's triples so that importing it again replaces them.

Every importer reads its whole input first and collects *all* the problems it finds; only when
there are none does anything reach the store. What it writes for one source (one sheet, one
contract) goes in the default graph, and a record of it in a named graph of the source's own:
where each node it wrote about was read (which also says the node is the source's), and the few
triples it asserted about other nodes. A later import of the same source reads that record to
take away exactly what the earlier one put in the default graph.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
from slugify import slugify

from comgraph.importers.problems import Problems
from comgraph.namespaces import PREFIXES

CG = PREFIXES["cg"]
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_LABEL = ox.NamedNode(PREFIXES["rdfs"] + "label")
XSD = PREFIXES["xsd"]

#: Rows above which a terminal gets a progress bar.
PROGRESS_ROWS = 2000


def cg(local: str) -> ox.NamedNode:
    return ox.NamedNode(CG + local)


def term(prefixed: str) -> ox.NamedNode:
    prefix, _, local = prefixed.partition(":")
    return ox.NamedNode(PREFIXES[prefix] + local)


# -- names, slugs and IRIs -------------------------------------------------------------------


def clean(text: object) -> str:
    """A cell's text as a name: Unicode NFC, spaces collapsed, trimmed."""
    return " ".join(unicodedata.normalize("NFC", str(text)).split())


def match_key(text: str) -> str:
    """How names are compared: case and spacing do not matter, accents do."""
    return clean(text).casefold().replace("-", " ").replace("_", " ")


@lru_cache(maxsize=65536)
def slug(text: str) -> str:
    """A stable, readable IRI segment: ``Clínica São José`` -> ``clínica-são-josé``. IRIs may
    hold any Unicode letter, so names in any script keep their identity."""
    return slugify(clean(text), allow_unicode=True) or "x" + uuid.uuid5(uuid.NAMESPACE_URL, text).hex[:8]


def mint(base: ox.NamedNode | str, kind: str, *names: str) -> ox.NamedNode:
    """An IRI derived from a base (the relationship) and names, the same on every import."""
    root = base.value if isinstance(base, ox.NamedNode) else base
    return ox.NamedNode(root.rstrip("/#") + "/" + kind + "/" + "/".join(slug(n) for n in names))


def relationship_iri_for(file: str) -> ox.NamedNode:
    """The IRI of a relationship created for a file imported into an empty store."""
    return ox.NamedNode("urn:comgraph:relationship:" + slug(Path(file).stem))


# -- vocabularies ----------------------------------------------------------------------------


@dataclass
class Scheme:
    """The concepts of one SKOS scheme, findable by label, notation or local name."""

    name: str
    by_key: dict[str, ox.NamedNode] = field(default_factory=dict)
    labels: list[str] = field(default_factory=list)

    def find(self, text: str) -> ox.NamedNode | None:
        return self.by_key.get(match_key(text))

    def expected(self) -> str:
        return ", ".join(self.labels)

    def read(self, value: object, where: object, problems: Problems, what: str) -> ox.NamedNode | None:
        """The concept a cell names, or None with a problem at ``where`` saying what was expected."""
        found = self.find(str(value))
        if found is None:
            problems.add(where, f"unknown {what} {clean(value)!r}: expected one of {self.expected()}")
        return found


@lru_cache(maxsize=1)
def vocabulary() -> dict[str, Scheme]:
    """comgraph's code lists (processes, RACI codes, stakeholder roles, ...) from
    ``ontology/vocab``, keyed by the scheme's last path segment (``process``, ``raci``...)."""
    from comgraph.paths import ontology_dir

    skos = PREFIXES["skos"]
    schemes: dict[str, Scheme] = {}
    for path in sorted((ontology_dir() / "vocab").glob("*.ttl")):
        facts: dict[str, dict[str, list[str]]] = {}
        for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            if isinstance(t.subject, ox.NamedNode):
                facts.setdefault(t.subject.value, {}).setdefault(t.predicate.value, []).append(t.object.value)
        for iri, props in facts.items():
            scheme_iri = (props.get(skos + "inScheme") or [None])[0]
            if scheme_iri is None:
                continue
            scheme = schemes.setdefault(scheme_iri.rsplit("/", 1)[-1], Scheme(scheme_iri.rsplit("/", 1)[-1]))
            node = ox.NamedNode(iri)
            pref = (props.get(skos + "prefLabel") or [iri.rsplit("/", 1)[-1]])[0]
            scheme.labels.append(pref.lower())
            keys = [pref, *props.get(PREFIXES["rdfs"] + "label", []), *props.get(skos + "notation", []),
                    iri.rsplit("/", 1)[-1], re.sub(r"(?<!^)(?=[A-Z])", " ", iri.rsplit("/", 1)[-1])]
            for k in keys:
                scheme.by_key.setdefault(match_key(k), node)
    return schemes


def unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
