"""``comgraph import obligations``: an obligation register kept in a spreadsheet becomes
obligations, with their targets and consequences.

Columns (``data/templates/obligations-template.xlsx``), in any order: id, obligor, obligee,
description, due (a date, or a recurrence such as ``quarterly from 2026-04-01``), metric,
target (``>= 99.5 %``, ``at most 4 h``), consequence (``service credit 5%``), status, and
optionally process. A missing value is data (``comgraph validate`` reports it); a value that
cannot be read is an error naming its cell, and nothing is imported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyoxigraph as ox
from dateutil.relativedelta import relativedelta

from comgraph.importers.common import CG, clean, match_key, mint, slug, term, vocabulary
from comgraph.importers.parties import (
    Parties,
    imported_from,
    new_relationship,
    pick_relationship,
    relationship_dates,
)
from comgraph.importers.problems import Problems, row_ref
from comgraph.importers.tables import Table, as_date, as_text, is_blank, progress_rows
from comgraph.importers.writing import GraphBuilder, decimal, import_graph
from comgraph.store import Store

COLUMNS = {
    "id": ("id", "identifier", "ref", "reference"),
    "obligor": ("obligor", "owed by"),
    "obligee": ("obligee", "owed to"),
    "description": ("description", "deliverable", "obligation"),
    "due": ("due", "due date", "due date or recurrence", "recurrence", "when"),
    "metric": ("metric",),
    "target": ("target",),
    "consequence": ("consequence",),
    "status": ("status",),
    "process": ("process",),
}
REQUIRED = ("id", "obligor", "obligee", "description", "due")
_STEP = {"weekly": relativedelta(weeks=1), "monthly": relativedelta(months=1),
         "quarterly": relativedelta(months=3), "halfYearly": relativedelta(months=6),
         "annually": relativedelta(years=1)}
_RECURRENCE = re.compile(r"^(?P<freq>.+?)\s+(?:from|starting)\s+(?P<date>\S+)$", re.IGNORECASE)
_TARGET = re.compile(r"^(?P<op>[^\d+\-.]*?)\s*(?P<num>[+-]?\d+(?:[.,]\d+)?)\s*(?P<unit>.*)$")
_SYMBOLS = {"≥": ">=", "=>": ">=", "≤": "<=", "=<": "<=", "==": "="}
_PERCENT = re.compile(r"(\d+(?:[.,]\d+)?)\s*%")
EXPECTED_DUE = "a date (YYYY-MM-DD) or a recurrence such as 'quarterly from 2026-04-01'"
EXPECTED_TARGET = "an operator, a number and a unit, such as '>= 99.5 %' or 'at most 4 h'"


@dataclass
class Recurrence:
    frequency: ox.NamedNode
    first: date

    def next_due(self, on_or_after: date | None) -> date:
        """The first date of the series on or after ``on_or_after`` (the first date when None)."""
        step = _STEP[self.frequency.value.rsplit("/", 1)[-1]]
        due, k = self.first, 0
        while on_or_after is not None and due < on_or_after:
            k += 1
            due = self.first + step * k  # from the first date, so the 31st stays the month's end
        return due


def parse_recurrence(text: str) -> Recurrence | None:
    """``quarterly from 2026-04-01`` -> Recurrence(cgfreq:quarterly, 2026-04-01); None if not one."""
    m = _RECURRENCE.match(clean(text))
    if not m:
        return None
    frequency = vocabulary()["frequency"].find(m.group("freq"))
    try:
        first = date.fromisoformat(m.group("date"))
    except ValueError:
        return None
    return Recurrence(frequency, first) if frequency is not None else None


@dataclass
class TargetSpec:
    operator: ox.NamedNode
    threshold: Decimal
    unit: ox.NamedNode | None


def parse_target(text: str) -> TargetSpec | None:
    m = _TARGET.match(clean(text))
    if not m:
        return None
    op_text = _SYMBOLS.get(m.group("op").strip(), m.group("op").strip())
    operator = vocabulary()["operator"].find(op_text) if op_text else None
    try:
        threshold = Decimal(m.group("num").replace(",", "."))
    except InvalidOperation:
        return None
    unit_text = m.group("unit").strip()
    unit = vocabulary()["unit"].find(unit_text) if unit_text else None
    if operator is None or (unit_text and unit is None):
        return None
    return TargetSpec(operator, threshold, unit)


@dataclass
class ObligationsImport:
    builder: GraphBuilder
    graph: ox.NamedNode
    relationship: ox.NamedNode
    obligations: int


def _as_of(store: Store | None, relationship: ox.NamedNode) -> date | None:
    if store is None:
        return None
    rows = store.select(f"SELECT ?d WHERE {{ <{relationship.value}> <{CG}asOfDate> ?d }}")
    try:
        return date.fromisoformat(rows[0]["d"].value) if rows else None
    except ValueError:
        return None


def read_obligations(table: Table, store: Store | None,
                     relationship_iri: str | None = None) -> ObligationsImport:
    """Read an obligation register into triples; raise ImportFailed with every unreadable cell."""
    problems = Problems(table.file)
    rows = [(n, values) for n, values in table.rows if any(not is_blank(v) for v in values)]
    if not rows:
        problems.add(row_ref(table.sheet, 1), "the sheet is empty: expected a header row with "
                     + ", ".join(REQUIRED) + " and more")
        problems.raise_if_any()
    header_row, header = rows[0]
    aliases = {match_key(a): name for name, names in COLUMNS.items() for a in names}
    columns: dict[str, int] = {}
    for col, value in enumerate(header, start=1):
        if is_blank(value):
            continue
        name = aliases.get(match_key(str(value)))
        if name is None:
            problems.add(table.cell(header_row, col), f"unknown column {clean(value)!r}: expected one of "
                         + ", ".join(COLUMNS))
        elif name in columns:
            problems.add(table.cell(header_row, col), f"a second {name!r} column: expected it once")
        else:
            columns[name] = col
    for name in REQUIRED:
        if name not in columns:
            problems.add(row_ref(table.sheet, header_row),
                         f"no {name!r} column: expected a header cell {name!r}")
    if "id" not in columns:
        problems.raise_if_any()

    relationship, create = pick_relationship(store, relationship_iri, table.file)
    create = create or imported_from(store, relationship, table.file)
    start, _ = relationship_dates(store, relationship)
    as_of = _as_of(store, relationship)
    builder = GraphBuilder(table.file)
    if create:
        new_relationship(builder, relationship, Path(table.file).stem, start, table.cell(header_row, 1))
    parties = Parties(store, relationship, builder, start, create)
    statuses, processes = vocabulary()["status"], vocabulary()["process"]
    metrics = _metrics_by_label(store)
    seen: dict[str, int] = {}
    count = 0

    for number, values in progress_rows(rows[1:], f"converting {table.file}"):
        def get(name: str, values: list[object] = values) -> object:
            col = columns.get(name)
            return values[col - 1] if col is not None and col <= len(values) else None

        def ref(name: str, number: int = number):
            return table.cell(number, columns[name])

        raw_id = get("id")
        if is_blank(raw_id):
            problems.add(ref("id"), "no id in this row: expected the obligation's identifier, such as OBL-01")
            continue
        ident = clean(raw_id if not isinstance(raw_id, float) or not raw_id.is_integer() else int(raw_id))
        if problems.repeated(seen, slug(ident), ref("id"), number, f"id {ident!r} is already used in row "
                             "{first}: expected each obligation once"):
            continue
        node = mint(relationship, "obligation", ident)
        count += 1
        builder.types(node, "cg:Obligation", "odrl:Duty")
        builder.literal(node, "skos:notation", ident)
        builder.source(node, ref("id"))
        description = get("description")
        if not is_blank(description):
            text = as_text(description)
            if text is None:
                problems.add(ref("description"), f"{description!r} is not text: expected what is owed")
            else:
                builder.label(node, clean(text))
                builder.literal(node, "cg:deliverable", clean(text))
        else:
            builder.label(node, ident)
        sides: dict[str, ox.NamedNode] = {}
        for side in ("obligor", "obligee"):
            value = get(side)
            if is_blank(value):
                continue
            if as_text(value) is None:
                problems.add(ref(side), f"{value!r} is not text: expected a party's name")
                continue
            party = parties.resolve(as_text(value), ref(side), problems)
            if party is not None:
                sides[side] = party
                builder.add(node, term("cg:" + side), party)
        recurrence = None
        due = get("due")
        if not is_blank(due):
            day = as_date(due)
            recurrence = parse_recurrence(due) if day is None and isinstance(due, str) else None
            if day is not None:
                builder.literal(node, "cg:dueDate", day)
            elif recurrence is not None:
                builder.add(node, term("cg:frequency"), recurrence.frequency)
                builder.literal(node, "cg:dueDate", recurrence.next_due(as_of))
            else:
                problems.add(ref("due"), f"{clean(due)!r} is not a due date: expected {EXPECTED_DUE}")
        status = get("status")
        if not is_blank(status):
            found = statuses.read(status, ref("status"), problems, "status")
            if found is not None:
                builder.add(node, term("cg:status"), found)
        process = get("process")
        if not is_blank(process):
            found = processes.read(process, ref("process"), problems, "process")
            if found is not None:
                builder.add(node, term("cg:process"), found)
        metric, target = get("metric"), get("target")
        if is_blank(metric) != is_blank(target):
            missing = "metric" if is_blank(metric) else "target"
            where = ref("target") if missing == "metric" else ref("metric")
            problems.add(where, f"a {'target' if missing == 'metric' else 'metric'} without a {missing}: "
                         f"expected both, or neither")
        elif not is_blank(metric):
            spec = parse_target(target) if isinstance(target, str) else None
            if spec is None:
                problems.add(ref("target"), f"{target!r} is not a target: expected {EXPECTED_TARGET}")
            else:
                _target(builder, relationship, node, ident, clean(metric), spec, sides.get("obligor"),
                        recurrence, metrics, ref("target"))
        consequence = get("consequence")
        if not is_blank(consequence):
            text = clean(consequence)
            credit = mint(relationship, "consequence", ident)
            builder.types(credit, "cg:ServiceCredit", "odrl:Duty")
            builder.label(credit, text)
            for side, party in sides.items():
                builder.add(credit, term("cg:" + side), party)
            pct = _PERCENT.search(text)
            if pct:
                builder.literal(credit, "cg:percentage", Decimal(pct.group(1).replace(",", ".")))
            builder.source(credit, ref("consequence"))
            builder.add(node, term("odrl:consequence"), credit)
    problems.raise_if_any()
    return ObligationsImport(builder, import_graph(relationship, "obligations", table.file, table.sheet),
                             relationship, count)


def _metrics_by_label(store: Store | None) -> dict[str, ox.NamedNode]:
    if store is None:
        return {}
    rows = store.select("SELECT ?m ?l WHERE { ?m a <http://www.w3.org/ns/dqv#Metric> ; "
                        "<http://www.w3.org/2000/01/rdf-schema#label> ?l }")
    return {match_key(r["l"].value): r["m"] for r in rows if isinstance(r["m"], ox.NamedNode)}


def _target(builder: GraphBuilder, relationship: ox.NamedNode, obligation: ox.NamedNode, ident: str,
            metric_name: str, spec: TargetSpec, obligor: ox.NamedNode | None, recurrence: Recurrence | None,
            metrics: dict[str, ox.NamedNode], where) -> None:
    minted = mint(relationship, "metric", metric_name)
    metric = metrics.get(match_key(metric_name), minted)
    if metric == minted:  # new, or made by an import: stated again, so a re-import keeps it
        builder.types(metric, "dqv:Metric")
        builder.label(metric, metric_name)
        # Obligations' targets are service levels: the price and level of service component.
        builder.add(metric, term("dqv:inDimension"), term("cgac:priceAndService"))
    target = mint(relationship, "target", ident)
    builder.types(target, "cg:Target")
    builder.label(target, f"{metric_name} target of {ident}")
    builder.add(target, term("cg:process"), term("cgp:audit"))
    builder.add(target, term("cg:metric"), metric)
    builder.add(target, term("cg:operator"), spec.operator)
    builder.add(target, term("cg:threshold"), decimal(spec.threshold))
    if spec.unit is not None:
        builder.add(target, term("cg:unit"), spec.unit)
    if obligor is not None:
        builder.add(target, term("cg:appliesTo"), obligor)
    if recurrence is not None:
        builder.add(target, term("cg:period"), recurrence.frequency)
    builder.source(target, where)
    builder.add(obligation, term("cg:hasTarget"), target)
