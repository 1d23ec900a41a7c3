"""Namespace prefixes comgraph knows, for compact display and for query editors, and the
namespace IRIs the code names (as strings: wrap them in ``rdflib.Namespace`` or
``pyoxigraph.NamedNode`` where a module needs terms)."""

from __future__ import annotations

import re
from collections.abc import Mapping

PREFIXES: dict[str, str] = {
    "cg": "https://w3id.org/comgraph/ns#",
    "cgp": "https://w3id.org/comgraph/vocab/process/",
    "cgsr": "https://w3id.org/comgraph/vocab/stakeholder-role/",
    "cgraci": "https://w3id.org/comgraph/vocab/raci/",
    "cgac": "https://w3id.org/comgraph/vocab/audit-component/",
    "cgchk": "https://w3id.org/comgraph/vocab/checklist/",
    "cgfreq": "https://w3id.org/comgraph/vocab/frequency/",
    "cgst": "https://w3id.org/comgraph/vocab/status/",
    "cgop": "https://w3id.org/comgraph/vocab/operator/",
    "cgunit": "https://w3id.org/comgraph/vocab/unit/",
    "cgpm": "https://w3id.org/comgraph/vocab/pricing-model/",
    "cglvl": "https://w3id.org/comgraph/vocab/level/",
    "cgsh": "https://w3id.org/comgraph/shapes/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "odrl": "http://www.w3.org/ns/odrl/2/",
    "dqv": "http://www.w3.org/ns/dqv#",
    "time": "http://www.w3.org/2006/time#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "sh": "http://www.w3.org/ns/shacl#",
}

#: comgraph's core ontology namespace, and the folder its SKOS vocabularies live under.
CG = PREFIXES["cg"]
VOCAB = "https://w3id.org/comgraph/vocab/"
#: The process scheme (cgp:), whose concepts the pages and the checklist group by.
PROCESS = PREFIXES["cgp"]
SH = PREFIXES["sh"]
RDF = PREFIXES["rdf"]
RDFS = PREFIXES["rdfs"]
XSD = PREFIXES["xsd"]
RDF_TYPE = RDF + "type"
RDFS_LABEL = RDFS + "label"


#: A local part that reads as a prefixed name: ``cg:Role``, ``ex:obl-2026.q1``.
_LOCAL = re.compile(r"\w[\w.-]*(?<!\.)")


def split(iri: str, prefixes: Mapping[str, str] | None = None) -> tuple[str, str] | None:
    """``(prefix, local)`` for the longest namespace the IRI starts with, or None when no
    namespace fits or what is left would not read as a prefixed name.

    The one place comgraph abbreviates IRIs: :func:`compact` for text, the app's links and
    ``/r/PREFIX/LOCAL`` pages for pages."""
    best, best_prefix = "", ""
    for prefix, namespace in (prefixes or PREFIXES).items():
        if iri.startswith(namespace) and len(namespace) > len(best):
            best, best_prefix = namespace, prefix
    local = iri[len(best):]
    if best and _LOCAL.fullmatch(local):
        return best_prefix, local
    return None


def compact(iri: str, prefixes: Mapping[str, str] | None = None) -> str:
    """``https://w3id.org/comgraph/ns#Role`` -> ``cg:Role``; IRIs with no known prefix stay whole."""
    found = split(iri, prefixes)
    return f"{found[0]}:{found[1]}" if found else f"<{iri}>"


def sparql_prologue(prefixes: dict[str, str] | None = None) -> str:
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in (prefixes or PREFIXES).items())
