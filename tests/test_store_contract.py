"""The Store contract: every test runs on the embedded store and on a real Oxigraph server."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest

from comgraph.store import LoadError, QueryError, Source, Store, open_store

EX = "http://example.org/"
TTL = f"""@prefix ex: <{EX}> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:alice ex:name "Alice" ; ex:age 42 ; ex:knows ex:bob .
ex:bob ex:name "Bob" ; ex:since "2024-03-01"^^xsd:date .
"""
UNICODE_TTL = f"""@prefix ex: <{EX}> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:z ex:label "Zürich – 東京 – 🚀"@de ; ex:amount "1234.50"^^xsd:decimal ;
     ex:flag true ; ex:when "2026-06-30T12:00:00Z"^^xsd:dateTime .
"""
BNODE_TTL = f"""@prefix ex: <{EX}> .
ex:deal ex:term [ ex:start "2025-01-01" ; ex:end "2027-12-31" ] ;
        ex:party [ ex:name "P1" ], [ ex:name "P2" ] .
"""


def src(name: str, text: str) -> Source:
    return Source(name=name, data=text.encode())


def rows(store: Store, sparql: str, **kw) -> list[dict[str, str]]:
    return [{k: str(v) for k, v in r.items()} for r in store.select(sparql, **kw)]


def dataset(store: Store) -> ox.Dataset:
    buf = io.BytesIO()
    store.dump(buf, ox.RdfFormat.N_QUADS)
    return ox.Dataset(ox.parse(buf.getvalue(), ox.RdfFormat.N_QUADS))


def test_load_into_default_graph_then_select(store: Store) -> None:
    added = store.load([src("people.ttl", TTL)])
    assert added == 5
    got = rows(store, f"SELECT ?n WHERE {{ ?p <{EX}name> ?n }} ORDER BY ?n")
    assert got == [{"n": '"Alice"'}, {"n": '"Bob"'}]
    assert store.graphs() == []


def test_load_into_named_graph_keeps_default_graph_empty(store: Store) -> None:
    store.load([src("people.ttl", TTL)], graph=f"{EX}g1")
    assert store.graphs() == [ox.NamedNode(f"{EX}g1")]
    assert rows(store, "SELECT * WHERE { ?s ?p ?o }") == []
    got = rows(store, f"SELECT ?n WHERE {{ GRAPH <{EX}g1> {{ <{EX}alice> <{EX}name> ?n }} }}")
    assert got == [{"n": '"Alice"'}]


def test_nquads_keep_their_own_graphs(store: Store) -> None:
    nq = (f"<{EX}a> <{EX}p> <{EX}b> <{EX}g2> .\n"
          f"<{EX}a> <{EX}p> <{EX}c> <{EX}g1> .\n"
          f"<{EX}a> <{EX}p> <{EX}d> .\n")
    store.load([src("x.nq", nq)])
    assert store.graphs() == [ox.NamedNode(f"{EX}g1"), ox.NamedNode(f"{EX}g2")]
    assert rows(store, "SELECT ?o WHERE { ?s ?p ?o }") == [{"o": f"<{EX}d>"}]


def test_ask_construct_and_describe(store: Store) -> None:
    store.load([src("people.ttl", TTL)])
    assert store.ask(f"ASK {{ <{EX}alice> <{EX}knows> <{EX}bob> }}") is True
    assert store.ask(f"ASK {{ <{EX}bob> <{EX}knows> <{EX}alice> }}") is False
    constructed = set(store.query(
        f"CONSTRUCT {{ ?b <{EX}knownBy> ?a }} WHERE {{ ?a <{EX}knows> ?b }}"))
    assert constructed == {ox.Triple(ox.NamedNode(f"{EX}bob"), ox.NamedNode(f"{EX}knownBy"),
                                     ox.NamedNode(f"{EX}alice"))}
    described = set(store.query(f"DESCRIBE <{EX}bob>"))
    assert {(t.predicate.value, str(t.object)) for t in described} == {
        (f"{EX}name", '"Bob"'),
        (f"{EX}since", '"2024-03-01"^^<http://www.w3.org/2001/XMLSchema#date>'),
    }


def test_update_inserts_and_deletes(store: Store) -> None:
    store.load([src("people.ttl", TTL)])
    store.update(f"PREFIX ex: <{EX}> DELETE {{ ?p ex:age ?a }} INSERT {{ ?p ex:age 43 }} "
                 f"WHERE {{ ?p ex:age ?a }}")
    assert rows(store, f"SELECT ?a WHERE {{ ?p <{EX}age> ?a }}") == [
        {"a": '"43"^^<http://www.w3.org/2001/XMLSchema#integer>'}]


def test_dump_round_trips_the_whole_dataset(store: Store) -> None:
    store.load([src("people.ttl", TTL)])
    store.load([src("u.ttl", UNICODE_TTL)], graph=f"{EX}g")
    before = dataset(store)
    assert len(before) == 9
    other = open_store("oxigraph:")
    other.load([Source("dump.nq", data=_nquads(before))])
    assert dataset(other) == before


def test_dump_one_graph_as_turtle(store: Store) -> None:
    store.load([src("u.ttl", UNICODE_TTL)], graph=f"{EX}g")
    buf = io.BytesIO()
    store.dump(buf, ox.RdfFormat.TURTLE, graph=f"{EX}g")
    triples = set(ox.parse(buf.getvalue(), ox.RdfFormat.TURTLE))
    assert len(triples) == 4


def test_blank_nodes_survive_a_round_trip(store: Store) -> None:
    store.load([src("b.ttl", BNODE_TTL)])
    buf = io.BytesIO()
    store.dump(buf, ox.RdfFormat.N_TRIPLES)
    reloaded = ox.Dataset(ox.parse(buf.getvalue(), ox.RdfFormat.N_TRIPLES))
    original = ox.Dataset(ox.parse(BNODE_TTL.encode(), ox.RdfFormat.TURTLE))
    reloaded.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    original.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    assert reloaded == original
    got = rows(store, f"SELECT ?s ?e WHERE {{ ?d <{EX}term> ?t . ?t <{EX}start> ?s ; <{EX}end> ?e }}")
    assert got == [{"s": '"2025-01-01"', "e": '"2027-12-31"'}]


def test_unicode_and_typed_literals_come_back_intact(store: Store) -> None:
    store.load([src("u.ttl", UNICODE_TTL)])
    row = store.select(f"SELECT * WHERE {{ <{EX}z> <{EX}label> ?l ; <{EX}amount> ?a ; "
                       f"<{EX}flag> ?f ; <{EX}when> ?w }}")[0]
    assert row["l"] == ox.Literal("Zürich – 東京 – 🚀", language="de")
    # engines may store decimals canonically (1234.5): the value and type must survive
    assert row["a"].datatype.value.endswith("#decimal")
    assert Decimal(row["a"].value) == Decimal("1234.50")
    assert row["f"].datatype.value.endswith("#boolean") and row["f"].value == "true"
    assert row["w"].datatype.value.endswith("#dateTime")


def test_bindings_are_typed_terms_not_text(store: Store) -> None:
    store.load([src("people.ttl", TTL)])
    q = f"SELECT ?p WHERE {{ ?p <{EX}name> ?name }}"
    assert rows(store, q, bindings={"name": ox.Literal("Bob")}) == [{"p": f"<{EX}bob>"}]
    hostile = ox.Literal('"} ; DROP ALL ; {"\n<x>')
    assert rows(store, q, bindings={"name": hostile}) == []
    assert len(rows(store, "SELECT * WHERE { ?s ?p ?o }")) == 5


def test_bindings_reach_filters(store: Store) -> None:
    store.load([src("people.ttl", TTL)])
    q = f"SELECT ?p WHERE {{ ?p <{EX}age> ?age FILTER(?age > ?min) }}"
    assert rows(store, q, bindings={"min": ox.Literal("40", datatype=ox.NamedNode(
        "http://www.w3.org/2001/XMLSchema#integer"))}) == [{"p": f"<{EX}alice>"}]


def test_malformed_query_is_a_query_error(store: Store) -> None:
    with pytest.raises(QueryError):
        store.query("SELECT * WHERE { ?s ?p }")


def test_a_bad_file_among_good_ones_loads_nothing(store: Store) -> None:
    store.load([src("people.ttl", TTL)])
    before = dataset(store)
    bad = "@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:a ex:b \"unterminated .\n"
    with pytest.raises(LoadError) as caught:
        store.load([src("good.ttl", UNICODE_TTL), src("bad.ttl", bad)])
    assert caught.value.source == "bad.ttl" and caught.value.line == 3
    assert dataset(store) == before


def test_a_bad_first_file_loads_nothing(store: Store, tmp_path: Path) -> None:
    bad = tmp_path / "bad.nt"
    bad.write_text(f"<{EX}a> <{EX}b> <{EX}c> .\n<{EX}a> <{EX}b> .\n")
    good = tmp_path / "good.ttl"
    good.write_text(TTL)
    with pytest.raises(LoadError) as caught:
        store.load([bad, good])
    assert str(caught.value).startswith(f"{bad}:2:")
    assert len(dataset(store)) == 0


def test_a_bad_file_after_a_good_one_leaves_an_empty_store_empty(store: Store, tmp_path: Path) -> None:
    # On disk an empty store is bulk loaded without a first parse, and emptied again on failure.
    good = tmp_path / "good.ttl"
    good.write_text(TTL)
    bad = tmp_path / "bad.nt"
    bad.write_text(f"<{EX}a> <{EX}b> <{EX}c> .\n" * 50 + f"<{EX}a> <{EX}b> .\n")
    with pytest.raises(LoadError) as caught:
        store.load([good, bad], graph=f"{EX}g1")
    assert str(caught.value).startswith(f"{bad}:51:")
    assert len(dataset(store)) == 0 and store.graphs() == []
    assert store.load([good]) == 5  # and it loads as usual afterwards
    assert rows(store, f"SELECT ?n WHERE {{ <{EX}alice> <{EX}name> ?n }}") == [{"n": '"Alice"'}]


def test_both_stores_give_the_same_answers(oxigraph_server) -> None:
    oxigraph_server.clear()
    answers = []
    for url in ("oxigraph:", oxigraph_server.store_url):
        with open_store(url) as s:
            s.load([src("people.ttl", TTL), src("u.ttl", UNICODE_TTL)])
            answers.append((
                rows(s, "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o"),
                rows(s, "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY ?p"),
                s.ask(f"ASK {{ <{EX}z> ?p 1234.5 }}"),
            ))
    assert answers[0] == answers[1]
    assert len(answers[0][0]) == 9


def _nquads(ds: ox.Dataset) -> bytes:
    return ox.serialize(ds, format=ox.RdfFormat.N_QUADS)


@pytest.mark.parametrize("fmt", ["turtle", "ntriples", "nquads", "trig", "rdfxml", "jsonld"])
def test_every_supported_format_loads_by_extension(store: Store, fmt: str, tmp_path: Path) -> None:
    from comgraph.store import parse_format

    rdf_format = parse_format(fmt)
    data = ox.serialize(ox.parse(TTL.encode(), ox.RdfFormat.TURTLE), format=rdf_format)
    path = tmp_path / f"people.{rdf_format.file_extension}"
    path.write_bytes(data)
    assert store.load([path]) == 5
    assert len(rows(store, "SELECT * WHERE { ?s ?p ?o }")) == 5


def test_progress_is_reported_up_to_the_total(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "people.ttl"
    path.write_text(TTL)
    seen: list[tuple[int, int]] = []
    store.load([path], progress=lambda done, total: seen.append((done, total)))
    assert seen and seen[-1] == (path.stat().st_size, path.stat().st_size)


def test_the_version_changes_on_every_write_where_the_store_can_tell(store: Store) -> None:
    before = store.version()
    store.load([src("people.ttl", TTL)])
    after_load = store.version()
    store.update(f"INSERT DATA {{ <{EX}x> <{EX}y> 1 }}")
    after_update = store.version()
    if before is None:  # a remote engine: others may write, so it never claims to know
        assert after_load is None and after_update is None
    else:
        assert before != after_load != after_update
        store.query("SELECT * WHERE { ?s ?p ?o }")
        assert store.version() == after_update


def test_an_rdf_xml_error_names_its_line_and_column(store: Store, tmp_path: Path) -> None:
    bad = tmp_path / "bad.rdf"
    bad.write_text('<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
                   '  <rdf:Description rdf:about="http://example.org/a">\n'
                   '  </rdf:Descriptio>\n</rdf:RDF>\n')
    with pytest.raises(LoadError) as caught:
        store.load([bad])
    assert (caught.value.line, caught.value.column) == (4, 5)
    assert str(caught.value).startswith(f"{bad}:4:5: ")
