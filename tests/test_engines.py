"""Engine profiles: names, where each engine keeps its endpoints, how one is recognised, and the
literal forms a remote answer is brought to (checked against what pyoxigraph itself writes)."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from comgraph.store import StoreError, open_store
from comgraph.store.engines import PROFILES, detect, profile
from comgraph.store.remote import RemoteStore, canonical_term

XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.mark.parametrize(("engine", "query_url", "authenticated", "update", "graph_store"), [
    ("oxigraph", "http://h:7878/query", False, "http://h:7878/update", "http://h:7878/store"),
    ("fuseki", "http://h:3030/ds/sparql", False, "http://h:3030/ds/update", "http://h:3030/ds/data"),
    ("fuseki", "http://h:3030/ds/query", False, "http://h:3030/ds/update", "http://h:3030/ds/data"),
    ("fuseki", "http://h:3030/ds", False, "http://h:3030/ds/update", "http://h:3030/ds/data"),
    ("graphdb", "http://h:7200/repositories/r", False, "http://h:7200/repositories/r/statements",
     "http://h:7200/repositories/r/rdf-graphs/service"),
    ("virtuoso", "http://h:8890/sparql", False, "http://h:8890/sparql",
     "http://h:8890/sparql-graph-crud"),
    ("virtuoso", "http://h:8890/sparql", True, "http://h:8890/sparql-auth",
     "http://h:8890/sparql-graph-crud-auth"),
    ("virtuoso", "http://h:8890/sparql-auth", True, "http://h:8890/sparql-auth",
     "http://h:8890/sparql-graph-crud-auth"),
    ("neptune", "https://db.cluster-x.eu-west-1.neptune.amazonaws.com:8182/sparql", False,
     "https://db.cluster-x.eu-west-1.neptune.amazonaws.com:8182/sparql", None),
    ("generic", "http://h/query", False, "http://h/update", "http://h/store"),
    ("generic", "http://h/sparql", False, "http://h/sparql", None),
    ("generic", "http://h/endpoint", False, None, None),
])
def test_each_engine_keeps_its_update_and_graph_store_endpoints_beside_the_query_url(
        engine, query_url, authenticated, update, graph_store) -> None:
    assert profile(engine).default_endpoints(query_url, authenticated=authenticated) == (
        update, graph_store)


def test_an_unknown_engine_name_is_refused_with_the_known_ones() -> None:
    with pytest.raises(StoreError, match="engine 'stardog' is not one comgraph knows; use one of "
                                         "fuseki, generic, graphdb, neptune, oxigraph, virtuoso"):
        profile("stardog")


def test_engine_names_are_read_case_blind() -> None:
    assert profile(" Virtuoso ").name == "virtuoso"


@pytest.mark.parametrize(("server", "name"), [
    ("Virtuoso/07.20.3229 (Linux) x86_64-pc-linux-gnu", "virtuoso"),
    ("Oxigraph/0.5.13", "oxigraph"),
    ("Apache Jena Fuseki (4.10.0)", "fuseki"),
    ("Fuseki (3.17.0)", "fuseki"),
    ("nginx/1.25", "generic"),
    (None, "generic"),
])
def test_the_server_header_names_the_engine(server, name) -> None:
    assert detect("http://h/sparql", server=server).name == name


def test_the_url_shape_names_graphdb_and_neptune_when_the_server_header_does_not() -> None:
    assert detect("http://h:7200/repositories/demo").name == "graphdb"
    assert detect("https://x.cluster-y.us-east-1.neptune.amazonaws.com:8182/sparql").name == "neptune"


def test_a_description_that_declares_a_union_default_graph_means_no_plain_default_graph() -> None:
    description = ("@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .\n"
                   "[] a sd:Service ; sd:feature sd:UnionDefaultGraph .")
    found = detect("http://h/query", description=description)
    assert (found.name, found.plain_default_graph) == ("generic", False)
    assert detect("http://h/query", server="Oxigraph/0.5.13").plain_default_graph is True


def test_virtuoso_system_graphs_are_recognised_on_any_host_and_user_graphs_are_not() -> None:
    virtuoso = PROFILES["virtuoso"]
    for iri in ("http://www.openlinksw.com/schemas/virtrdf#", "http://www.w3.org/ns/ldp#",
                "http://localhost:8890/sparql", "http://127.0.0.1:41234/DAV/"):
        assert virtuoso.is_system_graph(iri), iri
    for iri in ("http://example.org/g1", "http://localhost:8890/sparql/mine", "urn:x:sparql"):
        assert not virtuoso.is_system_graph(iri), iri
    assert not PROFILES["oxigraph"].is_system_graph("http://localhost:8890/sparql")


def test_open_store_takes_the_engine_from_its_argument_or_from_comgraph_engine() -> None:
    store = open_store("sparql+http://127.0.0.1:9/sparql", engine="virtuoso", env={})
    assert isinstance(store, RemoteStore) and store.profile.name == "virtuoso"
    assert store.graph_store_url == "http://127.0.0.1:9/sparql-graph-crud"
    from_env = open_store("sparql+http://127.0.0.1:9/sparql", env={"COMGRAPH_ENGINE": "fuseki"})
    assert from_env.profile.name == "fuseki"
    with pytest.raises(StoreError, match="engine 'blazegraph' is not one comgraph knows"):
        open_store("sparql+http://127.0.0.1:9/sparql", env={"COMGRAPH_ENGINE": "blazegraph"})


def test_an_engine_for_the_embedded_store_is_refused_unless_it_is_oxigraph() -> None:
    with pytest.raises(StoreError, match="applies to a remote store"):
        open_store("oxigraph:", engine="virtuoso")
    assert open_store("oxigraph:", engine="oxigraph").profile.name == "oxigraph"
    assert open_store("oxigraph:", env={"COMGRAPH_ENGINE": "virtuoso"}).profile.name == "oxigraph"


def test_digest_is_the_default_scheme_on_virtuoso_and_comgraph_store_auth_overrides_it() -> None:
    env = {"COMGRAPH_STORE_USER": "dba", "COMGRAPH_STORE_PASSWORD": "dba"}
    assert RemoteStore("http://h/sparql", engine="virtuoso", env=env).auth_scheme == "digest"
    assert RemoteStore("http://h/sparql", engine="fuseki", env=env).auth_scheme == "basic"
    assert RemoteStore("http://h/sparql", engine="virtuoso",
                       env={**env, "COMGRAPH_STORE_AUTH": "basic"}).auth_scheme == "basic"
    with pytest.raises(StoreError, match="COMGRAPH_STORE_AUTH='ntlm' is not a scheme"):
        RemoteStore("http://h/sparql", env={**env, "COMGRAPH_STORE_AUTH": "ntlm"})


# -- literals in the embedded store's lexical form -------------------------------------------

LEXICAL_FORMS = {
    "decimal": ["77.0", "1.50", "-0.0", "0", "+3.25", "007.100", ".5", "-12", "100"],
    "double": ["2.0", "1.0E2", "1e20", "1.5e-7", "-0.0", "INF", "-INF", "NaN", "0.1", "3"],
    "float": ["2.0", "0.1", "1.0E2", "3.4028235E38", "-1.5"],
    "integer": ["007", "+5", "-0", "42"],
    "boolean": ["1", "0", "true", "false"],
}


def _as_oxigraph_writes(literal: ox.Literal) -> ox.Literal:
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"), literal))
    return next(iter(store.quads_for_pattern(None, None, None))).object


@pytest.mark.parametrize(("datatype", "lexical"), [
    (datatype, lexical) for datatype, forms in LEXICAL_FORMS.items() for lexical in forms
])
def test_a_remote_literal_reads_as_the_embedded_store_writes_it(datatype, lexical) -> None:
    literal = ox.Literal(lexical, datatype=ox.NamedNode(XSD + datatype))
    assert canonical_term(literal) == _as_oxigraph_writes(literal)


def test_invalid_lexical_forms_and_other_terms_are_left_alone() -> None:
    bad = ox.Literal("abc", datatype=ox.NamedNode(XSD + "decimal"))
    assert canonical_term(bad) is bad
    text = ox.Literal("77.0")
    assert canonical_term(text) is text
    iri = ox.NamedNode("http://e/77.0")
    assert canonical_term(iri) is iri
