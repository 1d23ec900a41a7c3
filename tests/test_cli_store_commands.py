"""`comgraph load`, `query` and `dump` as a user runs them, on a store kept on disk."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from comgraph.cli import main

GOOD = """@prefix ex: <http://example.org/> .
ex:acme ex:name "Acme Retail" .
ex:acme ex:outsourcesTo ex:prime .
"""
# A syntax error on line 7: the object is missing.
BAD = """@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

ex:prime ex:name "Prime Co" .
ex:prime ex:since "2024-01-01"^^xsd:date .

ex:prime ex:subcontracts .
"""


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    (tmp_path / "good.ttl").write_text(GOOD)
    (tmp_path / "bad.ttl").write_text(BAD)
    return {"good": tmp_path / "good.ttl", "bad": tmp_path / "bad.ttl", "db": tmp_path / "db"}


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "comgraph.cli", *args],
                          capture_output=True, text=True, timeout=120)


def count(db: Path) -> int:
    out = run("query", "--store", f"oxigraph://{db}", "--format", "json",
              "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert out.returncode == 0, out.stderr
    return int(json.loads(out.stdout)["results"]["bindings"][0]["n"]["value"])


def test_load_then_query_on_a_disk_store(files) -> None:
    db = f"oxigraph://{files['db']}"
    loaded = run("load", "--store", db, str(files["good"]))
    assert loaded.returncode == 0, loaded.stderr
    assert "2 quad(s)" in loaded.stderr
    out = run("query", "--store", db, "--format", "csv",
              "SELECT ?n WHERE { ?s <http://example.org/name> ?n }")
    assert out.stdout.splitlines() == ["n", "Acme Retail"]


def test_a_syntax_error_on_line_7_loads_nothing_and_names_the_spot(files) -> None:
    db = f"oxigraph://{files['db']}"
    assert run("load", "--store", db, str(files["good"])).returncode == 0
    before = count(files["db"])
    other = files["good"].with_name("more.ttl")
    other.write_text('@prefix ex: <http://example.org/> .\nex:x ex:y "z" .\n')
    failed = run("load", "--store", db, str(other), str(files["bad"]))
    assert failed.returncode == 2
    assert f"{files['bad']}:7:" in failed.stderr
    line = next(x for x in failed.stderr.splitlines() if ":7:" in x)
    assert len(line.split(f"{files['bad']}:7:", 1)[1].split(":", 1)[1].strip()) > 5  # a reason
    assert count(files["db"]) == before == 2


def test_load_into_a_named_graph_and_dump_it(files, tmp_path: Path) -> None:
    runner = CliRunner()
    out_file = tmp_path / "out.nq"
    result = runner.invoke(main, ["dump", "--data", str(files["good"]), "-o", str(out_file)])
    assert result.exit_code == 0, result.output
    assert len(out_file.read_text().strip().splitlines()) == 2
    db = f"oxigraph://{files['db']}"
    assert run("load", "--store", db, "--graph", "http://example.org/g", str(files["good"])).returncode == 0
    dumped = run("dump", "--store", db, "--graph", "http://example.org/g", "--format", "ntriples")
    assert dumped.returncode == 0
    assert len(dumped.stdout.strip().splitlines()) == 2


def test_query_prints_a_table_by_default() -> None:
    result = CliRunner().invoke(main, ["query", "SELECT ?x WHERE { VALUES ?x { 1 2 } }"])
    assert result.exit_code == 0
    assert result.output.splitlines()[0].strip() == "x"
    assert result.output.strip().endswith("(2 rows)")


def test_a_malformed_query_exits_2_with_the_position() -> None:
    result = CliRunner().invoke(main, ["query", "SELECT * WHERE { ?s ?p }"])
    assert result.exit_code == 2
    assert "1:" in result.output and "comgraph:" in result.output


def test_an_unknown_store_url_exits_2() -> None:
    result = CliRunner().invoke(main, ["query", "--store", "postgres://x", "ASK {}"])
    assert result.exit_code == 2
    assert "oxigraph:" in result.output


def test_credentials_in_a_store_url_are_refused_and_not_echoed() -> None:
    result = CliRunner().invoke(main, ["query", "--store", "sparql+http://u:s3cret@h/query", "ASK {}"])
    assert result.exit_code == 2
    assert "s3cret" not in result.output
    assert "COMGRAPH_STORE_TOKEN" in result.output


def test_remote_store_through_the_cli(files, oxigraph_server) -> None:
    oxigraph_server.clear()
    assert run("load", "--store", oxigraph_server.store_url, str(files["good"])).returncode == 0
    out = run("query", "--store", oxigraph_server.store_url, "--format", "tsv",
              "SELECT ?o WHERE { <http://example.org/acme> <http://example.org/outsourcesTo> ?o }")
    assert out.stdout.splitlines() == ["?o", "<http://example.org/prime>"]


def test_help_lists_the_commands() -> None:
    out = run("--help")
    for command in ("load", "query", "dump", "serve"):
        assert f"  {command}" in out.stdout
