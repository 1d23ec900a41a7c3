"""Namespace prefixes comgraph knows, for compact display and for query editors, and the
namespace IRIs the code names (as strings: wrap them in ``rdflib.Namespace`` or
``pyoxigraph.NamedNode`` where a module needs terms)."""

from __future__ import annotations

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


def compact(iri: str, prefixes: dict[str, str] | None = None) -> str:
    """``https://w3id.org/comgraph/ns#Role`` -> ``cg:Role``; IRIs with no known prefix stay whole."""
    best = ""
    best_prefix = ""
    for prefix, namespace in (prefixes or PREFIXES).items():
        if iri.startswith(namespace) and len(namespace) > len(best):
            best, best_prefix = namespace, prefix
    if best:
        local = iri[len(best):]
        if local and all(c.isalnum() or c in "_-." for c in local) and not local.endswith("."):
            return f"{best_prefix}:{local}"
    return f"<{iri}>"


def sparql_prologue(prefixes: dict[str, str] | None = None) -> str:
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in (prefixes or PREFIXES).items())
