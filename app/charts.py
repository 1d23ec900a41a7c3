"""Server-side SVG pictures: metric-against-target line charts and the relationship network.

The geometry is computed here and drawn by Jinja templates (``dashboards/_parts.html`` and
``dashboards/network.html``), so every label from the graph is escaped like any other page
text; no chart library, no CDN.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field


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
    x: float = 0.0
    y: float = 0.0


@dataclass
class Edge:
    source: str
    target: str
    labels: list[str]
    path: str = ""
    label_x: float = 0.0
    label_y: float = 0.0


@dataclass
class Network:
    width: int
    height: int
    nodes: list[Node]
    edges: list[Edge] = field(default_factory=list)
    node_w: int = 170
    node_h: int = 46


def network(nodes: list[Node], edges: list[Edge], *, width: int = 1100, height: int = 760) -> Network:
    """Put the most connected party (usually the client) in the middle and the others on an
    ellipse around it; draw each directed edge as a curve, bowed so that A→B and B→A stay apart,
    with its label at the curve's middle."""
    cx, cy = width / 2, height / 2
    rx, ry = width / 2 - 110, height / 2 - 60
    degree = {n.key: 0 for n in nodes}
    for edge in edges:
        degree[edge.source] = degree.get(edge.source, 0) + 1
        degree[edge.target] = degree.get(edge.target, 0) + 1
    hub = max(nodes, key=lambda n: (degree.get(n.key, 0), n.label), default=None)
    ring = sorted((n for n in nodes if n is not hub), key=lambda n: (n.kinds[0] if n.kinds else "~", n.label))
    if hub is not None:
        hub.x, hub.y = cx, cy
    for i, node in enumerate(ring):
        angle = -math.pi / 2 + 2 * math.pi * i / max(1, len(ring))
        node.x, node.y = cx + rx * math.cos(angle), cy + ry * math.sin(angle)
    at = {n.key: n for n in nodes}
    pairs = {(e.source, e.target) for e in edges}
    for edge in edges:
        a, b = at[edge.source], at[edge.target]
        dx, dy = b.x - a.x, b.y - a.y
        length = math.hypot(dx, dy) or 1.0
        # Stop the curve at the box edges rather than the centres, so arrowheads stay visible.
        shrink = min(0.45, 62 / length)
        x1, y1 = a.x + dx * shrink, a.y + dy * shrink
        x2, y2 = b.x - dx * shrink, b.y - dy * shrink
        nx, ny = -dy / length, dx / length
        # Two-way ties bow apart; a one-way tie is drawn straight.
        bow = 60 if (edge.target, edge.source) in pairs else 0
        mx, my = (x1 + x2) / 2 + nx * bow, (y1 + y2) / 2 + ny * bow
        edge.path = f"M{x1:.1f},{y1:.1f} Q{mx:.1f},{my:.1f} {x2:.1f},{y2:.1f}"
        # The label sits beside the curve's middle, on its outer side, clear of the other way's.
        away = bow / 2 + 6 + 6 * len(edge.labels)
        edge.label_x = (x1 + x2) / 2 + nx * away
        edge.label_y = (y1 + y2) / 2 + ny * away - 5 * (len(edge.labels) - 1)
    return Network(width, height, [n for n in nodes if n is not hub] + ([hub] if hub else []), edges)
