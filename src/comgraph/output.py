"""Rendering query results for the terminal and for files: table, JSON, CSV, TSV, XML, RDF."""

from __future__ import annotations

import shutil
from typing import IO

import pyoxigraph as ox

from comgraph.namespaces import compact

RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}


def display_term(term: object | None) -> str:
    """A term as a person reads it: prefixed IRIs, bare literal values."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return compact(term.value)
    if isinstance(term, ox.Literal):
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return str(term)


def write_table(result, out: IO[str], *, max_width: int | None = None) -> int:
    """Write SELECT results as an aligned text table and return the row count."""
    names = [v.value for v in result.variables]
    rows = [[display_term(row[n]) for n in names] for row in result]
    width = max_width or shutil.get_terminal_size((120, 20)).columns
    cap = max(12, width // max(1, len(names)) - 3)
    cells = [[c if len(c) <= cap else c[: cap - 1] + "…" for c in r] for r in rows]
    widths = [max([len(n)] + [len(r[i]) for r in cells]) for i, n in enumerate(names)]
    line = "+".join("-" * (w + 2) for w in widths)
    out.write(" | ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)).rstrip() + "\n")
    out.write(line.replace("+", "+") + "\n")
    for r in cells:
        out.write(" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() + "\n")
    out.write(f"({len(rows)} row{'s' if len(rows) != 1 else ''})\n")
    return len(rows)
