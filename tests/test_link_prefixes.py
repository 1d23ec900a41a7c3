"""The prefixes the pages abbreviate and link IRIs with come from comgraph's namespaces and from
the data (``vann:preferredNamespacePrefix``, as the demo declares ``ex:``), not from a list in
the code; and every page with machine twins reads the Accept header the same way."""

from __future__ import annotations

import pytest
from comgraph.app import create_app
from comgraph.app.tables import compact_iri, resource_url
from comgraph.app.twins import twin_format

from comgraph.store import Source, open_store
from tests.views_support import demo_app

OTHER = "https://example.org/other/"
DECLARATION = (f'<{OTHER}> <http://purl.org/vocab/vann/preferredNamespacePrefix> "oth" ; '
               f'<http://purl.org/vocab/vann/preferredNamespaceUri> "{OTHER}" .\n')


def test_a_namespace_the_data_declares_gets_short_names_and_pretty_links():
    store = open_store("oxigraph:")
    label = f'<{OTHER}a> <http://www.w3.org/2000/01/rdf-schema#label> "A" .\n'
    store.load([Source("a.ttl", data=label.encode())])
    app = create_app({"STORE": store, "TESTING": True})
    with app.test_request_context("/"):
        assert compact_iri(OTHER + "a") == OTHER + "a"
        assert resource_url(OTHER + "a").startswith("/resource?iri=")
        assert compact_iri("https://example.org/retail-it/prime") == "https://example.org/retail-it/prime"
    store.load([Source("prefix.ttl", data=DECLARATION.encode())])
    with app.test_request_context("/"):
        assert compact_iri(OTHER + "a") == "oth:a"
        assert resource_url(OTHER + "a") == "/r/oth/a"
        assert compact_iri("https://w3id.org/comgraph/ns#Role") == "cg:Role"
    assert app.test_client().get("/r/oth/a").status_code == 200


def test_the_demo_declares_its_ex_prefix():
    app = demo_app()
    with app.test_request_context("/"):
        assert compact_iri("https://example.org/retail-it/atlas-it") == "ex:atlas-it"


@pytest.mark.parametrize("extension, accept, expected", [
    ("csv", "application/json", "csv"),
    (None, "application/json", "json"),
    (None, "text/csv;q=0.5, application/json;q=0.9", "json"),
    (None, "*/*", "html"),
    (None, "image/png", "html"),
    (None, None, "html"),
])
def test_the_twin_is_the_extension_else_the_best_accepted_media_type(extension, accept, expected):
    app = create_app({"STORE": open_store("oxigraph:"), "TESTING": True})
    headers = {"Accept": accept} if accept else {}
    with app.test_request_context("/", headers=headers):
        assert twin_format(extension, {"text/html": "html", "application/json": "json", "text/csv": "csv"}) \
            == expected
