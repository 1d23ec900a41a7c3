"""The date the data is current on: one rule for validation, the views and the CLI alike.

The data records it as ``cg:asOfDate`` (on the relationship node). Checks and views that
depend on "today" (due soon, overdue, stale, current holder) use that date unless told another,
so a demo or an archived snapshot reads the same whenever it is opened.
"""

from __future__ import annotations

import datetime as dt

import pyoxigraph as ox

from comgraph.namespaces import CG
from comgraph.store import Store

CG_AS_OF = CG + "asOfDate"


class AsOfError(ValueError):
    """The data's recorded as-of date is unusable (not a date, or several different ones)."""


def recorded_as_of(store: Store) -> dt.date | None:
    """The single cg:asOfDate the data records (an xsd:date, or the date of an xsd:dateTime)."""
    dates: set[dt.date] = set()
    for row in store.select(f"SELECT DISTINCT ?d WHERE {{ ?r <{CG_AS_OF}> ?d }}"):
        value = row.get("d")
        if not isinstance(value, ox.Literal):
            raise AsOfError(f"cg:asOfDate {value} in the data is not a date")
        try:
            dates.add(dt.date.fromisoformat(value.value[:10]))
        except ValueError:
            raise AsOfError(f"cg:asOfDate {value.value!r} in the data is not a date") from None
    if len(dates) > 1:
        shown = ", ".join(d.isoformat() for d in sorted(dates))
        raise AsOfError(f"the data records several as-of dates ({shown}); give the date to use")
    return next(iter(dates), None)


def effective_as_of(store: Store | None, given: dt.date | None = None) -> tuple[dt.date, str]:
    """The date to use and where it came from: given, else recorded in the data, else today."""
    if given is not None:
        return given, "given"
    recorded = recorded_as_of(store) if store is not None else None
    if recorded is not None:
        return recorded, "cg:asOfDate in the data"
    return dt.date.today(), "today"
