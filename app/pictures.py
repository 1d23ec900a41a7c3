"""The two pictures: the audit scorecard (charts drawn by Vega-Lite, ``static/scorecard.js``) and
the relationship network (laid out by elkjs and drawn by Cytoscape.js, ``static/network.js``).

Each page and its ``.json``/``.csv`` twin are made from one function of the named queries' rows
(:func:`scorecard_series`, :func:`network_parts`), so the picture, its table and its twin say
the same thing. The pages fix what the browser draws: the charts' shared scales
(``charts.shared_scales``) and the boxes' links and kinds.
"""

from __future__ import annotations

from collections import OrderedDict

from comgraph.app.charts import Edge, Node, format_number, network_page_data, scale_key, shared_scales
from comgraph.app.dashboards import COMPONENT_ORDER, effective_as_of, label_of, text
from comgraph.app.named_queries import as_of_arg, run
from comgraph.app.sections import Sections
from comgraph.app.tables import known_label, resource_url
from comgraph.app.twins import twin_response
from flask import Blueprint, Response, abort, render_template, request, url_for

from comgraph.queries import ParameterError

bp = Blueprint("pictures", __name__)


def scorecard_series(as_of: str | None, stakeholder: str | None) -> list[dict]:
    """One series per (stakeholder, component, metric): its labels, unit, target and points
    ``(date, value, met)``, from the ``audit-scorecard`` rows up to the as-of date."""
    try:
        rows = run("audit-scorecard", as_of=as_of, stakeholder=stakeholder)
    except ParameterError as exc:
        abort(Response(f"{exc}\n", status=400, mimetype="text/plain"))
    series: dict[tuple, dict] = OrderedDict()
    for row in rows:
        key = (text(row["stakeholder"]), text(row["component"]), text(row["metric"]))
        entry = series.setdefault(key, {
            "stakeholder": key[0], "stakeholderLabel": label_of(row, "stakeholder"),
            "component": key[1], "componentLabel": label_of(row, "component"),
            "metric": key[2], "metricLabel": label_of(row, "metric"),
            "unit": text(row.get("unit")), "unitLabel": label_of(row, "unit"),
            "operator": known_label(text(row.get("operator"))) or "", "threshold": None, "points": []})
        met = row.get("met")
        entry["points"].append({"date": text(row["measurementDate"]), "value": float(row["value"].value),
                                "met": None if met is None else met.value == "true"})
        if row.get("threshold") is not None:
            entry["threshold"] = float(row["threshold"].value)
    return list(series.values())


@bp.get("/scorecard")
@bp.get("/scorecard.<any(json, csv):extension>")
def scorecard(extension: str | None = None) -> Response | str:
    as_of = as_of_arg()
    effective = effective_as_of(as_of)
    stakeholder = request.args.get("stakeholder") or None
    sections = Sections()
    series = sections.compute("series", "Audit scorecard", lambda: scorecard_series(as_of, stakeholder))

    def csv_rows():
        yield ["stakeholder", "stakeholderLabel", "component", "componentLabel", "metric", "metricLabel",
               "measurementDate", "value", "threshold", "met"]
        for e in series:
            for point in e["points"]:
                yield [e["stakeholder"], e["stakeholderLabel"], e["component"], e["componentLabel"],
                       e["metric"], e["metricLabel"], point["date"], point["value"], e["threshold"],
                       "" if point["met"] is None else str(point["met"]).lower()]

    if extension:
        data = None if series is None else [
            {k: v for k, v in e.items() if k not in ("unit", "unitLabel", "operator")} for e in series]
        return twin_response(extension, html=lambda: "", rows=csv_rows, filename="scorecard",
                             data=lambda: {"as_of": effective, "series": data,
                                           "period": f"every measurement up to {effective}"},
                             sections=sections, csv_from=["series"])
    return _scorecard_page(series or [], as_of, effective, stakeholder, sections)


def _scorecard_page(series: list[dict], as_of: str | None, effective: str, stakeholder: str | None,
                    sections: Sections) -> str:
    # The page lays the charts out and fixes their scales; static/scorecard.js draws them with
    # Vega-Lite from the rows of /views/audit-scorecard.json (data_url), the same rows as here.
    components = {e["component"]: e["componentLabel"] for e in series}
    scale_of = {id(e): scale_key(e["component"], e["unit"], e["metric"]) for e in series}
    scales = shared_scales([(scale_of[id(e)], [p["value"] for p in e["points"]]
                             + ([e["threshold"]] if e["threshold"] is not None else []))
                            for e in series])
    component_order = sorted(components, key=lambda c: (COMPONENT_ORDER.index(c) if c in COMPONENT_ORDER
                                                        else len(COMPONENT_ORDER), components[c].lower()))
    by_stakeholder: dict[str, dict] = OrderedDict()
    charts = []
    for entry in sorted(series, key=lambda e: (e["stakeholderLabel"], e["metricLabel"])):
        block = by_stakeholder.setdefault(entry["stakeholder"], {
            "label": entry["stakeholderLabel"],
            "href": url_for("dashboards.stakeholder", iri=entry["stakeholder"]),
            "columns": {c: [] for c in component_order}})
        latest = max(entry["points"], key=lambda p: p["date"])
        key = scale_of[id(entry)]
        scale = scales[key]
        chart = {"id": f"chart-{len(charts)}", "stakeholder": entry["stakeholder"],
                 "metric": entry["metric"], "title": entry["metricLabel"], "unit": entry["unitLabel"],
                 "component": entry["component"],
                 "scale": "|".join(key), "domain": scale.domain, "ticks": scale.ticks,
                 "threshold": entry["threshold"], "target": format_number(entry["threshold"]),
                 "operator": entry["operator"],
                 "latest": {"value": format_number(latest["value"]), "date": latest["date"],
                            "met": latest["met"]},
                 "measurements": len(entry["points"]),
                 "missed": sum(1 for p in entry["points"] if p["met"] is False)}
        charts.append(chart)
        block["columns"][entry["component"]].append(chart)
    data_url = url_for("views.view", name="audit-scorecard.json", as_of=effective,
                       **({"stakeholder": stakeholder} if stakeholder else {}))
    return render_template(
        "dashboards/scorecard.html", components=[(c, components[c]) for c in component_order],
        stakeholders=list(by_stakeholder.values()), as_of=effective, sections=sections,
        picture={"data": data_url, "charts": charts},
        views=["audit-scorecard", "performance-against-target"],
    )


def network_parts(as_of: str | None, sections: Sections | None = None,
                  ) -> tuple[dict[str, dict], list[dict] | None]:
    """The stakeholders current on the as-of date (with the parts they play) and the ties
    between parties (the ``stakeholder-relations`` rows, over all records). Each is a section
    of its own (``sections``): the ties are None when they could not be computed, and without
    the members only the parties the ties name are there."""
    sections = sections if sections is not None else Sections()
    nodes: dict[str, dict] = OrderedDict()
    members = sections.compute("members", "Stakeholders", lambda: run("stakeholders-and-roles", as_of=as_of))
    for row in members or []:
        if text(row.get("current")) != "true":
            continue
        key = text(row["stakeholder"])
        node = nodes.setdefault(key, {"iri": key, "label": label_of(row, "stakeholder"), "kinds": [],
                                      "member": True})
        node["kinds"].append(label_of(row, "stakeholderRole"))
    relations = sections.compute("ties", "Ties between parties", lambda: run("stakeholder-relations"))
    ties = []
    for row in relations or []:
        for end in ("party", "counterparty"):
            nodes.setdefault(text(row[end]), {"iri": text(row[end]), "label": label_of(row, end),
                                              "kinds": [], "member": False})
        ties.append({"party": text(row["party"]), "partyLabel": label_of(row, "party"),
                     "counterparty": text(row["counterparty"]),
                     "counterpartyLabel": label_of(row, "counterparty"),
                     "relation": text(row["relation"]), "records": int(row["records"].value)})
    return nodes, (None if relations is None else ties)


@bp.get("/network")
@bp.get("/network.<any(json, csv):extension>")
def network(extension: str | None = None) -> Response | str:
    as_of = as_of_arg()
    effective = effective_as_of(as_of)
    sections = Sections()
    nodes, ties = network_parts(as_of, sections)
    if extension:
        def csv_rows():
            yield ["party", "partyLabel", "relation", "counterparty", "counterpartyLabel", "records"]
            for t in ties or []:
                yield [t["party"], t["partyLabel"], t["relation"], t["counterparty"],
                       t["counterpartyLabel"], t["records"]]

        listed = None if sections.failed("members") else [{k: v for k, v in n.items() if k != "member"}
                                                          for n in nodes.values()]
        return twin_response(extension, html=lambda: "", rows=csv_rows, filename="network",
                             data=lambda: {"as_of": effective, "members_on": effective,
                                           "ties_over": "all records", "nodes": listed, "ties": ties},
                             sections=sections, csv_from=["ties"])
    ties = ties or []
    overview = sections.compute("clients", "The relationship's client",
                                lambda: run("relationship-overview", as_of=as_of), [])
    clients = {text(row["client"]) for row in overview if row.get("client")}
    boxes = {iri: Node(iri, n["label"], n["kinds"],
                       url_for("dashboards.stakeholder", iri=iri) if n["member"] else resource_url(iri),
                       "" if n["member"] or iri not in clients else "Client")
             for iri, n in nodes.items()}
    edges: dict[tuple[str, str], Edge] = {}
    for t in ties:
        edge = edges.setdefault((t["party"], t["counterparty"]), Edge(t["party"], t["counterparty"], []))
        edge.labels.append(t["relation"] + (f" ({t['records']})" if t["records"] > 1 else ""))
    return render_template("dashboards/network.html", nodes=boxes, edges=list(edges.values()),
                           picture=network_page_data(list(boxes.values()), url_for(
                               "pictures.network", extension="json", as_of=effective)),
                           as_of=effective, sections=sections,
                           views=["stakeholder-relations", "stakeholders-and-roles"])
