"""The home page: the relationship's health at a glance, one card per co-management process.

A card judges nothing itself. It is red only for a reason it names and links: a checklist item
that fails in the validation report (``checklist.assess``, the report ``comgraph validate`` gives
for the same data and as-of date) or an obligation of its process that is overdue (the
``obligations-overdue`` rows its process page lists, from the same call); amber when an item only
warns. Below the cards, the latest audit score of every stakeholder on each of the four
components, against its target. ``/index.json`` and ``/index.csv`` are the page's twins.
"""

from __future__ import annotations

from collections import OrderedDict

from comgraph.app import get_store
from comgraph.app.checklist import assess
from comgraph.app.dashboards import COMPONENT_ORDER, flag_of, label_of, overdue_obligations, text
from comgraph.app.lookahead import timeline
from comgraph.app.named_queries import as_of_arg, run
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
    health = cards(effective)

    def csv_rows():
        yield ["process", "status", "reason", "severity", "focus", "focusLabel", "message", "link"]
        for card in health["cards"]:
            if not card["reasons"]:
                yield [card["process"], card["status"], "", "", "", "", "", card["href"]]
            for reason in card["reasons"]:
                for f in reason["findings"]:
                    reason_name = reason["notation"] if reason["kind"] == "checklist" else "overdue"
                    yield [card["process"], card["status"], reason_name, f["severity"], f["focus"],
                           f["focusLabel"], f["message"], f["href"]]

    def html() -> str:
        return render_template(
            "home.html", as_of=effective, cards=health["cards"], validation_error=health["error"],
            scores=_latest_scores(effective), due_total=health["due_total"],
            overdue_total=health["overdue_total"],
            overview=run("relationship-overview", as_of=effective), timeline=timeline(effective),
            store_url=get_store().url, triples=get_store().triple_count(), graphs=get_store().graphs(),
        )

    return twin_response(extension, html=html, data=lambda: health, rows=csv_rows, filename="health")


def cards(as_of: str) -> dict:
    """One card per process: its status and every reason for it, each with its findings and link."""
    assessment = assess(as_of)
    by_process = {p["process"]: p for p in assessment.by_process()}
    overdue = overdue_obligations(as_of)
    due = run("obligations-due", as_of=as_of)
    result = []
    for process in PROCESSES:
        summary = by_process[process]
        page = url_for("dashboards.process", name=process, as_of=as_of)
        reasons = []
        for item in summary["items"]:
            if item.findings:
                reasons.append({
                    "kind": "checklist", "notation": item.notation, "label": item.label, "item": item.iri,
                    "status": item.status, "href": page + f"#item-{item.notation}",
                    "findings": [flag_of(f) for f in item.findings]})
        late = overdue.get(PROCESS + process, [])
        if late:
            reasons.append({
                "kind": "overdue", "notation": "",
                "label": f"{len(late)} overdue obligation" + ("" if len(late) == 1 else "s"),
                "item": "", "status": "overdue", "href": page + "#overdue",
                "findings": [{"severity": "Overdue", "focus": o["obligation"], "focusLabel": o["label"],
                              "message": f"due {o['dueDate']}, neither met nor waived", "href": o["href"],
                              "notation": "", "fingerprint": ""} for o in late]})
        failing = any(r["status"] in ("fails", "overdue") for r in reasons)
        result.append({
            "process": process, "title": PROCESS_TITLES[process], "href": page,
            "status": "failing" if failing else ("warning" if reasons else "passing"),
            "checklist": {"counts": summary["counts"], "violations": summary["violations"],
                          "warnings": summary["warnings"]},
            "due": sum(1 for r in due if text(r.get("process")) == PROCESS + process),
            "overdue": len(late), "reasons": reasons,
        })
    return {"as_of": as_of, "error": assessment.error, "cards": result,
            "overdue_total": sum(len(v) for v in overdue.values()),
            "due_total": len(due), "due_horizon_months": 6}


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
