"""The calendar feed (RFC 5545, written with ``icalendar``): obligations (a recurring one as one
event with its RRULE, the same rule the look-ahead expands), each stakeholder's next audit, each
report series' next report, reviews and the ends of agreements, licences and arrangements.

Every event links to its page (URL) and has a UID derived from the resource's IRI and the kind
of event, so a calendar client that subscribes updates an event instead of adding a copy. The
feed is not limited to the look-ahead's horizon: it holds every date from the same queries.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from icalendar import Calendar, Event

from comgraph.lookahead.compute import (
    _TERM_KINDS,
    _grouped,
    _process,
    _Queries,
    _ref,
    _refs,
    _text,
    next_audits,
    next_reports,
    obligation_recurrence,
    obligation_rows,
)
from comgraph.lookahead.model import Ref
from comgraph.namespaces import PROCESS
from comgraph.queries import Catalogue, as_of_date
from comgraph.store import Store

PRODID = "-//comgraph//look-ahead calendar//EN"
UID_DOMAIN = "comgraph"


@dataclass
class Entry:
    """One calendar event before it is written."""

    kind: str
    subject: Ref
    date: dt.date
    summary: str
    description: str
    process: str
    stakeholders: list[Ref] = field(default_factory=list)
    rrule: dict | None = None

    @property
    def uid(self) -> str:
        return uid(self.subject.iri, self.kind)


def uid(iri: str, kind: str) -> str:
    """Stable across runs and servers: the same resource and kind give the same UID."""
    return hashlib.sha256(f"{iri}\n{kind}".encode()).hexdigest()[:32] + "@" + UID_DOMAIN


def entries(store: Store, as_of: dt.date | None = None, catalogue: Catalogue | None = None) -> list[Entry]:
    as_of = as_of or as_of_date(store)
    q = _Queries(store, catalogue or Catalogue())
    found: list[Entry] = []
    for _iri, rows in obligation_rows(q).items():
        row = rows[0]
        subject = _ref(row, "obligation")
        recurrence = obligation_recurrence(row)
        parties = _refs(_ref(row, "obligor"), _ref(row, "obligee"))
        found.append(Entry(
            "obligation", subject, dt.date.fromisoformat(_text(row["dueDate"])), f"Due: {subject.label}",
            (f"Owed by {parties[0].label}" + (f" to {parties[1].label}. " if len(parties) > 1 else ". ")
             if parties else "")
            + f"Status: {_text(row.get('statusLabel')) or 'none recorded'}."
            + (f" Recurs {_text(row.get('frequencyLabel')).lower()}." if recurrence else ""),
            _process(row, "equity"), parties, recurrence.ical() if recurrence else None))
    for a in next_audits(q, as_of):
        row = a["row"]
        auditee = _ref(row, "auditee")
        found.append(Entry(
            "audit", auditee, a["due"], f"Audit due: {auditee.label}",
            f"The audit for {a['start'].isoformat()} to {a['due'].isoformat()}; the latest, "
            f"{_text(row.get('auditLabel'))}, covered to {_text(row['endDate'])}.",
            _process(row, "audit"), _refs(auditee, _ref(row, "auditor"))))
    for r in next_reports(q):
        row = r["row"]
        series = _ref(row, "series")
        found.append(Entry(
            "report", series, r["due"], f"Report due: {series.label}",
            f"The report for {r['start'].isoformat()} to {r['end'].isoformat()}.",
            _process(row, "feedback"), _refs(*(_ref(x, "party") for x in r["rows"]))))
    for _iri, rows in _grouped(q.rows("lookahead-reviews", **{"from": as_of}), "item").items():
        row = rows[0]
        subject = _ref(row, "item")
        found.append(Entry(
            "review", subject, dt.date.fromisoformat(_text(row["reviewDate"])), f"Review: {subject.label}",
            "Its review date (cg:reviewDate).", _process(row, "strategy"),
            _refs(*(_ref(x, "owner") for x in rows))))
    for _iri, rows in _grouped(q.rows("lookahead-terms", **{"from": as_of}), "term").items():
        row = rows[0]
        subject = _ref(row, "term")
        renewal = next((_ref(x, "renewal") for x in rows if x.get("renewal") is not None), None)
        kind = _TERM_KINDS.get(_text(row["kind"]), "term")
        found.append(Entry(
            "term-end", subject, dt.date.fromisoformat(_text(row["endDate"])), f"Ends: {subject.label}",
            f"The last day of this {kind}. "
            + (f"Renewed by {renewal.label}." if renewal else "No renewal is recorded."),
            _process(row, "equity"), _refs(*(_ref(x, "party") for x in rows))))
    return found


def feed(store: Store, link: Callable[[str], str], *, as_of: dt.date | None = None,
         stakeholder: str | None = None, process: str | None = None,
         catalogue: Catalogue | None = None) -> bytes:
    """The iCalendar text. ``link`` gives an event's URL from its resource's IRI; ``stakeholder``
    (an IRI) and ``process`` (a name such as ``equity``, or its IRI) keep only their events."""
    as_of = as_of or as_of_date(store)
    wanted_process = None
    if process:
        wanted_process = process if process.startswith(("http://", "https://")) else PROCESS + process
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "comgraph look-ahead")
    stamp = dt.datetime.combine(as_of, dt.time(), tzinfo=dt.UTC)
    for e in sorted(entries(store, as_of, catalogue), key=lambda e: (e.date, e.kind, e.subject.iri)):
        if stakeholder and stakeholder not in {s.iri for s in e.stakeholders}:
            continue
        if wanted_process and e.process != wanted_process:
            continue
        event = Event()
        event.add("uid", e.uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", e.date)
        event.add("summary", e.summary)
        who = ", ".join(s.label for s in e.stakeholders)
        event.add("description", e.description + (f"\nStakeholders: {who}" if who else ""))
        event.add("url", link(e.subject.iri))
        event.add("categories", [e.kind, e.process.removeprefix(PROCESS)])
        if e.rrule:
            event.add("rrule", e.rrule)
        cal.add_component(event)
    return cal.to_ical()
