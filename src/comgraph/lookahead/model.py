"""What the look-ahead says: items, each with a date, a process, the stakeholders involved, what
will happen, why comgraph thinks so (the evidence: resources with their IRIs) and a severity."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from comgraph.namespaces import PROCESS

#: Most pressing first. "high": an issue now or a gap that opens unless someone acts;
#: "medium": something due that has a consequence or needs preparing; "low": routine.
SEVERITIES = ("high", "medium", "low")

#: The kinds of item, in the order the docs describe them.
KINDS = {
    "obligation-overdue": "Obligation overdue",
    "obligation-due": "Obligation due",
    "term-ends": "Term ends",
    "role-vacant": "Role falls vacant",
    "accountability-ends": "Accountability ends",
    "target-missed": "Target missed now",
    "target-trend": "Target trending toward a miss",
    "audit-overdue": "Audit overdue",
    "audit-due": "Audit due",
    "report-overdue": "Report overdue",
    "report-due": "Report due",
    "review-due": "Review due",
    "forecast-coverage": "Forecast falls short",
    "risk": "Risk",
}


@dataclass(frozen=True)
class Ref:
    """A resource an item names: a stakeholder or a piece of evidence, with a note on what it
    shows (a date, a value)."""

    iri: str
    label: str
    note: str = ""


@dataclass
class Item:
    date: dt.date
    kind: str
    process: str  # a process IRI (cgp:...)
    subject: Ref
    what: str
    why: str
    severity: str
    stakeholders: list[Ref] = field(default_factory=list)
    evidence: list[Ref] = field(default_factory=list)
    #: The fingerprint of the validation finding that judged this, when one did (one truth).
    finding: str = ""
    #: Numbers behind a forecast (a trend's projected date and value, how many points).
    detail: dict = field(default_factory=dict)

    @property
    def process_name(self) -> str:
        return self.process.removeprefix(PROCESS)

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    def sort_key(self) -> tuple:
        return (self.date, SEVERITIES.index(self.severity), self.kind, self.subject.iri)

    def to_json(self) -> dict:
        return {
            "date": self.date.isoformat(), "kind": self.kind, "kindLabel": self.kind_label,
            "process": self.process, "processName": self.process_name,
            "subject": self.subject.iri, "subjectLabel": self.subject.label,
            "what": self.what, "why": self.why, "severity": self.severity,
            "stakeholders": [{"iri": s.iri, "label": s.label} for s in self.stakeholders],
            "evidence": [{"iri": e.iri, "label": e.label, "note": e.note} for e in self.evidence],
            "finding": self.finding, "detail": self.detail,
        }


@dataclass
class LookAhead:
    """The items from ``as_of`` to ``until`` (both days included; ``until`` is ``months`` months
    after ``as_of``), plus the issues that are already open on ``as_of``."""

    as_of: dt.date
    months: int
    until: dt.date
    items: list[Item]
    #: Why a judgement could not be read (validation failed); None when it ran.
    validation_error: str | None = None
    #: Kinds of item (or checklist items judged) that could not be computed, and why: the
    #: store refused or stopped their query. Empty when everything was computed.
    failed: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"as_of": self.as_of.isoformat(), "months": self.months, "until": self.until.isoformat(),
                "validation_error": self.validation_error, "failed": dict(self.failed),
                "items": [i.to_json() for i in self.items]}
