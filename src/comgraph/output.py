"""Rendering query results for the terminal and for files (table, JSON, CSV, TSV, XML, RDF), and
writing an output file so that a failure leaves no empty or half-written file behind."""

from __future__ import annotations

import contextlib
import os
import stat
import uuid
from collections.abc import Iterator
from pathlib import Path
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


def write_table(result, out: IO[str], *, width: int | None = None) -> int:
    """Write SELECT results as an aligned text table and return the row count.

    A column ``x`` that comes with ``xLabel`` (as the named queries' do) shows the label, falling
    back to the compact IRI, and ``xLabel`` is not repeated. With a ``width`` (a terminal's), long
    cells are shortened so the table fits; without one nothing is cut.
    """
    names = [v.value for v in result.variables]
    shown = [n for n in names if not (n.endswith("Label") and n[: -len("Label")] in names)]
    rows = []
    for row in result:
        cells = []
        for n in shown:
            label = row[f"{n}Label"] if f"{n}Label" in names else None
            cells.append(display_term(label if label is not None else row[n]))
        rows.append(cells)
    cap = max(24, width // max(1, len(shown)) - 3) if width else None
    if cap:
        rows = [[c if len(c) <= cap else c[: cap - 1] + "…" for c in r] for r in rows]
    widths = [max([len(n)] + [len(r[i]) for r in rows]) for i, n in enumerate(shown)]
    out.write(" | ".join(n.ljust(w) for n, w in zip(shown, widths, strict=True)).rstrip() + "\n")
    out.write("-+-".join("-" * w for w in widths) + "\n")
    for r in rows:
        out.write(" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() + "\n")
    out.write(f"({len(rows)} row{'s' if len(rows) != 1 else ''})\n")
    return len(rows)


@contextlib.contextmanager
def replaced_on_success(path: str | os.PathLike[str]) -> Iterator[IO[bytes]]:
    """A binary file to write ``path``'s new content into: a temporary file beside it, renamed
    over ``path`` only when the block ends without an error. On any failure (an engine that is
    down, a query that fails half-way through its answer) the temporary file is removed, and
    ``path`` is left as it was: absent, or with its old content.

    Something other than a regular file (``/dev/stdout``, a named pipe) is written directly:
    there is nothing to rename over it.
    """
    target = Path(path)
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        with open(target, "wb") as direct:
            yield direct
        return
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex[:12]}.part")
    # 0o666 less the umask, as open() gives a new file; the old file's own mode when replacing one.
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as sink:
            if mode is not None:
                os.fchmod(sink.fileno(), stat.S_IMODE(mode))
            yield sink
            sink.flush()
            os.fsync(sink.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def write_file(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all (see ``replaced_on_success``)."""
    with replaced_on_success(path) as sink:
        sink.write(data)

