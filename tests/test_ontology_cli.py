"""`comgraph check-ontology` and `comgraph docs OUT/`, and the HTML the app serves at /ontology."""

from __future__ import annotations

from pathlib import Path

from comgraph import ontology


def test_check_ontology_passes_on_the_shipped_ontology_with_the_reasoner(runner) -> None:
    result = runner.invoke(args=["check-ontology"])
    assert result.exit_code == 0, result.output
    assert "check-ontology: ok (consistency, OWL 2 DL profile, labels, declared terms)" in result.stdout
    assert "HermiT: consistent, no unsatisfiable class" in result.stderr


def test_check_ontology_exits_1_and_names_the_undeclared_term(runner, tmp_path: Path) -> None:
    data = tmp_path / "mine.ttl"
    data.write_text("@prefix cg: <https://w3id.org/comgraph/ns#> .\n"
                    "<https://example.org/r> a cg:Responsibilty .\n")
    result = runner.invoke(args=["check-ontology", "--skip-reasoner", "--data", str(tmp_path)])
    assert result.exit_code == 1
    assert f"declared: {data}:2: cg:Responsibilty (class) is not declared" in result.stdout


def test_check_ontology_exits_2_on_a_file_that_does_not_parse(runner, tmp_path: Path) -> None:
    bad = tmp_path / "broken.ttl"
    bad.write_text("<https://example.org/a> <https://example.org/b> .\n")
    result = runner.invoke(args=["check-ontology", "--skip-reasoner", "--data", str(bad)])
    assert result.exit_code == 2
    assert str(bad) in result.stderr


def test_docs_writes_the_pylode_page_with_the_core_terms(runner, tmp_path: Path) -> None:
    out = tmp_path / "site"
    result = runner.invoke(args=["docs", str(out)])
    assert result.exit_code == 0, result.output
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "comgraph co-management ontology" in html
    for label in ("Responsibility assignment", "Co-management team", "owning responsibility"):
        assert label in html
    assert (out / "comgraph.ttl").read_bytes() == ontology.core_file().read_bytes()


def test_documentation_html_returns_the_page_as_a_string() -> None:
    html = ontology.documentation_html()
    assert html.lstrip().lower().startswith("<!doctype html") or html.lstrip().startswith("<html")
    assert "https://w3id.org/comgraph/ns#Obligation" in html


def test_docs_leaves_the_root_logger_as_it_found_it(tmp_path: Path) -> None:
    import logging

    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    ontology.write_docs(tmp_path / "site")
    assert (root.level, root.handlers) == (level, handlers)
