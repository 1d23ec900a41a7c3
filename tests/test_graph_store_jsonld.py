"""The Graph Store Protocol takes JSON-LD on PUT and POST, as it serves it on GET (issue 10,
item 8), on every store."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from comgraph.store import Store
from tests.conftest import UPDATE_TOKEN

EX = "http://example.org/"
AUTH = {"Authorization": f"Bearer {UPDATE_TOKEN}"}
DOC = {
    "@context": {"ex": EX, "name": {"@id": f"{EX}name"}},
    "@id": "ex:acme",
    "@type": "ex:Company",
    "name": "Acme Outsourcing",
    "ex:partner": {"@id": "ex:globex", "name": "Globex"},
}
EXPECTED = {
    (f"<{EX}acme>", "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>", f"<{EX}Company>"),
    (f"<{EX}acme>", f"<{EX}name>", '"Acme Outsourcing"'),
    (f"<{EX}acme>", f"<{EX}partner>", f"<{EX}globex>"),
    (f"<{EX}globex>", f"<{EX}name>", '"Globex"'),
}


def triples(client, where: str) -> set[tuple[str, str, str]]:
    response = client.get(f"/data?{where}", headers={"Accept": "application/n-triples"})
    assert response.status_code == 200, response.data
    return {(str(q.subject), str(q.predicate), str(q.object))
            for q in ox.parse(response.data, ox.RdfFormat.N_TRIPLES)}


def send(client, method: str, where: str, body, media: str = "application/ld+json"):
    data = json.dumps(body) if not isinstance(body, (str, bytes)) else body
    return client.open(f"/data?{where}", method=method, data=data,
                       headers={**AUTH, "Content-Type": media})


def test_put_of_json_ld_replaces_a_graph_and_reads_back(service, store: Store) -> None:
    client = service.test_client()
    put = send(client, "PUT", f"graph={EX}g", DOC)
    assert put.status_code == 201, put.data
    assert triples(client, f"graph={EX}g") == EXPECTED
    # The same graph comes back as JSON-LD, and that JSON-LD can be PUT again unchanged.
    served = client.get(f"/data?graph={EX}g", headers={"Accept": "application/ld+json"})
    assert served.status_code == 200 and served.mimetype == "application/ld+json"
    again = send(client, "PUT", f"graph={EX}g", served.data)
    assert again.status_code == 204, again.data
    assert triples(client, f"graph={EX}g") == EXPECTED


def test_post_of_json_ld_adds_to_the_default_graph(service, store: Store) -> None:
    client = service.test_client()
    first = send(client, "POST", "default", {"@id": f"{EX}a", f"{EX}b": {"@id": f"{EX}c"}})
    assert first.status_code in (201, 204), first.data
    second = send(client, "POST", "default", DOC)
    assert second.status_code == 204, second.data
    assert triples(client, "default") == EXPECTED | {(f"<{EX}a>", f"<{EX}b>", f"<{EX}c>")}


def test_json_ld_naming_its_own_graphs_is_refused_and_changes_nothing(service, store: Store) -> None:
    client = service.test_client()
    named = {"@id": f"{EX}other", "@graph": [{"@id": f"{EX}a", f"{EX}b": "c"}]}
    response = send(client, "PUT", f"graph={EX}g", named)
    assert response.status_code == 400
    assert b"names its own graphs" in response.data and f"{EX}other".encode() in response.data
    assert store.triple_count() == 0


def test_json_ld_that_does_not_parse_is_a_400_and_changes_nothing(service, store: Store) -> None:
    client = service.test_client()
    response = send(client, "PUT", f"graph={EX}g", b'{"@id": "http://example.org/a", "http://e/b": ')
    assert response.status_code == 400
    assert response.data.startswith(b"the RDF does not parse: request body")
    assert store.triple_count() == 0


@pytest.mark.parametrize("store", ["embedded"], indirect=True)
def test_a_multipart_upload_may_hold_json_ld(service, store: Store) -> None:
    import io

    client = service.test_client()
    response = client.post(f"/data?graph={EX}g", headers=AUTH, content_type="multipart/form-data",
                           data={"part": (io.BytesIO(json.dumps(DOC).encode()), "acme.jsonld",
                                          "application/ld+json")})
    assert response.status_code == 201, response.data
    assert triples(client, f"graph={EX}g") == EXPECTED
