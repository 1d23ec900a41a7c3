"""``comgraph import raci``: a RACI matrix kept in a spreadsheet becomes responsibilities and
responsibility assignments.

Layout (``data/templates/raci-template.xlsx``): a header row with a ``Responsibility`` and a
``Process`` column (and, if wanted, ``Description`` and ``Frequency``), then one column per
party; ``Party name [kind]`` names the party's kind of stakeholder. Each row is one
responsibility; a cell holds R, A, C, I, a combination (``A/R``, ``RA``) or nothing. A sheet
that breaks a checklist rule (no A, two A's) is still data and imports; ``comgraph validate``
reports it at the cell it came from. What cannot be read at all is an error naming the cell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyoxigraph as ox

from comgraph.importers.common import clean, match_key, mint, slug, term, vocabulary
from comgraph.importers.parties import (
    Parties,
    imported_from,
    new_relationship,
    pick_relationship,
    relationship_dates,
)
from comgraph.importers.problems import CellRef, Problems, row_ref
from comgraph.importers.tables import Table, as_text, is_blank, progress_rows
from comgraph.importers.writing import GraphBuilder, import_graph
from comgraph.store import Store

_KNOWN_COLUMNS = {"responsibility", "process", "description", "frequency"}
_SEPARATORS = re.compile(r"[\s/,;+&|\-]+")
LETTERS = {"R": "responsible", "A": "accountable", "C": "consulted", "I": "informed"}
EXPECTED_LETTERS = "R, A, C or I, or a combination such as A/R"


@dataclass
class RaciImport:
    builder: GraphBuilder
    graph: ox.NamedNode
    relationship: ox.NamedNode
    responsibilities: int
    assignments: int


def parse_letters(value: object) -> list[str] | None:
    """The RACI letters in a cell (``"A/R"`` -> ``["A", "R"]``), [] for an empty cell, None when
    the cell holds anything else."""
    if is_blank(value):
        return []
    text = as_text(value)
    if text is None:
        return None
    joined = _SEPARATORS.sub("", text.strip().upper())
    if not joined or any(ch not in LETTERS for ch in joined):
        return None
    return sorted(set(joined), key="RACI".index)


def read_raci(table: Table, store: Store | None, relationship_iri: str | None = None,
              start: date | None = None) -> RaciImport:
    """Read a RACI sheet into triples; raise ImportFailed with every unreadable cell."""
    problems = Problems(table.file)
    rows = [(n, values) for n, values in table.rows if any(not is_blank(v) for v in values)]
    if not rows:
        problems.add(row_ref(table.sheet, 1), "the sheet is empty: expected a header row with "
                     "'Responsibility', 'Process' and one column per party")
        problems.raise_if_any()
    header_row, header = rows[0]
    width = max(len(v) for _, v in rows)
    columns: dict[str, int] = {}
    parties: list[tuple[int, str]] = []
    for col in range(1, width + 1):
        value = header[col - 1] if col <= len(header) else None
        ref = table.cell(header_row, col)
        if is_blank(value):
            has_data = any(col <= len(v) and not is_blank(v[col - 1]) for _, v in rows[1:])
            if has_data:
                problems.add(ref, "empty party header: expected the party's name, such as "
                             "'MedIT Prime Ltd [prime contractor]'")
            continue
        text = as_text(value)
        if text is None:
            problems.add(ref, f"header {value!r} is not text: expected a party name")
            continue
        key = match_key(text)
        if key in _KNOWN_COLUMNS:
            if key in columns:
                problems.add(ref, f"a second {clean(text)!r} column: expected it once")
            columns[key] = col
        else:
            parties.append((col, text))
    for needed in ("responsibility", "process"):
        if needed not in columns:
            problems.add(row_ref(table.sheet, header_row),
                         f"no {needed.capitalize()!r} column: expected a header cell {needed.capitalize()!r} "
                         "in the first row")
    if not parties:
        problems.add(row_ref(table.sheet, header_row), "no party columns: expected one column per party "
                     "after 'Responsibility' and 'Process'")
    if "responsibility" not in columns:
        problems.raise_if_any()

    store_rel, create = pick_relationship(store, relationship_iri, table.file)
    create = create or imported_from(store, store_rel, table.file)
    rel_start, _ = relationship_dates(store, store_rel)
    start = start or rel_start
    builder = GraphBuilder(table.file)
    if create:
        new_relationship(builder, store_rel, Path(table.file).stem, start, table.cell(header_row, 1))
    resolver = Parties(store, store_rel, builder, start, create)
    party_nodes: dict[int, tuple[ox.NamedNode, str]] = {}
    seen_parties: dict[str, CellRef] = {}
    for col, text in parties:
        ref = table.cell(header_row, col)
        node = resolver.resolve(text, ref, problems)
        if node is None:
            continue
        name = clean(text.split("[", 1)[0]) or clean(text)
        if problems.repeated(seen_parties, slug(name), ref, ref,
                             f"party {name!r} is already a column ({{first}}): expected each party once"):
            continue
        party_nodes[col] = (node, name)

    processes = vocabulary()["process"]
    frequencies = vocabulary()["frequency"]
    codes = {letter: term("cgraci:" + local) for letter, local in LETTERS.items()}
    seen: dict[str, int] = {}  # responsibility slug -> its row
    n_resp = n_assign = 0

    def cell(values: list[object], col: int | None) -> object:
        return values[col - 1] if col is not None and col <= len(values) else None

    for number, values in progress_rows(rows[1:], f"converting {table.file}"):
        resp_col = columns["responsibility"]
        resp_ref = table.cell(number, resp_col)
        name_value = cell(values, resp_col)
        name = clean(name_value) if isinstance(name_value, str) else None
        if not name:
            problems.add(resp_ref, "no responsibility named in this row: expected its name"
                         if is_blank(name_value)
                         else f"{name_value!r} is not text: expected a responsibility name")
            continue
        if problems.repeated(seen, slug(name), resp_ref, resp_ref.row,
                             f"responsibility {name!r} is already in row {{first}}: expected each "
                             "responsibility once"):
            continue
        resp = mint(store_rel, "responsibility", name)
        builder.types(resp, "cg:Responsibility")
        builder.label(resp, name)
        # Whose it is, said outright: should the store come to hold another relationship (a
        # portfolio), the assignees are still checked against this one's members only.
        builder.add(resp, term("cg:ofRelationship"), store_rel)
        builder.source(resp, resp_ref)
        n_resp += 1
        process_value = cell(values, columns.get("process"))
        if not is_blank(process_value):
            process = processes.read(process_value, table.cell(number, columns["process"]), problems,
                                     "process")
            if process is not None:
                builder.add(resp, term("cg:process"), process)
        description = cell(values, columns.get("description"))
        if not is_blank(description):
            builder.literal(resp, "skos:definition", clean(description))
        frequency_value = cell(values, columns.get("frequency"))
        if not is_blank(frequency_value):
            frequency = frequencies.read(frequency_value, table.cell(number, columns["frequency"]),
                                         problems, "frequency")
            if frequency is not None:
                builder.types(resp, "cg:RecurringResponsibility")
                builder.add(resp, term("cg:frequency"), frequency)
        for col, _text in parties:
            value = cell(values, col)
            letters = parse_letters(value)
            ref = table.cell(number, col)
            if letters is None:
                problems.add(ref, f"{value!r} is not a RACI code: expected {EXPECTED_LETTERS}")
                continue
            if not letters or col not in party_nodes:
                continue
            party, party_name = party_nodes[col]
            for letter in letters:
                assignment = mint(store_rel, "assignment", name, letter, party_name)
                builder.types(assignment, "cg:ResponsibilityAssignment")
                builder.label(assignment, f"{name}: {letter} {party_name}")
                builder.add(assignment, term("cg:responsibility"), resp)
                builder.add(assignment, term("cg:party"), party)
                builder.add(assignment, term("cg:raci"), codes[letter])
                if start is not None:
                    builder.literal(assignment, "cg:startDate", start)
                builder.source(assignment, ref)
                n_assign += 1
    problems.raise_if_any()
    return RaciImport(builder, import_graph(store_rel, "raci", table.file, table.sheet), store_rel,
                      n_resp, n_assign)
