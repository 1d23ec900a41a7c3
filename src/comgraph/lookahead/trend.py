"""The one numeric step of the look-ahead: a robust trend of a target's measurements.

Theil-Sen (``scipy.stats.theilslopes``: the median of the slopes between every pair of points)
is fitted to the values against their dates, and projected: where does the line cross the
target's threshold? One wild measurement moves a least-squares line a lot and Theil-Sen barely,
so a noisy but flat series is not read as a decline.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from scipy.stats import theilslopes

from comgraph.namespaces import PREFIXES

OPERATOR = PREFIXES.get("cgop", "https://w3id.org/comgraph/vocab/operator/")
#: Operators met by high values (a falling trend threatens them) and by low values.
_MET_HIGH = {OPERATOR + "atLeast", OPERATOR + "moreThan"}
_MET_LOW = {OPERATOR + "atMost", OPERATOR + "lessThan"}

MIN_POINTS = 3


@dataclass(frozen=True)
class Projection:
    """A trend that crosses the threshold: the day it does, the value the line reaches by the
    horizon's end, and what it rests on."""

    crosses_on: dt.date
    value_at_end: float
    slope_per_month: float
    points: int
    first: dt.date
    last: dt.date
    #: The line is already past the threshold on the as-of date (though the latest value is not).
    already: bool = False


def project(points: list[tuple[dt.date, float]], operator: str, threshold: float,
            as_of: dt.date, until: dt.date) -> Projection | None:
    """The crossing of ``threshold`` by the Theil-Sen line through ``points``, when it falls on or
    before ``until`` and the line moves the wrong way; None otherwise (fewer than three points,
    a flat or improving trend, an operator with no direction such as "equal to", or a crossing
    after the horizon). A line already past the threshold on ``as_of`` crosses on ``as_of``."""
    if len(points) < MIN_POINTS or operator not in _MET_HIGH | _MET_LOW:
        return None
    points = sorted(points)
    origin = points[0][0]
    x = [(d - origin).days for d, _ in points]
    y = [v for _, v in points]
    if len(set(x)) < 2:
        return None
    slope, intercept, _low, _high = theilslopes(y, x)
    falling_threatens = operator in _MET_HIGH
    if slope == 0 or (slope > 0 and falling_threatens) or (slope < 0 and not falling_threatens):
        return None
    crossing = (threshold - intercept) / slope
    start = (as_of - origin).days
    end = (until - origin).days
    if crossing > end:
        return None
    day = origin + dt.timedelta(days=max(int(-(-crossing // 1)), start))  # ceil, not before as_of
    return Projection(day, round(intercept + slope * end, 4), round(slope * 30.4375, 4),
                      len(points), points[0][0], points[-1][0], already=crossing < start)
