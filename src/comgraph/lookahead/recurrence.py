"""Recurrences of obligations, as one RFC 5545 rule that both the look-ahead (dateutil's rrule)
and the calendar feed (an RRULE that any client, or recurring-ical-events, expands) use.

A due date late in the month keeps to the month's end where the month is shorter: a monthly
obligation from 31 January falls on 28 (or 29) February and 31 March, written as
``BYMONTHDAY=28,29,30,31;BYSETPOS=-1`` (the last of those days that the month has). Without it,
RFC 5545 skips the months that have no 31st. A due date on the last day of its month stays on
the last day: quarterly from 30 September is 31 December, 31 March, 30 June.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dateutil import rrule

from comgraph.namespaces import PREFIXES

FREQUENCY = PREFIXES.get("cgfreq", "https://w3id.org/comgraph/vocab/frequency/")

#: cg:Frequency -> (RFC 5545 FREQ, INTERVAL)
_RULES = {
    FREQUENCY + "weekly": ("WEEKLY", 1),
    FREQUENCY + "monthly": ("MONTHLY", 1),
    FREQUENCY + "quarterly": ("MONTHLY", 3),
    FREQUENCY + "halfYearly": ("MONTHLY", 6),
    FREQUENCY + "annually": ("YEARLY", 1),
}
_FREQ = {"WEEKLY": rrule.WEEKLY, "MONTHLY": rrule.MONTHLY, "YEARLY": rrule.YEARLY}


def is_known(frequency: str | None) -> bool:
    return frequency in _RULES


@dataclass(frozen=True)
class Recurrence:
    """How something due on ``start`` recurs, until ``until`` (inclusive) when given."""

    start: dt.date
    freq: str
    interval: int
    by_month: int | None = None
    by_month_day: tuple[int, ...] = ()
    until: dt.date | None = None

    @classmethod
    def of(cls, start: dt.date, frequency: str, until: dt.date | None = None) -> Recurrence | None:
        """The recurrence of a cg:Frequency IRI, or None when it is not one comgraph knows."""
        if frequency not in _RULES:
            return None
        freq, interval = _RULES[frequency]
        by_month = start.month if freq == "YEARLY" else None
        # Late in the month: keep to the month's last day where the month is shorter; a due date
        # on the last day of its month stays on the last day (30 September, 31 December).
        last_day = (start + dt.timedelta(days=1)).month != start.month
        by_day = ()
        if freq != "WEEKLY" and start.day > 28:
            by_day = tuple(range(28, 32 if last_day else start.day + 1))
        return cls(start, freq, interval, by_month, by_day, until)

    def rule(self) -> rrule.rrule:
        kwargs: dict = {"dtstart": dt.datetime.combine(self.start, dt.time()), "interval": self.interval}
        if self.by_month:
            kwargs["bymonth"] = self.by_month
        if self.by_month_day:
            kwargs["bymonthday"] = self.by_month_day
            kwargs["bysetpos"] = -1
        if self.until:
            kwargs["until"] = dt.datetime.combine(self.until, dt.time())
        return rrule.rrule(_FREQ[self.freq], **kwargs)

    def between(self, first: dt.date, last: dt.date) -> list[dt.date]:
        """The occurrences from ``first`` to ``last``, both included."""
        return [d.date() for d in self.rule().between(dt.datetime.combine(first, dt.time()),
                                                      dt.datetime.combine(last, dt.time()), inc=True)]

    def ical(self) -> dict:
        """The RRULE as icalendar's vRecur takes it."""
        value: dict = {"FREQ": self.freq}
        if self.interval != 1:
            value["INTERVAL"] = self.interval
        if self.by_month:
            value["BYMONTH"] = self.by_month
        if self.by_month_day:
            value["BYMONTHDAY"] = list(self.by_month_day)
            value["BYSETPOS"] = -1
        if self.until:
            value["UNTIL"] = self.until
        return value


def next_period(after: dt.date, frequency: str) -> tuple[dt.date, dt.date] | None:
    """The period of ``frequency`` that starts the day after ``after``: (first day, last day).

    From the day after 31 March, a quarter runs from 1 April to 30 June."""
    first = after + dt.timedelta(days=1)
    recurrence = Recurrence.of(first, frequency)
    if recurrence is None:
        return None
    following = recurrence.rule()[1].date()
    return first, following - dt.timedelta(days=1)
