"""One as-of rule for validation and the views: the date the data records, else today."""

from __future__ import annotations

import datetime as dt

import pytest

from comgraph.asof import AsOfError, effective_as_of
from comgraph.queries import as_of_date
from comgraph.store import Source, open_store
from comgraph.validate.engine import ValidationError, _as_of

CG = "https://w3id.org/comgraph/ns#"


def store_with(*values: str):
    s = open_store("oxigraph:")
    ttl = "".join(f"<http://example.org/r{i}> <{CG}asOfDate> {v} .\n" for i, v in enumerate(values))
    s.load([Source("d.ttl", data=ttl.encode())])
    return s


@pytest.mark.parametrize("value", [
    '"2026-06-30"^^<http://www.w3.org/2001/XMLSchema#date>',
    '"2026-06-30T00:00:00"^^<http://www.w3.org/2001/XMLSchema#dateTime>',
])
def test_a_date_or_a_datetime_is_read_the_same_by_views_and_validation(value: str) -> None:
    s = store_with(value)
    assert as_of_date(s) == dt.date(2026, 6, 30)
    assert _as_of(s, None) == (dt.date(2026, 6, 30), "cg:asOfDate in the data")


def test_no_recorded_date_means_today_and_a_given_date_wins() -> None:
    s = store_with()
    assert effective_as_of(s) == (dt.date.today(), "today")
    assert _as_of(s, dt.date(2025, 1, 1)) == (dt.date(2025, 1, 1), "--as-of")


def test_several_different_dates_are_an_error_for_both() -> None:
    s = store_with('"2026-06-30"^^<http://www.w3.org/2001/XMLSchema#date>',
                   '"2026-03-31"^^<http://www.w3.org/2001/XMLSchema#date>')
    with pytest.raises(AsOfError, match="2026-03-31, 2026-06-30"):
        as_of_date(s)
    with pytest.raises(ValidationError, match="--as-of"):
        _as_of(s, None)


def test_a_value_that_is_not_a_date_is_named() -> None:
    with pytest.raises(AsOfError, match="'soon'"):
        as_of_date(store_with('"soon"'))
