"""Engine profiles: what comgraph must do differently for each SPARQL 1.1 engine.

comgraph promises the same views, validation and service on the embedded store or any SPARQL
1.1 engine. Where engines differ (where the update and Graph Store endpoints live, whether a
plain default graph exists, whether a Graph Store POST is atomic, which HTTP authentication an
endpoint takes, how a date is shifted by a duration, how booleans come back), the difference is
written down here, once, as a field of the engine's profile. Everything else reads the profile;
nothing else names an engine.

A remote store picks its profile by ``--engine NAME`` (``COMGRAPH_ENGINE``) or, when none is
given, from what the endpoint says about itself. The embedded store's profile is ``oxigraph``.
``docs/store.md`` has the table of what each engine needs.
"""

from __future__ import annotations

from dataclasses import dataclass

from comgraph.store.base import StoreError


@dataclass(frozen=True)
class EngineProfile:
    """How one engine differs from plain SPARQL 1.1 as comgraph uses it."""

    #: The name ``--engine`` takes.
    name: str
    #: Shown to people: "Virtuoso", "Apache Jena Fuseki", ...
    title: str
    #: Whether the store has a default graph of its own that a load, ``DROP ALL``, a whole-store
    #: dump and GSP ``?default`` can use. Virtuoso's default graph is the union of every graph
    #: plus its system triples: comgraph keeps to named graphs there.
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


PROFILES: dict[str, EngineProfile] = {
    p.name: p
    for p in (
        EngineProfile("oxigraph", "Oxigraph", atomic_graph_store_post=True),
        EngineProfile("fuseki", "Apache Jena Fuseki", atomic_graph_store_post=True),
        EngineProfile("graphdb", "Ontotext GraphDB", atomic_graph_store_post=True),
        EngineProfile("virtuoso", "OpenLink Virtuoso", plain_default_graph=False, auth="digest",
                      date_dialect="virtuoso", booleans_as_integers=True),
        EngineProfile("neptune", "Amazon Neptune"),
        EngineProfile("generic", "a SPARQL 1.1 engine"),
    )
}

#: The embedded store's profile.
EMBEDDED = PROFILES["oxigraph"]


def profile(name: str) -> EngineProfile:
    """The profile called ``name``; StoreError naming the known ones otherwise."""
    try:
        return PROFILES[name.strip().lower()]
    except KeyError:
        raise StoreError(
            f"engine {name!r} is not one comgraph knows; use one of {', '.join(sorted(PROFILES))}"
        ) from None
