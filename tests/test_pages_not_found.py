"""Not-found pages with the closest names, pages for the ontology's terms, and /ontology inside the
app's layout. Browsers (Accept: text/html) get the app's page, everyone else one line of text."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from tests.views_support import demo_fixtures

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
NAV = '<a href="/views">Views</a>'  # the app's navigation, in base.html


app, client = demo_fixtures()  # the demo's app and its client, one per module


def _main(html: str) -> str:
    return html[html.index("<main>"):html.index("</main>")]


def test_an_unknown_view_is_a_404_in_the_layout_that_offers_the_closest_view(client: FlaskClient) -> None:
    page = client.get("/views/raci-matrx", headers=BROWSER)
    assert page.status_code == 404 and page.mimetype == "text/html"
    html = page.data.decode()
    assert NAV in html and "<title>Not found · comgraph</title>" in html
    main = _main(html)
    assert "There is no view <code>raci-matrx</code>." in main
    assert '<li><a href="/views/raci-matrix">raci-matrix</a></li>' in main
    plain = client.get("/views/obligations-du")
    assert plain.status_code == 404 and plain.mimetype == "text/plain"
    assert plain.data.decode() == ("not found: no view 'obligations-du'; did you mean obligations-due "
                                   "(/views/obligations-due)?\n")
    assert client.get("/views/raci-matrix.xlsx").data.decode() == (
        "not found: no format 'raci-matrix.xlsx'; did you mean /views/raci-matrix.json or "
        "/views/raci-matrix.csv?\n")


def test_an_unknown_stakeholder_offers_the_stakeholder_with_the_closest_name(client: FlaskClient) -> None:
    page = client.get("/stakeholder", query_string={"iri": "ex:atlas-i"}, headers=BROWSER)
    assert page.status_code == 404
    main = _main(page.data.decode())
    assert "There is no stakeholder <code>ex:atlas-i</code>." in main
    assert ('<a href="/stakeholder?iri=https://example.org/retail-it/atlas-it">Atlas IT Services Ltd</a>'
            in main)
    plain = client.get("/stakeholder", query_string={"iri": "ex:atlas-i"})
    assert plain.data.decode() == ("not found: no stakeholder 'ex:atlas-i'; did you mean Atlas IT Services "
                                   "Ltd (/stakeholder?iri=https://example.org/retail-it/atlas-it)?\n")
    assert client.get("/stakeholder?iri=https://example.org/retail-it/atlas-it").status_code == 200


def test_an_unknown_resource_offers_the_closest_iris_of_its_namespace(client: FlaskClient) -> None:
    page = client.get("/r/ex/atlas-i", headers=BROWSER)
    assert page.status_code == 404
    main = _main(page.data.decode())
    assert "There is no resource <code>ex:atlas-i</code>." in main
    assert '<a href="/r/ex/atlas-it">Atlas IT Services Ltd</a>' in main
    # the ontology's own terms count, though the demo data does not hold the ontology
    assert client.get("/r/cg/Obligaton").data.decode() == (
        "not found: no resource 'cg:Obligaton'; did you mean Obligation (/r/cg/Obligation)?\n")
    assert client.get("/r/exx/atlas-it").data.decode() == (
        "not found: no prefix 'exx'; did you mean ex:atlas-it (/r/ex/atlas-it)?\n")
    twin = client.get("/r/ex/atlas-i.ttl")
    assert twin.status_code == 404 and "did you mean Atlas IT Services Ltd" in twin.data.decode()


def test_an_unknown_page_offers_the_closest_page_path(client: FlaskClient) -> None:
    assert client.get("/veiws").data.decode() == "not found: no page '/veiws'; did you mean /views?\n"
    assert client.get("/process/equty").data.decode() == (
        "not found: no process 'equty'; did you mean equity (/process/equity)?\n")


def test_a_class_page_shows_its_label_definition_and_entry_in_the_ontology(client: FlaskClient) -> None:
    page = client.get("/r/cg/Obligation", headers=BROWSER)
    assert page.status_code == 200
    main = _main(page.data.decode())
    assert "<h1>Obligation</h1>" in main
    assert "Class defined by comgraph" in main
    assert ('<p class="definition">A duty one party (the obligor) owes another (the obligee): a deliverable '
            "or a measurable target") in main
    assert '<a href="/ontology#Obligation" class="in-ontology">its entry in the ontology</a>' in main
    # the anchor is one the ontology page has
    assert 'id="Obligation"' in client.get("/ontology", headers=BROWSER).data.decode()
    # its instances link to it
    assert 'href="/r/ex/obl-monthly-service-report"' in main


def test_a_property_page_shows_its_label_and_definition(client: FlaskClient) -> None:
    main = _main(client.get("/r/cg/raci", headers=BROWSER).data.decode())
    anchor = re.search(r'<a href="/ontology#([^"]+)" class="in-ontology">', main)
    assert "Object property defined by comgraph" in main and anchor
    assert f'id="{anchor.group(1)}"' in client.get("/ontology", headers=BROWSER).data.decode()
    # a vocabulary concept, not documented on /ontology: its label and definition, no anchor
    concept = _main(client.get("/r/cgraci/accountable", headers=BROWSER).data.decode())
    assert "<h1>Accountable</h1>" in concept and "Concept defined by comgraph" in concept
    assert "The one party that answers for the work being done" in concept


def test_the_ontology_page_has_the_apps_navigation_and_no_inline_style(client: FlaskClient) -> None:
    page = client.get("/ontology", headers=BROWSER)
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.data.decode()
    assert NAV in html and '<link rel="stylesheet" href="/static/comgraph.css">' in html
    assert html.count("<body") == 1 and html.count("<html") == 1  # pyLODE's page is inside ours
    assert "<style" not in html and 'style="' not in html
    main = _main(html)
    assert '<div class="ontology-doc">' in main and "comgraph co-management ontology" in main
    assert '<a href="/ontology.ttl">Turtle</a>' in main
    assert client.get("/ontology.html").data == page.data


def test_what_was_asked_for_is_shown_as_text(client: FlaskClient) -> None:
    page = client.get("/views/<script>alert(1)</script>x", headers=BROWSER)
    assert page.status_code == 404
    html = page.data.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;x" in html
