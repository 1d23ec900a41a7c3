"""A named query answers the same however it is reached: by name, by its .rq file, or as an
example in the query editor (its parameters, as_of above all, bound to their defaults)."""

from __future__ import annotations

import json

from click.testing import CliRunner
from comgraph.app.editor import named_queries

from comgraph.cli import main
from comgraph.paths import queries_dir


def rows(args: list[str]) -> list[dict]:
    result = CliRunner().invoke(main, ["query", *args, "--demo", "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["results"]["bindings"]


def test_a_rq_file_given_by_path_binds_its_parameters_like_the_named_query() -> None:
    by_name = rows(["obligations-due"])
    assert len(by_name) == 8
    assert rows([str(queries_dir() / "obligations-due.rq")]) == by_name
    assert rows([str(queries_dir() / "obligations-due.rq"), "--param", "months=1"]) == \
        rows(["obligations-due", "--param", "months=1"])


def test_editor_examples_carry_bound_parameters_and_answer_like_their_views(app) -> None:
    with app.app_context():
        examples = {e["name"]: e for e in named_queries()}
        store = app.config["STORE"]
        raci = examples["raci-matrix"]
        assert raci["title"] == "RACI matrix"
        assert len(store.select(raci["query"])) == len(
            app.test_client().get("/views/raci-matrix.json").json["results"]["bindings"])
        assert len(store.select(examples["obligations-overdue"]["query"])) == 2


def test_query_demo_loads_the_vocabularies_so_label_columns_are_filled() -> None:
    first = rows(["obligations-due"])[0]
    assert first["statusLabel"]["value"] == "Open"


def test_the_table_shows_labels_in_place_of_iris_and_cuts_nothing_off_a_terminal(runner) -> None:
    result = runner.invoke(args=["query", "obligations-due", "--demo"])
    assert result.exit_code == 0
    header, _rule, first, *_ = result.output.splitlines()
    assert [c.strip() for c in header.split("|")] == [
        "obligation", "obligor", "obligee", "dueDate", "frequency", "status", "process"]
    assert [c.strip() for c in first.split("|")] == [
        "Monthly service report", "Atlas IT Services Ltd", "Northwind Retail plc", "2026-07-10",
        "Monthly", "Open", "Feedback"]
    assert "…" not in result.output


def test_a_huge_integer_parameter_is_a_400_naming_it_not_an_empty_answer(client) -> None:
    response = client.get("/views/obligations-due.json?months=99999999999999999999")
    assert response.status_code == 400
    assert response.json["parameter"] == "months"
    assert "out of range" in response.json["error"]
    assert len(client.get("/views/obligations-due.json?months=1000000000").json["results"]["bindings"]) == 8
