"""The web views: every named query as HTML, JSON and CSV, safe parameters, escaping, resource pages."""

from __future__ import annotations

import csv
import io
from urllib.parse import parse_qs, urlsplit

import pyoxigraph as ox
import pytest
from comgraph.app import get_store
from flask import Flask
from flask.testing import FlaskClient

from comgraph.queries import Catalogue
from tests.views_support import EX, demo_app, demo_fixtures

HOSTILE = ['"} ; DROP ALL ; {"', "it's \"quoted\"", "<script>alert(1)</script>", "two\nlines",
           "x } UNION { ?s ?p ?o"]
SCRIPT = "<script>alert('owned')</script>"
ESCAPED = "&lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt;"

# A stakeholder whose name is a script, woven into every part of the demo a page can show.
HOSTILE_STAKEHOLDER = """
ex:evil a cg:Stakeholder, org:Organization ; rdfs:label "<script>alert('owned')</script>" .
ex:m-evil a org:Membership ; org:member ex:evil ; org:organization ex:relationship ;
    org:role cgsr:subcontractor ; cg:startDate "2025-07-01"^^xsd:date .
ex:ra-evil a cg:ResponsibilityAssignment ; cg:responsibility ex:resp-strategy-review ; cg:party ex:evil ;
    cg:raci cgraci:informed ; cg:startDate "2025-07-01"^^xsd:date .
ex:obl-evil a cg:Obligation ; rdfs:label "<script>alert('owned')</script>" ; cg:process cgp:equity ;
    cg:obligor ex:evil ; cg:obligee ex:atlas-it ; cg:dueDate "2026-05-01"^^xsd:date .
ex:target-evil a cg:Target ; cg:appliesTo ex:evil ; cg:metric ex:metric-evil ; cg:threshold 75.0 ;
    cg:operator <https://w3id.org/comgraph/vocab/operator/atLeast> .
ex:metric-evil a dqv:Metric ; rdfs:label "<script>alert('owned')</script>" ;
    dqv:inDimension <https://w3id.org/comgraph/vocab/audit-component/priceAndService> .
ex:meas-evil a cg:Measurement ; dqv:isMeasurementOf ex:metric-evil ; dqv:computedOn ex:evil ;
    cg:forTarget ex:target-evil ; dqv:value 70.0 ; cg:measurementDate "2026-03-31"^^xsd:date .
ex:billing-evil a cg:BillingArrangement ; cg:payer ex:atlas-it ; cg:payee ex:evil .
"""


app, client = demo_fixtures()  # the demo's app and its client, one per module


def triple_count(app: Flask) -> int:
    with app.app_context():
        return get_store().triple_count()


def sparql_json(client: FlaskClient, text: str) -> dict:
    response = client.get("/sparql", query_string={"query": text},
                          headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.data[:300]
    return response.json


def normalised(results: dict) -> list[tuple]:
    names = results["head"]["vars"]
    return sorted(tuple(sorted((k, tuple(sorted(v.items()))) for k, v in row.items()))
                  for row in results["results"]["bindings"]) if names is not None else []


@pytest.mark.parametrize("name", Catalogue().names())
def test_every_view_answers_as_html_json_and_csv_with_the_same_rows_as_sparql(client: FlaskClient, app: Flask,
                                                                              name: str) -> None:
    page = client.get(f"/views/{name}")
    assert page.status_code == 200 and page.mimetype == "text/html"
    data = client.get(f"/views/{name}.json")
    assert data.status_code == 200 and data.mimetype == "application/sparql-results+json"
    table = client.get(f"/views/{name}.csv")
    assert table.status_code == 200 and table.mimetype == "text/csv"
    query = Catalogue().get(name)
    with app.app_context():
        text = query.text_with(query.bind({}, get_store()))
    expected = sparql_json(client, text)
    # A view reads the items of a GROUP_CONCAT column in one order, whatever the engine's.
    for row in expected["results"]["bindings"]:
        for column, separator in query.group_concat_columns.items():
            if column in row:
                row[column]["value"] = separator.join(sorted(row[column]["value"].split(separator)))
    assert normalised(data.json) == normalised(expected)
    if not query.extra.get("defects"):  # defect views may rightly be empty on a sound demo
        assert data.json["results"]["bindings"], name
    records = list(csv.reader(io.StringIO(table.data.decode())))
    assert records[0] == data.json["head"]["vars"]
    assert len(records) - 1 == len(data.json["results"]["bindings"])
    assert page.data.count(b"<tr>") >= min(len(records) - 1, 50)


def test_the_accept_header_picks_the_same_rows(client: FlaskClient) -> None:
    by_extension = client.get("/views/raci-matrix.json").json
    negotiated = client.get("/views/raci-matrix", headers={"Accept": "application/sparql-results+json"})
    assert negotiated.mimetype == "application/sparql-results+json" and negotiated.json == by_extension
    as_csv = client.get("/views/raci-matrix", headers={"Accept": "text/csv"})
    assert as_csv.mimetype == "text/csv" and as_csv.data == client.get("/views/raci-matrix.csv").data
    html = client.get("/views/raci-matrix", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert html.mimetype == "text/html" and "Accept" in html.headers["Vary"]


def test_the_page_shows_the_parameters_in_a_labelled_form_with_their_defaults(client: FlaskClient) -> None:
    page = client.get("/views/obligations-due").data.decode()
    assert '<label for="param-as_of">As of</label>' in page
    assert 'id="param-as_of" name="as_of" type="date" value="2026-06-30"' in page
    assert 'id="param-months" name="months" type="number" step="1" value="6"' in page
    assert '<select id="param-owed_by" name="owed_by"' in page
    assert f'<option value="{EX}atlas-it">Atlas IT Services Ltd</option>' in page


def test_a_submitted_form_narrows_the_rows(client: FlaskClient) -> None:
    page = client.get("/views/obligations-due",
                      query_string={"months": "1", "as_of": "2026-06-29"}).data.decode()
    # To 29 July inclusive: the report due on the 10th, not the fee due on the 30th.
    assert "1 row." in page and "Monthly service report" in page and "Pay the monthly" not in page


def test_the_editor_link_carries_the_exact_query_with_its_bindings(client: FlaskClient) -> None:
    page = client.get("/views/obligations-due", query_string={"months": "2"}).data.decode()
    start = page.index('href="', page.index("Download CSV") + 1)
    links = [part.split('"', 1)[0] for part in page[start:].split('href="')[1:4]]
    editor = next(link for link in links if link.startswith("/editor?"))
    text = parse_qs(urlsplit(editor.replace("&amp;", "&")).query)["query"][0]
    # The bound terms stand where the variables were: from 30 June, two months run to 30 August.
    assert ('FILTER (?dueDate >= "2026-06-30"^^<http://www.w3.org/2001/XMLSchema#date> && '
            '?dueDate <= "2026-08-30"^^<http://www.w3.org/2001/XMLSchema#date>)') in text
    assert text.startswith("# title: Obligations due soon")


def test_pages_of_rows_follow_each_other(client: FlaskClient) -> None:
    first = client.get("/views/raci-matrix", query_string={"_size": "10"}).data.decode()
    second = client.get("/views/raci-matrix", query_string={"_size": "10", "_page": "2"}).data.decode()
    total = len(client.get("/views/raci-matrix.json").json["results"]["bindings"])
    pages = -(-total // 10)
    assert f"{total} rows, page 1 of {pages}." in first and f"page 2 of {pages}." in second
    assert first.count('<tr><td') == 10 and 'rel="next" href' not in first
    assert 'href="/views/raci-matrix?as_of=2026-06-30&amp;_page=2&amp;_size=10" rel="next"' in first
    assert 'rel="prev"' in second


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_are_bound_as_literals_and_change_nothing(app: Flask, client: FlaskClient,
                                                                 value: str) -> None:
    before = triple_count(app)
    for query in Catalogue():
        for parameter in query.parameters:
            for suffix in ("", ".json", ".csv"):
                response = client.get(f"/views/{query.name}{suffix}", query_string={parameter.name: value})
                if parameter.type == "string":
                    assert response.status_code == 200, (query.name, parameter.name)
                else:
                    assert response.status_code == 400, (query.name, parameter.name)
                    assert f"parameter '{parameter.name}'".encode() in response.data.replace(b"&#39;", b"'")
    assert triple_count(app) == before


def test_a_hostile_string_matches_nothing_and_is_shown_back_as_text(client: FlaskClient) -> None:
    response = client.get("/views/obligations-by-party.json", query_string={"search": '"} ; DROP ALL ; {"'})
    assert response.status_code == 200 and response.json["results"]["bindings"] == []
    page = client.get("/views/obligations-by-party", query_string={"search": SCRIPT}).data.decode()
    assert SCRIPT not in page and f'value="{ESCAPED}"' in page


def test_a_bad_value_gets_a_400_that_names_the_parameter_in_every_format(client: FlaskClient) -> None:
    html = client.get("/views/obligations-due", query_string={"months": "six"})
    assert html.status_code == 400 and html.mimetype == "text/html"
    assert "parameter &#39;months&#39;: &#39;six&#39; is not an integer" in html.data.decode()
    assert 'class="field invalid"' in html.data.decode()
    as_json = client.get("/views/obligations-due.json", query_string={"months": "six"})
    assert as_json.status_code == 400 and as_json.json["parameter"] == "months"
    as_csv = client.get("/views/obligations-due.csv", query_string={"as_of": "tomorrow"})
    assert as_csv.status_code == 400 and b"parameter 'as_of'" in as_csv.data
    unknown = client.get("/views/obligations-due.json", query_string={"colour": "red"})
    assert unknown.status_code == 400 and unknown.json["parameter"] == "colour"


def test_unknown_views_are_404(client: FlaskClient) -> None:
    assert client.get("/views/nope").status_code == 404
    assert client.get("/views/raci-matrix.xlsx").status_code == 404


def test_the_index_groups_views_by_process_and_has_a_json_twin(client: FlaskClient) -> None:
    page = client.get("/views").data.decode()
    order = [page.index(f'id="process-{p}"') for p in ("all", "strategy", "membership", "integration",
                                                        "equity", "audit", "feedback")]
    assert order == sorted(order)
    listing = client.get("/views.json").json
    assert {q["name"] for q in listing} == set(Catalogue().names())
    due = next(q for q in listing if q["name"] == "obligations-due")
    assert due["parameters"][1] == {"name": "months", "type": "integer", "default": "6", "required": False,
                                    "label": "Months ahead", "description": "How many months ahead to look."}


# -- resource pages ----------------------------------------------------------------------------

def test_a_resource_page_lists_properties_by_label_and_links_to_it(client: FlaskClient) -> None:
    page = client.get("/r/ex/atlas-it").data.decode()
    assert "<h1>Atlas IT Services Ltd</h1>" in page
    assert f"<code>{EX}atlas-it</code>" in page
    assert ">offers capability</a>" in page or ">Offers capability</a>" in page
    assert 'href="/r/ex/cap-service-desk"' in page
    assert "Links to it" in page and 'href="/r/ex/tenure-service-delivery-manager-daniel"' in page
    same = client.get("/resource", query_string={"iri": EX + "atlas-it"}).data.decode()
    assert same == page


def test_resource_twins_are_turtle_and_json_ld_by_extension_or_accept(client: FlaskClient) -> None:
    turtle = client.get("/r/ex/atlas-it.ttl")
    assert turtle.mimetype == "text/turtle"
    triples = {q.triple for q in ox.parse(turtle.data, format=ox.RdfFormat.TURTLE)}
    atlas = ox.NamedNode(EX + "atlas-it")
    assert ox.Triple(atlas, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
                     ox.Literal("Atlas IT Services Ltd")) in triples
    assert any(t.object == atlas for t in triples)
    negotiated = client.get("/r/ex/atlas-it", headers={"Accept": "text/turtle"})
    assert negotiated.data == turtle.data
    jsonld = client.get("/resource.jsonld", query_string={"iri": EX + "atlas-it"})
    assert jsonld.mimetype == "application/ld+json"
    assert {q.triple for q in ox.parse(jsonld.data, format=ox.RdfFormat.JSON_LD)} == triples
    assert client.get("/resource", query_string={"iri": EX + "atlas-it"},
                      headers={"Accept": "application/ld+json"}).data == jsonld.data


def test_unknown_and_malformed_iris(client: FlaskClient) -> None:
    assert client.get("/r/ex/no-such-thing").status_code == 404
    assert client.get("/r/ex/no-such-thing.ttl").status_code == 404
    assert client.get("/r/nope/x").status_code == 404
    bad = client.get("/resource", query_string={"iri": "not an iri"})
    assert bad.status_code == 400 and b"iri:" in bad.data
    assert client.get("/resource").status_code == 400


# -- escaping ----------------------------------------------------------------------------------

def test_a_script_literal_is_shown_as_text_on_every_page_that_renders_it() -> None:
    client = demo_app(HOSTILE_STAKEHOLDER).test_client()
    evil = EX + "evil"
    pages = [f"/views/{name}" for name in ("stakeholders-and-roles", "raci-matrix", "obligations-overdue",
                                          "obligations-by-party", "performance-against-target",
                                          "audit-scorecard", "role-and-responsibility-history",
                                          "equity-register", "stakeholder-relations")]
    pages += ["/", "/raci", "/scorecard", "/network", "/stakeholders", f"/stakeholder?iri={evil}",
              "/process/equity", "/r/ex/evil", "/r/ex/obl-evil", "/r/ex/atlas-it", "/r/ex/metric-evil"]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.data.decode()
        assert SCRIPT not in body, url
        assert ESCAPED in body, url


def test_the_ontology_is_documented_for_people_and_served_to_machines(client: FlaskClient) -> None:
    html = client.get("/ontology", headers={"Accept": "text/html"})
    assert html.status_code == 200 and html.mimetype == "text/html"
    assert b"comgraph co-management ontology" in html.data and b"Responsibility assignment" in html.data
    assert b'src="http' not in html.data  # nothing fetched from elsewhere
    turtle = client.get("/ontology", headers={"Accept": "text/turtle"})
    assert turtle.mimetype == "text/turtle" and turtle.data == client.get("/ontology.ttl").data
    cg = "https://w3id.org/comgraph/ns#"
    role_is_a_class = ox.Triple(ox.NamedNode(cg + "Role"),
                                ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                                ox.NamedNode("http://www.w3.org/2002/07/owl#Class"))
    assert role_is_a_class in {q.triple for q in ox.parse(turtle.data, format=ox.RdfFormat.TURTLE)}
    jsonld = client.get("/ontology.jsonld")
    assert jsonld.mimetype == "application/ld+json"
    assert role_is_a_class in {q.triple for q in ox.parse(jsonld.data, format=ox.RdfFormat.JSON_LD)}
