"""Reading a sheet: CSV or XLSX into one ``Table`` of cells, and the cell values importers
accept (text, dates)."""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import click

from comgraph.importers.common import PROGRESS_ROWS
from comgraph.importers.problems import CellRef, ImportFailed, Problem

# -- reading tables: CSV and XLSX ------------------------------------------------------------


@dataclass
class Table:
    """The cells of one sheet as rows of values, with the row numbers they had."""

    file: str
    sheet: str
    rows: list[tuple[int, list[object]]]

    def cell(self, row: int, column: int) -> CellRef:
        return CellRef(self.sheet, row, column)


def read_table(path: str | Path, sheet: str | None = None) -> Table:
    """Read a CSV file or one sheet of an XLSX workbook (the first unless ``sheet`` is given)."""
    path = Path(path)
    name = path.name
    suffix = path.suffix.lower()
    if not path.is_file():
        raise ImportFailed(name, [Problem("", f"no such file: {path}")])
    if suffix in (".csv", ".tsv", ".txt"):
        if sheet:
            raise ImportFailed(name, [Problem("", "--sheet is for .xlsx workbooks; a CSV file has one "
                                                  "sheet")])
        return _read_csv(path)
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, sheet)
    what = suffix or "a file without an extension"
    raise ImportFailed(name, [Problem("", f"expected a .csv or .xlsx file, not {what}")])


def _read_csv(path: Path) -> Table:
    name = path.name
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ImportFailed(name, [Problem(f"{path.stem}!{line}:{line}",
                                          "the file is not UTF-8 text (save it as CSV UTF-8)")]) from None
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    sheet = path.stem
    rows: list[tuple[int, list[object]]] = []
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        for values in reader:
            rows.append((reader.line_num, list(values)))
    except csv.Error as exc:
        raise ImportFailed(name, [Problem(f"{sheet}!{reader.line_num}:{reader.line_num}",
                                          f"not readable as CSV: {exc}")]) from None
    # A quoted cell can span lines; the row number is the record's, which is what a
    # spreadsheet shows when it opens the file.
    return Table(name, sheet, [(i, values) for i, (_, values) in enumerate(rows, start=1)])


def _read_xlsx(path: Path, sheet: str | None) -> Table:
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    name = path.name
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportFailed(name, [Problem("", f"not a readable Excel workbook (.xlsx): {exc}")]) from None
    try:
        if sheet is None:
            ws = workbook.worksheets[0]
        elif sheet in workbook.sheetnames:
            ws = workbook[sheet]
        else:
            raise ImportFailed(name, [Problem("", f"no sheet named {sheet!r}; the workbook has "
                                              + ", ".join(repr(s) for s in workbook.sheetnames))])
        rows = [(i, list(values)) for i, values in
                enumerate(progress_rows(ws.iter_rows(values_only=True), f"reading {name}", ws.max_row),
                          start=1)]
        return Table(name, ws.title, rows)
    finally:
        workbook.close()


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def as_text(value: object) -> str | None:
    """A cell's text, or None when the cell holds something else (a number, a date)."""
    if isinstance(value, str):
        return value
    return None


def as_date(value: object) -> date | None:
    """A cell's date: an Excel date, or text written YYYY-MM-DD."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def progress_rows(rows: Iterable, label: str, length: int | None = None) -> Iterator:
    """Iterate rows, with a progress bar on standard error when it is a terminal and there are
    many (``length``, for an iterator, as the sheet says it; nothing on a pipe or in a log)."""
    length = len(rows) if length is None and hasattr(rows, "__len__") else length
    if length is not None and length >= PROGRESS_ROWS and sys.stderr.isatty():
        with click.progressbar(rows, length=length, label=label, file=sys.stderr) as bar:
            yield from bar
    else:
        yield from rows
