"""Resource pages: every IRI in the graph has a page, and Turtle and JSON-LD twins.

``/resource?iri=IRI`` works for any IRI; ``/r/PREFIX/LOCAL`` is the pretty path for IRIs in a
namespace the app knows (``/r/ex/prime``, ``/r/cg/Role``). Add ``.ttl`` or ``.jsonld`` (or send
``Accept: text/turtle`` / ``application/ld+json``) for the machine twin. The page lists the IRI's
properties by label and the links that point to it, so governance IRIs can be linked from
catalogs and wikis.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict

import pyoxigraph as ox
from comgraph.app import get_store
from comgraph.app.not_found import missing_prefix, missing_resource
from comgraph.app.tables import cell, compact_iri, heading, prefixes, resource_url, vocabulary_store
from comgraph.app.twins import twin_format
from flask import Blueprint, Response, abort, render_template, request, url_for
from markupsafe import Markup

from comgraph.namespaces import RDF_TYPE, RDFS_LABEL

bp = Blueprint("resources", __name__)

#: Incoming links shown on a page; a vocabulary term can be the object of thousands of triples.
MAX_INCOMING = 500

_TWINS = {
    "ttl": ("text/turtle", ox.RdfFormat.TURTLE),
    "jsonld": ("application/ld+json", ox.RdfFormat.JSON_LD),
}
_ACCEPTABLE = {"text/html": "html", "text/turtle": "ttl", "application/ld+json": "jsonld"}

_LABELS = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""

OUTGOING = _LABELS + """
SELECT ?p ?pLabel ?o ?oLabel WHERE {
  ?s ?p ?o .
  OPTIONAL { ?p rdfs:label ?pLabel }
  OPTIONAL { ?o rdfs:label|skos:prefLabel ?oLabel }
}"""

INCOMING = _LABELS + """
SELECT ?x ?xLabel ?p ?pLabel WHERE {
  ?x ?p ?o .
  OPTIONAL { ?x rdfs:label|skos:prefLabel ?xLabel }
  OPTIONAL { ?p rdfs:label ?pLabel }
} LIMIT %d"""

DESCRIBE_OUT = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
DESCRIBE_IN = "CONSTRUCT { ?x ?p ?o } WHERE { ?x ?p ?o }"


@bp.get("/resource", endpoint="by_query")
def by_query() -> Response:
    return _respond(_iri_arg(), None)


@bp.get("/resource.ttl", endpoint="by_query_ttl")
def by_query_ttl() -> Response:
    return _respond(_iri_arg(), "ttl")


@bp.get("/resource.jsonld", endpoint="by_query_jsonld")
def by_query_jsonld() -> Response:
    return _respond(_iri_arg(), "jsonld")


@bp.get("/r/<string:prefix>/<path:local>", endpoint="pretty")
def pretty(prefix: str, local: str) -> Response:
    known = prefixes()
    namespace = known.get(prefix)
    if namespace is None:
        raise missing_prefix(prefix, local, known)
    extension = None
    for ext in _TWINS:
        if local.endswith("." + ext):
            local, extension = local[: -len(ext) - 1], ext
    return _respond(namespace + local, extension)


def _iri_arg() -> str:
    iri = request.args.get("iri", "").strip()
    if not iri:
        abort(Response("missing 'iri' parameter\n", status=400, mimetype="text/plain"))
    try:
        ox.NamedNode(iri)
    except ValueError as exc:
        abort(Response(f"iri: not a valid IRI ({exc})\n", status=400, mimetype="text/plain"))
    return iri


def _respond(iri: str, extension: str | None) -> Response:
    node = ox.NamedNode(iri)
    fmt = twin_format(extension, _ACCEPTABLE)
    if fmt in _TWINS:  # a store error is answered by the error table, comgraph.app.errors
        return _twin(node, fmt)
    return _page(node)


def _twin(node: ox.NamedNode, fmt: str) -> Response:
    store = get_store()
    triples = list(store.query(DESCRIBE_OUT, bindings={"s": node}))
    triples += list(store.query(DESCRIBE_IN, bindings={"o": node}))
    if not triples:  # a term of the ontology or its vocabularies, in data that does not hold them
        vocabulary = vocabulary_store()
        triples = list(vocabulary.query(DESCRIBE_OUT, bindings={"s": node}))
    if not triples:
        raise missing_resource(node.value)
    mimetype, rdf_format = _TWINS[fmt]
    used = {p: ns for p, ns in prefixes().items()}
    body = ox.serialize(triples, format=rdf_format,
                        **({"prefixes": used} if rdf_format == ox.RdfFormat.TURTLE else {}))
    response = Response(body, mimetype=mimetype)
    response.vary.add("Accept")
    return response


def _page(node: ox.NamedNode) -> Response:
    store = get_store()
    outgoing = store.select(OUTGOING, bindings={"s": node})
    incoming = store.select(INCOMING % (MAX_INCOMING + 1), bindings={"o": node})
    term = ontology_term(node.value)
    if not outgoing and not incoming and term is None:
        raise missing_resource(node.value)
    label = _label(outgoing) or (term and term["label"]) or compact_iri(node.value)
    properties = _group(outgoing, "p", "pLabel", "o", "oLabel")
    types = [c for p in properties if p["iri"] == RDF_TYPE for c in p["values"]]
    properties = [p for p in properties if p["iri"] != RDF_TYPE]
    more = len(incoming) > MAX_INCOMING
    links = _group(incoming[:MAX_INCOMING], "p", "pLabel", "x", "xLabel")
    body = render_template("resources/resource.html", iri=node.value, label=label, types=types,
                           properties=properties, incoming=links, more_incoming=more,
                           twins=_twin_links(node), term=term)
    response = Response(body, mimetype="text/html")
    response.vary.add("Accept")
    return response


# -- terms of the ontology and its vocabularies -------------------------------------------------

_TERM = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?label ?definition ?type WHERE {
  { ?term rdfs:label|skos:prefLabel ?label }
  UNION { ?term skos:definition|rdfs:comment|dcterms:description ?definition }
  UNION { ?term a ?type }
}"""

#: What a term is, by its rdf:type, most telling first.
_KINDS = [
    ("http://www.w3.org/2002/07/owl#Class", "Class"),
    ("http://www.w3.org/2000/01/rdf-schema#Class", "Class"),
    ("http://www.w3.org/2002/07/owl#ObjectProperty", "Object property"),
    ("http://www.w3.org/2002/07/owl#DatatypeProperty", "Datatype property"),
    ("http://www.w3.org/2002/07/owl#AnnotationProperty", "Annotation property"),
    ("http://www.w3.org/1999/02/22-rdf-syntax-ns#Property", "Property"),
    ("http://www.w3.org/2004/02/skos/core#ConceptScheme", "Concept scheme"),
    ("http://www.w3.org/2004/02/skos/core#Concept", "Concept"),
    ("http://www.w3.org/2002/07/owl#Ontology", "Ontology"),
]


def ontology_term(iri: str) -> dict | None:
    """A term comgraph ships (the core ontology, its vocabularies): its label, definition, kind,
    and its entry in ``/ontology`` when the documentation has one. None for anything else."""
    rows = vocabulary_store().select(_TERM, bindings={"term": ox.NamedNode(iri)})
    if not rows:
        return None
    labels = [r["label"] for r in rows if isinstance(r.get("label"), ox.Literal)]
    definitions = [r["definition"] for r in rows if isinstance(r.get("definition"), ox.Literal)]
    types = {r["type"].value for r in rows if isinstance(r.get("type"), ox.NamedNode)}
    kind = next((name for type_iri, name in _KINDS if type_iri in types), None)
    anchor = ontology_anchors().get(iri)
    return {"label": _preferred(labels), "definition": _preferred(definitions), "kind": kind,
            "href": url_for("resources.ontology", _anchor=anchor) if anchor else None}


def ontology_anchors() -> dict[str, str]:
    """Each documented term's IRI -> its anchor in the ontology's documentation."""
    return _ontology_document()[1]
def _twin_links(node: ox.NamedNode) -> dict[str, str]:
    return {"Turtle": resource_url(node.value, ".ttl"), "JSON-LD": resource_url(node.value, ".jsonld")}


def _label(rows: list[dict]) -> str | None:
    labels = [r["o"] for r in rows if r["p"].value == RDFS_LABEL and isinstance(r["o"], ox.Literal)]
    return _preferred(labels)


def _preferred(literals: list[ox.Literal]) -> str | None:
    """English first, then no language tag, then anything: one label per thing."""
    if not literals:
        return None
    ranked = sorted(literals, key=lambda lit: (lit.language not in ("en", None), lit.language is not None,
                                                lit.value))
    return ranked[0].value


def _group(rows: list[dict], pkey: str, plabel: str, vkey: str, vlabel: str) -> list[dict]:
    """Rows of (property, value) grouped by property, each value once, labels preferred."""
    by_property: dict[str, dict] = {}
    value_labels: dict[tuple[str, object], list] = defaultdict(list)
    property_labels: dict[str, list] = defaultdict(list)
    order: dict[str, list] = defaultdict(list)
    for r in rows:
        p = r[pkey].value
        value = r[vkey]
        if plabel in r:
            property_labels[p].append(r[plabel])
        key = (p, value)
        if key not in value_labels:
            order[p].append(value)
            value_labels[key] = []
        if vlabel in r and isinstance(r[vlabel], ox.Literal):
            value_labels[key].append(r[vlabel])
    for p, values in order.items():
        name = _preferred(property_labels[p]) or heading(p.rsplit("#", 1)[-1].rsplit("/", 1)[-1]).lower()
        cells = [cell(v, _preferred(value_labels[(p, v)]) if isinstance(v, ox.NamedNode) else None)
                 for v in values]
        cells.sort(key=lambda c: c.text.lower())
        by_property[p] = {"iri": p, "label": name, "compact": compact_iri(p), "href": resource_url(p),
                          "values": cells}
    return sorted(by_property.values(), key=lambda g: (g["label"] != "label", g["label"].lower()))


# -- the ontology ------------------------------------------------------------------------------

_ONTOLOGY_TWINS = {"ttl": "text/turtle", "jsonld": "application/ld+json", "html": "text/html"}


@bp.get("/ontology", endpoint="ontology")
@bp.get("/ontology.<any(ttl, jsonld, html):extension>", endpoint="ontology_twin")
def ontology(extension: str | None = None) -> Response:
    """The core ontology: pyLODE's documentation inside the app's pages for people, Turtle or
    JSON-LD for machines."""
    from comgraph import ontology as onto

    extension = twin_format(extension, _ACCEPTABLE)
    if extension == "html":
        twins = {"Turtle": url_for("resources.ontology_twin", extension="ttl"),
                 "JSON-LD": url_for("resources.ontology_twin", extension="jsonld")}
        body: bytes | str = render_template("ontology.html", doc=Markup(_ontology_document()[0]),
                                            twins=twins)
    elif extension == "ttl":
        body = onto.core_file().read_bytes()
    else:
        triples = [q.triple for q in ox.parse(path=str(onto.core_file()), format=ox.RdfFormat.TURTLE)]
        body = ox.serialize(triples, format=ox.RdfFormat.JSON_LD)
    response = Response(body, mimetype=_ONTOLOGY_TWINS[extension])
    response.vary.add("Accept")
    return response


_ENTRY = re.compile(r'<div class="[^"]*\bentity\b[^"]*" id="([^"]+)">\s*<h3>(?:(?!</h3>).)*</h3>\s*'
                    r"<table>\s*<tr>\s*<th>IRI</th>\s*<td>\s*<code>([^<]+)</code>", re.DOTALL)


def _ontology_document() -> tuple[str, dict[str, str]]:
    """pyLODE's documentation of the core ontology: the inside of its ``<body>`` (its own
    stylesheet and head are left out: the app's stylesheet lays it out, so the page needs no
    inline style) and each term's anchor. pyLODE takes a second or two, and the ontology only
    changes with a release: rendered once per process and file version."""
    from comgraph import ontology as onto

    path = onto.core_file()
    return _render_document(str(path), path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=2)
def _render_document(path: str, _version: int) -> tuple[str, dict[str, str]]:
    from comgraph import ontology as onto

    html = onto.documentation_html()
    start, end = html.find("<body"), html.rfind("</body>")
    body = html[html.index(">", start) + 1:end] if start >= 0 and end > start else html
    anchors = {iri.strip(): anchor for anchor, iri in _ENTRY.findall(body)}
    return body, anchors
