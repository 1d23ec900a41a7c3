"""Engine profiles: what comgraph must do differently for each SPARQL 1.1 engine.

comgraph promises the same views, validation and service on the embedded store or any SPARQL
1.1 engine. Where engines differ (where the update and Graph Store endpoints live, whether a
plain default graph exists, whether a Graph Store POST is atomic, which HTTP authentication an
endpoint takes, how a date is shifted by a duration, how booleans come back), the difference is
written down here, once, as a field of the engine's profile. Everything else reads the profile;
nothing else names an engine.

A remote store picks its profile by ``--engine NAME`` (``COMGRAPH_ENGINE``) or, when none is
given, from what the endpoint says about itself (:func:`detect`). The embedded store's profile
is ``oxigraph``. ``docs/store.md`` has the table of what each engine needs, and where each fact
comes from.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from comgraph.store.base import StoreError


@dataclass(frozen=True)
class Endpoints:
    """Where an engine's update and Graph Store endpoints are, relative to its query URL.

    Templates take ``{query}`` (the query URL, without a trailing slash) and ``{root}`` (the
    query URL with its last path segment removed, ending in ``/``). A layout applies when the
    query URL's last segment is ``query_name`` (any URL when None). The ``*_auth`` templates
    are used instead when credentials are set (Virtuoso's protected endpoints are separate).
    None: the engine has no such endpoint, or it cannot be told from the query URL.
    """

    query_name: str | None
    update: str | None
    graph_store: str | None
    update_auth: str | None = None
    graph_store_auth: str | None = None

    def applies_to(self, query_url: str) -> bool:
        return self.query_name is None or _last_segment(query_url) == self.query_name

    def resolve(self, query_url: str, *, authenticated: bool) -> tuple[str | None, str | None]:
        query = query_url.rstrip("/")
        root = query[: len(query) - len(_last_segment(query))]
        update = (self.update_auth if authenticated and self.update_auth else self.update)
        store = (self.graph_store_auth if authenticated and self.graph_store_auth
                 else self.graph_store)
        fill = {"query": query, "root": root}
        return (update.format(**fill) if update else None,
                store.format(**fill) if store else None)


#: On an engine without a plain default graph, the named graph that stands in for comgraph's
#: default graph: a load without ``--graph``, GSP ``?default``, ``CLEAR``/``DROP DEFAULT`` and
#: ``ADD … TO DEFAULT`` all use it, and a whole-store dump gives its triples back as the default
#: graph. Queries see it as they see every graph (the engine's default graph is their union).
DEFAULT_GRAPH_STAND_IN = "urn:x-comgraph:default-graph"


@dataclass(frozen=True)
class EngineProfile:
    """How one engine differs from plain SPARQL 1.1 as comgraph uses it."""

    #: The name ``--engine`` takes.
    name: str
    #: Shown to people: "Virtuoso", "Apache Jena Fuseki", ...
    title: str
    #: Whether the store has a default graph of its own that a load, ``DROP ALL``, a whole-store
    #: dump and GSP ``?default`` can use. Virtuoso's and Neptune's default graph is the union of
    #: every graph (plus Virtuoso's system triples): comgraph keeps to named graphs there.
    plain_default_graph: bool = True
    #: Whether a Graph Store Protocol POST of one file is all-or-nothing on this engine, so that a
    #: load can go straight to its target graph instead of through a staging graph.
    atomic_graph_store_post: bool = False
    #: The HTTP authentication scheme its protected endpoints take: "basic" or "digest".
    auth: str = "basic"
    #: How a date is shifted by a duration in a query (``comgraph.sparql_text`` renders the
    #: portable form in this dialect): "xpath" (``date + duration``, as Oxigraph, Jena and RDF4J
    #: evaluate it) or "virtuoso" (``bif:dateadd``).
    date_dialect: str = "xpath"
    #: Whether the engine returns booleans as ``xsd:integer`` 1 and 0.
    booleans_as_integers: bool = False
    #: Where the update and Graph Store endpoints are, tried in order (the first layout that
    #: fits the query URL wins).
    endpoints: tuple[Endpoints, ...] = ()
    #: Words in the HTTP ``Server`` header that name this engine (lower case).
    server_names: tuple[str, ...] = ()
    #: Namespaces that only this engine's service description uses.
    description_hints: tuple[str, ...] = ()
    #: Graphs the engine keeps for itself, never listed by ``graphs()`` or dumped.
    system_graphs: frozenset[str] = frozenset()
    #: Paths (on any host) of graphs the engine keeps for itself: Virtuoso names two after the
    #: host it believes it is (``DefaultHost``), which a client behind a proxy cannot know.
    system_graph_paths: tuple[str, ...] = ()
    #: Whether numeric and boolean literals come back in the lexical form the embedded store
    #: writes (``77`` not ``77.0``, ``true`` not ``1``), so answers need no normalising.
    canonical_literals: bool = False

    def default_endpoints(self, query_url: str, *, authenticated: bool
                          ) -> tuple[str | None, str | None]:
        """The update and Graph Store URLs this engine has beside ``query_url``."""
        for layout in self.endpoints:
            if layout.applies_to(query_url):
                return layout.resolve(query_url, authenticated=authenticated)
        return None, None

    def is_system_graph(self, iri: str) -> bool:
        if iri in self.system_graphs:
            return True
        if self.system_graph_paths:
            parts = urlsplit(iri)
            return (parts.scheme in ("http", "https") and not parts.query
                    and parts.path in self.system_graph_paths)
        return False


PROFILES: dict[str, EngineProfile] = {
    p.name: p
    for p in (
        EngineProfile(
            "oxigraph", "Oxigraph", atomic_graph_store_post=True, canonical_literals=True,
            endpoints=(Endpoints("query", "{root}update", "{root}store"),),
            server_names=("oxigraph",),
        ),
        EngineProfile(
            "fuseki", "Apache Jena Fuseki", atomic_graph_store_post=True,
            endpoints=(Endpoints("sparql", "{root}update", "{root}data"),
                       Endpoints("query", "{root}update", "{root}data"),
                       Endpoints(None, "{query}/update", "{query}/data")),
            server_names=("fuseki",),
            description_hints=("http://jena.apache.org/", "http://jena.hpl.hp.com/"),
        ),
        EngineProfile(
            "graphdb", "Ontotext GraphDB", atomic_graph_store_post=True,
            endpoints=(Endpoints(None, "{query}/statements", "{query}/rdf-graphs/service"),),
            server_names=("graphdb",),
            description_hints=("http://www.ontotext.com/",),
        ),
        EngineProfile(
            "virtuoso", "OpenLink Virtuoso", plain_default_graph=False, auth="digest",
            date_dialect="virtuoso", booleans_as_integers=True,
            endpoints=(Endpoints("sparql", "{query}", "{root}sparql-graph-crud",
                                 update_auth="{root}sparql-auth",
                                 graph_store_auth="{root}sparql-graph-crud-auth"),
                       Endpoints("sparql-auth", "{query}", "{root}sparql-graph-crud-auth")),
            server_names=("virtuoso",),
            description_hints=("http://www.openlinksw.com/",),
            system_graphs=frozenset({
                "http://www.openlinksw.com/schemas/virtrdf#",
                "http://www.w3.org/ns/ldp#",
                "http://www.w3.org/2002/07/owl#",
            }),
            system_graph_paths=("/sparql", "/DAV/"),
        ),
        EngineProfile(
            "neptune", "Amazon Neptune", plain_default_graph=False,
            endpoints=(Endpoints(None, "{query}", None),),
        ),
        EngineProfile(
            "generic", "a SPARQL 1.1 engine",
            endpoints=(Endpoints("query", "{root}update", "{root}store"),
                       Endpoints("sparql", "{query}", None)),
        ),
    )
}

#: The embedded store's profile.
EMBEDDED = PROFILES["oxigraph"]
GENERIC = PROFILES["generic"]

#: The service description's feature (sd:UnionDefaultGraph), however the document abbreviates it.
_UNION_DEFAULT_GRAPH = re.compile(r"[#:]UnionDefaultGraph\b")
_REPOSITORY_PATH = re.compile(r"/repositories/[^/]+/?$")


def profile(name: str) -> EngineProfile:
    """The profile called ``name``; StoreError naming the known ones otherwise."""
    try:
        return PROFILES[name.strip().lower()]
    except KeyError:
        raise StoreError(
            f"engine {name!r} is not one comgraph knows; use one of {', '.join(sorted(PROFILES))}"
        ) from None


def detect(url: str, *, server: str | None = None, description: str | None = None,
           ) -> EngineProfile:
    """The profile for the endpoint at ``url``, from what it said about itself: its HTTP
    ``Server`` header and its service description (the text a GET of the query URL without a
    query returns), then the URL's shape. ``generic`` when nothing names an engine.

    A service description that declares ``sd:UnionDefaultGraph`` means the engine has no plain
    default graph, whatever the engine.
    """
    found = _by_server(server) or _by_description(description) or _by_url(url) or GENERIC
    if description and found.plain_default_graph and _UNION_DEFAULT_GRAPH.search(description):
        found = dataclasses.replace(found, plain_default_graph=False)
    return found


def _by_server(server: str | None) -> EngineProfile | None:
    said = (server or "").lower()
    for candidate in PROFILES.values():
        if any(word in said for word in candidate.server_names):
            return candidate
    return None


def _by_description(description: str | None) -> EngineProfile | None:
    for candidate in PROFILES.values():
        if description and any(hint in description for hint in candidate.description_hints):
            return candidate
    return None


def _by_url(url: str) -> EngineProfile | None:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host.endswith(".neptune.amazonaws.com"):
        return PROFILES["neptune"]
    if _REPOSITORY_PATH.search(parts.path):  # the RDF4J REST API's layout, which GraphDB keeps
        return PROFILES["graphdb"]
    return None


def _last_segment(url: str) -> str:
    path = urlsplit(url.rstrip("/")).path
    return path.rsplit("/", 1)[-1]
