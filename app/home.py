"""The home page: the relationship's health at a glance, one card per co-management process.

A card judges nothing itself. It is red only for a reason it names and links: a checklist item
that fails in the validation report (``checklist.assess``, the report ``comgraph validate`` gives
for the same data and as-of date) or an obligation of its process that is overdue (the
``obligations-overdue`` rows its process page lists, from the same call); amber when an item only
warns. Below the cards, the latest audit score of every stakeholder on each of the four
components, against its target. ``/index.json`` and ``/index.csv`` are the page's twins.

Each section (the cards' checklist findings, overdue and due obligations, the audit scores, the
next six months, the store's size) is computed on its own (``comgraph.app.sections``): one the
store cannot compute says so in place, and a card whose judgement needed it is "unknown" unless
something it does know already makes it red.
"""

from __future__ import annotations

from collections import OrderedDict

from comgraph.app import get_store
from comgraph.app.checklist import assess
from comgraph.app.dashboards import COMPONENT_ORDER, flag_of, label_of, overdue_obligations, text
from comgraph.app.lookahead import timeline
from comgraph.app.named_queries import as_of_arg, run
from comgraph.app.sections import Sections
from comgraph.app.twins import twin_response
from comgraph.app.views import PROCESS_TITLES
from flask import Blueprint, Response, render_template, url_for

from comgraph.namespaces import PROCESS
from comgraph.queries import PROCESSES, as_of_date

bp = Blueprint("home", __name__)


@bp.get("/")
@bp.get("/index.<any(json, csv):extension>")
def index(extension: str | None = None) -> Response:
    as_of = as_of_arg()
    effective = as_of or as_of_date(get_store()).isoformat()
    sections = Sections()
    health = cards(effective, sections)

    def csv_rows():
        yield ["process", "status", "reason", "severity", "focus", "focusLabel", "message", "link"]
        for card in health["cards"]:
            if not card["reasons"]:
                yield [card["process"], card["status"], "", "", "", "", "", card["href"]]
            for reason in card["reasons"]:
                if reason["kind"] == "unknown":
                    yield [card["process"], card["status"], reason["notation"] or reason["label"], "Unknown",
                           reason["item"], reason["label"], reason["reason"], reason["href"]]
                for f in reason["findings"]:
                    reason_name = reason["notation"] if reason["kind"] == "checklist" else "overdue"
                    yield [card["process"], card["status"], reason_name, f["severity"], f["focus"],
                           f["focusLabel"], f["message"], f["href"]]

    def html() -> str:
        store = get_store()
        return render_template(
            "home.html", as_of=effective, cards=health["cards"], sections=sections,
            scores=sections.compute("scores", "Latest audit scores", lambda: _latest_scores(effective)),
            due_total=health["due_total"], overdue_total=health["overdue_total"],
            overview=sections.compute("overview", "The relationship",
                                      lambda: run("relationship-overview", as_of=effective)),
            timeline=sections.compute("timeline", "Next 6 months", lambda: timeline(effective)),
            store_url=store.url,
            facts=sections.compute("store", "The store", lambda: {"triples": store.triple_count(),
                                                                  "graphs": len(store.graphs())}),
        )

    return twin_response(extension, html=html, data=lambda: health, rows=csv_rows, filename="health",
                         sections=sections, csv_from=["checklist", "overdue"])


def cards(as_of: str, sections: Sections | None = None) -> dict:
    """One card per process: its status and every reason for it, each with its findings and link.

    A card is "failing" for a reason it knows; otherwise "unknown" when the checklist, one of its
    items, or the overdue obligations could not be computed (the reason says which and why);
    only then "warning" or "passing". Counts that could not be computed are None."""
    sections = sections if sections is not None else Sections()
    assessment = assess(as_of)
    if assessment.error:
        sections.fail("checklist", "Checklist findings",
                      f"the checklist was not assessed: {assessment.error}")
    by_process = {p["process"]: p for p in assessment.by_process()}
    overdue = sections.compute("overdue", "Overdue obligations", lambda: overdue_obligations(as_of))
    due = sections.compute("due", "Obligations due in 6 months", lambda: run("obligations-due", as_of=as_of))
    result = []
    for process in PROCESSES:
        summary = by_process[process]
        page = url_for("dashboards.process", name=process, as_of=as_of)
        reasons = []
        if assessment.error:
            reasons.append(_unknown("Checklist", page, sections.reason("checklist")))
        for item in summary["items"]:
            if item.findings:
                reasons.append({
                    "kind": "checklist", "notation": item.notation, "label": item.label, "item": item.iri,
                    "status": item.status, "href": page + f"#item-{item.notation}",
                    "findings": [flag_of(f) for f in item.findings]})
            if item.unknown:
                reasons.append(_unknown(item.label, page + f"#item-{item.notation}", item.unknown,
                                        item.notation, item.iri))
        late = overdue.get(PROCESS + process, []) if overdue is not None else None
        if late is None:
            reasons.append(_unknown("Overdue obligations", page + "#overdue", sections.reason("overdue")))
        if late:
            reasons.append({
                "kind": "overdue", "notation": "",
                "label": f"{len(late)} overdue obligation" + ("" if len(late) == 1 else "s"),
                "item": "", "status": "overdue", "href": page + "#overdue",
                "findings": [{"severity": "Overdue", "focus": o["obligation"], "focusLabel": o["label"],
                              "message": f"due {o['dueDate']}, neither met nor waived", "href": o["href"],
                              "notation": "", "fingerprint": ""} for o in late]})
        failing = any(r["status"] in ("fails", "overdue") for r in reasons)
        unknown = any(r["status"] == "unknown" for r in reasons)
        result.append({
            "process": process, "title": PROCESS_TITLES[process], "href": page,
            "status": ("failing" if failing else "unknown" if unknown
                       else "warning" if reasons else "passing"),
            "checklist": None if assessment.error else {
                "counts": summary["counts"], "violations": summary["violations"],
                "warnings": summary["warnings"]},
            "due": (None if due is None
                    else sum(1 for r in due if text(r.get("process")) == PROCESS + process)),
            "overdue": None if late is None else len(late), "reasons": reasons,
        })
    return {"as_of": as_of, "error": assessment.error, "cards": result,
            "overdue_total": None if overdue is None else sum(len(v) for v in overdue.values()),
            "due_total": None if due is None else len(due), "due_horizon_months": 6}


def _unknown(label: str, href: str, reason: str | None, notation: str = "", item: str = "") -> dict:
    """A reason a card cannot be judged: what could not be computed, and why."""
    return {"kind": "unknown", "notation": notation, "label": label, "item": item, "status": "unknown",
            "href": href, "reason": reason or "", "findings": []}


def _latest_scores(as_of: str) -> dict:
    """Stakeholders × the four components: the latest value of each metric, met or missed."""
    rows = run("performance-against-target", as_of=as_of)
    components: dict[str, str] = {}
    grid: dict[str, dict] = OrderedDict()
    for row in rows:
        component = text(row.get("component"))
        if not component:
            continue
        components[component] = label_of(row, "component")
        stakeholder = text(row["stakeholder"])
        entry = grid.setdefault(stakeholder, {
            "label": label_of(row, "stakeholder"),
            "href": url_for("dashboards.stakeholder", iri=stakeholder), "cells": {}})
        entry["cells"].setdefault(component, []).append({
            "metric": label_of(row, "metric"), "value": text(row.get("value")),
            "threshold": text(row.get("threshold")), "status": text(row.get("status")),
        })
    order = sorted(components, key=lambda c: (COMPONENT_ORDER.index(c) if c in COMPONENT_ORDER else 9, c))
    return {"components": [(c, components[c]) for c in order],
            "rows": sorted(grid.values(), key=lambda e: e["label"].lower())}
