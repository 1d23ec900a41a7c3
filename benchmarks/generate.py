"""The one benchmark data generator: a realistic portfolio of co-managed relationships.

    python benchmarks/generate.py --triples N [--relationships R] [--seed S] [--defects 0.01] -o FILE

Python API (what every benchmark and tests/test_bench_generate.py use)::

    from benchmarks.generate import portfolio
    path = portfolio(100_000)                     # -> pathlib.Path of an N-Triples file
    path = portfolio(10_000, relationships=2, seed=3, defects=0.0, path=tmp / "g.nt")

``portfolio(triples, relationships=None, seed=0, defects=0.01, path=None) -> Path`` writes
N-Triples (the fastest format for every engine to read) and returns the file's path. Without
``path`` the file is cached under ``benchmarks/out/`` by its arguments, so a second call is free.
Next to the file, ``FILE.json`` says what was written: the triple count, the relationships, and
how many defects of each kind were planted, keyed by the shape (``cgsh:`` local name) that must
report them. ``generate(stream, ...)`` writes to an open text stream and returns that summary.

What is in it (modelled on ``data/demo``; the shapes in ``shapes/`` say what a defect is):

* one client company with business units, supplier management and executive management; a prime
  contractor, subcontractors (more with more relationships) and an external funding provider,
  each a member of every relationship in its stakeholder role(s); an outside audit firm that is
  not a member;
* ``relationships`` relationships (default: one per 100k triples), each with the same five-year
  term and as-of date (2026-06-30), a co-management team with a seat for every stakeholder
  (roles with a history of tenures), an agreement, a report series with its monthly reports, an
  audit per quarter, a current forecast with risks, and a target per stakeholder;
* then, until the triple budget is spent, "work packages" per relationship: a responsibility
  with RACI assignments (an Accountable that changes hands over time), a role that carries it
  with tenures over time, obligations (one-off, recurring, with a target and a consequence),
  a target with measurements over time, and in turn billing and funding arrangements, assets
  and intellectual property with ownership shares that change, licences, strategy items
  (objectives, priorities, policies, procedures, decisions), capabilities with selection
  decisions (key subcontractors approved by the client and the prime contractor), lessons
  learned with actions.

Why every stakeholder is a member of every relationship: the shapes assume one relationship per
validated graph (shapes/README.md), except where the data says otherwise.
``KeySubcontractorApprovalShape`` joins every ``cg:Relationship`` in the graph to a decision that
names none (``cg:ofRelationship``; these name none), so every prime contractor must approve
every key subcontractor; the generated portfolio honours that (one
consortium under one client, several relationships), so that ``defects=0`` conforms, and the
term checks do their work once per relationship, which is what a user who loads a portfolio
pays. With several relationships each responsibility names its own (``cg:ofRelationship``), as
the ontology asks of a portfolio, and ``AssigneeIsMemberShape`` checks its assignees against
that relationship's members only; with one relationship the link is left out (it is optional
there), so one-relationship portfolios are the same as before the link existed.

Defects: each checked thing (role, responsibility, assignment, obligation, target, arrangement,
asset, licence, strategy item, selection decision, lesson, action, audit) is broken with
probability ``defects``, in one of the ways listed in ``DEFECTS`` for its kind, drawn from a
random stream of its own: the same seed gives the same portfolio whatever the defect rate, and
``defects=0`` gives data that ``comgraph validate`` finds conforming (no findings at all).
Deterministic for a seed (no clock, no set ordering, no hash randomisation).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
from collections import Counter
from pathlib import Path
from typing import TextIO

OUT = Path(__file__).resolve().parent / "out"
#: Part of the cached files' names: raise it when a change to this module changes its output.
VERSION = 2

EX = "https://example.org/portfolio/"
CG = "https://w3id.org/comgraph/ns#"
VOCAB = "https://w3id.org/comgraph/vocab/"
XSD = "http://www.w3.org/2001/XMLSchema#"
ORG = "http://www.w3.org/ns/org#"
DQV = "http://www.w3.org/ns/dqv#"
ODRL = "http://www.w3.org/ns/odrl/2/"
PROV = "http://www.w3.org/ns/prov#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
DEFINITION = f"<{SKOS}definition>"

TERM_START = dt.date(2025, 7, 1)
TERM_END = dt.date(2030, 6, 30)
AS_OF = dt.date(2026, 6, 30)

PROCESSES = ["strategy", "membership", "integration", "equity", "audit", "feedback"]
COMPONENTS = ["priceAndService", "contractAndRelationships", "stakeholderSatisfaction", "visionAndAlignment"]
FREQUENCIES = ["weekly", "monthly", "quarterly", "halfYearly", "annually"]
STATUSES = ["open", "inProgress", "met", "missed", "waived"]
OPERATORS = ["atLeast", "atMost"]
UNITS = ["percent", "score", "hours", "days", "count"]
PRICING = ["fixedFee", "unitPrice", "timeAndMaterials", "gainShare"]
LEVELS = ["low", "medium", "high"]
AREAS = ["IT operations", "Facilities management", "Logistics", "Payroll services", "Customer contact",
         "Data platform", "Field engineering", "Security operations", "Procurement", "Training"]
FIRST = ["Olivia", "Marcus", "Priya", "Sofia", "Daniel", "Hannah", "Ravi", "Tom", "Aisha", "George",
         "Lena", "Kofi", "Mei", "Jonas", "Zoë", "Émile", "Inés", "Noah", "Yuki", "Fatima"]
LAST = ["Grant", "Lee", "Nair", "Alvarez", "Okafor", "Schmidt", "Patel", "Becker", "Rahman", "Whitfield",
        "Novak", "Mensah", "Chen", "Berg", "Dubois", "García", "Kowalski", "Sato", "Haddad", "Müller"]
VERBS = ["Review", "Approve", "Run", "Test", "Report on", "Plan", "Monitor", "Audit", "Renew", "Document"]
THINGS = ["service levels", "the change calendar", "backup restores", "supplier invoices", "access rights",
          "capacity", "the roadmap", "incident trends", "data retention", "the continuity plan"]

#: The kinds of defect planted, by the kind of thing broken; each is named after the shape
#: (in shapes/) that reports it. Warnings are marked; every other shape is a violation.
DEFECTS: dict[str, list[str]] = {
    "role": ["RoleDefinitionShape", "RoleHolderGapShape", "RoleSingleHolderShape"],
    "responsibility": ["ResponsibilityResponsibleShape", "ResponsibilityAccountableOverlapShape",
                       "ResponsibilityAccountableGapShape"],
    "assignment": ["AssigneeIsMemberShape"],
    "obligation": ["OverdueObligationStatusShape", "ObligationObligorShape"],
    "target": ["TargetUnitShape", "TargetMeasurementStaleShape"],
    "billing": ["BillingPricingModelShape"],
    "funding": ["FundingCurrencyShape"],
    "asset": ["OwnershipSharesTotalShape"],
    "licence": ["LicenceScopeShape"],
    "objective": ["ObjectiveReviewPastShape"],
    "policy": ["PolicyVersionShape"],
    "selection": ["KeySubcontractorApprovalShape"],
    "lesson": ["LessonOwnerShape"],
    "action": ["ActionStatusShape"],
    "audit": ["AuditCoversVisionAndAlignmentShape"],
}
WARNINGS = {"OverdueObligationStatusShape", "TargetMeasurementStaleShape", "ObjectiveReviewPastShape"}

# The stakeholder-role hierarchy the shapes follow (skos:broader*): written into the data, so
# that every engine (comgraph, pySHACL, pyrudof) validates the same triples.
BROADER = [("primeContractor", "serviceProvider"), ("subcontractor", "serviceProvider")]


def iri(local: str) -> str:
    return f"<{EX}{local}>"


def cg(local: str) -> str:
    return f"<{CG}{local}>"


def voc(scheme: str, local: str) -> str:
    return f"<{VOCAB}{scheme}/{local}>"


def lit(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def day(d: dt.date) -> str:
    return f'"{d.isoformat()}"^^<{XSD}date>'


def dec(value: float) -> str:
    return f'"{value:.2f}"^^<{XSD}decimal>'


def integer(value: int) -> str:
    return f'"{value}"^^<{XSD}integer>'


TRUE = f'"true"^^<{XSD}boolean>'


def months_after(d: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` after ``d``'s month."""
    y, m = divmod(d.month - 1 + months, 12)
    return dt.date(d.year + y, m + 1, 1)


def month_end(d: dt.date) -> dt.date:
    return months_after(d, 1) - dt.timedelta(days=1)


class Portfolio:
    """Writes one portfolio; ``rng`` draws the structure, ``drng`` (a stream of its own) the defects."""

    def __init__(self, out: TextIO, triples: int, relationships: int, seed: int, defects: float):
        self.out, self.wanted, self.n_rel, self.rate = out, triples, relationships, defects
        self.rng = random.Random(seed)
        self.drng = random.Random(f"defects-{seed}")
        self.count = 0
        self.buffer: list[str] = []
        self.planted: Counter[str] = Counter()

    # -- writing ------------------------------------------------------------------------------

    def t(self, s: str, p: str, o: str) -> None:
        self.buffer.append(f"{s} {p} {o} .\n")
        self.count += 1
        if len(self.buffer) >= 10_000:
            self.flush()

    def flush(self) -> None:
        self.out.write("".join(self.buffer))
        self.buffer.clear()

    def broken(self, kind: str) -> str | None:
        """The shape this thing breaks, or None (drawn from the defect stream only)."""
        if self.rate <= 0:
            return None
        if self.drng.random() >= self.rate:
            return None
        shape = self.drng.choice(DEFECTS[kind])
        self.planted[shape] += 1
        return shape

    def person(self) -> str:
        i = self.rng.randrange(len(self.people))
        return self.people[i]

    # -- the parties ----------------------------------------------------------------------------

    def parties(self) -> None:
        t = self.t
        self.company = iri("client")
        t(self.company, TYPE, f"<{ORG}FormalOrganization>")
        t(self.company, TYPE, f"<{ORG}Organization>")
        t(self.company, LABEL, lit("Harbourside Retail Group plc"))
        # (local name, label, stakeholder roles, unit of the client?)
        units = [("bu-stores", "Store Operations", ["businessUnit"]),
                 ("bu-online", "Online Sales", ["businessUnit"]),
                 ("bu-supply", "Supply Chain", ["businessUnit"]),
                 ("smo", "Supplier Management Office", ["supplierManagement"]),
                 ("exec", "Executive Committee", ["executiveManagement"])]
        self.stakeholders: list[tuple[str, str, list[str]]] = []
        for local, label, roles in units:
            s = iri(local)
            for c in ("Stakeholder",):
                t(s, TYPE, cg(c))
            t(s, TYPE, f"<{ORG}OrganizationalUnit>")
            t(s, TYPE, f"<{ORG}Organization>")
            t(s, LABEL, lit(f"Harbourside {label}"))
            t(s, f"<{ORG}unitOf>", self.company)
            t(self.company, f"<{ORG}hasUnit>", s)
            self.stakeholders.append((s, label, roles))
        self.client_units = [s for s, _, _ in self.stakeholders]
        providers = [("prime", "Meridian Services Ltd", ["primeContractor", "serviceProvider"])]
        for i in range(2 + self.n_rel // 2):
            providers.append((f"sub{i}", f"{LAST[i % len(LAST)]} {AREAS[i % len(AREAS)].split()[0]} "
                              f"{('GmbH', 'Ltd', 'SA', 'BV')[i % 4]}", ["subcontractor", "serviceProvider"]))
        providers.append(("fund", "Regional Transformation Fund", ["externalFundingProvider"]))
        for local, label, roles in providers:
            s = iri(local)
            t(s, TYPE, cg("Stakeholder"))
            t(s, TYPE, f"<{ORG}FormalOrganization>")
            t(s, TYPE, f"<{ORG}Organization>")
            t(s, LABEL, lit(label))
            self.stakeholders.append((s, label, roles))
        self.prime = iri("prime")
        self.subs = [iri(f"sub{i}") for i in range(2 + self.n_rel // 2)]
        self.fund = iri("fund")
        self.auditor = iri("kestrel")  # audits, but is no member of any relationship
        t(self.auditor, TYPE, f"<{ORG}FormalOrganization>")
        t(self.auditor, LABEL, lit("Kestrel Assurance LLP"))
        self.people = []
        for i in range(max(40, len(self.stakeholders) * 6)):
            p = iri(f"person/{i}")
            t(p, TYPE, f"<{PROV}Person>")
            t(p, LABEL, lit(f"{FIRST[i % len(FIRST)]} {LAST[(i * 7 + i // len(FIRST)) % len(LAST)]}"))
            self.people.append(p)
        for metric_i in range(8):
            m = iri(f"metric/{metric_i}")
            component = COMPONENTS[metric_i % 4]
            t(m, TYPE, f"<{DQV}Metric>")
            t(m, LABEL, lit(f"{component} indicator {metric_i // 4 + 1}"))
            t(m, f"<{DQV}inDimension>", voc("audit-component", component))
        for narrow, broad in BROADER:
            t(voc("stakeholder-role", narrow), f"<{SKOS}broader>", voc("stakeholder-role", broad))
        t(iri(""), "<http://purl.org/vocab/vann/preferredNamespacePrefix>", lit("ex"))

    def stakeholder(self, pool: list[str] | None = None) -> str:
        pool = pool or [s for s, _, _ in self.stakeholders]
        return pool[self.rng.randrange(len(pool))]

    # -- one relationship's fixed part ----------------------------------------------------------

    def relationship(self, r: int) -> None:
        t = self.t
        self.r = r
        self.rel = rel = iri(f"r{r}")
        area = AREAS[r % len(AREAS)]
        t(rel, TYPE, cg("Relationship"))
        t(rel, TYPE, f"<{ORG}OrganizationalCollaboration>")
        t(rel, TYPE, f"<{ORG}Organization>")
        t(rel, LABEL, lit(f"{area} outsourcing {r + 1}"))
        t(rel, DEFINITION, lit(f"Five-year outsourcing of Harbourside's {area.lower()} to Meridian Services "
                               "as prime contractor, with its subcontractors."))
        t(rel, cg("asOfDate"), day(AS_OF))
        t(rel, cg("startDate"), day(TERM_START))
        t(rel, cg("endDate"), day(TERM_END))
        t(rel, cg("client"), self.company)
        for s, label, roles in self.stakeholders:
            for role in roles:
                m = iri(f"r{r}/membership/{s[len(EX) + 1:-1]}-{role}")
                t(m, TYPE, f"<{ORG}Membership>")
                t(m, LABEL, lit(f"{label} as {role}"))
                t(m, f"<{ORG}member>", s)
                t(m, f"<{ORG}organization>", rel)
                t(m, f"<{ORG}role>", voc("stakeholder-role", role))
                t(m, cg("startDate"), day(TERM_START))
                t(m, cg("endDate"), day(TERM_END))
        self.wp = 0
        # A first work package makes the responsibility that owns the agreement and the board.
        self.owner_resp = self.work_package()
        agreement = iri(f"r{r}/agreement")
        t(rel, cg("hasAgreement"), agreement)
        t(agreement, TYPE, cg("Agreement"))
        t(agreement, TYPE, f"<{ODRL}Agreement>")
        t(agreement, LABEL, lit(f"Master services agreement, {area.lower()}"))
        t(agreement, f"<{ODRL}assigner>", self.company)
        t(agreement, f"<{ODRL}assignee>", self.prime)
        t(agreement, cg("version"), lit(f"1.{r % 4}"))
        t(agreement, cg("startDate"), day(TERM_START))
        t(agreement, cg("endDate"), day(TERM_END))
        t(agreement, cg("owningResponsibility"), self.owner_resp)
        team = iri(f"r{r}/team")
        t(rel, cg("hasTeam"), team)
        t(team, TYPE, cg("CoManagementTeam"))
        t(team, TYPE, f"<{ORG}Organization>")
        t(team, LABEL, lit(f"{area} co-management board {r + 1}"))
        for k, (s, label, _roles) in enumerate(self.stakeholders):
            role = self.role(f"board-{k}", f"Board member for {label}", "strategy", [self.owner_resp], s)
            seat = iri(f"r{r}/seat/{k}")
            t(seat, TYPE, cg("TeamMembership"))
            t(seat, TYPE, f"<{ORG}Membership>")
            t(seat, LABEL, lit(f"{label} on the board"))
            t(seat, f"<{ORG}organization>", team)
            t(seat, f"<{ORG}member>", self.person())
            t(seat, f"<{ORG}role>", role)
            t(seat, cg("represents"), s)
            t(seat, cg("startDate"), day(TERM_START))
            t(seat, cg("endDate"), day(TERM_END))
            self.target(f"board-{k}", s, quarterly=True)
        self.reports()
        self.audits()
        self.forecast()

    def reports(self) -> None:
        t, r = self.t, self.r
        series = iri(f"r{r}/series/monthly")
        t(series, TYPE, cg("ReportSeries"))
        t(series, LABEL, lit("Monthly service report"))
        t(series, cg("process"), voc("process", "feedback"))
        t(series, cg("frequency"), voc("frequency", "monthly"))
        t(series, cg("author"), self.prime)
        t(series, cg("audience"), iri("smo"))
        month = TERM_START
        while month_end(month) < AS_OF:  # the current month's report is not due yet
            rep = iri(f"r{r}/report/{month:%Y-%m}")
            t(rep, TYPE, cg("Report"))
            t(rep, LABEL, lit(f"Monthly service report, {month:%B %Y}"))
            t(rep, cg("inSeries"), series)
            t(rep, cg("author"), self.prime)
            t(rep, cg("startDate"), day(month))
            t(rep, cg("endDate"), day(month_end(month)))
            t(rep, cg("issuedDate"), day(months_after(month, 1) + dt.timedelta(days=9)))
            month = months_after(month, 1)

    def audits(self) -> None:
        t, r = self.t, self.r
        quarter = TERM_START
        q = 0
        while months_after(quarter, 3) <= AS_OF + dt.timedelta(days=1):
            a = iri(f"r{r}/audit/{q}")
            auditee = [s for s, _, _ in self.stakeholders][q % len(self.stakeholders)]
            t(a, TYPE, cg("Audit"))
            t(a, LABEL, lit(f"Relationship audit {q + 1}"))
            t(a, cg("process"), voc("process", "audit"))
            t(a, cg("auditor"), self.auditor)
            t(a, cg("auditee"), auditee)
            t(a, cg("startDate"), day(quarter))
            t(a, cg("endDate"), day(months_after(quarter, 3) - dt.timedelta(days=1)))
            skip = "visionAndAlignment" if self.broken("audit") else None
            for c in COMPONENTS:
                if c != skip:
                    t(a, cg("coversComponent"), voc("audit-component", c))
            quarter, q = months_after(quarter, 3), q + 1

    def forecast(self) -> None:
        t, r = self.t, self.r
        fc = iri(f"r{r}/forecast")
        t(fc, TYPE, cg("Forecast"))
        t(fc, LABEL, lit("Twelve-month look-ahead"))
        t(fc, cg("issuedDate"), day(AS_OF - dt.timedelta(days=20)))
        t(fc, cg("startDate"), day(AS_OF))
        t(fc, cg("endDate"), day(AS_OF + dt.timedelta(days=365)))
        for j in range(6):
            risk = iri(f"r{r}/risk/{j}")
            t(fc, cg("identifiesRisk"), risk)
            t(risk, TYPE, cg("Risk"))
            t(risk, LABEL, lit(f"Risk {j + 1}: {THINGS[j % len(THINGS)]} slip"))
            t(risk, cg("owner"), self.stakeholder())
            t(risk, cg("expectedDate"), day(AS_OF + dt.timedelta(days=30 * (j + 1))))
            t(risk, cg("likelihood"), voc("level", LEVELS[j % 3]))
            t(risk, cg("impact"), voc("level", LEVELS[(j + r) % 3]))

    # -- the repeated parts ---------------------------------------------------------------------

    def role(self, key: str, label: str, process: str, resps: list[str], on_behalf: str) -> str:
        """A role with one to three tenures that hand over on consecutive days (a history)."""
        t, r = self.t, self.r
        role = iri(f"r{self.r}/role/{key}")
        defect = self.broken("role")
        t(role, TYPE, cg("Role"))
        t(role, TYPE, f"<{ORG}Role>")
        t(role, LABEL, lit(label))
        if defect != "RoleDefinitionShape":
            t(role, DEFINITION, lit(f"{label}: answers for its part of the {process} process."))
        t(role, cg("process"), voc("process", process))
        for resp in resps:
            t(role, cg("hasResponsibility"), resp)
        n = 1 + self.rng.randrange(3)
        if defect in ("RoleHolderGapShape", "RoleSingleHolderShape"):
            n = max(n, 2)
        span = (TERM_END - TERM_START).days
        # hand-overs spread over the term, at least about 17 months apart
        cuts = [span * j // n + self.rng.randrange(-45, 46) for j in range(1, n)]
        starts = [TERM_START] + [TERM_START + dt.timedelta(days=c) for c in cuts]
        for j, start in enumerate(starts):
            end = starts[j + 1] - dt.timedelta(days=1) if j + 1 < n else TERM_END
            if j == 1 and defect == "RoleHolderGapShape":
                start += dt.timedelta(days=45)  # the role stands empty for 45 days
            if j == 0 and defect == "RoleSingleHolderShape":
                end += dt.timedelta(days=20)  # the old holder stays on after the new one starts
            tenure = iri(f"r{r}/tenure/{key}-{j}")
            holder = self.person()
            t(tenure, TYPE, cg("RoleTenure"))
            t(tenure, LABEL, lit(f"{label}, tenure {j + 1}"))
            t(tenure, cg("ofRole"), role)
            t(tenure, cg("holder"), holder)
            t(tenure, cg("onBehalfOf"), on_behalf)
            t(tenure, cg("startDate"), day(start))
            t(tenure, cg("endDate"), day(end))
        return role

    def assignment(self, resp: str, key: str, code: str, party: str, start: dt.date,
                   end: dt.date | None) -> None:
        t = self.t
        a = iri(f"r{self.r}/assignment/{key}")
        if self.broken("assignment"):
            party = self.auditor  # not a member of the relationship
        t(a, TYPE, cg("ResponsibilityAssignment"))
        t(a, LABEL, lit(f"{code.capitalize()}: {key}"))
        t(a, cg("responsibility"), resp)
        t(a, cg("party"), party)
        t(a, cg("raci"), voc("raci", code))
        t(a, cg("startDate"), day(start))
        if end is not None:
            t(a, cg("endDate"), day(end))

    def target(self, key: str, applies_to: str, quarterly: bool) -> str:
        t, r = self.t, self.r
        tg = iri(f"r{r}/target/{key}")
        defect = self.broken("target")
        metric_i = self.rng.randrange(8)
        t(tg, TYPE, cg("Target"))
        t(tg, LABEL, lit(f"Target {key}"))
        t(tg, cg("process"), voc("process", "audit"))
        t(tg, cg("appliesTo"), applies_to)
        t(tg, cg("metric"), iri(f"metric/{metric_i}"))
        t(tg, cg("operator"), voc("operator", OPERATORS[metric_i % 2]))
        t(tg, cg("threshold"), dec(70 + metric_i))
        if defect != "TargetUnitShape":
            t(tg, cg("unit"), voc("unit", UNITS[metric_i % len(UNITS)]))
        period = "quarterly" if quarterly else "monthly"
        t(tg, cg("period"), voc("frequency", period))
        t(tg, cg("startDate"), day(TERM_START))
        t(tg, cg("endDate"), day(TERM_END))
        step = 3 if quarterly else 1
        month, q = TERM_START, 0
        while month_end(months_after(month, step - 1)) <= AS_OF:
            on = month_end(months_after(month, step - 1))
            month = months_after(month, step)
            if defect == "TargetMeasurementStaleShape" and on > dt.date(2025, 12, 31):
                continue
            me = iri(f"r{r}/measurement/{key}-{q}")
            q += 1
            t(me, TYPE, cg("Measurement"))
            t(me, TYPE, f"<{DQV}QualityMeasurement>")
            t(me, f"<{DQV}isMeasurementOf>", iri(f"metric/{metric_i}"))
            t(me, f"<{DQV}computedOn>", applies_to)
            t(me, cg("forTarget"), tg)
            t(me, f"<{DQV}value>", dec(60 + self.rng.random() * 40))
            t(me, cg("measurementDate"), day(on))
        return tg

    def work_package(self) -> str:
        """One responsibility and what hangs on it; returns the responsibility."""
        t, r, w = self.t, self.r, self.wp
        self.wp += 1
        rng = self.rng
        process = PROCESSES[w % 6]
        name = f"{VERBS[w % len(VERBS)]} {THINGS[(w // len(VERBS)) % len(THINGS)]} {w + 1}"
        resp = iri(f"r{r}/responsibility/{w}")
        t(resp, TYPE, cg("Responsibility"))
        t(resp, LABEL, lit(name))
        t(resp, DEFINITION, lit(f"{name}, as agreed in the service schedule."))
        t(resp, cg("process"), voc("process", process))
        if self.n_rel > 1:
            # several relationships in one graph: each responsibility says whose it is
            t(resp, cg("ofRelationship"), self.rel)
        if w % 3 == 0:
            t(resp, TYPE, cg("RecurringResponsibility"))
            t(resp, cg("frequency"), voc("frequency", FREQUENCIES[(w // 3) % 5]))
        defect = self.broken("responsibility")
        parties = [s for s, _, _ in self.stakeholders]
        first, second = rng.sample(parties, 2)
        # Accountable: one party, or one handing over to another on a later date.
        if w % 3 == 1 or defect in ("ResponsibilityAccountableOverlapShape",
                                    "ResponsibilityAccountableGapShape"):
            handover = TERM_START + dt.timedelta(days=rng.randrange(90, 900))
            first_end = handover - dt.timedelta(days=1)
            if defect == "ResponsibilityAccountableOverlapShape":
                first_end += dt.timedelta(days=30)
            self.assignment(resp, f"{w}-a0", "accountable", first, TERM_START, first_end)
            if defect != "ResponsibilityAccountableGapShape":
                self.assignment(resp, f"{w}-a1", "accountable", second, handover, None)
        else:
            self.assignment(resp, f"{w}-a0", "accountable", first, TERM_START, None)
        if defect != "ResponsibilityResponsibleShape":
            self.assignment(resp, f"{w}-r", "responsible", self.stakeholder(), TERM_START, None)
        self.assignment(resp, f"{w}-c", "consulted", self.stakeholder(), TERM_START, None)
        self.assignment(resp, f"{w}-i", "informed", self.stakeholder(), TERM_START, None)
        if w > 0:  # package 0's responsibility is carried by the board roles
            self.role(f"wp-{w}", f"{name} lead", process, [resp], self.stakeholder())
        obligor, obligee = rng.sample(parties, 2)
        for j in range(3):
            o = iri(f"r{r}/obligation/{w}-{j}")
            defect = self.broken("obligation")
            t(o, TYPE, cg("Obligation"))
            t(o, TYPE, f"<{ODRL}Duty>")
            t(o, LABEL, lit(f"{name}: obligation {j + 1}"))
            t(o, cg("process"), voc("process", process))
            if defect != "ObligationObligorShape":
                t(o, cg("obligor"), obligor)
            t(o, cg("obligee"), obligee)
            due = TERM_START + dt.timedelta(days=rng.randrange(0, 1200))
            if defect == "OverdueObligationStatusShape":
                due = AS_OF - dt.timedelta(days=1 + rng.randrange(300))
            t(o, cg("dueDate"), day(due))
            if j == 1:
                t(o, cg("frequency"), voc("frequency", FREQUENCIES[w % 5]))
            if due < AS_OF and defect != "OverdueObligationStatusShape":
                t(o, cg("status"), voc("status", STATUSES[w % 5]))
            elif due >= AS_OF and rng.random() < 0.5:
                t(o, cg("status"), voc("status", "open"))
            if j == 2:
                tg = self.target(f"wp-{w}", obligor, quarterly=w % 4 != 0)
                t(o, cg("hasTarget"), tg)
                t(o, f"<{ODRL}consequence>", lit(f"Service credit of {1 + w % 10}% of the month's fee"))
            else:
                t(o, cg("deliverable"), lit(f"Evidence that {name.lower()} was done"))
        kind = w % 12
        if kind in (0, 6):
            self.billing(w, resp)
        elif kind == 3:
            self.funding(w, resp)
        elif kind in (1, 7):
            self.asset(w, resp)
        elif kind in (2, 8):
            self.strategy_item(w)
        elif kind in (4, 10):
            self.capability(w)
        elif kind in (5, 11):
            self.lesson(w)
        return resp

    def billing(self, w: int, resp: str) -> None:
        t, r = self.t, self.r
        b = iri(f"r{r}/billing/{w}")
        defect = self.broken("billing")
        payer, payee = (self.company, self.prime) if w % 2 == 0 else (self.prime, self.stakeholder(self.subs))
        t(b, TYPE, cg("BillingArrangement"))
        t(b, TYPE, cg("Arrangement"))
        t(b, LABEL, lit(f"Charges {w + 1}"))
        t(b, cg("process"), voc("process", "equity"))
        t(b, cg("payer"), payer)
        t(b, cg("payee"), payee)
        t(b, cg("frequency"), voc("frequency", "monthly"))
        if defect != "BillingPricingModelShape":
            t(b, cg("pricingModel"), voc("pricing-model", PRICING[w % 4]))
        t(b, cg("amount"), dec(1000 + 37 * w))
        t(b, cg("currency"), lit("EUR"))
        t(b, cg("startDate"), day(TERM_START))
        t(b, cg("endDate"), day(TERM_END))
        t(b, cg("owningResponsibility"), resp)

    def funding(self, w: int, resp: str) -> None:
        t, r = self.t, self.r
        f = iri(f"r{r}/funding/{w}")
        defect = self.broken("funding")
        t(f, TYPE, cg("FundingArrangement"))
        t(f, TYPE, cg("Arrangement"))
        t(f, LABEL, lit(f"Transformation grant {w + 1}"))
        t(f, cg("process"), voc("process", "equity"))
        t(f, cg("funder"), self.fund)
        t(f, cg("recipient"), self.company)
        t(f, cg("amount"), dec(250000 + 1000 * w))
        t(f, cg("currency"), lit("euro" if defect == "FundingCurrencyShape" else "EUR"))
        t(f, cg("startDate"), day(TERM_START))
        t(f, cg("endDate"), day(dt.date(2027, 6, 30)))
        t(f, cg("owningResponsibility"), resp)

    def asset(self, w: int, resp: str) -> None:
        """An asset (or IP) owned 100% by one party, then shared from a later date; licensed."""
        t, r, rng = self.t, self.r, self.rng
        a = iri(f"r{r}/asset/{w}")
        defect = self.broken("asset")
        ip = w % 2 == 1
        t(a, TYPE, cg("Asset"))
        t(a, TYPE, f"<{ODRL}Asset>")
        if ip:
            t(a, TYPE, cg("IntellectualProperty"))
        t(a, LABEL, lit(f"{'Toolkit' if ip else 'Dataset'} {w + 1}"))
        first, second = rng.sample([s for s, _, _ in self.stakeholders], 2)
        change = TERM_START + dt.timedelta(days=rng.randrange(60, 700))
        shares = [(first, 1.0, TERM_START, change - dt.timedelta(days=1)),
                  (first, 0.5, change, None),
                  (second, 0.4 if defect else 0.5, change, None)]
        for j, (owner, share, start, end) in enumerate(shares):
            ow = iri(f"r{r}/ownership/{w}-{j}")
            t(ow, TYPE, cg("Ownership"))
            t(ow, cg("ownedAsset"), a)
            t(ow, cg("owner"), owner)
            t(ow, cg("share"), dec(share))
            t(ow, cg("startDate"), day(start))
            if end is not None:
                t(ow, cg("endDate"), day(end))
        lic = iri(f"r{r}/licence/{w}")
        defect = self.broken("licence")
        t(lic, TYPE, cg("Licence"))
        t(lic, TYPE, cg("Arrangement"))
        t(lic, LABEL, lit(f"Licence to use asset {w + 1}"))
        t(lic, cg("process"), voc("process", "equity"))
        t(lic, cg("licensor"), first)
        t(lic, cg("licensee"), self.company)
        t(lic, cg("licensedAsset"), a)
        if defect != "LicenceScopeShape":
            t(lic, cg("scope"), lit("Non-exclusive use for the term of the relationship"))
        t(lic, cg("startDate"), day(TERM_START))
        t(lic, cg("endDate"), day(TERM_END))
        t(lic, cg("owningResponsibility"), resp)

    def strategy_item(self, w: int) -> None:
        t, r = self.t, self.r
        kind = ("Objective", "Priority", "GovernancePolicy", "Procedure", "Decision")[(w // 6) % 5]
        item = iri(f"r{r}/{kind.lower()}/{w}")
        t(item, TYPE, cg(kind))
        t(item, LABEL, lit(f"{kind} {w + 1}"))
        t(item, cg("process"), voc("process", "strategy"))
        review = AS_OF + dt.timedelta(days=30 + self.rng.randrange(400))
        if kind == "Decision":
            t(item, cg("decidedBy"), iri("exec"))
            t(item, cg("decisionDate"), day(TERM_START + dt.timedelta(days=self.rng.randrange(300))))
            return
        t(item, cg("owner"), self.stakeholder(self.client_units))
        if kind == "Objective" and self.broken("objective"):
            review = AS_OF - dt.timedelta(days=30)
        t(item, cg("reviewDate"), day(review))
        if kind == "Priority":
            t(item, cg("rank"), integer(1 + w % 5))
        if kind in ("GovernancePolicy", "Procedure") and not self.broken("policy"):
            t(item, cg("version"), lit(f"{1 + w % 3}.{w % 10}"))

    def capability(self, w: int) -> None:
        t, r = self.t, self.r
        cap, sel = iri(f"r{r}/capability/{w}"), iri(f"r{r}/selection/{w}")
        provider = self.stakeholder(self.subs)
        t(cap, TYPE, cg("Capability"))
        t(cap, LABEL, lit(f"Capability {w + 1}"))
        t(cap, cg("process"), voc("process", "membership"))
        t(cap, cg("neededBy"), self.stakeholder(self.client_units))
        t(provider, cg("offersCapability"), cap)
        t(sel, TYPE, cg("SelectionDecision"))
        t(sel, LABEL, lit(f"Selection for capability {w + 1}"))
        t(sel, cg("forCapability"), cap)
        t(sel, cg("selectedProvider"), provider)
        t(sel, cg("isKeySubcontractor"), TRUE)
        t(sel, cg("decidedBy"), iri("smo"))
        t(sel, cg("decisionDate"), day(TERM_START + dt.timedelta(days=self.rng.randrange(300))))
        t(sel, cg("approvedBy"), iri("smo"))  # a unit of the client company
        if not self.broken("selection"):
            t(sel, cg("approvedBy"), self.prime)

    def lesson(self, w: int) -> None:
        t, r = self.t, self.r
        lesson, action = iri(f"r{r}/lesson/{w}"), iri(f"r{r}/action/{w}")
        t(lesson, TYPE, cg("LessonLearned"))
        t(lesson, LABEL, lit(f"Lesson {w + 1}"))
        t(lesson, cg("process"), voc("process", "feedback"))
        if not self.broken("lesson"):
            t(lesson, cg("owner"), self.stakeholder())
        t(lesson, cg("action"), action)
        t(action, TYPE, cg(("CorrectiveAction", "Enhancement")[w % 2]))
        t(action, LABEL, lit(f"Action on lesson {w + 1}"))
        t(action, cg("owner"), self.stakeholder())
        t(action, cg("dueDate"), day(AS_OF + dt.timedelta(days=self.rng.randrange(-200, 300))))
        if not self.broken("action"):
            t(action, cg("status"), voc("status", STATUSES[w % 5]))

    # -- the whole ------------------------------------------------------------------------------

    def write(self) -> dict:
        self.parties()
        fixed = self.count
        for r in range(self.n_rel):
            self.relationship(r)
            # each relationship gets an equal share of what is left after the fixed parts
            budget = fixed + (self.wanted - fixed) * (r + 1) // self.n_rel
            while self.count < budget - 60:  # a work package is about 120 triples
                self.work_package()
        self.flush()
        return {"triples": self.count, "relationships": self.n_rel, "stakeholders": len(self.stakeholders),
                "defect_rate": self.rate, "defects": dict(sorted(self.planted.items())),
                "warnings": sorted(WARNINGS)}


def default_relationships(triples: int) -> int:
    return max(1, round(triples / 100_000))


def generate(out: TextIO, triples: int, relationships: int | None = None, seed: int = 0,
             defects: float = 0.01) -> dict:
    """Write the portfolio to ``out`` (N-Triples) and return its summary (see the module doc)."""
    if triples <= 0:
        raise ValueError("triples must be positive")
    if not 0 <= defects <= 1:
        raise ValueError("defects is a share between 0 and 1")
    n_rel = relationships or default_relationships(triples)
    return Portfolio(out, triples, n_rel, seed, defects).write()


def portfolio(triples: int, relationships: int | None = None, seed: int = 0, defects: float = 0.01,
              path: Path | str | None = None) -> Path:
    """The portfolio as an N-Triples file (cached under benchmarks/out/ unless ``path`` is given);
    its summary is next to it in ``FILE.json``."""
    n_rel = relationships or default_relationships(triples)
    if path is None:
        OUT.mkdir(exist_ok=True)
        path = OUT / f"portfolio-v{VERSION}-{triples}-r{n_rel}-s{seed}-d{defects:g}.nt"
        if path.exists() and summary_path(path).exists():
            return path
    path = Path(path)
    # private temporary names, renamed into place: concurrent callers (pytest-xdist workers, two
    # benchmarks) never read a half-written file, and the last rename wins with the same bytes
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    with tmp.open("w", encoding="utf-8") as f:
        summary = generate(f, triples, n_rel, seed, defects)
    tmp_summary = path.with_name(f"{path.name}.json.{os.getpid()}.tmp")
    tmp_summary.write_text(json.dumps(summary, indent=1) + "\n")
    tmp_summary.replace(summary_path(path))
    tmp.replace(path)
    return path


def summary_path(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, required=True)
    parser.add_argument("--relationships", type=int, default=None,
                        help="default: one per 100k triples")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--defects", type=float, default=0.01, help="share of checked things broken")
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args(argv)
    portfolio(args.triples, args.relationships, args.seed, args.defects, path=args.output)
    summary = json.loads(summary_path(args.output).read_text())
    print(f"{args.output}: {summary['triples']:,} triples, {summary['relationships']} relationships, "
          f"{sum(summary['defects'].values())} defects planted", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
