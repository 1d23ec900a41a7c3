"""The one Report model of ``comgraph validate``: every output format renders it.

A :class:`Result` is one finding: which shape fired on which focus node, along which path, with
which value, how bad it is, what it means for a manager (message, checklist item, process), a
fingerprint that names the finding across runs, and where in the source files it comes from.
A :class:`ShapeFailure` is a shape the store could not evaluate (its query was refused, broke
off or ran past ``--shape-timeout``): the report names it and keeps every other shape's
findings, and a report with one is incomplete, so it never conforms (exit code 2).
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field, replace
from datetime import date

import pyoxigraph as ox

from comgraph.namespaces import SH

#: Version of the JSON report layout; bump on any incompatible change.
JSON_SCHEMA_VERSION = "1.0"


class Severity(enum.IntEnum):
    """SHACL severities, ordered so that ``a >= b`` reads "a is at least as bad as b"."""

    INFO = 1
    WARNING = 2
    VIOLATION = 3

    @property
    def iri(self) -> str:
        return SH + self.name.capitalize()

    @property
    def label(self) -> str:
        return self.name.capitalize()

    @classmethod
    def from_iri(cls, iri: str) -> Severity:
        """sh:Violation / sh:Warning / sh:Info; any other severity IRI counts as a Violation,
        as SHACL lets shapes use their own severities and failing closed is the safe reading."""
        local = iri.rsplit("#", 1)[-1].upper()
        return cls.__members__.get(local, cls.VIOLATION)

    @classmethod
    def from_name(cls, name: str) -> Severity:
        try:
            return cls[name.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {name!r}; expected violation, warning or info") from None

    @classmethod
    def judging(cls, fail_on: str) -> Severity:
        """The level a report judges at for a ``--fail-on`` (or ``fail_on=``) value. ``never``
        only keeps a run's exit code at 0; the report still judges at the violation level, so
        no verdict says the data conforms next to the violations it lists (SHACL's
        sh:conforms is false when there is one)."""
        return cls.VIOLATION if fail_on.strip().lower() == "never" else cls.from_name(fail_on)


@dataclass(frozen=True)
class SourceLocation:
    """Where a finding is in the input files (1-based line and column). For data imported from
    a spreadsheet or a data contract, ``ref`` is the cell (``Sheet1!E7``, whose row is the line)
    or the YAML path (``team.members[1]``) it was read from."""

    file: str
    line: int
    column: int
    ref: str | None = None

    def __str__(self) -> str:
        if self.ref:
            return f"{self.file}:{self.ref}"
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class ShapeInfo:
    """What the report says about a shape that produced findings (one SARIF rule each)."""

    id: str
    name: str | None = None
    description: str | None = None
    message: str | None = None
    severity: Severity = Severity.VIOLATION
    checklist_item: str | None = None
    checklist_item_label: str | None = None
    checklist_item_notation: str | None = None
    process: str | None = None
    process_label: str | None = None


@dataclass(frozen=True)
class ShapeFailure:
    """A shape whose compiled query the store refused, broke off or stopped at its time limit.
    Its remaining constraints were abandoned; findings its other constraints gave before it
    failed are kept. Nothing can be said about its checklist item: not "passes"."""

    shape: ShapeInfo
    reason: str
    #: True when the per-shape time limit stopped it (``--shape-timeout``).
    timed_out: bool = False

    @property
    def kind(self) -> str:
        return "timeout" if self.timed_out else "error"

    @property
    def title(self) -> str:
        """The shape and its checklist item, as a person reads them."""
        from comgraph.namespaces import compact

        name = self.shape.name or compact(self.shape.id)
        item = self.shape.checklist_item_label or (compact(self.shape.checklist_item)
                                                   if self.shape.checklist_item else None)
        notation = f" ({self.shape.checklist_item_notation})" if self.shape.checklist_item_notation else ""
        return f"{name}" + (f", checklist item {item}{notation}" if item else "")


@dataclass(frozen=True)
class Result:
    """One finding: a shape that a focus node does not satisfy."""

    shape: str
    component: str
    focus: ox.NamedNode | ox.BlankNode | ox.Literal
    severity: Severity
    message: str
    fingerprint: str
    path: str | None = None
    value: ox.NamedNode | ox.BlankNode | ox.Literal | None = None
    shape_name: str | None = None
    focus_label: str | None = None
    checklist_item: str | None = None
    checklist_item_label: str | None = None
    process: str | None = None
    process_label: str | None = None
    location: SourceLocation | None = None
    #: Set when a waiver suppresses the finding: the waiver's reason.
    waived_by: str | None = None
    #: True when the finding was already in the baseline report.
    in_baseline: bool = False

    @property
    def active(self) -> bool:
        """A finding that counts towards the exit code (not waived, not in the baseline)."""
        return self.waived_by is None and not self.in_baseline

    @property
    def component_name(self) -> str:
        return self.component.rsplit("#", 1)[-1].removesuffix("ConstraintComponent")

    def with_(self, **changes) -> Result:
        return replace(self, **changes)


@dataclass
class Report:
    """All findings of one validation run, plus what the run was about."""

    results: list[Result]
    shapes: dict[str, ShapeInfo]
    as_of: date
    as_of_source: str
    data: list[str] = field(default_factory=list)
    shapes_dir: str = ""
    engine: str = "sparql"
    #: Shapes the SPARQL compiler could not cover, checked by the reference engine instead.
    fallback_shapes: list[str] = field(default_factory=list)
    #: Things a person should read: expired or malformed waivers, stale waivers, baseline notes.
    notices: list[str] = field(default_factory=list)
    stale_waivers: list[str] = field(default_factory=list)
    #: Shapes that could not be evaluated, in the order they were met; the rest are all checked.
    failed_shapes: list[ShapeFailure] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Every shape was evaluated (none refused, broken off or timed out)."""
        return not self.failed_shapes

    def active(self) -> list[Result]:
        return [r for r in self.results if r.active]

    def counts(self, *, active_only: bool = True) -> dict[str, int]:
        pool = self.active() if active_only else self.results
        counts = {s.label: 0 for s in sorted(Severity, reverse=True)}
        for r in pool:
            counts[r.severity.label] += 1
        return counts

    def conforms(self, level: Severity | None = Severity.VIOLATION) -> bool:
        """True when no active finding is at or above ``level`` (None: never fail) and every
        shape was evaluated: a report with a shape that could not be checked never conforms."""
        if not self.complete:
            return False
        if level is None:
            return True
        return not any(r.severity >= level for r in self.active())


def term_key(term: ox.NamedNode | ox.BlankNode | ox.Literal | None, bnode_keys: dict[str, str]) -> str:
    """A text form of a term that survives blank-node relabelling (see ``bnode_keys``)."""
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return "_:" + bnode_keys.get(term.value, "?")
    return str(term)


def fingerprint(shape: str, component: str, focus: str, path: str | None, value: str) -> str:
    """16 hex digits naming a finding: same shape, component, focus, path and value, same print."""
    text = "\x1f".join([shape, component, focus, path or "", value])
    return hashlib.sha256(text.encode()).hexdigest()[:16]
