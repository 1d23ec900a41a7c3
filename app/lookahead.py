"""``/lookahead`` (and ``.json``, ``.csv``): the next 3 to 6 months, and ``/calendar.ics``: the same
dates as an iCalendar feed that people subscribe to.

The page judges nothing itself: what the checklist also judges (a report series behind, the
forecast falling short) comes from the same assessment the checklist page shows
(``checklist.assess``, the validation report for the same data and date), and overdue obligations
and missed targets from the views that the home page and the scorecard read. Each item links its
evidence to the resource pages (/r/...).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from comgraph.app import get_store
from comgraph.app.checklist import assess, finding_href
from comgraph.app.named_queries import as_of_arg
from comgraph.app.sections import Sections
from comgraph.app.tables import resource_url
from comgraph.app.twins import twin_response
from flask import Blueprint, Response, abort, render_template, request, url_for

from comgraph.lookahead import SEVERITIES, Judgements, LookAhead, compute
from comgraph.lookahead.compute import JUDGED, MAX_MONTHS, MIN_MONTHS
from comgraph.lookahead.render import csv_rows
from comgraph.queries import PROCESSES, as_of_date

bp = Blueprint("lookahead", __name__)


def months_arg(default: int = 6) -> int:
    raw = request.args.get("months", "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not MIN_MONTHS <= int(raw) <= MAX_MONTHS:
        abort(Response(f"parameter 'months': {raw[:20]!r} is not a whole number from {MIN_MONTHS} "
                       f"to {MAX_MONTHS}\n", status=400, mimetype="text/plain"))
    return int(raw)


def look_ahead(as_of: str, months: int) -> LookAhead:
    """The look-ahead with the checklist's own judgements (the assessment the pages share)."""
    assessment = assess(as_of)
    judgements = Judgements.from_results(_Result(f) for f in assessment.findings())
    judgements.error = assessment.error
    judgements.unknown = {i.iri: i.unknown for i in assessment.items if i.unknown and i.iri in JUDGED}
    return compute(get_store(), dt.date.fromisoformat(as_of), months, judgements)


class _Result:
    """A checklist finding seen as a report result (what ``Judgements.from_results`` reads)."""

    def __init__(self, finding):
        self.checklist_item = finding.item
        self.focus = finding.focus
        self.message = finding.message
        self.fingerprint = finding.fingerprint
        self.value = finding.value


def page_data(look: LookAhead) -> dict:
    """The look-ahead as JSON values, every IRI with its page (``href``)."""
    data = look.to_json()
    as_of = look.as_of.isoformat()
    for item in data["items"]:
        item["href"] = resource_url(item["subject"])
        for ref in (*item["stakeholders"], *item["evidence"]):
            ref["href"] = resource_url(ref["iri"])
        item["findingHref"] = finding_href(as_of, item["finding"]) if item["finding"] else ""
    return data


@bp.get("/lookahead")
@bp.get("/lookahead.<any(json, csv):extension>")
def page(extension: str | None = None) -> Response:
    as_of = as_of_arg() or as_of_date(get_store()).isoformat()
    months = months_arg()
    look = look_ahead(as_of, months)
    data = page_data(look)
    sections = look_sections(look)

    def html() -> str:
        by_month = defaultdict(list)
        for item in data["items"]:
            by_month[item["date"][:7]].append(item)
        counts = {s: sum(1 for i in data["items"] if i["severity"] == s) for s in SEVERITIES}
        return render_template("lookahead.html", look=data, months=months, by_month=sorted(by_month.items()),
                               counts=counts, processes=PROCESSES, sections=sections,
                               calendar=url_for("lookahead.calendar", _external=True))

    return twin_response(extension, html=html, data=lambda: data, rows=lambda: csv_rows(look),
                         filename="lookahead", sections=sections,
                         csv_from=[f.section for f in sections.failures])


def look_sections(look: LookAhead) -> Sections:
    """The look-ahead's kinds of item that could not be computed, as the page's failed sections
    (every one of them feeds the list, and so the CSV)."""
    sections = Sections()
    for kind, reason in look.failed.items():
        sections.fail(kind, kind[:1].upper() + kind[1:], reason)
    return sections


def timeline(as_of: str, months: int = 6) -> dict:
    """The home page's "Next 6 months": the look-ahead's items by month, for the page's as-of date."""
    data = page_data(look_ahead(as_of, months))
    by_month = defaultdict(list)
    for item in data["items"]:
        if item["date"] >= as_of:
            by_month[item["date"][:7]].append(item)
    data["months_list"] = sorted(by_month.items())
    data["now"] = [i for i in data["items"] if i["date"] < as_of]
    return data


@bp.get("/calendar.ics")
def calendar() -> Response:
    """RFC 5545. ``?stakeholder=IRI`` and ``?process=NAME`` keep only their events."""
    from comgraph.lookahead.calendar import feed
    from comgraph.queries import Parameter, ParameterError

    stakeholder = request.args.get("stakeholder", "").strip() or None
    if stakeholder:
        try:
            stakeholder = Parameter("stakeholder", "IRI", "stakeholder").parse(stakeholder).value
        except ParameterError as exc:
            abort(Response(f"{exc}\n", status=400, mimetype="text/plain"))
    process = request.args.get("process", "").strip() or None
    if process and process not in PROCESSES and not process.startswith(("http://", "https://")):
        abort(Response(f"parameter 'process': {process[:40]!r} is not one of {', '.join(PROCESSES)}\n",
                       status=400, mimetype="text/plain"))
    as_of = as_of_arg()
    root = request.url_root.rstrip("/")
    body = feed(get_store(), lambda iri: root + resource_url(iri),
                as_of=dt.date.fromisoformat(as_of) if as_of else None,
                stakeholder=stakeholder, process=process)
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="comgraph.ics"'
    return response
