"""Reading a DCAT catalogue: a file (Turtle, RDF/XML, JSON-LD, N-Triples), or a CKAN
``/catalog.ttl`` feed over HTTP, whose pages link to each other with Hydra (``hydra:next``, or
the older ``hydra:nextPage`` that ckanext-dcat also writes); every page is followed.

A dataset's identifiers are its IRI, ``dct:identifier``, ``owl:sameAs`` and its ADMS identifiers'
notations. Its owners are the agents of its qualified attributions with an ISO 19115 role (owner
is accountable; custodian, steward and the rest are not), and its publisher, which counts as the
accountable owner only when no attribution names one.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urljoin

import pyoxigraph as ox

from comgraph.catalog.entries import CatalogEntry, CatalogOwner, CatalogReadError, Catalogue
from comgraph.store import format_for_path

#: A feed is followed at most this many pages (a loop of links ends sooner: no page is read twice).
MAX_PAGES = 1000
TIMEOUT = 30.0
ACCEPT = "text/turtle, application/rdf+xml;q=0.9, application/ld+json;q=0.8, application/n-triples;q=0.7"
ISO_ROLES = "http://inspire.ec.europa.eu/metadata-codelist/ResponsiblePartyRole/"
ACCOUNTABLE_ROLES = {ISO_ROLES + "owner", "https://w3id.org/comgraph/vocab/raci/accountable"}

_PAGING = """
PREFIX hydra: <http://www.w3.org/ns/hydra/core#>
SELECT ?next WHERE { { ?page hydra:next ?next } UNION { ?page hydra:nextPage ?next } }
"""
_DATASETS = """
PREFIX adms: <http://www.w3.org/ns/adms#>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?dataset ?title ?identifier WHERE {
  ?dataset a dcat:Dataset .
  OPTIONAL { ?dataset dct:title ?title FILTER (LANG(?title) = "" || LANGMATCHES(LANG(?title), "en")) }
  OPTIONAL {
    { ?dataset dct:identifier ?identifier } UNION { ?dataset owl:sameAs ?identifier }
    UNION { ?dataset adms:identifier/skos:notation ?identifier }
  }
}
"""
_OWNERS = """
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX vcard: <http://www.w3.org/2006/vcard/ns#>
SELECT ?dataset ?agent ?role ?name WHERE {
  ?dataset a dcat:Dataset .
  { ?dataset prov:qualifiedAttribution [ prov:agent ?agent ; dcat:hadRole ?role ] }
  UNION { ?dataset dct:publisher ?agent BIND ("publisher" AS ?role) }
  OPTIONAL { { ?agent foaf:name ?name } UNION { ?agent vcard:fn ?name } UNION { ?agent rdfs:label ?name }
             UNION { ?agent skos:prefLabel ?name } }
}
"""


def read_dcat(source: str) -> Catalogue:
    """Read a DCAT file, or a feed at an http(s) URL with all its pages."""
    if source.startswith(("http://", "https://")):
        return _read_feed(source)
    path = Path(source)
    if not path.is_file():
        raise CatalogReadError(source, "no such file")
    try:
        fmt = format_for_path(path)
    except ValueError as exc:
        raise CatalogReadError(source, str(exc)) from None
    store = ox.Store()
    _parse(store, path.read_bytes(), fmt, source, base=path.resolve().as_uri())
    return Catalogue("dcat", source, _entries(store, source), [source])


def _parse(store: ox.Store, data: bytes, fmt: ox.RdfFormat, where: str, base: str | None = None) -> None:
    try:
        store.load(data, format=fmt, base_iri=base)
    except SyntaxError as exc:
        position = f":{exc.lineno}:{exc.offset}" if exc.lineno else ""
        raise CatalogReadError(f"{where}{position}", f"not readable as {fmt.name}: {exc.msg}") from None


def _read_feed(url: str) -> Catalogue:
    import requests

    store = ox.Store()
    pages: list[str] = []
    page: str | None = url
    while page is not None:
        if page in pages:
            break
        if len(pages) >= MAX_PAGES:
            raise CatalogReadError(page, f"the feed has more than {MAX_PAGES} pages")
        try:
            response = requests.get(page, headers={"Accept": ACCEPT}, timeout=TIMEOUT)
        except requests.RequestException as exc:
            raise CatalogReadError(page, f"could not be fetched: {exc}") from None
        if response.status_code != 200:
            raise CatalogReadError(page, f"answered HTTP {response.status_code}, not 200")
        media_type = response.headers.get("Content-Type", "text/turtle").split(";")[0].strip()
        fmt = ox.RdfFormat.from_media_type(media_type) or ox.RdfFormat.TURTLE
        page_store = ox.Store()
        _parse(page_store, response.content, fmt, page, base=page)
        pages.append(page)
        following = [row["next"].value for row in page_store.query(_PAGING)]
        store.extend(page_store.quads_for_pattern(None, None, None, None))
        page = urljoin(page, sorted(following)[0]) if following else None
    return Catalogue("ckan", url, _entries(store, url), pages)


def _entries(store: ox.Store, where: str) -> list[CatalogEntry]:
    entries: dict[str, CatalogEntry] = {}
    for row in store.query(_DATASETS):
        dataset = row["dataset"]
        key = dataset.value
        entry = entries.get(key)
        if entry is None:
            ids = {key} if isinstance(dataset, ox.NamedNode) else set()
            entry = entries[key] = CatalogEntry(key, "", ids, where=f"{where} <{key}>")
        if row["title"] is not None and not entry.name:
            entry.name = row["title"].value
        if row["identifier"] is not None:
            entry.identifiers.add(row["identifier"].value)
    owners: dict[str, dict[str, tuple[str, str | None, str]]] = {}
    for row in store.query(_OWNERS):
        agent = row["agent"]
        name = row["name"].value if row["name"] is not None else agent.value
        role = row["role"].value
        agent_id = agent.value if isinstance(agent, ox.NamedNode) else None
        found = owners.setdefault(row["dataset"].value, {})
        found.setdefault(f"{agent.value} {role}", (name, agent_id, role))
    for key, entry in entries.items():
        found = sorted(owners.get(key, {}).values())
        has_owner_role = any(role in ACCOUNTABLE_ROLES for _, _, role in found)
        for name, agent_id, role in found:
            kind = role.rsplit("/", 1)[-1]
            accountable = role in ACCOUNTABLE_ROLES or (role == "publisher" and not has_owner_role)
            entry.owners.append(CatalogOwner(name, agent_id, kind, accountable))
        if not entry.name:
            entry.name = key
    return sorted(entries.values(), key=lambda e: (e.name.casefold(), e.id))
