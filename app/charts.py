"""The dashboards' pictures: what the relationship network and the audit scorecard are drawn from.

The drawing is done in the browser by libraries vendored under ``static/vendor/`` (no CDN):
the network by elkjs (layout) and Cytoscape.js (drawing), from its JSON twin ``/network.json``
and :func:`network_page_data`; the scorecard's charts by Vega-Lite, from
``/views/audit-scorecard.json``, with the scales :func:`shared_scales` fixes here so the page
and its tests agree on them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: Units whose metrics share one y scale across a whole audit component (every score of every
#: stakeholder in it); a metric in any other unit (99.5 % availability beside 95 % of incidents
#: resolved) shares its scale with the same metric of every other stakeholder in the component.
SHARED_UNITS = {"https://w3id.org/comgraph/vocab/unit/score"}


@dataclass(frozen=True)
class Scale:
    """A y scale with round ends and round ticks."""

    low: float
    high: float
    step: float

    @property
    def ticks(self) -> list[float]:
        count = round((self.high - self.low) / self.step)
        return [_round(self.low + k * self.step) for k in range(count + 1)]

    @property
    def domain(self) -> list[float]:
        return [_round(self.low), _round(self.high)]


def nice_scale(values: list[float], *, most: int = 4) -> Scale:
    """The narrowest scale from a multiple of a round step (1, 2 or 5 times a power of ten) to
    another that holds every value with at most ``most`` intervals."""
    if not values:
        return Scale(0.0, 100.0, 20.0)
    low, high = min(values), max(values)
    if math.isclose(low, high):
        low, high = low - 1, high + 1
    magnitude = math.floor(math.log10(high - low))
    for exponent in range(magnitude - 1, magnitude + 2):
        for mantissa in (1, 2, 5):
            step = mantissa * 10.0 ** exponent
            start, stop = math.floor(_round(low / step)) * step, math.ceil(_round(high / step)) * step
            if round((stop - start) / step) <= most:
                return Scale(_round(start), _round(stop), step)
    raise AssertionError("unreachable: a step of 10^(magnitude+1) gives at most two intervals")


def scale_key(component: str, unit: str, metric: str) -> tuple[str, str]:
    """Which charts share a y scale: see :data:`SHARED_UNITS`."""
    return (component, unit if unit in SHARED_UNITS else "metric:" + metric)


def shared_scales(series: list[tuple[tuple[str, str], list[float]]]) -> dict[tuple[str, str], Scale]:
    """One scale per key from every value (measurements and thresholds) of the charts with that key."""
    values: dict[tuple[str, str], list[float]] = {}
    for key, numbers in series:
        values.setdefault(key, []).extend(numbers)
    return {key: nice_scale(numbers) for key, numbers in values.items()}


def format_number(v: float | None) -> str:
    if v is None:
        return ""
    return f"{v:.0f}" if float(v).is_integer() else f"{v:g}"


def _round(v: float) -> float:
    """Drops the binary noise of decimal arithmetic (0.1 * 3 -> 0.3)."""
    return round(v, 9) + 0.0


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


def network_page_data(nodes: list[Node], twin: str) -> dict:
    """What ``static/network.js`` needs beside the network's JSON twin (``twin``: /network.json
    for the page's as-of date, which gives the parties and the ties): where each party's box
    links to, and what a party that plays no stakeholder part is (the relationship's client).

    Nothing is placed here: the browser sizes each box from its measured text, elkjs places
    the boxes, routes the ties and places their labels, and Cytoscape.js draws the result."""
    return {"data": twin, "links": {n.key: n.href for n in nodes},
            "notes": {n.key: n.note for n in nodes if n.note}}
