"""A 10,000-row sheet imports whole, with the right counts, and a one-cell edit of it re-imports
as exactly that change (no timing here: benchmarks/import.py measures the speed)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from comgraph.importers.raci import read_raci
from comgraph.importers.tables import read_table
from comgraph.importers.writing import write_output
from comgraph.store.oxigraph import OxigraphStore

ROWS = 10_000
PARTIES = ["Clínica São José [company]", "MedIT Prime Ltd [prime contractor]", "Procurement Office"]
CG = "https://w3id.org/comgraph/ns#"


def _sheet(path: Path, edited_row: int | None = None) -> Path:
    lines = ["Responsibility,Process," + ",".join(PARTIES)]
    for i in range(ROWS):
        third = "C" if i == edited_row else ("I" if i % 2 else "")
        lines.append(f"Task {i + 1} – Évora,Integration,A,R,{third}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _count(store: OxigraphStore, where: str) -> int:
    return int(store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}")[0]["n"].value)


def _import(store: OxigraphStore, path: Path) -> str:
    result = read_raci(read_table(path), store, None, date(2026, 1, 1))
    return write_output(result.builder, store, None, result.graph)


def test_a_ten_thousand_row_sheet_imports_whole_and_a_one_cell_edit_is_exactly_that_change(
        tmp_path: Path) -> None:
    path = _sheet(tmp_path / "raci.csv")
    store = OxigraphStore()
    result = read_raci(read_table(path), store, None, date(2026, 1, 1))
    assert (result.responsibilities, result.assignments) == (ROWS, ROWS * 2 + ROWS // 2)
    write_output(result.builder, store, None, result.graph)

    assignments = f"?a a <{CG}ResponsibilityAssignment>"
    assert _count(store, assignments) == ROWS * 2 + ROWS // 2
    assert _count(store, f"?r a <{CG}Responsibility>") == ROWS
    # Every assignment is located at its cell, in the import's own record, not in the default graph.
    assert _count(store, f"{assignments} GRAPH ?g {{ ?a <{CG}sourceRef> ?ref }}") == ROWS * 2 + ROWS // 2
    assert _count(store, f"?a <{CG}sourceRef> ?ref") == 0
    default = _count(store, "?s ?p ?o")
    total = store.triple_count()

    assert "0 added, 0 removed" in _import(store, path)
    assert (_count(store, "?s ?p ?o"), store.triple_count()) == (default, total)

    _sheet(path, edited_row=4)  # E6: nothing -> C
    assert "6 added, 0 removed" in _import(store, path)
    assert _count(store, f"{assignments} ; <{CG}raci> ?code") == ROWS * 2 + ROWS // 2 + 1
