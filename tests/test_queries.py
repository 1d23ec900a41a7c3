"""The query catalogue: headers, typed parameters, defaults, and the CLI that runs named queries."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from comgraph.cli import main
from comgraph.queries import (
    PROCESSES,
    Catalogue,
    CatalogueError,
    Parameter,
    ParameterError,
    UnknownQuery,
    as_of_date,
    parse_query_file,
)
from comgraph.store import Source, open_store
from tests.views_support import DEMO_DIR

XSD = "http://www.w3.org/2001/XMLSchema#"


def test_every_named_query_documents_exactly_the_columns_it_returns() -> None:
    catalogue = Catalogue()
    assert len(catalogue) >= 18
    store = open_store("oxigraph:")
    for query in catalogue:
        result = query.run(store)
        returned = [v.value for v in result.variables]
        assert [c.name for c in query.columns] == returned, query.name
        assert all(c.description for c in query.columns), query.name
        assert query.title and query.description, query.name


def test_every_process_has_at_least_one_view_and_the_index_groups_them_in_order() -> None:
    groups = Catalogue().by_process()
    assert [process for process, _ in groups] == ["all", *PROCESSES]


def test_the_issue_asks_for_these_views_and_they_exist() -> None:
    names = set(Catalogue().names())
    assert {"relationship-overview", "stakeholders-and-roles", "raci-matrix",
            "responsibilities-without-one-accountable", "roles-vacant-or-double-held",
            "role-and-responsibility-history", "obligations-due", "obligations-overdue",
            "obligations-by-party", "performance-against-target", "audit-scorecard", "equity-register",
            "asset-ownership-and-licences", "capability-coverage", "team-make-up",
            "team-missing-stakeholder-kinds", "lessons-learned", "forecasts-and-risks"} <= names


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_header_that_is_not_yaml_is_refused_with_the_file_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "broken.rq",
                  "# title: Broken\n# process: audit\n# columns:\n#   a: \"x\" y\nSELECT ?a {}\n")
    with pytest.raises(CatalogueError, match=r"broken\.rq:4:\d+: the header is not valid YAML"):
        parse_query_file(path)


def test_a_header_without_a_known_process_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "p.rq", "# title: P\n# process: marketing\nSELECT * {}\n")
    with pytest.raises(CatalogueError, match="process 'marketing' is not one of strategy"):
        parse_query_file(path)


def test_a_parameter_of_an_unknown_type_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "t.rq",
                  "# title: T\n# process: audit\n# parameters:\n#   n: {type: float}\nSELECT * {}\n")
    with pytest.raises(CatalogueError, match="parameter 'n' has type 'float'"):
        parse_query_file(path)


def test_a_default_that_does_not_fit_its_type_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "d.rq", "# title: D\n# process: audit\n# parameters:\n"
                                    "#   months: {type: integer, default: six}\nSELECT * {}\n")
    with pytest.raises(CatalogueError, match="the default of 'months' is not valid"):
        parse_query_file(path)


@pytest.mark.parametrize(("kind", "raw", "expected"), [
    ("date", "2026-02-28", ox.Literal("2026-02-28", datatype=ox.NamedNode(XSD + "date"))),
    ("integer", " 12 ", ox.Literal("12", datatype=ox.NamedNode(XSD + "integer"))),
    ("decimal", "0.75", ox.Literal("0.75", datatype=ox.NamedNode(XSD + "decimal"))),
    ("string", 'say "hi" <b>\n', ox.Literal('say "hi" <b>\n')),
    ("IRI", "cg:Role", ox.NamedNode("https://w3id.org/comgraph/ns#Role")),
    ("IRI", "https://example.org/retail-it/atlas-it", ox.NamedNode("https://example.org/retail-it/atlas-it")),
])
def test_values_become_typed_rdf_terms(kind: str, raw: str, expected: object) -> None:
    assert Parameter("p", kind, "p").parse(raw) == expected


@pytest.mark.parametrize(("kind", "raw", "reason"), [
    ("date", "30/06/2026", "is not a date"),
    ("date", '"} ; DROP ALL ; {"', "is not a date"),
    ("integer", "6 months", "is not an integer"),
    ("decimal", "NaN", "is not a decimal"),
    ("IRI", "not an iri", "is not an absolute IRI"),
    ("IRI", "http://x/a>b", "is not a valid IRI"),
    ("IRI", '"} ; DROP ALL ; {"', "is not an absolute IRI"),
])
def test_a_bad_value_is_refused_with_the_parameter_name(kind: str, raw: str, reason: str) -> None:
    with pytest.raises(ParameterError, match=f"parameter 'when': .*{reason}") as caught:
        Parameter("when", kind, "when").parse(raw)
    assert caught.value.parameter == "when"


def test_unknown_and_missing_required_parameters_are_named() -> None:
    query = Catalogue().get("obligations-due")
    with pytest.raises(ParameterError, match="parameter 'monthz': obligations-due has no such parameter"):
        query.bind({"monthz": "3"})
    required = parse_query_file(Path(__file__).parent / "data" / "views" / "needs-a-party.rq")
    with pytest.raises(ParameterError, match="parameter 'party': a value is required"):
        required.bind({})


def test_as_of_defaults_to_the_data_as_of_date_else_today() -> None:
    store = open_store("oxigraph:")
    assert as_of_date(store) == dt.date.today()
    store.load([Source("a.ttl", data=b'<http://e/r> <https://w3id.org/comgraph/ns#asOfDate> '
                                     b'"2026-06-30"^^<http://www.w3.org/2001/XMLSchema#date> .')])
    assert as_of_date(store) == dt.date(2026, 6, 30)
    bound = Catalogue().get("obligations-due").bind({}, store)
    assert bound["as_of"] == ox.Literal("2026-06-30", datatype=ox.NamedNode(XSD + "date"))
    assert bound["months"] == ox.Literal("6", datatype=ox.NamedNode(XSD + "integer"))
    assert "owed_by" not in bound


def test_the_bound_text_has_the_escaped_term_where_the_variable_was() -> None:
    query = Catalogue().get("obligations-by-party")
    text = query.text_with(query.bind({"search": '"} ; DROP ALL ; {"'}))
    assert 'FILTER (!true || CONTAINS(' in text
    assert 'LCASE(STR("\\"} ; DROP ALL ; {\\""))))' in text
    assert "?search" not in text.split("PREFIX", 1)[1]


def test_horizon_end_is_bound_months_after_as_of_with_the_month_end_clamped() -> None:
    query = Catalogue().get("obligations-due")

    def end(as_of: str, months: str) -> str:
        term = query.bind({"as_of": as_of, "months": months})["horizon_end"]
        assert term.datatype == ox.NamedNode(XSD + "date")
        return term.value

    assert end("2026-06-30", "6") == "2026-12-30"
    assert end("2026-08-31", "6") == "2027-02-28"
    assert end("2026-06-30", "-1") == "2026-05-30"
    # Beyond the years Python's dates hold, the horizon stops at the last (or first) of them.
    assert end("2026-06-30", "1000000000") == "9999-12-31"
    assert end("2026-06-30", "-1000000000") == "0001-01-01"
    # A query whose text does not use ?horizon_end is not given one.
    assert "horizon_end" not in Catalogue().get("raci-matrix").bind({"as_of": "2026-06-30"})


def test_an_unknown_query_name_lists_the_known_ones() -> None:
    with pytest.raises(UnknownQuery, match="no named query 'nope'; known: asset-ownership"):
        Catalogue().get("nope")


@pytest.mark.parametrize(("typed", "meant"), [
    ("obligations-du", "obligations-due"), ("obligations-overdeu", "obligations-overdue"),
    ("raci", "raci-matrix"), ("Team-Make-Up", "team-make-up")])
def test_a_mistyped_query_name_is_answered_with_the_closest_name(typed: str, meant: str) -> None:
    with pytest.raises(UnknownQuery) as raised:
        Catalogue().get(typed)
    assert str(raised.value) == f"no named query {typed!r}; did you mean {meant}?"
    assert raised.value.suggestions == [meant]


def test_find_leaves_sparql_text_and_paths_alone_and_refuses_unknown_names() -> None:
    catalogue = Catalogue()
    assert catalogue.find("raci-matrix").name == "raci-matrix"
    for not_a_name in ("ASK {}", "SELECT * WHERE { ?s ?p ?o }", "queries/raci-matrix.rq", "-"):
        assert catalogue.find(not_a_name) is None
    with pytest.raises(UnknownQuery, match="did you mean obligations-due"):
        catalogue.find("obligations-du")


# -- the CLI -----------------------------------------------------------------------------------

def test_query_list_shows_every_named_query_by_process() -> None:
    result = CliRunner().invoke(main, ["query", "--list"])
    assert result.exit_code == 0
    assert "integration:\n" in result.output
    assert "raci-matrix" in result.output and "RACI matrix" in result.output
    assert "[as_of]" in result.output


def test_a_mistyped_query_name_exits_2_with_did_you_mean_not_a_parse_error() -> None:
    result = CliRunner().invoke(main, ["query", "obligations-du", "--data", str(DEMO_DIR)])
    assert result.exit_code == 2
    assert result.stderr == "comgraph: no named query 'obligations-du'; did you mean obligations-due?\n"
    assert "parse" not in result.output.lower()
    # a bare word far from every name lists them; SPARQL text still runs as SPARQL
    far = CliRunner().invoke(main, ["query", "zebra"])
    assert far.exit_code == 2 and "no named query 'zebra'; known: asset-ownership" in far.stderr
    assert CliRunner().invoke(main, ["query", "ASK {}"]).output == "true\n"


def test_a_named_query_runs_with_params_as_csv() -> None:
    result = CliRunner().invoke(main, ["query", "obligations-due", "--param", "months=1", "--param",
                                       "as_of=2026-06-30", "--format", "csv", "--data", str(DEMO_DIR)])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("obligation,obligationLabel,obligor,")
    # One month from 30 June runs to 30 July inclusive: the fee due that day is the second row.
    assert len(lines) == 3 and "Monthly service report" in lines[1] and "2026-07-10" in lines[1]
    assert "2026-07-30" in lines[2]


def test_a_named_query_runs_as_json_and_table() -> None:
    runner = CliRunner()
    out = runner.invoke(main, ["query", "obligations-overdue", "--format", "json", "--data", str(DEMO_DIR)])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output)["results"]["bindings"]
    assert sorted(r["dueDate"]["value"] for r in rows) == ["2026-04-30", "2026-05-31"]
    table = runner.invoke(main, ["query", "obligations-overdue", "--data", str(DEMO_DIR)])
    assert table.exit_code == 0 and "(2 rows)" in table.output


def test_a_bad_param_exits_2_naming_the_parameter() -> None:
    result = CliRunner().invoke(main, ["query", "obligations-due", "--param", "months=six"])
    assert result.exit_code == 2
    assert "parameter 'months': 'six' is not an integer" in result.output


def test_param_without_equals_and_param_on_ad_hoc_sparql_are_refused() -> None:
    runner = CliRunner()
    assert "expected NAME=VALUE" in runner.invoke(main, ["query", "raci-matrix", "--param", "as_of"]).output
    ad_hoc = runner.invoke(main, ["query", "SELECT * WHERE { ?s ?p ?o }", "--param", "a=b"])
    assert ad_hoc.exit_code == 2 and "--param is for named queries" in ad_hoc.output


def test_ad_hoc_sparql_text_still_runs() -> None:
    result = CliRunner().invoke(main, ["query", "SELECT (1 AS ?one) WHERE {}", "--format", "csv"])
    assert result.exit_code == 0 and result.output.splitlines() == ["one", "1"]


@pytest.fixture(scope="module")
def two_relationships(tmp_path_factory: pytest.TempPathFactory):
    """The benchmark generator's portfolio of two relationships that share their term."""
    from benchmarks.generate import portfolio

    path = portfolio(6_000, relationships=2, seed=0, defects=0.05,
                     path=tmp_path_factory.mktemp("portfolio") / "p.nt")
    store = open_store("oxigraph:")
    store.load([path])
    yield store
    store.close()


@pytest.mark.parametrize("name, params", [
    ("lookahead-tenures", {"from": "2025-07-01", "to": "2030-06-30"}),
    ("lookahead-accountability", {"from": "2025-07-01", "to": "2030-06-30"}),
    ("lookahead-reports", {}),
    ("roles-vacant-or-double-held", {"from": "2025-01-01", "to": "2030-06-30"}),
    ("responsibilities-without-one-accountable", {"to": "2030-06-30"}),
])
def test_views_over_the_relationship_term_give_each_row_once_in_a_portfolio(two_relationships, name, params):
    """Joined to the relationships' term, a view gave every row once per relationship (ten
    times in a portfolio of ten); each distinct term is joined once now."""
    rows = [tuple(str(cell) for cell in row) for row in Catalogue().get(name).run(two_relationships, params)]
    assert rows, f"{name}: the portfolio should give rows"
    assert len(rows) == len(set(rows)), f"{name}: {len(rows) - len(set(rows))} repeated rows"
