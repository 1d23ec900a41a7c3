"""The look-ahead: the named queries ``queries/lookahead-*.rq`` (one per kind of item), the
existing views for what is already judged (``obligations-overdue``,
``performance-against-target``), the validation report for the checklist's judgements (forecast
coverage, reports arriving), and one numeric step (``trend``).

Dates are computed here and bound as query parameters: the horizon's last day is ``as_of`` plus
``months`` months (``relativedelta``, as ``obligations-due`` counts it: from 30 June, six months
run to 30 December, both days included); no query adds a duration to a date.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox
from dateutil.relativedelta import relativedelta

from comgraph.lookahead.model import Item, LookAhead, Ref
from comgraph.lookahead.recurrence import Recurrence, next_period
from comgraph.lookahead.trend import project
from comgraph.namespaces import PREFIXES, PROCESS
from comgraph.queries import Catalogue
from comgraph.store import EngineAnswerBroken, Store, StoreError, StoreUnavailable

CHECKLIST = PREFIXES.get("cgchk", "https://w3id.org/comgraph/vocab/checklist/")
FORECAST_CURRENT = CHECKLIST + "forecast-current"
REPORT_FREQUENCY = CHECKLIST + "report-frequency"
ROLE_HELD = CHECKLIST + "role-continuously-held"
ONE_ACCOUNTABLE = CHECKLIST + "responsibility-one-accountable"
#: The checklist items whose findings the look-ahead shows (with the item they judge).
JUDGED = (FORECAST_CURRENT, REPORT_FREQUENCY, ROLE_HELD, ONE_ACCOUNTABLE)
LEVEL = PREFIXES.get("cglvl", "https://w3id.org/comgraph/vocab/level/")
CG = PREFIXES["cg"]

MIN_MONTHS, MAX_MONTHS = 3, 6

_TERM_KINDS = {CG + "Agreement": "agreement", CG + "Licence": "licence",
               CG + "FundingArrangement": "funding arrangement",
               CG + "BillingArrangement": "pricing arrangement"}


@dataclass(frozen=True)
class Finding:
    """A finding of the validation report that the look-ahead shows (one truth)."""

    focus: str
    message: str
    fingerprint: str
    value: str | None = None


@dataclass
class Judgements:
    """The validation report's findings for the checklist items the look-ahead also shows, by
    item IRI. ``error`` says why validation could not run (then nothing is judged)."""

    findings: dict[str, list[Finding]] = field(default_factory=dict)
    error: str | None = None
    #: Items whose shape could not be evaluated (item IRI -> why): not judged, so not "fine".
    unknown: dict[str, str] = field(default_factory=dict)

    def of(self, item: str) -> list[Finding]:
        return self.findings.get(item, [])

    def on(self, item: str, focus: str, day: dt.date) -> Finding | None:
        """The finding of ``item`` on ``focus`` whose value is ``day`` (a gap that starts then)."""
        for f in self.of(item):
            if f.focus == focus and f.value and f.value[:10] == day.isoformat():
                return f
        return None

    @classmethod
    def from_results(cls, results: Iterable) -> Judgements:
        """From ``Report.active()`` (or anything with the same attributes)."""
        found: dict[str, list[Finding]] = defaultdict(list)
        for r in results:
            if r.checklist_item in JUDGED:
                found[r.checklist_item].append(Finding(
                    _text(r.focus), r.message, r.fingerprint,
                    None if r.value is None else _text(r.value)))
        return cls(dict(found))


def judge(store: Store, as_of: dt.date) -> Judgements:
    """Validate the store (comgraph's shapes) on ``as_of``: the report ``comgraph validate``
    gives, read for the checklist items the look-ahead shows."""
    from comgraph.validate import ValidationError, validate

    try:
        report = validate(store, as_of=as_of.isoformat())
    except ValidationError as exc:
        return Judgements(error=str(exc))
    judgements = Judgements.from_results(report.active())
    judgements.unknown = {f.shape.checklist_item: f.reason for f in report.failed_shapes
                          if f.shape.checklist_item in JUDGED}
    return judgements


def horizon(as_of: dt.date, months: int) -> dt.date:
    return as_of + relativedelta(months=months)


def compute(store: Store, as_of: dt.date | None = None, months: int = 6,
            judgements: Judgements | None = None, catalogue: Catalogue | None = None) -> LookAhead:
    """Every look-ahead item from ``as_of`` (default: the data's as-of date) over ``months``
    months (3 to 6). ``judgements`` are the validation report's findings (the app passes those of
    its checklist; by default the store is validated here)."""
    from comgraph.queries import as_of_date

    if not MIN_MONTHS <= months <= MAX_MONTHS:
        raise ValueError(f"months must be {MIN_MONTHS} to {MAX_MONTHS}, not {months}")
    as_of = as_of or as_of_date(store)
    until = horizon(as_of, months)
    q = _Queries(store, catalogue or Catalogue())
    if judgements is None:
        judgements = judge(store, as_of)
    # Each kind of item on its own: a query the engine refuses or stops loses that kind only,
    # which the look-ahead names (``failed``) rather than showing fewer items as if complete.
    kinds = (
        ("obligations overdue", lambda: obligations_overdue(q, as_of)),
        ("obligations due", lambda: obligations_due(q, as_of, until)),
        ("terms ending", lambda: terms_ending(q, as_of, until)),
        ("roles falling vacant", lambda: roles_vacant(q, as_of, until, judgements)),
        ("accountability ending", lambda: accountability_ending(q, as_of, until, judgements)),
        ("targets", lambda: targets(q, as_of, until)),
        ("audits", lambda: audits(q, as_of, until)),
        ("reports", lambda: reports(q, as_of, until, judgements)),
        ("reviews", lambda: reviews(q, as_of, until)),
        ("forecast coverage", lambda: forecast_coverage(q, as_of, judgements)),
        ("risks", lambda: risks(q, as_of, until)),
    )
    items: list[Item] = []
    failed: dict[str, str] = {f"checklist item {item.rsplit('/', 1)[-1]}": reason
                              for item, reason in judgements.unknown.items()}
    for kind, step in kinds:
        try:
            items += step()
        except EngineAnswerBroken as exc:
            failed[kind] = _one_line(exc)
        except StoreUnavailable:
            raise  # the store is gone, not this kind's query
        except StoreError as exc:
            failed[kind] = _one_line(exc)
    items.sort(key=Item.sort_key)
    return LookAhead(as_of, months, until, items, judgements.error, failed)


def _one_line(error: StoreError) -> str:
    reason = " ".join(str(error).split())  # engines quote the whole query back, over lines
    return reason if len(reason) <= 300 else reason[:299] + "…"


# -- reading the named queries ---------------------------------------------------------------

class _Queries:
    def __init__(self, store: Store, catalogue: Catalogue):
        self.store, self.catalogue = store, catalogue

    def rows(self, name: str, **values: dt.date | str | None) -> list[dict]:
        query = self.catalogue.get(name)
        given = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in values.items()}
        result = query.run(self.store, given)
        names = [v.value for v in result.variables]
        return [{n: row[n] for n in names if row[n] is not None} for row in result]


def _text(term) -> str:
    if term is None:
        return ""
    return term.value if isinstance(term, (ox.NamedNode, ox.Literal, ox.BlankNode)) else str(term)


def _date(term) -> dt.date | None:
    return dt.date.fromisoformat(term.value[:10]) if term is not None else None


def _ref(row: dict, name: str, note: str = "") -> Ref | None:
    if row.get(name) is None:
        return None
    iri = _text(row[name])
    return Ref(iri, _text(row.get(name + "Label")) or _short(iri), note)


def _short(iri: str) -> str:
    from comgraph.namespaces import compact

    short = compact(iri)
    return iri if short.startswith("<") else short


def _refs(*refs: Ref | None) -> list[Ref]:
    seen: OrderedDict[str, Ref] = OrderedDict()
    for r in refs:
        if r is not None and r.iri not in seen:
            seen[r.iri] = r
    return list(seen.values())


def _process(row: dict, fallback: str) -> str:
    return _text(row.get("process")) or PROCESS + fallback


def _grouped(rows: list[dict], key: str) -> OrderedDict[str, list[dict]]:
    groups: OrderedDict[str, list[dict]] = OrderedDict()
    for row in rows:
        groups.setdefault(_text(row[key]), []).append(row)
    return groups


def _day(d: dt.date) -> str:
    return f"{d.day} {d:%B %Y}"


# -- obligations ------------------------------------------------------------------------------

def obligations_overdue(q: _Queries, as_of: dt.date) -> list[Item]:
    """The ``obligations-overdue`` view on ``as_of``, as the home page and process pages count
    them: an issue now."""
    items = []
    for _iri, rows in _grouped(q.rows("obligations-overdue", as_of=as_of), "obligation").items():
        row = rows[0]
        subject = _ref(row, "obligation")
        due = _date(row["dueDate"])
        status = _text(row.get("statusLabel")) or "no status recorded"
        consequence = _ref(row, "consequence", "the consequence of missing it")
        items.append(Item(
            due, "obligation-overdue", _process(row, "equity"), subject,
            f"{subject.label}: overdue since {_day(due)}",
            f"due {due.isoformat()} and neither met nor waived on {as_of.isoformat()} "
            f"(status: {status}); from the obligations-overdue view",
            "high", _refs(_ref(row, "obligor"), _ref(row, "obligee")),
            _refs(Ref(subject.iri, subject.label, f"cg:dueDate {due.isoformat()}; {status}"), consequence)))
    return items


def obligation_rows(q: _Queries, to: dt.date | None = None) -> OrderedDict[str, list[dict]]:
    return _grouped(q.rows("lookahead-obligations", to=to), "obligation")


def obligation_recurrence(row: dict) -> Recurrence | None:
    frequency = _text(row.get("frequency"))
    return Recurrence.of(_date(row["dueDate"]), frequency, _date(row.get("until"))) if frequency else None


def obligation_occurrences(row: dict, first: dt.date, last: dt.date) -> list[dt.date]:
    """The days an obligation falls due from ``first`` to ``last``: its due date, or its
    recurrences (until its agreement ends)."""
    recurrence = obligation_recurrence(row)
    if recurrence is not None:
        return recurrence.between(first, last)
    due = _date(row["dueDate"])
    return [due] if first <= due <= last else []


def obligations_due(q: _Queries, as_of: dt.date, until: dt.date) -> list[Item]:
    items = []
    for _iri, rows in obligation_rows(q, until).items():
        row = rows[0]
        subject = _ref(row, "obligation")
        days = obligation_occurrences(row, as_of, until)
        consequence = _ref(row, "consequence", "the consequence of missing it")
        recurs = _text(row.get("frequencyLabel")).lower() or _short(_text(row.get("frequency")))
        status = _text(row.get("statusLabel")) or "no status recorded"
        for n, day in enumerate(days, 1):
            if row.get("frequency") is not None:
                why = (f"cg:dueDate {_text(row['dueDate'])}, recurring {recurs}"
                       + (f" until {_text(row['until'])} (end of {_text(row.get('agreementLabel'))})"
                          if row.get("until") is not None else "")
                       + f"; occurrence {n} of {len(days)} in the horizon; status: {status}")
            else:
                why = f"cg:dueDate {day.isoformat()}; status: {status}"
            obligor, obligee = _ref(row, "obligor"), _ref(row, "obligee")
            who = f" from {obligor.label}" if obligor else ""
            who += f" to {obligee.label}" if obligee else ""
            items.append(Item(
                day, "obligation-due", _process(row, "equity"), subject,
                f"{subject.label} falls due{who}", why, "medium" if consequence else "low",
                _refs(obligor, obligee),
                _refs(Ref(subject.iri, subject.label, f"due {day.isoformat()}"), consequence,
                      _ref(row, "agreement", "holds the obligation"))))
    return items


# -- terms, roles, accountability ---------------------------------------------------------------

def terms_ending(q: _Queries, as_of: dt.date, until: dt.date) -> list[Item]:
    items = []
    soon = horizon(as_of, 3)
    for _iri, rows in _grouped(q.rows("lookahead-terms", **{"from": as_of, "to": until}), "term").items():
        row = rows[0]
        if any(r.get("renewal") is not None for r in rows):
            continue
        subject = _ref(row, "term")
        end = _date(row["endDate"])
        kind = _TERM_KINDS.get(_text(row["kind"]), "term")
        items.append(Item(
            end, "term-ends", _process(row, "equity"), subject,
            f"The {kind} {subject.label} ends on {_day(end)}",
            f"cg:endDate {end.isoformat()} and nothing cg:renews it", "high" if end <= soon else "medium",
            _refs(*(_ref(r, "party") for r in rows)),
            [Ref(subject.iri, subject.label, f"{kind}, ends {end.isoformat()}, no renewal recorded")]))
    return items


def _gap(end: dt.date, successors: Iterable[tuple[Ref, dt.date, dt.date | None]]):
    """Whether something takes over the day after ``end``: (covered, the next one that starts
    later, or None)."""
    day_after = end + dt.timedelta(days=1)
    later = []
    for ref, start, stop in successors:
        if start <= day_after and (stop is None or stop >= day_after):
            return True, None
        if start > day_after:
            later.append((start, ref))
    return False, (min(later, key=lambda t: t[0]) if later else None)


def _successors(rows: list[dict]) -> list[tuple[Ref, dt.date, dt.date | None]]:
    found = {}
    for r in rows:
        if r.get("next") is not None:
            found[_text(r["next"])] = (_ref(r, "next"), _date(r["nextStart"]), _date(r.get("nextEnd")))
    return list(found.values())


def _vacancy_words(end: dt.date, later) -> tuple[str, list[Ref], dict]:
    if later is None:
        return "no successor is recorded", [], {}
    start, ref = later
    days = (start - end).days - 1
    return (f"the next ({ref.label}) starts on {start.isoformat()}, leaving {days} day"
            + ("" if days == 1 else "s") + " uncovered",
            [Ref(ref.iri, ref.label, f"starts {start.isoformat()}")],
            {"gapDays": days, "nextStart": start.isoformat()})


def _ends_with_term(rows: list[dict], end: dt.date) -> bool:
    ends = [_date(r["termEnd"]) for r in rows if r.get("termEnd") is not None]
    return bool(ends) and end >= max(ends)


def roles_vacant(q: _Queries, as_of: dt.date, until: dt.date,
                 judgements: Judgements | None = None) -> list[Item]:
    """A tenure that ends with nobody holding the role the next day (within the relationship's
    term). The checklist judges the same gap (role-continuously-held, over the whole term): the
    item carries that finding."""
    judgements = judgements or Judgements()
    items = []
    for _iri, rows in _grouped(q.rows("lookahead-tenures", **{"from": as_of, "to": until}), "tenure").items():
        row = rows[0]
        end = _date(row["endDate"])
        covered, later = _gap(end, _successors(rows))
        if covered or _ends_with_term(rows, end):
            continue
        subject, role = _ref(row, "tenure"), _ref(row, "role")
        finding = judgements.on(ROLE_HELD, role.iri, end + dt.timedelta(days=1))
        words, nxt, detail = _vacancy_words(end, later)
        responsibilities = _refs(*(_ref(r, "responsibility", "a responsibility of the role") for r in rows))
        duties = (" Its responsibilities: " + ", ".join(r.label for r in responsibilities) + "."
                  ) if responsibilities else ""
        items.append(Item(
            end, "role-vacant", _process(row, "integration"), subject,
            f"{role.label} falls vacant after {_day(end)}",
            f"{subject.label} ends {end.isoformat()}; {words}.{duties}", "high",
            _refs(_ref(row, "onBehalfOf"), _ref(row, "holder")),
            _refs(Ref(subject.iri, subject.label, f"ends {end.isoformat()}"), role, *nxt, *responsibilities),
            finding=finding.fingerprint if finding else "", detail=detail))
    return items


def accountability_ending(q: _Queries, as_of: dt.date, until: dt.date,
                          judgements: Judgements | None = None) -> list[Item]:
    """An accountable assignment that ends with nobody accountable the next day (within the term);
    the item carries the checklist's responsibility-one-accountable finding for that day."""
    judgements = judgements or Judgements()
    items = []
    rows_by = _grouped(q.rows("lookahead-accountability", **{"from": as_of, "to": until}), "assignment")
    for _iri, rows in rows_by.items():
        row = rows[0]
        end = _date(row["endDate"])
        covered, later = _gap(end, _successors(rows))
        if covered or _ends_with_term(rows, end):
            continue
        subject, responsibility = _ref(row, "assignment"), _ref(row, "responsibility")
        finding = judgements.on(ONE_ACCOUNTABLE, responsibility.iri, end + dt.timedelta(days=1))
        words, nxt, detail = _vacancy_words(end, later)
        party = _ref(row, "party")
        items.append(Item(
            end, "accountability-ends", _process(row, "integration"), responsibility,
            f"{responsibility.label} has nobody accountable after {_day(end)}",
            f"{party.label if party else 'The accountable party'} is accountable until "
            f"{end.isoformat()}; {words}", "high", _refs(party),
            _refs(Ref(subject.iri, subject.label, f"A until {end.isoformat()}"), *nxt),
            finding=finding.fingerprint if finding else "", detail=detail))
    return items


# -- targets -------------------------------------------------------------------------------------

def targets(q: _Queries, as_of: dt.date, until: dt.date) -> list[Item]:
    """A target missed on ``as_of`` (the ``performance-against-target`` view's judgement) is an
    issue now; any other with three or more measurements is projected with Theil-Sen."""
    items = []
    missed = set()
    for row in q.rows("performance-against-target", as_of=as_of):
        if _text(row.get("status")) != "missed":
            continue
        target = _text(row["target"])
        missed.add(target)
        metric, stakeholder = _ref(row, "metric"), _ref(row, "stakeholder")
        when = _date(row.get("measurementDate"))
        op = _text(row.get("operatorLabel")).lower() or _short(_text(row.get("operator")))
        items.append(Item(
            when or as_of, "target-missed", PROCESS + "audit",
            Ref(target, f"{stakeholder.label}: {metric.label}"),
            f"{stakeholder.label} is missing its {metric.label} target now",
            f"latest measurement {_text(row.get('value'))} on {_text(row.get('measurementDate'))}, "
            f"target {op} {_text(row.get('threshold'))}; from the performance-against-target view",
            "high", [stakeholder], [Ref(target, f"Target: {metric.label}", "missed"), metric]))
    for target, rows in _grouped(q.rows("lookahead-measurements", as_of=as_of), "target").items():
        if target in missed:
            continue
        row = rows[0]
        points = [(_date(r["measurementDate"]), float(_text(r["value"]))) for r in rows]
        threshold = float(_text(row["threshold"]))
        target_end = _date(row.get("targetEnd"))
        last = min(until, target_end) if target_end else until
        projection = project(points, _text(row["operator"]), threshold, as_of, last)
        if projection is None:
            continue
        metric, stakeholder = _ref(row, "metric"), _ref(row, "stakeholder")
        subject = Ref(target, _text(row.get("targetLabel")) or f"{stakeholder.label}: {metric.label}")
        unit = _text(row.get("unitLabel")).lower()
        items.append(Item(
            projection.crosses_on, "target-trend", _process(row, "audit"), subject,
            f"{stakeholder.label}'s {metric.label} trend is already past its target ({threshold:g})"
            if projection.already else
            f"{stakeholder.label}'s {metric.label} is projected to cross its target "
            f"({threshold:g}) on {_day(projection.crosses_on)}",
            f"Theil-Sen trend of {projection.points} measurements ({projection.first.isoformat()} to "
            f"{projection.last.isoformat()}): {projection.slope_per_month:+g} a month; projected "
            f"{projection.value_at_end:g}{' ' + unit if unit else ''} by {last.isoformat()}",
            "medium", [stakeholder],
            [Ref(target, subject.label, f"threshold {threshold:g}"), metric,
             *(Ref(_text(r["measurement"]), _text(r["measurementDate"]), _text(r["value"])) for r in rows)],
            detail={"projectedDate": projection.crosses_on.isoformat(),
                    "projectedValue": projection.value_at_end, "projectedValueOn": last.isoformat(),
                    "points": projection.points, "slopePerMonth": projection.slope_per_month,
                    "threshold": threshold}))
    return items


# -- audits, reports, reviews ---------------------------------------------------------------------

def next_audits(q: _Queries, as_of: dt.date) -> list[dict]:
    """Each auditee's next audit: the period after its latest audit, at the audit's recorded
    frequency, due by that period's last day."""
    found = []
    for _iri, rows in _grouped(q.rows("lookahead-audits", as_of=as_of), "auditee").items():
        latest = max(rows, key=lambda r: (_date(r["endDate"]), _text(r["audit"])))
        frequency = _text(latest.get("frequency"))
        period = next_period(_date(latest["endDate"]), frequency) if frequency else None
        if period is None:
            continue
        found.append({"row": latest, "start": period[0], "due": period[1]})
    return found


def audits(q: _Queries, as_of: dt.date, until: dt.date) -> list[Item]:
    items = []
    for a in next_audits(q, as_of):
        row, due = a["row"], a["due"]
        if due > until:
            continue
        overdue = due < as_of
        auditee, audit = _ref(row, "auditee"), _ref(row, "audit")
        freq = _text(row.get("frequencyLabel")).lower() or _short(_text(row["frequency"]))
        items.append(Item(
            due, "audit-overdue" if overdue else "audit-due", _process(row, "audit"), auditee,
            f"Audit of {auditee.label} for {a['start'].isoformat()} to {due.isoformat()} "
            + ("is overdue" if overdue else f"due by {_day(due)}"),
            f"latest audit {audit.label} covered {_text(row['startDate'])} to {_text(row['endDate'])}; "
            f"audited {freq}", "high" if overdue else "medium",
            _refs(auditee, _ref(row, "auditor")),
            [Ref(audit.iri, audit.label, f"covered to {_text(row['endDate'])}, {freq}")]))
    return items


def next_reports(q: _Queries) -> list[dict]:
    """Each report series' next report: the period after the last day its reports cover (or from
    its start), due the day after that period ends (as the checklist's report-frequency rule
    reads it: a period's report is required once the period is over)."""
    found = []
    for _iri, rows in _grouped(q.rows("lookahead-reports"), "series").items():
        row = rows[0]
        frequency = _text(row["frequency"])
        last = _date(row.get("lastCovered"))
        if last is None:
            start = _date(row.get("seriesStart")) or _date(row.get("termStart"))
            if start is None:
                continue
            last = start - dt.timedelta(days=1)
        period = next_period(last, frequency)
        if period is None:
            continue
        found.append({"row": row, "rows": rows, "start": period[0], "end": period[1],
                      "due": period[1] + dt.timedelta(days=1)})
    return found


def reports(q: _Queries, as_of: dt.date, until: dt.date, judgements: Judgements) -> list[Item]:
    """A series' report is overdue exactly when the validation report says so (checklist item
    report-frequency); otherwise its next report is due when computed."""
    late = defaultdict(list)
    for f in judgements.of(REPORT_FREQUENCY):
        late[f.focus].append(f)
    items = []
    for r in next_reports(q):
        row, rows = r["row"], r["rows"]
        series = _ref(row, "series")
        parties = _refs(*(_ref(x, "party") for x in rows))
        last_report = _ref(row, "lastReport", f"covers to {_text(row.get('lastCovered'))}")
        freq = _text(row.get("frequencyLabel")).lower()
        for f in late.get(series.iri, []):
            since = dt.date.fromisoformat(f.value[:10]) if f.value else as_of
            items.append(Item(
                since, "report-overdue", _process(row, "feedback"), series,
                f"{series.label}: no report covers the period from {_day(since)}",
                f"checklist report-frequency: {f.message}", "high", parties,
                _refs(series, last_report), finding=f.fingerprint))
        if late.get(series.iri) or not as_of <= r["due"] <= until:
            continue
        items.append(Item(
            r["due"], "report-due", _process(row, "feedback"), series,
            f"{series.label} for {r['start'].isoformat()} to {r['end'].isoformat()} is due",
            f"{freq} series; the last report covers to {_text(row.get('lastCovered')) or '(none yet)'}; "
            "a period's report is due once the period is over", "low", parties,
            _refs(Ref(series.iri, series.label, freq), last_report)))
    return items


def reviews(q: _Queries, as_of: dt.date, until: dt.date) -> list[Item]:
    items = []
    for _iri, rows in _grouped(q.rows("lookahead-reviews", **{"from": as_of, "to": until}), "item").items():
        row = rows[0]
        subject = _ref(row, "item")
        day = _date(row["reviewDate"])
        items.append(Item(
            day, "review-due", _process(row, "strategy"), subject,
            f"Review {subject.label}", f"cg:reviewDate {day.isoformat()}", "low",
            _refs(*(_ref(r, "owner") for r in rows)),
            [Ref(subject.iri, subject.label, f"review {day.isoformat()}")]))
    return items


# -- forecasts and risks --------------------------------------------------------------------------

def forecast_coverage(q: _Queries, as_of: dt.date, judgements: Judgements) -> list[Item]:
    """Shown exactly when the validation report fails the checklist's forecast rule, naming the
    latest forecast and how far it looks."""
    findings = judgements.of(FORECAST_CURRENT)
    if not findings:
        return []
    needed = horizon(as_of, 3)
    rows = q.rows("lookahead-forecasts", as_of=as_of)
    evidence, stakeholders = [], []
    if rows:
        latest = rows[0]
        forecast = _ref(latest, "forecast")
        end = _text(latest.get("endDate")) or "(no end date)"
        issued = _text(latest["issuedDate"])
        evidence.append(Ref(forecast.iri, forecast.label, f"issued {issued}, looks to {end}"))
        stakeholders = _refs(_ref(latest, "author"))
        words = f"the latest forecast, {forecast.label} (issued {issued}), looks to {end}"
    else:
        words = "no forecast has been issued"
    return [Item(
        as_of, "forecast-coverage", PROCESS + "feedback",
        Ref(findings[0].focus, "the relationship"),
        f"No current forecast looks 3 months ahead (to {needed.isoformat()})",
        f"{words}; checklist forecast-current: {findings[0].message}", "high", stakeholders, evidence,
        finding=findings[0].fingerprint)]


_LEVELS = {LEVEL + "low": 1, LEVEL + "medium": 2, LEVEL + "high": 3}


def risks(q: _Queries, as_of: dt.date, until: dt.date) -> list[Item]:
    """Each risk once: its latest statement (the latest forecast that states it; risks stated as
    separate nodes with the same name count as one)."""
    latest: dict[str, dict] = {}
    for row in q.rows("lookahead-risks", as_of=as_of, **{"from": as_of, "to": until}):
        key = (_text(row.get("riskLabel")) or _text(row["risk"])).strip().casefold()
        if key not in latest or _text(row["issuedDate"]) > _text(latest[key]["issuedDate"]):
            latest[key] = row
    items = []
    for row in latest.values():
        subject = _ref(row, "risk")
        score = _LEVELS.get(_text(row.get("likelihood")), 0) * _LEVELS.get(_text(row.get("impact")), 0)
        expected = _date(row.get("expectedDate"))
        forecast = _ref(row, "forecast", f"issued {_text(row['issuedDate'])}, the latest to state it")
        likelihood = _text(row.get("likelihoodLabel")).lower() or "unrated"
        impact = _text(row.get("impactLabel")).lower() or "unrated"
        mitigation = _text(row.get("mitigation"))
        items.append(Item(
            expected or as_of, "risk", _process(row, "feedback"), subject,
            subject.label + ("" if expected else " (no expected date)"),
            f"stated in {forecast.label}: likelihood {likelihood}, impact {impact}"
            + (f"; mitigation: {mitigation}" if mitigation else ""),
            "high" if score >= 6 else ("medium" if score >= 3 else "low"),
            _refs(_ref(row, "owner")),
            _refs(Ref(subject.iri, subject.label, f"expected {_text(row.get('expectedDate'))}"), forecast)))
    return items
