"""``/catalog``: the store's governance resources as a DCAT-AP 3 catalogue, for data-catalogue
tools to harvest.

``/catalog.ttl``, ``/catalog.jsonld`` and ``/catalog.rdf`` give Turtle, JSON-LD and RDF/XML;
``/catalog`` picks one of them by the Accept header, or an HTML page that lists the entries and
links to the three. The catalogue is :func:`comgraph.catalog.export_dcat.build_catalog`, the same
as ``comgraph export dcat``, with the page's own URL as its ``foaf:homepage``; ``?as_of=`` sets
the date its owners and RACI roles are current on.
"""

from __future__ import annotations

import datetime as dt

import pyoxigraph as ox
from comgraph.app import get_store
from comgraph.app.named_queries import as_of_arg
from comgraph.app.twins import twin_format
from flask import Blueprint, Response, abort, render_template, url_for

from comgraph.asof import AsOfError
from comgraph.catalog.export_dcat import CATALOG_FORMATS, Catalog, build_catalog

bp = Blueprint("catalog", __name__)

#: URL extension -> export format.
EXTENSIONS = {"ttl": "turtle", "jsonld": "jsonld", "rdf": "rdfxml"}
#: Media type -> export format (or "html", the page), the page first: a browser gets the page.
_OFFERED = {"text/html": "html", **{CATALOG_FORMATS[f][1]: f for f in CATALOG_FORMATS}}

_ENTRIES = """
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?entry ?title ?kind ?description
       (GROUP_CONCAT(DISTINCT CONCAT(?roleLabel, ": ", ?agentName); separator="; ") AS ?roles)
WHERE {
  ?catalog ?member ?entry . VALUES ?member { dcat:dataset dcat:resource }
  ?entry dct:title ?title .
  OPTIONAL { ?entry dct:description ?description }
  BIND (IF(EXISTS { ?entry a dcat:DatasetSeries }, "dataset series",
           IF(EXISTS { ?entry a dcat:Dataset }, "dataset", "resource")) AS ?kind)
  OPTIONAL { ?entry prov:qualifiedAttribution [ prov:agent ?agent ; dcat:hadRole ?role ] .
             ?agent foaf:name ?agentName . ?role skos:prefLabel ?roleLabel }
} GROUP BY ?entry ?title ?kind ?description ORDER BY ?kind ?title
"""


def _catalog() -> Catalog:
    as_of = as_of_arg()
    try:
        return build_catalog(get_store(), as_of=dt.date.fromisoformat(as_of) if as_of else None,
                             homepage=url_for("catalog.page", _external=True))
    except AsOfError as exc:  # a store error is answered by the error table, comgraph.app.errors
        abort(Response(f"{exc}\n", status=400, mimetype="text/plain"))


def _rdf(fmt: str) -> Response:
    response = Response(_catalog().serialize(fmt), mimetype=CATALOG_FORMATS[fmt][1])
    response.vary.add("Accept")
    return response


@bp.get("/catalog")
def page() -> Response | str:
    fmt = twin_format(None, _OFFERED)
    if fmt != "html":
        return _rdf(fmt)
    catalog = _catalog()
    store = ox.Store()
    store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in catalog.triples)
    result = store.query(_ENTRIES)
    names = [v.value for v in result.variables]
    entries = [{n: (row[n].value if row[n] is not None else "") for n in names} for row in result]
    response = Response(render_template("catalog.html", catalog=catalog, entries=entries,
                                        as_of=catalog.as_of.isoformat(), formats=EXTENSIONS))
    response.vary.add("Accept")
    return response


@bp.get("/catalog.<string:extension>")
def twin(extension: str) -> Response:
    if extension not in EXTENSIONS:
        abort(404)
    return _rdf(EXTENSIONS[extension])
