"""Dashboards built from the named queries: RACI grid, audit scorecard, network, process and
stakeholder pages.

Each dashboard runs named queries through the catalogue (the same rows ``/views/NAME`` shows)
and lays them out for people; each links to the views it is made of, so the machine-readable
rows are one click away.
"""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from collections.abc import Mapping

import pyoxigraph as ox
from comgraph.app import get_store
from comgraph.app.charts import Edge, Node, line_chart, network
from comgraph.app.checklist import assess
from comgraph.app.named_queries import as_of_arg, get_catalogue, run
from comgraph.app.tables import cell, compact_iri, known_label, resource_url, table
from comgraph.app.views import PROCESS_TITLES
from flask import Blueprint, Response, abort, render_template, request, url_for

from comgraph.namespaces import PREFIXES, PROCESS, RDFS_LABEL
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
def raci() -> str:
    as_of = as_of_arg()
    assignments = run("raci-matrix", as_of=as_of)
    lacking = run("responsibilities-without-one-accountable", as_of=as_of)
    parties: dict[str, str] = {}
    groups: dict[str, OrderedDict] = defaultdict(OrderedDict)
    process_labels: dict[str, str] = {}
    for row in assignments:
        party = text(row["party"])
        parties[party] = label_of(row, "party")
        process = text(row.get("process"))
        process_labels[process] = _process_title(row)
        entry = groups[process].setdefault(text(row["responsibility"]), {
            "iri": text(row["responsibility"]), "label": label_of(row, "responsibility"),
            "letters": defaultdict(list)})
        entry["letters"][party].append(text(row["raci"]))
    for row in lacking:  # responsibilities with no current assignment at all still get a row
        process = text(row.get("process"))
        process_labels.setdefault(process, _process_title(row))
        groups[process].setdefault(text(row["responsibility"]), {
            "iri": text(row["responsibility"]), "label": label_of(row, "responsibility"),
            "letters": defaultdict(list)})
    columns = sorted(parties.items(), key=lambda kv: kv[1].lower())
    sections = []
    for process in sorted(groups, key=_process_order):
        rows = []
        for entry in sorted(groups[process].values(), key=lambda e: e["label"].lower()):
            accountable = sum(letters.count("A") for letters in entry["letters"].values())
            rows.append({
                "href": resource_url(entry["iri"]), "label": entry["label"],
                "cells": ["".join(sorted(entry["letters"].get(p, []), key="RACI".index)) for p, _ in columns],
                "accountable": accountable, "flagged": accountable != 1,
            })
        sections.append({"title": process_labels.get(process) or "No process", "rows": rows})
    return render_template(
        "dashboards/raci.html", columns=[{"label": lbl, "href": resource_url(iri)} for iri, lbl in columns],
        sections=sections, flagged=sum(r["flagged"] for s in sections for r in s["rows"]),
        as_of=_effective_as_of(as_of), views=["raci-matrix", "responsibilities-without-one-accountable"],
    )


@bp.get("/scorecard")
def scorecard() -> str:
    as_of = as_of_arg()
    stakeholder = request.args.get("stakeholder") or None
    try:
        rows = run("audit-scorecard", as_of=as_of, stakeholder=stakeholder)
    except ParameterError as exc:
        abort(Response(f"{exc}\n", status=400, mimetype="text/plain"))
    series: dict[tuple, dict] = {}
    components: dict[str, str] = {}
    for row in rows:
        component = text(row["component"])
        components[component] = label_of(row, "component")
        key = (text(row["stakeholder"]), component, text(row["metric"]))
        entry = series.setdefault(key, {"stakeholder": label_of(row, "stakeholder"),
                                        "stakeholder_iri": text(row["stakeholder"]),
                                        "metric": label_of(row, "metric"), "points": [], "threshold": None})
        met = row.get("met")
        entry["points"].append((text(row["measurementDate"]), float(row["value"].value),
                                None if met is None else met.value == "true"))
        if row.get("threshold") is not None:
            entry["threshold"] = float(row["threshold"].value)
    component_order = sorted(components, key=lambda c: (COMPONENT_ORDER.index(c) if c in COMPONENT_ORDER
                                                        else len(COMPONENT_ORDER), components[c].lower()))
    by_stakeholder: dict[str, dict] = OrderedDict()
    for (stakeholder_iri, component, _), entry in sorted(series.items(), key=lambda kv: (kv[1]["stakeholder"],
                                                                                       kv[1]["metric"])):
        block = by_stakeholder.setdefault(stakeholder_iri, {
            "label": entry["stakeholder"], "href": url_for("dashboards.stakeholder", iri=stakeholder_iri),
            "columns": {c: [] for c in component_order}})
        block["columns"][component].append(line_chart(entry["metric"], entry["points"], entry["threshold"]))
    return render_template(
        "dashboards/scorecard.html", components=[(c, components[c]) for c in component_order],
        stakeholders=list(by_stakeholder.values()), as_of=_effective_as_of(as_of),
        views=["audit-scorecard", "performance-against-target"],
    )


@bp.get("/network", endpoint="network")
def network_picture() -> str:
    as_of = as_of_arg()
    members = run("stakeholders-and-roles", as_of=as_of)
    ties = run("stakeholder-relations")
    nodes: dict[str, Node] = {}
    for row in members:
        if text(row.get("current")) != "true":
            continue
        key = text(row["stakeholder"])
        node = nodes.setdefault(key, Node(key, label_of(row, "stakeholder"), [],
                                          url_for("dashboards.stakeholder", iri=key)))
        node.kinds.append(label_of(row, "stakeholderRole"))
    edges: dict[tuple[str, str], Edge] = {}
    for row in ties:
        for end in ("party", "counterparty"):
            key = text(row[end])
            nodes.setdefault(key, Node(key, label_of(row, end), [], resource_url(key)))
        pair = (text(row["party"]), text(row["counterparty"]))
        count = int(row["records"].value)
        edge = edges.setdefault(pair, Edge(pair[0], pair[1], []))
        edge.labels.append(text(row["relation"]) + (f" ({count})" if count > 1 else ""))
    picture = network(list(nodes.values()), list(edges.values()))
    return render_template("dashboards/network.html", net=picture, as_of=_effective_as_of(as_of),
                           views=["stakeholder-relations", "stakeholders-and-roles"])


@bp.get("/stakeholders")
def stakeholders() -> str:
    as_of = as_of_arg()
    rows = run("stakeholders-and-roles", as_of=as_of)
    people: dict[str, dict] = OrderedDict()
    for row in rows:
        key = text(row["stakeholder"])
        entry = people.setdefault(key, {"label": label_of(row, "stakeholder"),
                                        "href": url_for("dashboards.stakeholder", iri=key), "roles": []})
        entry["roles"].append({"label": label_of(row, "stakeholderRole"),
                               "current": text(row.get("current")) == "true",
                               "start": text(row.get("startDate")), "end": text(row.get("endDate"))})
    return render_template("dashboards/stakeholders.html", stakeholders=list(people.values()),
                           as_of=_effective_as_of(as_of), views=["stakeholders-and-roles"])


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
def stakeholder() -> Response | str:
    raw = request.args.get("iri", "").strip()
    try:
        iri = get_catalogue().get("stakeholders-and-roles").parameter("stakeholder").parse(raw).value
    except ParameterError as exc:
        abort(Response(f"iri: {exc.reason}\n", status=400, mimetype="text/plain"))
    as_of = as_of_arg()
    label = _label(iri)
    if label is None:
        abort(404)
    sections = []
    for heading, name, parameter in STAKEHOLDER_SECTIONS:
        query = get_catalogue().get(name)
        values = {parameter: iri} | _as_of_for(query, as_of)
        rows = run(name, **values)
        drop = {parameter} if parameter in rows.variables else set()
        variables = [v for v in rows.variables if v not in drop and v != parameter + "Label"]
        sections.append({
            "heading": heading, "count": len(rows),
            "table": table(variables, rows, {c.name: c.description for c in query.columns}),
            "view": url_for("views.view", name=name, **values),
        })
    return render_template("dashboards/stakeholder.html", label=label, iri=iri, resource=resource_url(iri),
                           sections=sections, as_of=_effective_as_of(as_of))


@bp.get("/process/<string:name>")
def process(name: str) -> str:
    if name not in PROCESSES:
        abort(404)
    as_of = as_of_arg()
    holdings = run("process-holdings", process=PROCESS + name)
    held = [{"cell": cell(r["class"], _label(r["class"].value)), "count": int(r["n"].value)}
            for r in holdings]
    views, problems = [], []
    for query in sorted((q for q in get_catalogue() if q.process == name), key=lambda q: q.title.lower()):
        values = _as_of_for(query, as_of)
        rows = run(query.name, **values)
        entry = {"title": query.title, "href": url_for("views.view", name=query.name, **values),
                 "count": len(rows), "description": query.description}
        if query.extra.get("defects"):
            entry["table"] = table(rows.variables, rows, {c.name: c.description for c in query.columns})
            problems.append(entry)
        else:
            views.append(entry)
    checklist = next(p for p in assess(as_of).by_process() if p["process"] == name)
    return render_template("dashboards/process.html", name=name, title=PROCESS_TITLES[name], held=held,
                           checklist=checklist,
                           views=views, problems=problems, as_of=_effective_as_of(as_of),
                           processes=[(p, PROCESS_TITLES[p]) for p in PROCESSES])


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


def _effective_as_of(as_of: str | None) -> str:
    return as_of or as_of_date(get_store()).isoformat()
