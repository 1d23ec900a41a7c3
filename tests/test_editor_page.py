"""The editor page's own parts, without a browser: the starter query's prefixes, the examples,
and POST /editor/labels (how the result table names and links IRIs)."""

from __future__ import annotations

import json
import re

from comgraph.app.editor import MAX_LABELS, STARTER_BODY, with_prefixes
from flask.testing import FlaskClient

from comgraph.namespaces import PREFIXES
from tests.views_support import EX, demo_fixtures

app, client = demo_fixtures()  # the demo's app and its client, one per module


def _config(client: FlaskClient) -> dict:
    page = client.get("/editor").data.decode()
    found = re.search(r'<script id="editor-config" type="application/json">(.*?)</script>', page, re.DOTALL)
    return json.loads(found.group(1))


def test_the_starter_declares_the_one_prefix_it_uses(client: FlaskClient) -> None:
    starter = _config(client)["starter"]
    assert starter == "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n\n" + STARTER_BODY
    assert starter.count("PREFIX") == 1


def test_with_prefixes_ignores_names_in_iris_strings_and_comments() -> None:
    body = 'SELECT * { ?s cg:raci cgraci:accountable ; <http://x.org/a:b> "skos:no" } # dcat:no\n'
    text = with_prefixes(body, PREFIXES)
    assert [line for line in text.splitlines() if line.startswith("PREFIX")] == [
        f"PREFIX cg: <{PREFIXES['cg']}>", f"PREFIX cgraci: <{PREFIXES['cgraci']}>"]
    assert with_prefixes("ASK {}", PREFIXES) == "ASK {}"
    path = with_prefixes("ASK { ?s ex:a/cg:raci|^skos:broader ?o }", {**PREFIXES, "ex": "https://example.org/"})
    declared = [line.split()[1] for line in path.splitlines() if line.startswith("PREFIX")]
    assert declared == ["cg:", "ex:", "skos:"]


def test_every_named_query_is_offered_with_its_bound_text(client: FlaskClient) -> None:
    examples = {e["name"]: e for e in _config(client)["examples"]}
    assert {"obligations-due", "raci-matrix", "stakeholder-relations"} <= set(examples)
    assert examples["obligations-due"]["title"] == "Obligations due soon"
    # The parameters' terms stand where the variables were (as_of 30 June, six months ahead).
    assert ('?dueDate <= "2026-12-30"^^<http://www.w3.org/2001/XMLSchema#date>'
            in examples["obligations-due"]["query"])


def test_labels_name_iris_as_the_apps_pages_do(client: FlaskClient) -> None:
    cgraci = PREFIXES["cgraci"]
    asked = [EX + "atlas-it", cgraci + "accountable", EX + "nothing-here", "http://elsewhere.example/x",
             "not an iri"]
    answer = client.post("/editor/labels", json={"iris": asked})
    assert answer.status_code == 200
    assert answer.json == {
        EX + "atlas-it": {"text": "Atlas IT Services Ltd", "href": "/r/ex/atlas-it"},  # the data's label
        cgraci + "accountable": {"text": "Accountable", "href": "/r/cgraci/accountable"},  # the vocabulary's
        EX + "nothing-here": {"text": "ex:nothing-here", "href": "/r/ex/nothing-here"},  # compact name
        "http://elsewhere.example/x": {"text": "http://elsewhere.example/x",
                                       "href": "/resource?iri=http://elsewhere.example/x"},
    }


def test_labels_refuses_what_is_not_a_list_of_iris_or_too_many(client: FlaskClient) -> None:
    assert client.post("/editor/labels", json={"iris": "x"}).status_code == 400
    assert client.post("/editor/labels", data="iris=x").status_code == 400
    assert client.post("/editor/labels", json={"iris": ["http://e/x"] * (MAX_LABELS + 1)}).status_code == 400
