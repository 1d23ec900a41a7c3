"""``comgraph export skos``: comgraph's vocabularies as one SKOS file, or as an OpenMetadata
glossary CSV, for data-catalog glossaries.

The SKOS is a CONSTRUCT (``queries/skos.rq``) over ``ontology/vocab`` and ``shapes`` (whose
``cg:enforces`` links say which shapes enforce a checklist item), evaluated by pyoxigraph:
DataHub's RDF glossary ingestion and any SKOS tool read it as it is. The CSV is the same graph
laid out in the header OpenMetadata documents for importing glossary terms into an existing
glossary (``glossaryCsvDocumentation.json``): one row per concept scheme (a top-level term) and
one per concept beneath it, nested by ``skos:broader``, with parents named by fully qualified
name (``glossary.term.child``).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox

from comgraph.catalog.export_dcat import read_query
from comgraph.namespaces import PREFIXES

#: OpenMetadata's glossary CSV header, in its order; ``*`` marks the one required column.
OPENMETADATA_GLOSSARY_HEADER = (
    "parent", "name*", "displayName", "description", "synonyms", "relatedTerms", "references",
    "tags", "reviewers", "owner", "glossaryStatus", "color", "iconURL", "extension",
)
SKOS = PREFIXES["skos"]
RDFS = PREFIXES["rdfs"]
SKOS_FORMATS = ("turtle", "csv")
SKOS_PREFIXES = {k: PREFIXES[k] for k in ("skos", "rdfs", "dcterms", "cgp", "cgsr", "cgraci", "cgac",
                                            "cgchk", "cgfreq", "cgst", "cgop", "cgunit", "cgpm", "cglvl",
                                            "cgsh")}


def vocabulary_sources() -> list[Path]:
    """The files the glossary is made of: the SKOS vocabularies, and the shapes that point to the
    checklist items they enforce."""
    from comgraph.paths import ontology_dir, shapes_dir

    return sorted((ontology_dir() / "vocab").glob("*.ttl")) + sorted(shapes_dir().glob("*.ttl"))


def build_skos(sources: list[Path] | None = None) -> list[ox.Triple]:
    """The glossary's triples, in a stable order."""
    store = ox.Store()
    for path in sources or vocabulary_sources():
        store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    triples = set(store.query(read_query("skos.rq")))
    return sorted(triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


def skos_turtle(triples: list[ox.Triple]) -> bytes:
    return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=SKOS_PREFIXES) or b""


def _fqn_part(name: str) -> str:
    # OpenMetadata quotes a name that holds its separator, the full stop.
    return f'"{name}"' if "." in name else name


def openmetadata_csv(triples: list[ox.Triple], glossary: str = "comgraph") -> str:
    """The glossary as OpenMetadata's glossary-term CSV, for importing into the glossary
    ``glossary`` (which must exist in OpenMetadata first)."""
    values: dict[str, dict[str, list[ox.Term]]] = defaultdict(lambda: defaultdict(list))
    for t in triples:
        values[t.subject.value][t.predicate.value].append(t.object)

    def one(iri: str, prop: str, prefix: str = SKOS) -> str:
        found = sorted(o.value for o in values[iri].get(prefix + prop, []))
        return found[0] if found else ""

    def many(iri: str, prop: str, prefix: str = SKOS) -> list[str]:
        return sorted(o.value for o in values[iri].get(prefix + prop, []))

    rdf_type = PREFIXES["rdf"] + "type"
    schemes = sorted(s for s, props in values.items()
                     if any(o.value == SKOS + "ConceptScheme" for o in props.get(rdf_type, [])))
    concepts = sorted(s for s, props in values.items()
                      if any(o.value == SKOS + "Concept" for o in props.get(rdf_type, [])))
    concept_set = set(concepts)
    fqn: dict[str, str] = {}
    parents: dict[str, str] = {}
    for scheme in schemes:
        fqn[scheme] = f"{_fqn_part(glossary)}.{_fqn_part(one(scheme, 'prefLabel') or scheme)}"

    def concept_fqn(iri: str, seen: frozenset = frozenset()) -> str:
        """The term's fully qualified name: its broader term's (in the same scheme), else its
        scheme's, then its own name."""
        if iri not in fqn:
            scheme = one(iri, "inScheme")
            broader = [b for b in many(iri, "broader")
                       if b in concept_set and one(b, "inScheme") == scheme and b not in seen]
            parents[iri] = concept_fqn(broader[0], seen | {iri}) if broader else fqn[scheme]
            fqn[iri] = f"{parents[iri]}.{_fqn_part(one(iri, 'prefLabel') or iri)}"
        return fqn[iri]

    rows = []
    for scheme in schemes:
        rows.append({"parent": "", "name*": one(scheme, "prefLabel"), "displayName": one(scheme, "prefLabel"),
                     "description": one(scheme, "definition"), "references": f"comgraph;{scheme}",
                     "glossaryStatus": "Approved"})
    for concept in sorted(concepts, key=concept_fqn):
        shapes = many(concept, "seeAlso", RDFS)
        description = one(concept, "definition")
        if shapes:
            names = [one(s, "label", RDFS) or s for s in shapes]
            description += " Enforced by the SHACL shape" + ("s " if len(names) > 1 else " ") + \
                ", ".join(f"“{n}”" for n in names) + "."
        references = [f"comgraph;{concept}"] + [f"{one(s, 'label', RDFS) or s};{s}" for s in shapes]
        references += [f"exact match;{m}" for m in many(concept, "exactMatch")]
        rows.append({
            "parent": parents[concept], "name*": one(concept, "prefLabel"),
            "displayName": one(concept, "prefLabel"),
            "description": description,
            "synonyms": ";".join(many(concept, "notation") + many(concept, "altLabel")),
            "relatedTerms": ";".join(concept_fqn(r) for r in many(concept, "related") if r in concept_set),
            "references": ";".join(references), "glossaryStatus": "Approved",
        })
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=OPENMETADATA_GLOSSARY_HEADER, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: row.get(k, "") for k in OPENMETADATA_GLOSSARY_HEADER})
    return out.getvalue()
