"""The home page: the relationship's health at a glance, one card per co-management process.

Each card counts what is wrong in that process (the rows of its defect views), the obligations of
that process due soon and overdue, and links to the process page. Below the cards, the latest
audit score of every stakeholder on each of the four components, against its target. All of it
comes from the named queries, so every number links to the rows behind it.
"""

from __future__ import annotations

from collections import OrderedDict

from comgraph.app import get_store
from comgraph.app.checklist import assess
from comgraph.app.dashboards import COMPONENT_ORDER, label_of, text
from comgraph.app.named_queries import as_of_arg, get_catalogue, run
from comgraph.app.views import PROCESS_TITLES
from flask import Blueprint, render_template, url_for

from comgraph.namespaces import PROCESS
from comgraph.queries import PROCESSES, as_of_date

bp = Blueprint("home", __name__)
OVERDUE = "obligations-overdue"


@bp.get("/")
def index() -> str:
    as_of = as_of_arg()
    effective = as_of or as_of_date(get_store()).isoformat()
    due = run("obligations-due", as_of=effective)
    overdue = run(OVERDUE, as_of=effective)
    cards = []
    for process in PROCESSES:
        iri = PROCESS + process
        defects = []
        for query in sorted(get_catalogue(), key=lambda q: q.title.lower()):
            # Overdue obligations are counted per process below, from the obligations' own process.
            if query.process == process and query.extra.get("defects") and query.name != OVERDUE:
                values = {"as_of": effective} if any(p.name == "as_of" for p in query.parameters) else {}
                defects.append({"title": query.title, "count": len(run(query.name, **values)),
                                "href": url_for("views.view", name=query.name, **values)})
        soon = sum(1 for r in due if text(r.get("process")) == iri)
        late = sum(1 for r in overdue if text(r.get("process")) == iri)
        cards.append({
            "name": process, "title": PROCESS_TITLES[process],
            "href": url_for("dashboards.process", name=process),
            "defects": defects, "due": soon, "overdue": late,
            "failing": late > 0 or any(d["count"] for d in defects),
        })
    assessment = assess(effective)
    checklist = {p["process"]: p for p in assessment.by_process()}
    for card in cards:
        summary = checklist[card["name"]]
        card["checklist"] = summary
        card["failing"] = card["failing"] or summary["counts"]["fails"] > 0
    return render_template(
        "home.html", as_of=effective, cards=cards, validation_error=assessment.error,
        scores=_latest_scores(effective),
        due_total=len(due), overdue_total=len(overdue),
        overview=run("relationship-overview", as_of=effective),
        store_url=get_store().url, triples=get_store().triple_count(),
        graphs=get_store().graphs(),
    )


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
