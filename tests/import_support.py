"""Helpers for the importer tests: run the CLI, make small workbooks, read stores and views."""

from __future__ import annotations

import gc
import io
import json
from pathlib import Path

import pyoxigraph as ox
from click.testing import CliRunner, Result
from openpyxl import Workbook

from comgraph.cli import main
from comgraph.store import open_store

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "data" / "templates"
DEMO = ROOT / "data" / "demo"


def cli(*args: str) -> Result:
    # A command that exits (validate's exit 1) leaves its frames, and so an on-disk store and
    # its lock, in the traceback's reference cycle until the cycle is collected.
    gc.collect()
    return CliRunner().invoke(main, list(args), env={"COMGRAPH_STORE": None})


def workbook(path: Path, rows: list[list[object]], title: str = "Sheet1") -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def quads(url: str) -> set[str]:
    """Every quad in the store, as N-Quads lines (blank nodes do not occur in imports)."""
    with open_store(url) as store:
        out = io.BytesIO()
        store.dump(out, ox.RdfFormat.N_QUADS)
    return {line for line in out.getvalue().decode().splitlines() if line.strip()}


def default_triples(url: str) -> set[ox.Triple]:
    with open_store(url) as store:
        out = io.BytesIO()
        store.dump(out, ox.RdfFormat.N_QUADS)
    return {q.triple for q in ox.parse(out.getvalue(), format=ox.RdfFormat.N_QUADS)
            if isinstance(q.graph_name, ox.DefaultGraph)}


def view(url: str, name: str, **params: str) -> list[dict[str, str]]:
    args = ["query", name, "--store", url, "--format", "json"]
    for k, v in params.items():
        args += ["-p", f"{k}={v}"]
    result = cli(*args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    return [{k: v["value"] for k, v in b.items()} for b in data["results"]["bindings"]]
