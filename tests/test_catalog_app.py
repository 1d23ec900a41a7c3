"""``/catalog``: the DCAT-AP catalogue served, chosen by Accept header or by extension, linked from
the home page and /views, and described in /openapi.json."""

from __future__ import annotations

import json

import pytest
import rdflib
import rdflib.compare
from comgraph.app import create_app

from tests.catalog_support import demo_store

CATALOG = rdflib.URIRef("https://example.org/retail-it/relationship/catalog")
FOAF_HOMEPAGE = rdflib.URIRef("http://xmlns.com/foaf/0.1/homepage")


@pytest.fixture(scope="module")
def client():
    app = create_app({"STORE": demo_store(), "TESTING": True})
    return app.test_client()


@pytest.mark.parametrize(("accept", "media_type", "rdflib_format"), [
    ("text/turtle", "text/turtle", "turtle"),
    ("application/ld+json", "application/ld+json", "json-ld"),
    ("application/rdf+xml", "application/rdf+xml", "xml"),
    ("text/html,application/xhtml+xml;q=0.9,*/*;q=0.8", "text/html", None),
])
def test_the_accept_header_picks_the_catalogues_representation(client, accept, media_type, rdflib_format):
    response = client.get("/catalog", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert "Accept" in response.headers["Vary"]
    if rdflib_format:
        graph = rdflib.Graph().parse(data=response.get_data(), format=rdflib_format)
        assert graph.value(CATALOG, FOAF_HOMEPAGE) == rdflib.URIRef("http://localhost/catalog")
    else:
        page = response.get_data(as_text=True)
        assert "Store sales and inventory dataset" in page
        assert 'href="/catalog.ttl' in page and 'href="/catalog.jsonld' in page


@pytest.mark.parametrize(("path", "media_type"), [
    ("/catalog.ttl", "text/turtle"), ("/catalog.jsonld", "application/ld+json"),
    ("/catalog.rdf", "application/rdf+xml")])
def test_each_format_has_its_own_url_with_the_same_triples(client, path, media_type):
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == media_type
    negotiated = client.get("/catalog", headers={"Accept": media_type})
    formats = {"text/turtle": "turtle", "application/ld+json": "json-ld", "application/rdf+xml": "xml"}
    fmt = formats[media_type]
    assert rdflib.compare.isomorphic(rdflib.Graph().parse(data=response.get_data(), format=fmt),
                                     rdflib.Graph().parse(data=negotiated.get_data(), format=fmt))


def test_an_unknown_extension_is_404_and_a_bad_date_is_a_400_naming_it(client):
    assert client.get("/catalog.csv").status_code == 404
    response = client.get("/catalog.ttl?as_of=June")
    assert response.status_code == 400
    assert response.get_data(as_text=True) == "parameter 'as_of': 'June' is not a date (YYYY-MM-DD)\n"


def test_the_home_page_the_views_page_and_the_nav_link_to_the_catalogue(client):
    for path in ("/", "/views"):
        page = client.get(path).get_data(as_text=True)
        assert 'id="catalog-link"' in page
        assert '<a href="/catalog">/catalog</a>' in page
    assert 'href="/views/catalog-links"' in client.get("/views").get_data(as_text=True)
    assert "Catalogue links" in client.get("/views").get_data(as_text=True)


def test_the_openapi_document_describes_the_catalogue(client):
    document = json.loads(client.get("/openapi.json").get_data())
    assert {"/catalog", "/catalog.ttl", "/catalog.jsonld", "/catalog.rdf"} <= set(document["paths"])
    content = document["paths"]["/catalog"]["get"]["responses"]["200"]["content"]
    assert set(content) == {"text/html", "text/turtle", "application/ld+json", "application/rdf+xml"}
    assert "/views/catalog-links.json" in document["paths"]
