"""The views benchmark (benchmarks/views.py) gives its pyoxigraph peer the text comgraph runs:
pyoxigraph knows no cgfn: function, so a view that shifts dates per row must reach it rendered
as the store renders it. No timing here."""

from __future__ import annotations

from benchmarks.generate import portfolio
from benchmarks.views import measure
from comgraph.queries import Catalogue
from comgraph.store import open_store

# the two views that use cgfn:addDays (queries/*.rq)
DATED = ["responsibilities-without-one-accountable", "roles-vacant-or-double-held"]


def test_the_dated_views_are_the_ones_that_use_the_portable_date_functions():
    assert sorted(q.name for q in Catalogue() if "cgfn:" in q.sparql) == DATED


def test_pyoxigraph_peer_runs_the_dated_views_and_counts_the_rows_comgraph_returns(tmp_path):
    data = portfolio(3_000, relationships=2, path=tmp_path / "p.nt")
    result = measure(data, "memory", 1, only=DATED)
    store = open_store("oxigraph:")
    store.load([data])
    catalogue = Catalogue()
    assert sorted(result["queries"]) == DATED
    for name, figures in result["queries"].items():
        assert figures["rows"] == sum(1 for _ in catalogue.get(name).run(store)), name
        assert len(figures["peer_query"]) == 1

