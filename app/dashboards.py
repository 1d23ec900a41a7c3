"""Dashboards built from the named queries: RACI grid, audit scorecard, network, process and
stakeholder pages.

Each dashboard runs named queries through the catalogue (the same rows ``/views/NAME`` shows)
and lays them out for people; each links to the views it is made of, so the machine-readable
rows are one click away. Each has ``.json`` and ``.csv`` twins (``twins.twin_response``).

A dashboard judges nothing itself: every pass, fail or warning it shows is a finding of the
checklist assessment (``checklist.assess``, the validation report for the same data and as-of
date), and every mark names its checklist item and links to the finding. Data shown on one date
(the RACI letters) says which date; data over a period says which period.
"""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from collections.abc import Mapping

import pyoxigraph as ox
from comgraph.app import get_store
from comgraph.app.checklist import Finding, assess
from comgraph.app.named_queries import Rows, as_of_arg, get_catalogue, run
from comgraph.app.sections import Sections
from comgraph.app.tables import cell, compact_iri, known_label, resource_url, table
from comgraph.app.twins import twin_response
from comgraph.app.views import PROCESS_TITLES
from flask import Blueprint, Response, abort, render_template, request, url_for

from comgraph.namespaces import CG, PREFIXES, PROCESS, RDFS_LABEL
from comgraph.queries import PROCESSES, ParameterError, as_of_date

bp = Blueprint("dashboards", __name__)

#: The four audit components in the order the co-management method lists them.
COMPONENT_ORDER = [PREFIXES["cgac"] + c for c in
                   ("priceAndService", "contractAndRelationships", "stakeholderSatisfaction",
                    "visionAndAlignment")]


def text(term: object | None) -> str:
    return term.value if isinstance(term, (ox.Literal, ox.NamedNode)) else ""


def label_of(row: Mapping, key: str) -> str:
    label = row.get(key + "Label")
    if isinstance(label, ox.Literal):
        return label.value
    term = row.get(key)
    if isinstance(term, ox.NamedNode):
        return known_label(term.value) or compact_iri(term.value)
    return text(term)


@bp.get("/raci")
@bp.get("/raci.<any(json, csv):extension>")
def raci(extension: str | None = None) -> Response:
    as_of = as_of_arg()
    sections = Sections()
    grid = _raci_grid(as_of, sections)

    def rows():
        yield ["process", "responsibility", "responsibilityLabel", "party", "partyLabel", "letters",
               "items", "findings"]
        for row in grid["rows"]:
            if row["flags"]:
                yield [row["process"], row["responsibility"], row["label"], "", "", "",
                       _notations(row["flags"]), _fingerprints(row["flags"])]
            for party in grid["parties"]:
                letters, flags = row["letters"].get(party["iri"], ""), row["cells"].get(party["iri"], [])
                if letters or flags:
                    yield [row["process"], row["responsibility"], row["label"], party["iri"], party["label"],
                           letters, _notations(flags), _fingerprints(flags)]

    def html() -> str:
        groups: dict[str, dict] = OrderedDict()
        for row in grid["rows"]:
            group = groups.setdefault(row["process"], {"title": row["processTitle"] or "No process",
                                                       "rows": []})
            group["rows"].append(row | {
                "href": resource_url(row["responsibility"]),
                "cell_list": [{"letters": row["letters"].get(p["iri"], ""),
                               "flags": row["cells"].get(p["iri"], [])} for p in grid["parties"]]})
        return render_template(
            "dashboards/raci.html", grid=grid, groups=list(groups.values()), sections=sections,
            columns=[p | {"href": resource_url(p["iri"])} for p in grid["parties"]],
            as_of=grid["as_of"], views=["raci-matrix", "responsibilities-without-one-accountable"])

    return twin_response(extension, html=html, data=lambda: grid, rows=rows, filename="raci",
                         sections=sections, csv_from=["letters", "findings"])


def _raci_grid(as_of: str | None, sections: Sections | None = None) -> dict:
    """The RACI letters current on the as-of date, and the findings of the validation report on
    responsibilities (marked on their row) and on assignments (marked on their cell).

    The letters and the findings are two sections: either can fail on its own (``sections``).
    Without letters the rows still carry their findings; without findings ``flagged`` is None,
    and the checklist items that could not be judged are listed in ``unknown``."""
    sections = sections if sections is not None else Sections()
    effective = effective_as_of(as_of)
    assessment = assess(effective)
    if assessment.error:
        sections.fail("findings", "Checklist findings", f"validation did not run: {assessment.error}")
    store = get_store()
    parties: dict[str, str] = {}
    grid: dict[str, dict] = {}

    def letters() -> tuple[dict, list]:
        known = {r["r"].value: r for r in store.select(
            f"SELECT ?r (SAMPLE(?l) AS ?label) (SAMPLE(?p) AS ?process) WHERE {{ ?r a <{CG}Responsibility> "
            f"OPTIONAL {{ ?r <{RDFS_LABEL}> ?l }} OPTIONAL {{ ?r <{CG}process> ?p }} }} GROUP BY ?r")
            if isinstance(r["r"], ox.NamedNode)}
        return known, list(run("raci-matrix", as_of=effective))

    responsibilities, matrix = sections.compute("letters", "RACI letters", letters, ({}, []))

    def row_for(iri: str, label: str | None = None, process: str = "") -> dict:
        if iri not in grid:
            known = responsibilities.get(iri, {})
            process = process or text(known.get("process"))
            title = _process_title({"process": ox.NamedNode(process)}) if process else ""
            grid[iri] = {"responsibility": iri, "process": process, "processTitle": title,
                         "label": label or text(known.get("label")) or known_label(iri) or compact_iri(iri),
                         "letters": {}, "flags": [], "cells": {}}
        return grid[iri]

    for row in matrix:
        party = text(row["party"])
        parties[party] = label_of(row, "party")
        entry = row_for(text(row["responsibility"]), label_of(row, "responsibility"),
                        text(row.get("process")))
        entry["letters"][party] = "".join(sorted(entry["letters"].get(party, "") + text(row["raci"]),
                                                 key="RACI".index))
    for iri in responsibilities:  # a responsibility with no assignment on the date still has a row
        row_for(iri)
    findings = assessment.findings()
    assignments = sections.compute(
        "findings", "Checklist findings",
        lambda: _assignments({f.focus for f in findings} | {f.value for f in findings if f.value}))
    if assignments is None:
        findings, assignments = [], {}
    flagged = 0
    for finding in findings:
        mark = flag_of(finding)
        if finding.focus in responsibilities:
            row_for(finding.focus)["flags"].append(mark)
            flagged += 1
            if finding.value in assignments:  # e.g. the overlapping Accountable assignment
                resp, party, party_label = assignments[finding.value]
                parties.setdefault(party, party_label)
                row_for(resp)["cells"].setdefault(party, []).append(mark)
        elif finding.focus in assignments:
            resp, party, party_label = assignments[finding.focus]
            parties.setdefault(party, party_label)
            row_for(resp)["cells"].setdefault(party, []).append(mark)
            flagged += 1
    columns = [{"iri": iri, "label": label}
               for iri, label in sorted(parties.items(), key=lambda kv: kv[1].lower())]
    rows = sorted(grid.values(), key=lambda r: (_process_order(r["process"]), r["label"].lower()))
    for row in rows:
        row["flagged"] = bool(row["flags"] or row["cells"])
    return {"as_of": effective, "letters_on": effective, "error": assessment.error,
            "parties": columns, "rows": rows,
            "flagged": None if sections.failed("findings") else flagged,
            "unknown": [{"item": i.iri, "notation": i.notation, "label": i.label, "reason": i.unknown}
                        for i in assessment.items if i.unknown],
            # Every finding marked on the grid, once (one can mark a row and a cell).
            "flags": list({m["fingerprint"]: m for r in rows
                           for m in r["flags"] + [f for fl in r["cells"].values() for f in fl]}.values())}


def _assignments(iris: set[str]) -> dict[str, tuple[str, str, str]]:
    """assignment IRI -> (responsibility, party, party label), for those of ``iris`` that are
    responsibility assignments."""
    named = [i for i in iris if i and i.startswith(("http://", "https://", "urn:"))]
    if not named:
        return {}
    values = " ".join(str(ox.NamedNode(i)) for i in sorted(named))
    found = get_store().select(
        f"SELECT ?a ?r ?party (SAMPLE(?l) AS ?label) WHERE {{ VALUES ?a {{ {values} }} "
        f"?a a <{CG}ResponsibilityAssignment> ; <{CG}responsibility> ?r . "
        f"OPTIONAL {{ ?a <{CG}party> ?party OPTIONAL {{ ?party <{RDFS_LABEL}> ?l }} }} }} "
        "GROUP BY ?a ?r ?party")
    return {r["a"].value: (r["r"].value, text(r.get("party")),
                           text(r.get("label")) or compact_iri(text(r.get("party"))))
            for r in found}


def flag_of(finding: Finding) -> dict:
    """A finding as a dashboard marks it: its checklist item, what it says, the link to it."""
    return {"item": finding.item, "notation": finding.notation, "itemLabel": finding.item_label,
            "severity": finding.severity, "focus": finding.focus, "focusLabel": finding.focus_label,
            "value": finding.value, "message": finding.message, "fingerprint": finding.fingerprint,
            "href": finding.href}


def _notations(flags: list[dict]) -> str:
    return "; ".join(dict.fromkeys(f["notation"] for f in flags))


def _fingerprints(flags: list[dict]) -> str:
    return "; ".join(f["fingerprint"] for f in flags)


@bp.get("/stakeholders")
@bp.get("/stakeholders.<any(json, csv):extension>")
def stakeholders(extension: str | None = None) -> Response:
    as_of = as_of_arg()
    effective = effective_as_of(as_of)
    sections = Sections()
    rows = sections.compute("stakeholders", "Stakeholders",
                            lambda: run("stakeholders-and-roles", as_of=as_of), Rows())
    people: dict[str, dict] = OrderedDict()
    for row in rows:
        key = text(row["stakeholder"])
        entry = people.setdefault(key, {"iri": key, "label": label_of(row, "stakeholder"),
                                        "href": url_for("dashboards.stakeholder", iri=key), "roles": []})
        entry["roles"].append({"role": text(row.get("stakeholderRole")),
                               "label": label_of(row, "stakeholderRole"),
                               "current": text(row.get("current")) == "true",
                               "start": text(row.get("startDate")), "end": text(row.get("endDate"))})

    def csv_rows():
        yield ["stakeholder", "stakeholderLabel", "part", "partLabel", "current", "startDate", "endDate"]
        for p in people.values():
            for r in p["roles"]:
                yield [p["iri"], p["label"], r["role"], r["label"], str(r["current"]).lower(), r["start"],
                       r["end"]]

    listed = None if sections.failed("stakeholders") else list(people.values())
    return twin_response(
        extension,
        data=lambda: {"as_of": effective, "current_on": effective, "stakeholders": listed},
        rows=csv_rows, filename="stakeholders", sections=sections, csv_from=["stakeholders"],
        html=lambda: render_template("dashboards/stakeholders.html", stakeholders=listed or [],
                                     sections=sections, as_of=effective, views=["stakeholders-and-roles"]))


# Each section of a stakeholder page: (heading, named query, the parameter the stakeholder fills).
STAKEHOLDER_SECTIONS = (
    ("Stakeholder roles", "stakeholders-and-roles", "stakeholder"),
    ("Roles and responsibilities, now and in the past", "role-and-responsibility-history", "stakeholder"),
    ("Obligations it owes", "obligations-by-party", "owed_by"),
    ("Obligations owed to it", "obligations-by-party", "owed_to"),
    ("Targets against measurements", "performance-against-target", "stakeholder"),
    ("Ownership and licences", "asset-ownership-and-licences", "stakeholder"),
)


@bp.get("/stakeholder")
@bp.get("/stakeholder.<any(json, csv):extension>")
def stakeholder(extension: str | None = None) -> Response:
    raw = request.args.get("iri", "").strip()
    try:
        iri = get_catalogue().get("stakeholders-and-roles").parameter("stakeholder").parse(raw).value
    except ParameterError as exc:
        abort(Response(f"iri: {exc.reason}\n", status=400, mimetype="text/plain"))
    as_of = as_of_arg()
    effective = effective_as_of(as_of)
    label = _label(iri)
    if label is None:
        abort(404)
    failures = Sections()
    sections = []
    for number, (heading, name, parameter) in enumerate(STAKEHOLDER_SECTIONS, 1):
        query = get_catalogue().get(name)
        values = {parameter: iri} | _as_of_for(query, as_of)
        entry = {"heading": heading, "name": name, "key": f"section-{number}",
                 "period": _period_of(query, effective), "view": url_for("views.view", name=name, **values)}
        rows = failures.compute(entry["key"], heading, lambda name=name, values=values: run(name, **values))
        if rows is None:  # count and rows stay None: not "no rows"
            sections.append(entry | {"count": None, "rows": None, "variables": [], "table": None,
                                     "failure": failures.failed(entry["key"])})
            continue
        drop = {parameter} if parameter in rows.variables else set()
        variables = [v for v in rows.variables if v not in drop and v != parameter + "Label"]
        sections.append(entry | {
            "count": len(rows), "rows": rows, "variables": variables, "failure": None,
            "table": table(variables, rows, {c.name: c.description for c in query.columns}),
        })

    assessment = assess(effective)
    if assessment.error:
        failures.fail("findings", "Checklist findings about it",
                      f"validation did not run: {assessment.error}")
    found = failures.compute("findings", "Checklist findings about it",
                             lambda: [flag_of(f) for f in _findings_about(iri, assessment.findings())])
    findings = None if failures.failed("findings") else found
    unknown = [{"item": i.iri, "notation": i.notation, "label": i.label, "reason": i.unknown}
               for i in assessment.items if i.unknown]

    def data() -> dict:
        return {"iri": iri, "label": label, "as_of": effective, "error": assessment.error,
                "findings": findings, "unknown_items": unknown,
                "sections": [{"heading": s["heading"], "view": s["name"], "href": s["view"],
                              "period": s["period"], "count": s["count"],
                              "rows": None if s["rows"] is None else plain_rows(s["rows"])}
                             for s in sections]}

    def csv_rows():
        # One line per value: the sections' columns differ, so the CSV is long, not wide.
        yield ["section", "view", "row", "column", "value"]
        for number, f in enumerate(findings or [], 1):
            yield ["Checklist findings", "checklist", number, f["notation"], f["focus"]]
        for s in sections:
            for number, row in enumerate(s["rows"] or [], 1):
                for column in s["variables"]:
                    if row.get(column) is not None:
                        yield [s["heading"], s["name"], number, column, text(row[column]) or str(row[column])]

    return twin_response(
        extension, data=data, rows=csv_rows, filename="stakeholder", sections=failures,
        csv_from=[f.section for f in failures.failures],  # every section is in the long CSV
        html=lambda: render_template("dashboards/stakeholder.html", label=label, iri=iri,
                                     resource=resource_url(iri), sections=sections, as_of=effective,
                                     findings=findings, failures=failures, unknown=unknown))


def _findings_about(iri: str, findings: list[Finding]) -> list[Finding]:
    """The findings on the stakeholder itself or on something that names it directly (its
    assignments, the targets that apply to it, the obligations it owes ...)."""
    named = sorted({f.focus for f in findings if f.focus.startswith(("http://", "https://", "urn:"))})
    if not named:
        return []
    values = " ".join(str(ox.NamedNode(i)) for i in named)
    naming = {r["x"].value for r in get_store().select(
        f"SELECT DISTINCT ?x WHERE {{ VALUES ?x {{ {values} }} ?x ?p ?o FILTER (?o = ?who) }}",
        bindings={"who": ox.NamedNode(iri)})}
    return [f for f in findings if f.focus == iri or f.focus in naming]


@bp.get("/process/<string:name>")
def process(name: str) -> Response:
    name, _, extension = name.partition(".")
    if name not in PROCESSES or extension not in ("", "json", "csv"):
        abort(404)
    as_of = as_of_arg()
    effective = effective_as_of(as_of)
    sections = Sections()
    page = process_page(name, effective, sections)

    def csv_rows():
        yield ["process", "notation", "item", "itemLabel", "status", "severity", "focus", "focusLabel",
               "message", "finding"]
        for i in page["checklist"]["items"]:
            for f in i["findings"] or [None]:
                yield [name, i["notation"], i["item"], i["label"], i["status"],
                       *((f["severity"], f["focus"], f["focusLabel"], f["message"], f["href"]) if f
                         else ("",) * 5)]

    def html() -> str:
        holdings = [{"cell": cell(ox.NamedNode(h["class"]), h["label"]), "count": h["count"]}
                    for h in page["holdings"] or []]
        return render_template("dashboards/process.html", name=name, title=PROCESS_TITLES[name],
                               held=holdings, sections=sections,
                               page=page, checklist=page["checklist"], overdue=page["overdue"],
                               views=[v for v in page["views"] if not v["defects"]],
                               problems=[v for v in page["views"] if v["defects"]], as_of=effective,
                               processes=[(p, PROCESS_TITLES[p]) for p in PROCESSES])

    return twin_response(extension or None, html=html, data=lambda: _without_tables(page), rows=csv_rows,
                         filename=f"process-{name}", sections=sections, csv_from=["checklist"])


def process_page(name: str, as_of: str, sections: Sections | None = None) -> dict:
    """What a process page shows: its checklist items with their findings (the validation
    report's), its overdue obligations, its views with their rows and periods, its holdings.

    Each is a section of its own (``sections``): one that could not be computed is None (a view's
    ``count`` and ``rows``), never empty."""
    sections = sections if sections is not None else Sections()
    assessment = assess(as_of)
    if assessment.error:
        sections.fail("checklist", "Checklist", f"validation did not run: {assessment.error}")
    summary = next(p for p in assessment.by_process() if p["process"] == name)
    items = [{"item": i.iri, "notation": i.notation, "label": i.label, "status": i.status,
              "violations": i.violations, "warnings": i.warnings, "unknown": i.unknown,
              "href": url_for("dashboards.process", name=name, as_of=as_of) + f"#item-{i.notation}",
              "findings": [flag_of(f) for f in i.findings]} for i in summary["items"]]
    term = sections.compute("term", "The relationship's term", _term)
    views = []
    for query in sorted((q for q in get_catalogue() if q.process == name), key=lambda q: q.title.lower()):
        values = _as_of_for(query, as_of)
        names = {p.name for p in query.parameters}
        over_term = {"from", "to"} <= names
        if over_term and term:
            # Over the whole term: the period the checklist's shapes read, so both see the same.
            values |= {"from": term[0]} | ({"to": term[1]} if term[1] else {})
        key = f"view:{query.name}"
        if over_term and sections.failed("term"):
            sections.fail(key, query.title, f"needs the relationship's term: {sections.reason('term')}")
            rows = None
        else:
            rows = sections.compute(key, query.title,
                                    lambda query=query, values=values: run(query.name, **values))
        entry = {"name": query.name, "title": query.title, "description": query.description,
                 "href": url_for("views.view", name=query.name, **values),
                 "json": url_for("views.view", name=query.name + ".json", **values),
                 "period": _period_of(query, as_of, values), "count": None if rows is None else len(rows),
                 "defects": bool(query.extra.get("defects")), "error": sections.reason(key)}
        if entry["defects"]:
            entry["rows"] = None if rows is None else plain_rows(rows)
            entry["table"] = None if rows is None else table(
                rows.variables, rows, {c.name: c.description for c in query.columns})
        views.append(entry)
    holdings = sections.compute("holdings", "What it holds", lambda: [
        {"class": r["class"].value, "label": _label(r["class"].value) or compact_iri(r["class"].value),
         "count": int(r["n"].value)} for r in run("process-holdings", process=PROCESS + name)])
    overdue = sections.compute("overdue", "Overdue obligations", lambda: overdue_obligations(as_of))
    return {"process": name, "title": PROCESS_TITLES[name], "as_of": as_of, "error": assessment.error,
            "href": url_for("dashboards.process", name=name, as_of=as_of),
            "checklist": {"counts": summary["counts"], "violations": summary["violations"],
                          "warnings": summary["warnings"], "items": items,
                          "failing": [i for i in items if i["findings"]]},
            "overdue": None if overdue is None else overdue.get(PROCESS + name, []),
            "overdue_href": url_for("dashboards.process", name=name, as_of=as_of) + "#overdue",
            "views": views, "holdings": holdings}


def overdue_obligations(as_of: str) -> dict[str, list[dict]]:
    """The overdue obligations (the ``obligations-overdue`` view) by the process they belong to.
    The home page counts them per card and the process page lists them, from this one call."""
    by_process: dict[str, list[dict]] = defaultdict(list)
    for row in run("obligations-overdue", as_of=as_of):
        by_process[text(row.get("process"))].append(
            {"obligation": text(row["obligation"]), "label": label_of(row, "obligation"),
             "obligor": label_of(row, "obligor") if row.get("obligor") else "",
             "dueDate": text(row["dueDate"]), "status": label_of(row, "status") if row.get("status") else "",
             "href": resource_url(text(row["obligation"]))})
    return by_process


def plain_rows(rows: Rows) -> list[dict[str, str]]:
    """Named-query rows as JSON values: each bound term's lexical form (IRIs whole)."""
    return [{k: (text(v) or str(v)) for k, v in row.items() if v is not None} for row in rows]


def _without_tables(page: dict) -> dict:
    return page | {"views": [{k: v for k, v in view.items() if k != "table"} for view in page["views"]]}


def _term() -> tuple[str, str] | None:
    """The relationship's term (first day, last day or ""), from the overview view."""
    rows = [r for r in run("relationship-overview") if r.get("startDate") is not None]
    if not rows:
        return None
    start = min(text(r["startDate"]) for r in rows)
    ends = [text(r.get("endDate")) for r in rows]
    return start, ("" if "" in ends else max(ends))


def _period_of(query, as_of: str, values: Mapping[str, str] | None = None) -> str:
    """How a view reads time, in words: on one date, over a period, or all records."""
    values = values or {}
    names = {p.name for p in query.parameters}
    if {"from", "to"} <= names:
        start = values.get("from") or "the relationship's start"
        end = values.get("to") or f"{as_of} (or the term's end, when earlier)"
        return f"from {start} to {end}"
    if "as_of" in names:
        date = values.get("as_of") or as_of
        described = next(p.description for p in query.parameters if p.name == "as_of").strip().rstrip(".")
        return f"as of {date}: {described[:1].lower() + described[1:]}" if described else f"as of {date}"
    return "all records"


def _label(iri: str) -> str | None:
    """The IRI's label, its compact form when it has none, or None when the graph lacks it."""
    store, node = get_store(), ox.NamedNode(iri)
    labels = store.select(f"SELECT ?label WHERE {{ ?x <{RDFS_LABEL}> ?label }} LIMIT 1", bindings={"x": node})
    if labels:
        return labels[0]["label"].value
    if known_label(iri):
        return known_label(iri)
    if store.select("SELECT ?p WHERE { ?x ?p ?o } LIMIT 1", bindings={"x": node}) or \
            store.select("SELECT ?p WHERE { ?s ?p ?x } LIMIT 1", bindings={"x": node}):
        return compact_iri(iri)
    return None


def _as_of_for(query, as_of: str | None) -> dict[str, str]:
    """``{"as_of": ...}`` when the page was given a date and the query takes one."""
    return {"as_of": as_of} if as_of and any(p.name == "as_of" for p in query.parameters) else {}


def _process_title(row: Mapping) -> str:
    process = text(row.get("process"))
    if process.startswith(PROCESS) and process[len(PROCESS):] in PROCESS_TITLES:
        return PROCESS_TITLES[process[len(PROCESS):]]
    return label_of(row, "process")


def _process_order(process: str) -> tuple[int, str]:
    local = process[len(PROCESS):] if process.startswith(PROCESS) else ""
    return (PROCESSES.index(local) if local in PROCESSES else len(PROCESSES), process)


def effective_as_of(as_of: str | None) -> str:
    """The as-of date a page shows: the one asked for, else the data's."""
    return as_of or as_of_date(get_store()).isoformat()
