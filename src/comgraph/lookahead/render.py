"""The look-ahead as text (a terminal), JSON (machines), Markdown (a document) or CSV (one row
per item). Every format writes the same ``LookAhead``."""

from __future__ import annotations

import csv
import io
import json

from comgraph.lookahead.model import LookAhead
from comgraph.namespaces import compact as _compact

FORMATS = ("text", "json", "markdown", "csv")

CSV_HEADER = ["date", "severity", "kind", "process", "subject", "subjectLabel", "what", "why",
              "stakeholders", "evidence", "finding"]


def compact(iri: str) -> str:
    """``cg:Role`` for the prefixes comgraph knows, else the IRI as it is."""
    short = _compact(iri)
    return iri if short.startswith("<") else short


def render(look: LookAhead, fmt: str) -> str:
    return {"text": text, "json": as_json, "markdown": markdown, "csv": as_csv}[fmt](look)


def _title(look: LookAhead) -> str:
    n = len(look.items)
    return (f"Look-ahead as of {look.as_of.isoformat()}, {look.months} months (to "
            f"{look.until.isoformat()}): {n} item" + ("" if n == 1 else "s"))


def text(look: LookAhead) -> str:
    lines = [_title(look)]
    if look.validation_error:
        lines.append("(validation did not run, so nothing the checklist judges is shown: "
                     f"{look.validation_error})")
    for kind, reason in look.failed.items():
        lines.append(f"(could not be computed, so not shown: {kind}: {reason})")
    for i in look.items:
        lines.append("")
        lines.append(f"{i.date.isoformat()}  {i.severity.upper():<6}  {i.process_name:<11} {i.what}")
        lines.append(f"{'':20}why: {i.why}")
        if i.stakeholders:
            lines.append(f"{'':20}who: " + "; ".join(s.label for s in i.stakeholders))
        for e in i.evidence:
            lines.append(f"{'':20}  - {compact(e.iri)}" + (f" ({e.note})" if e.note else ""))
    return "\n".join(lines) + "\n"


def as_json(look: LookAhead) -> str:
    return json.dumps(look.to_json(), indent=1, ensure_ascii=False) + "\n"


def _md(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


def markdown(look: LookAhead) -> str:
    out = [f"**{_title(look)}**", "", "| date | severity | process | what | who | why (evidence) |",
           "|---|---|---|---|---|---|"]
    for i in look.items:
        evidence = "; ".join(f"`{compact(e.iri)}`" + (f" {e.note}" if e.note else "") for e in i.evidence)
        out.append("| " + " | ".join(_md(v) for v in (
            i.date.isoformat(), i.severity, i.process_name, i.what,
            ", ".join(s.label for s in i.stakeholders), f"{i.why}. {evidence}")) + " |")
    return "\n".join(out) + "\n"


def csv_rows(look: LookAhead):
    yield CSV_HEADER
    for i in look.items:
        yield [i.date.isoformat(), i.severity, i.kind, i.process_name, i.subject.iri, i.subject.label,
               i.what, i.why, " ".join(s.iri for s in i.stakeholders), " ".join(e.iri for e in i.evidence),
               i.finding]


def as_csv(look: LookAhead) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in csv_rows(look):
        writer.writerow(row)
    return out.getvalue()
