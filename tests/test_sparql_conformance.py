"""The W3C SPARQL 1.1 Protocol and Graph Store Protocol test suites, run from their manifests
through the app (Flask's test client) on each kind of store.

The runner is ``compat.conformance``, which ``make compat`` also uses over HTTP against
``comgraph serve`` on real engines: one runner, two transports.
"""

from __future__ import annotations

import pytest

from comgraph.store import Source, Store
from compat.conformance import GRAPH_STORE, PROTOCOL, Case, flask_sender, run_case
from tests.conftest import UPDATE_TOKEN


def test_the_suites_have_every_test_we_claim_to_pass() -> None:
    assert len(PROTOCOL) == 34
    assert len(GRAPH_STORE) == len({case.name for case in GRAPH_STORE}) >= 10


def _run(service, store: Store, case: Case) -> None:
    def reset(graphs: list[tuple[str, str, bytes]]) -> None:
        store.update("DROP SILENT ALL")
        for graph, name, data in graphs:
            store.load([Source(name, data=data)], graph=graph)

    run_case(case, flask_sender(service.test_client()), reset, token=UPDATE_TOKEN)


@pytest.mark.parametrize("case", PROTOCOL, ids=[c.name for c in PROTOCOL])
def test_sparql_protocol_conformance(service, store: Store, case: Case) -> None:
    _run(service, store, case)


@pytest.mark.parametrize("case", GRAPH_STORE, ids=[c.name for c in GRAPH_STORE])
def test_graph_store_protocol_conformance(service, store: Store, case: Case) -> None:
    _run(service, store, case)
