"""Portable SPARQL: parameters bound as constants, the one written form of date arithmetic and
its rendering per engine, results read the same on every engine, and the lint that keeps
``queries/`` and the shapes inside SPARQL 1.1."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from comgraph.paths import queries_dir, shapes_dir
from comgraph.portability import lint, lint_file, lint_paths, main, register_rdflib_functions, render
from comgraph.queries import Catalogue, normalise, parse_query_file
from comgraph.sparql_text import TOKEN, where_group_start
from comgraph.store import QueryError, Source, open_store
from comgraph.store.bindings import bind_terms
from comgraph.store.engines import PROFILES
from tests.views_support import DEMO_DIR

XSD = "http://www.w3.org/2001/XMLSchema#"
DATE = f"<{XSD}date>"
EX = "http://example.org/"


def date(text: str) -> ox.Literal:
    return ox.Literal(text, datatype=ox.NamedNode(XSD + "date"))


# -- binding parameters ----------------------------------------------------------------------


def test_a_bound_variable_becomes_its_term_everywhere_but_strings_iris_and_comments() -> None:
    text = ('SELECT ?s WHERE { ?s <urn:p?x> "?x and $x" ; <urn:q> $x . # ?x\n'
            '  FILTER (?x != ?xy) { SELECT ?s WHERE { ?s <urn:r> ?x } } }')
    assert bind_terms(text, {"x": ox.NamedNode(EX + "a")}) == (
        'SELECT ?s WHERE { ?s <urn:p?x> "?x and $x" ; <urn:q> <http://example.org/a> . # ?x\n'
        '  FILTER (<http://example.org/a> != ?xy) '
        '{ SELECT ?s WHERE { ?s <urn:r> <http://example.org/a> } } }')


def test_a_projected_parameter_stays_a_column_and_bound_reads_true() -> None:
    text = ("SELECT ?x ?n (COUNT(?y) AS ?c) WHERE { ?y <urn:p> ?x OPTIONAL { ?y <urn:q> ?n } "
            "FILTER (BOUND(?x) && !BOUND( ?n )) } GROUP BY ?x ?n ORDER BY DESC(?x) ?x LIMIT 5")
    assert bind_terms(text, {"x": ox.Literal("a")}) == (
        'SELECT ("a" AS ?x) ?n (COUNT(?y) AS ?c) WHERE { ?y <urn:p> "a" OPTIONAL { ?y <urn:q> ?n } '
        'FILTER (true && !BOUND( ?n )) } GROUP BY ("a") ?n ORDER BY DESC("a") ("a") LIMIT 5')


def test_a_subquery_projecting_a_parameter_drops_it_unless_it_is_all_it_projects() -> None:
    text = ("SELECT ?x ?n WHERE { { SELECT ?x (COUNT(*) AS ?n) WHERE { ?x <urn:p> ?o } GROUP BY ?x } "
            "{ SELECT ?x WHERE { ?x <urn:q> ?r } } }")
    bound = bind_terms(text, {"x": ox.NamedNode(EX + "a")})
    a = f"<{EX}a>"
    assert bound == (f"SELECT ({a} AS ?x) ?n WHERE {{ {{ SELECT  (COUNT(*) AS ?n) WHERE {{ {a} <urn:p> ?o }} "
                     f"GROUP BY ({a}) }} {{ SELECT ({a} AS ?_bound_x) WHERE {{ {a} <urn:q> ?r }} }} }}")
    store = open_store("oxigraph:")
    store.load([Source("d.ttl", data=f"<{EX}a> <urn:p> 1 , 2 . <{EX}a> <urn:q> 3 .".encode())])
    assert [(r["x"].value, r["n"].value) for r in store.select(bound)] == [(EX + "a", "2")]


def test_a_parameter_read_inside_a_subquery_is_bound_there_too() -> None:
    store = open_store("oxigraph:")
    store.load(sorted(DEMO_DIR.glob("*.ttl")))
    query = Catalogue().get("performance-against-target")
    everyone = [r for r in query.run(store)]
    atlas = [r for r in query.run(store, {"stakeholder": "https://example.org/retail-it/atlas-it"})]
    assert atlas and len(atlas) < len(everyone)
    assert [tuple(r) for r in atlas] == [tuple(r) for r in everyone
                                         if r["stakeholder"].value == "https://example.org/retail-it/atlas-it"]
    earlier = [r for r in query.run(store, {"as_of": "2025-07-01"})]
    assert all(r["measurementDate"] is None or r["measurementDate"].value <= "2025-07-01" for r in earlier)
    assert {r["status"].value for r in earlier} == {"not measured"}


def test_the_bound_query_runs_and_answers_as_a_join_would(tmp_path: Path) -> None:
    store = open_store("oxigraph:")
    store.load([Source("d.ttl", data=f"""
        <{EX}a> <{EX}p> <{EX}b> . <{EX}a> <{EX}p> <{EX}c> . <{EX}d> <{EX}p> <{EX}b> .
        <{EX}b> <{EX}since> "2026-01-01"^^<{XSD}date> .""".encode())])
    text = (f"SELECT ?s ?o (COUNT(*) AS ?n) WHERE {{ ?s <{EX}p> ?o "
            f"OPTIONAL {{ ?o <{EX}since> ?since FILTER (?since <= ?as_of) }} }} GROUP BY ?s ?o ORDER BY ?s")
    rows = store.select(text, bindings={"o": ox.NamedNode(EX + "b"), "as_of": date("2026-06-30")})
    assert [(r["s"].value, r["o"].value, r["n"].value) for r in rows] == [
        (EX + "a", EX + "b", "1"), (EX + "d", EX + "b", "1")]


def test_a_parameter_the_query_assigns_is_refused_by_name() -> None:
    for text in ("SELECT ?y WHERE { BIND (1 AS ?x) ?y ?p ?x }",
                 "SELECT (MAX(?z) AS ?x) WHERE { ?y ?p ?z }",
                 "SELECT ?y WHERE { VALUES ?x { 1 2 } ?y ?p ?x }",
                 "SELECT ?y WHERE { VALUES (?y $x) { (1 2) } }"):
        with pytest.raises(QueryError, match="parameter 'x': the query"):
            bind_terms(text, {"x": ox.Literal("1")})


def test_blank_nodes_are_refused_and_triple_terms_are_written_as_triple_terms() -> None:
    with pytest.raises(QueryError, match="binding 'x': a blank node"):
        bind_terms("SELECT * WHERE { ?s ?p ?x }", {"x": ox.BlankNode()})
    triple = ox.Triple(ox.NamedNode(EX + "s"), ox.NamedNode(EX + "p"), ox.Literal("o"))
    assert bind_terms("ASK { ?s ?p ?x }", {"x": triple}) == (
        f'ASK {{ ?s ?p <<( <{EX}s> <{EX}p> "o" )>> }}')


def test_optional_parameters_left_unbound_stay_variables() -> None:
    query = Catalogue().get("obligations-due")
    bound = query.bind({"as_of": "2026-06-30"})
    text = query.text_with(bound)
    assert "!BOUND(?owed_by)" in text and "?obligor = ?owed_by" in text
    variables = {m.group()[1:] for m in TOKEN.finditer(text) if m.lastgroup == "var"}
    assert {"owed_by", "owed_to"} <= variables and not {"as_of", "months", "horizon_end"} & variables


def _values_joined(sparql: str, bindings: dict) -> str:
    """How parameters were bound before: a VALUES block opening the WHERE group."""
    position = where_group_start(sparql)
    names = " ".join(f"?{n}" for n in bindings)
    terms = " ".join(str(t) for t in bindings.values())
    return sparql[:position] + f" VALUES ({names}) {{ ({terms}) }} " + sparql[position:]


@pytest.mark.parametrize("dataset", ["demo", "demo-defects"])
def test_every_named_query_gives_the_rows_a_values_join_gave(dataset: str) -> None:
    store = open_store("oxigraph:")
    store.load(sorted((DEMO_DIR.parent / dataset).glob("*.ttl")))
    # performance-against-target reads ?as_of inside a subquery, which a VALUES join never
    # reached (test_queries_demo checks its rows).
    for query in (q for q in Catalogue() if q.name != "performance-against-target"):
        for values in ({}, {"as_of": "2026-01-31"}, {"months": "1"}):
            try:
                bound = query.bind(values, store)
            except Exception:  # noqa: BLE001 - a query without that parameter
                continue
            substituted = [tuple(r) for r in store.query(query.sparql, bindings=bound)]
            joined = [tuple(r) for r in store.query(_values_joined(query.sparql, bound))]
            assert substituted == joined, (query.name, values)


# -- dates -----------------------------------------------------------------------------------


def test_calls_on_constants_become_the_date_they_compute_in_every_dialect() -> None:
    text = (f'PREFIX cgfn: <https://w3id.org/comgraph/fn#>\nPREFIX xsd: <{XSD}>\n'
            'SELECT * WHERE { FILTER (?d > cgfn:addMonths("2026-05-31"^^xsd:date, -3) '
            f'&& ?d < <https://w3id.org/comgraph/fn#addDays>("2026-12-31"^^{DATE}, 1)) }}')
    for dialect in ("xpath", "virtuoso"):
        rendered = render(text, dialect)
        assert f'?d > "2026-02-28"^^{DATE}' in rendered and f'?d < "2027-01-01"^^{DATE}' in rendered


def test_calls_on_variables_are_written_in_the_engines_own_form() -> None:
    text = "PREFIX fn: <https://w3id.org/comgraph/fn#>\nSELECT * { BIND (fn:addDays(?end, 1) AS ?next) " \
           "BIND (fn:addMonths(?d, ?n) AS ?later) }"
    xpath = render(text, "xpath")
    assert f'(?end - "-P1D"^^<{XSD}dayTimeDuration>)' in xpath
    assert (f'(?d - STRDT(CONCAT(IF((?n) > 0, "-P", "P"), STR(ABS((?n))), "M"), '
            f'<{XSD}yearMonthDuration>))') in xpath
    virtuoso = render(text, "virtuoso")
    assert 'bif:dateadd("day", 1, ?end)' in virtuoso
    moved = 'bif:dateadd("month", ?n, ?d)'
    assert f'IF(DAY({moved}) = DAY(?d), {moved}, bif:dateadd("day", -DAY({moved}), {moved}))' in virtuoso
    assert render("SELECT * { ?s ?p ?o }", "virtuoso") == "SELECT * { ?s ?p ?o }"


@pytest.mark.parametrize(("start", "function", "amount", "expected"), [
    ("2026-06-30", "addDays", 1, "2026-07-01"), ("2026-03-01", "addDays", -1, "2026-02-28"),
    ("2026-01-31", "addMonths", 1, "2026-02-28"), ("2024-03-31", "addMonths", -1, "2024-02-29"),
    ("2026-08-31", "addMonths", 6, "2027-02-28"), ("2026-06-30", "addMonths", 0, "2026-06-30"),
])
def test_the_embedded_store_and_rdflib_shift_dates_alike(start: str, function: str, amount: int,
                                                         expected: str) -> None:
    text = (f'PREFIX cgfn: <https://w3id.org/comgraph/fn#>\nSELECT ?shifted ?folded WHERE {{ '
            f'BIND ("{start}"^^{DATE} AS ?d) BIND ({amount} AS ?n) '
            f'BIND (cgfn:{function}(?d, ?n) AS ?shifted) '
            f'BIND (cgfn:{function}("{start}"^^{DATE}, {amount}) AS ?folded) }}')
    [row] = open_store("oxigraph:").select(text)
    assert row["shifted"] == date(expected) and row["folded"] == date(expected)
    register_rdflib_functions()
    [reference] = rdflib.Graph().query(text)
    assert str(reference.shifted) == expected and str(reference.folded) == expected


def test_a_malformed_call_is_a_query_error() -> None:
    with pytest.raises(QueryError, match="cgfn:addDays takes two arguments"):
        open_store("oxigraph:").select(
            "PREFIX cgfn: <https://w3id.org/comgraph/fn#> SELECT * { BIND (cgfn:addDays(?d) AS ?e) }")


# -- results read the same on every engine ---------------------------------------------------


def test_group_concat_columns_and_their_separators_are_read_from_the_query() -> None:
    assert Catalogue().get("capability-coverage").group_concat_columns == {
        "neededBy": "; ", "offeredBy": "; ", "selectedProviders": "; ", "approvedBy": "; "}
    assert Catalogue().get("raci-matrix").group_concat_columns == {}


def _results(rows: str) -> ox.QuerySolutions:
    return ox.parse_query_results(
        ('{"head": {"vars": ["names", "flag"]}, "results": {"bindings": [' + rows + "]}}").encode(),
        format=ox.QueryResultsFormat.JSON)


def test_group_concat_items_are_sorted_and_integer_booleans_read_as_booleans() -> None:
    integer = f'"datatype": "{XSD}integer"'
    result = normalise(_results(
        '{"names": {"type": "literal", "value": "b; c; a"}, "flag": {"type": "literal", "value": "1", '
        + integer + '}}, {"flag": {"type": "literal", "value": "0", ' + integer + "}}"),
        {"names": "; "}, ["flag"])
    rows = [(r["names"], r["flag"]) for r in result]
    boolean = ox.NamedNode(XSD + "boolean")
    assert rows == [(ox.Literal("a; b; c"), ox.Literal("true", datatype=boolean)),
                    (None, ox.Literal("false", datatype=boolean))]


def test_a_named_query_reads_booleans_back_only_from_an_engine_that_sends_integers(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "flags.rq"
    path.write_text("# title: Flags\n# process: all\n# booleans: [flag]\n"
                    "SELECT ?flag WHERE { VALUES ?flag { 1 0 } }\n")
    query = parse_query_file(path)
    store = open_store("oxigraph:")
    assert [r["flag"].value for r in query.run(store)] == ["1", "0"]
    monkeypatch.setattr(type(store), "profile", property(lambda self: PROFILES["virtuoso"]))
    assert [r["flag"].value for r in query.run(store)] == ["true", "false"]


# -- the lint --------------------------------------------------------------------------------


def test_the_lint_refuses_a_duration_added_to_a_date_with_file_line_and_column() -> None:
    text = ('PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\nSELECT * WHERE {\n'
            '  FILTER (?d <= ?as_of + "P6M"^^xsd:duration)\n}')
    [problem] = lint(text, "due.rq")
    assert str(problem).startswith("due.rq:3:26: a duration (xsd:duration): date + duration is an XPath")


def test_the_lint_refuses_a_select_alias_reused_in_the_same_select() -> None:
    text = "SELECT (MAX(?v) AS ?value)\n       (IF(?value > 3, 1, 0) AS ?ok) WHERE { ?s ?p ?v }"
    [problem] = lint(text, "q.rq")
    assert str(problem).startswith("q.rq:2:12: ?value is an alias of this SELECT used again")


def test_the_lint_refuses_extension_functions_and_malformed_date_calls() -> None:
    text = ("PREFIX cgfn: <https://w3id.org/comgraph/fn#>\nSELECT * WHERE { "
            "BIND (bif:dateadd('day', 1, ?d) AS ?e) BIND (cgfn:addDays(?d) AS ?f) "
            "BIND (xsd:date(?d) AS ?g) }")
    reasons = [p.reason for p in lint(text)]
    assert len(reasons) == 2
    assert reasons[0].startswith("bif:dateadd() is not a SPARQL 1.1 function")
    assert reasons[1].startswith("cgfn:addDays takes two arguments")


def test_the_lint_reads_the_queries_inside_shapes_at_their_place_in_the_file(tmp_path: Path) -> None:
    shapes = tmp_path / "s.ttl"
    shapes.write_text('@prefix sh: <http://www.w3.org/ns/shacl#> .\n<urn:s> sh:sparql [ sh:select """\n'
                      'SELECT $this WHERE {\n'
                      '  FILTER ($asOf - "P3M"^^xsd:yearMonthDuration > ?d)\n}""" ] .\n')
    [problem] = lint_file(shapes)
    assert str(problem).startswith(f"{shapes}:4:19: a duration (xsd:yearMonthDuration)")
    assert main([str(shapes)]) == 1


def test_the_shipped_queries_and_shapes_are_portable(capsys: pytest.CaptureFixture[str]) -> None:
    assert [str(p) for p in lint_paths([queries_dir(), shapes_dir()])] == []
    assert main([]) == 0 and capsys.readouterr().out == ""


def test_render_is_applied_on_a_date_far_from_month_ends_too() -> None:
    assert render('PREFIX cgfn: <https://w3id.org/comgraph/fn#> SELECT (cgfn:addMonths("2026-06-15"^^'
                  f'{DATE}, 12) AS ?d) {{}}', "xpath").endswith(f'("2027-06-15"^^{DATE} AS ?d) {{}}')
