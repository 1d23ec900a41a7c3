"""The look-ahead (issue 16): what the next 3 to 6 months hold, computed from the graph.

``compute(store, as_of, months)`` returns a ``LookAhead`` of ``Item``s (obligations coming due
with their recurrences, terms ending, roles falling vacant, targets trending toward a miss,
audits, reports and reviews due, forecast coverage, risks); ``render`` writes it as text, JSON,
Markdown or CSV; ``calendar.feed`` is the same dates as an iCalendar feed. See docs/lookahead.md.
"""

from comgraph.lookahead.compute import Judgements, compute, horizon, judge
from comgraph.lookahead.model import KINDS, SEVERITIES, Item, LookAhead, Ref

__all__ = ["KINDS", "SEVERITIES", "Item", "Judgements", "LookAhead", "Ref", "compute", "horizon", "judge"]
