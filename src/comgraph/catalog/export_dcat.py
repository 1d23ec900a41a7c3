"""``comgraph export dcat`` and ``/catalog``: the governance resources of the store as a DCAT-AP 3
catalogue.

The mapping is SPARQL: three CONSTRUCT queries in ``queries/`` (the catalogue, its entries, and
who owns, answers for and keeps each entry on the as-of date) run on the store, whichever it is;
this module only picks the values they are bound to (the catalogue's IRI, publisher, licence and
home page, the date) and hands the triples to pyoxigraph's serialisers. The result conforms to
the DCAT-AP 3.0.1 SHACL shapes (``tests/test_catalog_dcat.py`` runs them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from comgraph.asof import effective_as_of
from comgraph.namespaces import PREFIXES
from comgraph.store import Store

QUERIES = Path(__file__).resolve().parent / "queries"
XSD_DATE = ox.NamedNode(PREFIXES["xsd"] + "date")

#: ``--format`` name -> (pyoxigraph format, media type, file extension).
CATALOG_FORMATS: dict[str, tuple[ox.RdfFormat, str, str]] = {
    "turtle": (ox.RdfFormat.TURTLE, "text/turtle", "ttl"),
    "jsonld": (ox.RdfFormat.JSON_LD, "application/ld+json", "jsonld"),
    "rdfxml": (ox.RdfFormat.RDF_XML, "application/rdf+xml", "rdf"),
}

#: The catalogue's licence when neither the caller nor the relationship (dct:license) names one.
DEFAULT_LICENSE = "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0"
#: Who publishes the catalogue of a store that records no relationship.
UNNAMED_PUBLISHER = "urn:comgraph:agent:publisher"

DCAT_PREFIXES = {
    "dcat": PREFIXES["dcat"], "dct": PREFIXES["dcterms"], "foaf": PREFIXES["foaf"],
    "prov": PREFIXES["prov"], "vcard": "http://www.w3.org/2006/vcard/ns#", "skos": PREFIXES["skos"],
    "iso": "http://inspire.ec.europa.eu/metadata-codelist/ResponsiblePartyRole/",
    "freq": "http://publications.europa.eu/resource/authority/frequency/",
    "cgraci": PREFIXES["cgraci"], "xsd": PREFIXES["xsd"], "rdf": PREFIXES["rdf"],
}

_RELATIONSHIP = """
PREFIX cg: <https://w3id.org/comgraph/ns#>
PREFIX dct: <http://purl.org/dc/terms/>
SELECT ?relationship ?client ?license WHERE {
  ?relationship a cg:Relationship .
  OPTIONAL { ?relationship cg:client ?client }
  OPTIONAL { ?relationship dct:license ?license FILTER (isIRI(?license)) }
} ORDER BY ?relationship LIMIT 1
"""


def read_query(name: str) -> str:
    return (QUERIES / name).read_text(encoding="utf-8")


@dataclass
class Catalog:
    """A DCAT-AP catalogue: its IRI, the date it describes, and its triples."""

    iri: str
    as_of: dt.date
    triples: list[ox.Triple]

    def serialize(self, fmt: str = "turtle") -> bytes:
        rdf_format = CATALOG_FORMATS[fmt][0]
        ordered = sorted(self.triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
        return ox.serialize(ordered, format=rdf_format, prefixes=DCAT_PREFIXES) or b""


def build_catalog(store: Store, *, as_of: dt.date | None = None, homepage: str | None = None,
                  license: str | None = None) -> Catalog:
    """The catalogue of ``store``'s governance resources, with attributions current on ``as_of``
    (default: the data's cg:asOfDate, else today). ``homepage`` is given when the catalogue is
    served (``/catalog``)."""
    date, _ = effective_as_of(store, as_of)
    rows = store.select(_RELATIONSHIP)
    relationship = rows[0]["relationship"] if rows else None
    publisher = (rows[0].get("client") if rows else None) or relationship or ox.NamedNode(UNNAMED_PUBLISHER)
    recorded_license = rows[0].get("license") if rows else None
    catalog = ox.NamedNode(relationship.value.rstrip("/#") + "/catalog" if relationship
                           else "urn:comgraph:catalog")
    bindings: dict[str, ox.NamedNode | ox.Literal] = {
        "catalog": catalog, "publisher": publisher,
        "license": ox.NamedNode(license) if license else (recorded_license or ox.NamedNode(DEFAULT_LICENSE)),
    }
    if relationship is not None:
        bindings["relationship"] = relationship
    if homepage:
        bindings["homepage"] = ox.NamedNode(homepage)
    triples: dict[ox.Triple, None] = {}
    for name, bound in (("dcat-catalog.rq", bindings),
                        ("dcat-resources.rq", {"catalog": catalog, "publisher": publisher}),
                        ("dcat-attributions.rq", {"as_of": ox.Literal(date.isoformat(), datatype=XSD_DATE)})):
        for triple in store.query(read_query(name), bindings=bound):
            triples[triple] = None
    return Catalog(catalog.value, date, list(triples))
