"""The dashboards' pictures: what the relationship network and the audit scorecard are drawn from.

The drawing is done in the browser by libraries vendored under ``static/vendor/`` (no CDN):
the network by elkjs (layout) and Cytoscape.js (drawing), from :func:`network_data`; the
scorecard's charts by Vega-Lite, from ``/views/audit-scorecard.json``, with the scales
:func:`shared_scales` fixes here so the page and its tests agree on them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass
class Point:
    x: float
    y: float
    value: str
    date: str
    met: bool | None


@dataclass
class LineChart:
    """One metric of one stakeholder over time, against its target's threshold."""

    title: str
    width: int
    height: int
    points: list[Point]
    threshold_y: float | None
    threshold: str | None
    y_ticks: list[tuple[float, str]]
    x_labels: list[tuple[float, str]]
    summary: str

    @property
    def path(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


def line_chart(title: str, series: list[tuple[str, float, bool | None]], threshold: float | None,
               *, width: int = 260, height: int = 150) -> LineChart:
    """Lay out (date, value, met) points left to right with a y axis that includes the threshold."""
    left, right, top, bottom = 36, 22, 10, 24
    values = [v for _, v, _ in series] + ([threshold] if threshold is not None else [])
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    if math.isclose(low, high):
        low, high = low - 1, high + 1
    pad = (high - low) * 0.15
    low, high = low - pad, high + pad
    plot_w, plot_h = width - left - right, height - top - bottom

    def y_of(v: float) -> float:
        return top + plot_h * (1 - (v - low) / (high - low))

    n = len(series)
    xs = [left + (plot_w * (i / (n - 1)) if n > 1 else plot_w / 2) for i in range(n)]
    points = [Point(x, y_of(v), _number(v), d, met) for x, (d, v, met) in zip(xs, series, strict=True)]
    ticks = [(y_of(low + (high - low) * k / 4), _number(low + (high - low) * k / 4)) for k in range(5)]
    labels = [(x, d[:7]) for x, (d, _, _) in zip(xs, series, strict=True)]
    missed = sum(1 for p in points if p.met is False)
    summary = (f"{title}: {n} measurement{'s' if n != 1 else ''}"
               + (f", latest {points[-1].value} on {points[-1].date}" if points else "")
               + (f", target {_number(threshold)}" if threshold is not None else "")
               + (f", {missed} below target" if missed else ""))
    return LineChart(title, width, height, points, y_of(threshold) if threshold is not None else None,
                     _number(threshold) if threshold is not None else None, ticks, labels, summary)


def _number(v: float | None) -> str:
    if v is None:
        return ""
    return f"{v:.0f}" if float(v).is_integer() else f"{v:.1f}"


@dataclass
class Node:
    key: str
    label: str
    kinds: list[str]
    href: str
    #: What the party is when it plays no stakeholder part (the relationship's client).
    note: str = ""


@dataclass
class Edge:
    source: str
    target: str
    labels: list[str]


def network_data(nodes: list[Node], edges: list[Edge]) -> dict:
    """The network picture's input, as JSON for ``static/network.js``: each party (its name,
    the parts it plays, where it links to) and each directed tie (its lines of text).

    Nothing is placed here: elkjs sizes nothing and places everything (boxes sized by the
    browser from their measured labels, layered positions, orthogonal edge routes and label
    places), and Cytoscape.js draws the result."""
    keys = {n.key: f"n{i}" for i, n in enumerate(nodes)}
    return {
        "nodes": [{"id": keys[n.key], "iri": n.key, "label": n.label, "href": n.href,
                   "kinds": n.kinds or ([n.note] if n.note else []), "member": bool(n.kinds or n.note)}
                  for n in nodes],
        "edges": [{"id": f"e{i}", "source": keys[e.source], "target": keys[e.target], "labels": e.labels}
                  for i, e in enumerate(edges)],
    }
