"""Fuzzing the importers: whatever is in the cells or the CSV text, an import either succeeds
or fails cleanly (exit 2, every error with a cell reference), never with a traceback."""

from __future__ import annotations

import csv
import io
import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.import_support import cli

CELL_REF = re.compile(r"^[^:]+\.csv:(?:[^!]+)!(?:[A-Z]+\d+|\d+:\d+): .+")
SUMMARY = re.compile(r"^\d+ errors? in [^;]+; nothing was imported$")

letters = st.sampled_from(["", "R", "A", "C", "I", "A/R", "RA", "r", "X", " ", "A,C", "RACI", "-", "0"])
cell_text = st.one_of(letters, st.text(max_size=12))
raci_rows = st.lists(st.tuples(st.text(max_size=15), st.sampled_from(["Integration", "Audit", "", "Finance"]),
                               cell_text, cell_text, cell_text), max_size=6)
party_headers = st.lists(st.one_of(st.sampled_from(["MedIT Prime Ltd [prime contractor]", "Clínica São José",
                                                    "", "X [nobody]", "A [company]"]), st.text(max_size=15)),
                         min_size=3, max_size=3)


def _check(result) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code in (0, 2), result.output
    if result.exit_code == 2:
        lines = result.stderr.strip().splitlines()
        assert lines[0].startswith("comgraph: ")
        lines[0] = lines[0].removeprefix("comgraph: ")
        assert SUMMARY.match(lines[-1]), lines[-1]
        for line in lines[:-1]:
            assert CELL_REF.match(line), line


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(headers=party_headers, rows=raci_rows)
def test_any_raci_cells_import_or_fail_with_cell_references(headers, rows) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "raci.csv"
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["Responsibility", "Process", *headers])
        writer.writerows(rows)
        path.write_text(out.getvalue(), encoding="utf-8")
        _check(cli("import", "raci", str(path), "-o", str(Path(tmp) / "out.ttl")))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.lists(st.sampled_from(list("RACI,;\"\n\r\t []/xé0-") + [
    "Responsibility,Process,", "id,obligor,obligee,description,due\n", "quarterly from 2026-01-01"]),
    max_size=60).map("".join))
def test_any_csv_text_imports_or_fails_with_cell_references(text) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("raci", "obligations"):
            path = Path(tmp) / f"{kind}.csv"
            path.write_text(text, encoding="utf-8")
            _check(cli("import", kind, str(path), "-o", str(Path(tmp) / "out.ttl")))
