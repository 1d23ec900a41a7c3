"""The SPARQL service over HTTP, on the embedded store and in front of a real Oxigraph server.

Negotiation, errors with positions, refusals (SERVICE, LOAD, FROM outside the store, writes
without a token, bodies over the cap), the row cap, CORS, the service description, operations.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime, timedelta

import pyoxigraph as ox
import pytest
from comgraph.app import create_app

from comgraph.store import Source, Store
from tests.conftest import UPDATE_TOKEN

EX = "http://example.org/"
TTL = f"""@prefix ex: <{EX}> .
ex:alice a ex:Person ; ex:name "Alice" ; ex:knows ex:bob .
ex:bob a ex:Person ; ex:name "Bob" .
ex:carol a ex:Person ; ex:name "Carol" .
"""
AUTH = {"Authorization": f"Bearer {UPDATE_TOKEN}"}
NAMES = f"SELECT ?n WHERE {{ ?p <{EX}name> ?n }} ORDER BY ?n"


@pytest.fixture
def client(service, store: Store):
    store.load([Source("people.ttl", data=TTL.encode())])
    store.load([Source("g.ttl", data=f"<{EX}x> <{EX}y> <{EX}z> .".encode())], graph=f"{EX}g")
    return service.test_client()


def names(response) -> list[str]:
    return [b["n"]["value"] for b in response.json["results"]["bindings"]]


@pytest.mark.parametrize("accept, media", [
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
])
def test_select_answers_in_the_format_the_accept_header_prefers(client, accept, media) -> None:
    response = client.get("/sparql", query_string={"query": NAMES}, headers={"Accept": accept})
    assert response.status_code == 200 and response.mimetype == media
    parsed = ox.parse_query_results(response.data, ox.QueryResultsFormat.from_media_type(media))
    assert [str(row["n"].value) for row in parsed] == ["Alice", "Bob", "Carol"]


@pytest.mark.parametrize("fmt, media", [
    ("turtle", "text/turtle"), ("ntriples", "application/n-triples"),
    ("rdfxml", "application/rdf+xml"), ("jsonld", "application/ld+json"),
    ("trig", "application/trig"), ("nquads", "application/n-quads"),
])
def test_construct_answers_in_every_rdf_format(client, fmt, media) -> None:
    q = f"CONSTRUCT {{ ?p <{EX}label> ?n }} WHERE {{ ?p <{EX}name> ?n }}"
    response = client.get("/sparql", query_string={"query": q, "format": fmt})
    assert response.status_code == 200 and response.mimetype == media
    triples = {(t.subject.value, t.object.value) for t in ox.parse(
        response.data, ox.RdfFormat.from_media_type(media))}
    assert triples == {(f"{EX}alice", "Alice"), (f"{EX}bob", "Bob"), (f"{EX}carol", "Carol")}


def test_describe_and_ask_answer_too(client) -> None:
    described = client.get("/sparql", query_string={"query": f"DESCRIBE <{EX}bob>"},
                           headers={"Accept": "application/n-triples"})
    assert {t.predicate.value for t in ox.parse(described.data, ox.RdfFormat.N_TRIPLES)} == {
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", f"{EX}name"}
    asked = client.post("/sparql", data={"query": f"ASK {{ <{EX}alice> <{EX}knows> <{EX}bob> }}"},
                        headers={"Accept": "application/sparql-results+xml"})
    assert asked.mimetype == "application/sparql-results+xml" and b"<boolean>true</boolean>" in asked.data


def test_csv_is_offered_for_select(client) -> None:
    response = client.get("/sparql", query_string={"query": NAMES},
                          headers={"Accept": "text/csv, application/sparql-results+json;q=0.1"})
    assert response.mimetype == "text/csv"
    assert response.data.decode().splitlines() == ["n", "Alice", "Bob", "Carol"]


def test_format_parameter_overrides_the_accept_header(client) -> None:
    response = client.get("/sparql", query_string={"query": NAMES, "format": "csv"},
                          headers={"Accept": "application/sparql-results+json"})
    assert response.mimetype == "text/csv"
    assert response.data.decode().splitlines() == ["n", "Alice", "Bob", "Carol"]


def test_no_acceptable_format_is_406(client) -> None:
    response = client.get("/sparql", query_string={"query": NAMES}, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert b"application/sparql-results+json" in response.data
    construct = client.get("/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }",
                                                    "format": "csv"})
    assert construct.status_code == 406


def test_a_malformed_query_is_400_with_the_parsers_position(client) -> None:
    response = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p }"})
    assert response.status_code == 400
    assert response.mimetype == "text/plain"
    assert b"malformed query" in response.data and b"error at 1:25" in response.data


def test_a_wrong_media_type_is_415(client) -> None:
    response = client.post("/sparql", data="ASK {}", content_type="text/plain")
    assert response.status_code == 415
    assert b"application/sparql-query" in response.data


def test_dataset_parameters_choose_the_graphs(client) -> None:
    q = "SELECT ?s WHERE { ?s ?p ?o }"
    response = client.get("/sparql", query_string={"query": q, "default-graph-uri": f"{EX}g"})
    assert [b["s"]["value"] for b in response.json["results"]["bindings"]] == [f"{EX}x"]
    named = client.get("/sparql", query_string={
        "query": "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", "named-graph-uri": f"{EX}other"})
    assert named.json["results"]["bindings"] == []


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "select * where { { ?a ?b ?c } union { service silent <http://127.0.0.1:9/> { ?s ?p ?o } } }",
    "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
])
def test_service_is_refused_before_evaluation(client, query) -> None:
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 400
    assert b"SERVICE <http://127.0.0.1:9/> is refused" in response.data


def test_from_outside_the_store_is_refused_and_inside_is_allowed(client) -> None:
    outside = client.get("/sparql", query_string={
        "query": "SELECT * FROM <http://127.0.0.1:9/data.ttl> WHERE { ?s ?p ?o }"})
    assert outside.status_code == 400 and b"FROM <http://127.0.0.1:9/data.ttl> is refused" in outside.data
    named = client.get("/sparql", query_string={
        "query": "PREFIX r: <http://127.0.0.1:9/> SELECT * FROM NAMED r:x WHERE { ?s ?p ?o }"})
    assert named.status_code == 400 and b"FROM NAMED <http://127.0.0.1:9/x>" in named.data
    inside = client.get("/sparql", query_string={"query": f"SELECT ?s FROM <{EX}g> WHERE {{ ?s ?p ?o }}"})
    assert inside.status_code == 200
    assert [b["s"]["value"] for b in inside.json["results"]["bindings"]] == [f"{EX}x"]


def test_the_word_service_inside_a_string_is_not_a_refusal(client) -> None:
    response = client.get("/sparql", query_string={
        "query": 'SELECT ?x WHERE { BIND("SERVICE <http://127.0.0.1:9/> FROM LOAD" AS ?x) }'})
    assert response.status_code == 200


def test_load_is_refused_even_with_a_token(client, store: Store) -> None:
    response = client.post("/sparql", data={"update": "LOAD <http://127.0.0.1:9/x.ttl>"}, headers=AUTH)
    assert response.status_code == 400 and b"LOAD <http://127.0.0.1:9/x.ttl> is refused" in response.data
    assert store.triple_count() == 8


def test_an_update_without_a_token_is_401_and_changes_nothing(client, store: Store) -> None:
    response = client.post("/sparql", data={"update": "CLEAR ALL"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert store.triple_count() == 8


def test_an_update_with_a_wrong_token_is_403(client, store: Store) -> None:
    response = client.post("/sparql", data="CLEAR ALL", content_type="application/sparql-update",
                           headers={"Authorization": "Bearer wrong"})
    assert response.status_code == 403
    assert store.triple_count() == 8


def test_an_update_with_the_token_changes_the_graph(client, store: Store) -> None:
    response = client.post("/sparql", data=f"INSERT DATA {{ <{EX}dave> <{EX}name> \"Dave\" }}",
                           content_type="application/sparql-update", headers=AUTH)
    assert response.status_code == 204
    assert names(client.get("/sparql", query_string={"query": NAMES})) == ["Alice", "Bob", "Carol", "Dave"]


def test_a_server_without_a_token_takes_no_writes(store: Store) -> None:
    app = create_app({"STORE": store, "TESTING": True, "SPARQL_UPDATE_TOKEN": None})
    response = app.test_client().post("/sparql", data={"update": "CLEAR ALL"},
                                      headers={"Authorization": "Bearer anything"})
    assert response.status_code == 403 and b"COMGRAPH_UPDATE_TOKEN" in response.data


def test_a_body_over_the_cap_is_413(store: Store) -> None:
    app = create_app({"STORE": store, "TESTING": True, "MAX_CONTENT_LENGTH": 1000})
    response = app.test_client().post("/sparql", data="ASK { }" + " " * 2000,
                                      content_type="application/sparql-query")
    assert response.status_code == 413 and b"1000 bytes" in response.data


def test_the_row_cap_is_signalled_in_a_header_and_in_html(store: Store) -> None:
    store.load([Source("people.ttl", data=TTL.encode())])
    app = create_app({"STORE": store, "TESTING": True, "SPARQL_MAX_ROWS": 2})
    client = app.test_client()
    capped = client.get("/sparql", query_string={"query": NAMES})
    assert capped.headers["X-Comgraph-Row-Cap"] == "2" and capped.headers["X-Comgraph-Truncated"] == "true"
    assert names(capped) == ["Alice", "Bob"]
    whole = client.get("/sparql", query_string={"query": NAMES + " LIMIT 2"})
    assert "X-Comgraph-Row-Cap" not in whole.headers and whole.headers["X-Comgraph-Rows"] == "2"
    html = client.get("/sparql", query_string={"query": NAMES}, headers={"Accept": "text/html"})
    assert html.mimetype == "text/html" and b"Only the first 2 rows are shown" in html.data
    assert b"<td>&#34;Alice&#34;</td>" in html.data and b"Carol" not in html.data.split(b"<table")[1]
    triples = client.get("/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }",
                                                  "format": "ntriples"})
    assert triples.headers["X-Comgraph-Row-Cap"] == "2" and len(triples.data.splitlines()) == 2


def test_cors_only_for_listed_origins_and_on_errors_too(store: Store) -> None:
    app = create_app({"STORE": store, "TESTING": True, "CORS_ORIGINS": ["https://app.example"]})
    client = app.test_client()
    ok = client.get("/sparql", query_string={"query": "ASK {}"}, headers={"Origin": "https://app.example"})
    assert ok.headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert "X-Comgraph-Row-Cap" in ok.headers["Access-Control-Expose-Headers"]
    error = client.get("/sparql", query_string={"query": "ASK {"}, headers={"Origin": "https://app.example"})
    assert error.status_code == 400 and error.headers["Access-Control-Allow-Origin"] == "https://app.example"
    other = client.get("/sparql", query_string={"query": "ASK {}"}, headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    default = create_app({"STORE": store, "TESTING": True}).test_client().get(
        "/sparql", query_string={"query": "ASK {}"}, headers={"Origin": "https://app.example"})
    assert "Access-Control-Allow-Origin" not in default.headers


def test_service_description_with_a_void_summary(client) -> None:
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    ds = ox.Dataset(ox.parse(response.data, ox.RdfFormat.TURTLE, base_iri="http://localhost/"))
    sd = "http://www.w3.org/ns/sparql-service-description#"
    void = "http://rdfs.org/ns/void#"
    service = ox.NamedNode("http://localhost/sparql")
    assert ox.Quad(service, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                   ox.NamedNode(sd + "Service"), ox.DefaultGraph()) in ds
    counts = {q.object.value for q in ds if q.predicate == ox.NamedNode(void + "triples")}
    assert counts == {"7", "1", "8"}  # default graph, the named graph, everything
    names_ = {q.object.value for q in ds if q.predicate == ox.NamedNode(sd + "name")}
    assert names_ == {f"{EX}g"}


def test_a_browser_asking_sparql_for_html_is_sent_to_the_editor(client) -> None:
    response = client.get("/sparql", headers={"Accept": "text/html,*/*;q=0.8"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/editor")


def test_editor_page_bundles_yasgui_and_offers_the_prefixes(client) -> None:
    page = client.get("/editor")
    assert page.status_code == 200
    assert b"vendor/yasgui/yasgui.min.js" in page.data and b"cdn" not in page.data.lower()
    assert b'"cg": "https://w3id.org/comgraph/ns#"' in page.data
    assert b"PREFIX cg: \\u003chttps://w3id.org/comgraph/ns#\\u003e" in page.data
    assert client.get("/static/vendor/yasgui/yasgui.min.js").status_code == 200


def test_health_readiness_and_metrics(client) -> None:
    assert client.get("/healthz").data == b"ok\n"
    assert client.get("/readyz").status_code == 200
    client.get("/sparql", query_string={"query": "ASK {"})
    client.get("/sparql", query_string={"query": NAMES})
    text = client.get("/metrics").data.decode()
    assert 'comgraph_http_requests_total{endpoint="sparql.endpoint",method="GET",status="400"} 1.0' in text
    assert 'comgraph_http_requests_total{endpoint="sparql.endpoint",method="GET",status="200"} 1.0' in text
    assert "comgraph_http_request_duration_seconds_bucket" in text
    assert "comgraph_query_timeouts_total 0.0" in text
    assert "comgraph_queries_running 0.0" in text


def test_access_log_has_query_hash_duration_and_rows(client, caplog) -> None:
    caplog.set_level(logging.INFO, logger="comgraph.access")
    before = datetime.now(UTC)
    client.get("/sparql", query_string={"query": NAMES})
    # the access line, not the comgraph.slow line that follows it when a loaded box takes > 1 s
    entry = json.loads([r for r in caplog.records if r.name == "comgraph.access"][-1].getMessage())
    assert entry["status"] == 200 and entry["rows"] == 3 and len(entry["query_hash"]) == 16
    assert entry["duration_ms"] >= 0 and entry["endpoint"] == "sparql.endpoint"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", entry["time"])
    logged = datetime.fromisoformat(entry["time"].replace("Z", "+00:00"))
    assert before - timedelta(seconds=1) <= logged <= datetime.now(UTC)


def test_slow_queries_are_logged_whole(store: Store, caplog) -> None:
    app = create_app({"STORE": store, "TESTING": True, "SLOW_QUERY_SECONDS": 0})
    caplog.set_level(logging.WARNING, logger="comgraph.slow")
    app.test_client().get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
    entry = json.loads(caplog.records[-1].getMessage())
    assert entry["query"] == "ASK { ?s ?p ?o }"


def test_a_huge_slow_query_is_logged_shortened(store: Store, caplog) -> None:
    from comgraph.app.ops import SLOW_LOG_QUERY_CHARS

    app = create_app({"STORE": store, "TESTING": True, "SLOW_QUERY_SECONDS": 0})
    caplog.set_level(logging.WARNING, logger="comgraph.slow")
    query = "ASK { ?s ?p ?o }" + " " * 100_000
    app.test_client().post("/sparql", data={"query": query})
    entry = json.loads(caplog.records[-1].getMessage())
    assert entry["query"].startswith("ASK { ?s ?p ?o }")
    assert len(entry["query"]) < SLOW_LOG_QUERY_CHARS + 100
    assert entry["query"].endswith(f"[{len(query) - SLOW_LOG_QUERY_CHARS} more characters]")


def test_a_repeated_query_is_refused_or_answered_every_time_despite_the_memos(store: Store) -> None:
    """The per-text memos (query string, query form, the guard's quick look) keep what the text
    alone decides; the refusal itself is made afresh on each request, so the second SERVICE is
    refused like the first, and a FROM becomes allowed once its graph is in the store."""
    store.load([Source("people.ttl", data=TTL.encode())])
    client = create_app({"STORE": store, "TESTING": True}).test_client()
    service = {"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"}
    for _ in range(3):
        refused = client.get("/sparql", query_string=service)
        assert refused.status_code == 400 and b"SERVICE <http://127.0.0.1:9/> is refused" in refused.data
    from_later = {"query": f"SELECT ?s FROM <{EX}later> WHERE {{ ?s ?p ?o }}"}
    assert client.get("/sparql", query_string=from_later).status_code == 400
    store.load([Source("later.ttl", data=f"<{EX}l> <{EX}p> <{EX}o> .".encode())], graph=f"{EX}later")
    allowed = client.get("/sparql", query_string=from_later)
    assert allowed.status_code == 200
    assert [b["s"]["value"] for b in allowed.json["results"]["bindings"]] == [f"{EX}l"]
    from comgraph.app.query_guard import needs_parse

    assert needs_parse(service["query"]) and needs_parse(from_later["query"])
    # The quick look only ever says "parse": a word inside a string is parsed, and allowed.
    assert needs_parse('SELECT ?x { BIND("SERVICE" AS ?x) }')
    assert client.get("/sparql", query_string={
        "query": 'SELECT ?x { BIND("SERVICE" AS ?x) }'}).status_code == 200
    assert not needs_parse(NAMES)


def test_repeated_requests_count_under_their_own_labels_and_log_each_line(store: Store,
                                                                          caplog) -> None:
    store.load([Source("people.ttl", data=TTL.encode())])
    client = create_app({"STORE": store, "TESTING": True, "SPARQL_MAX_ROWS": 2}).test_client()
    caplog.set_level(logging.INFO, logger="comgraph.access")
    for _ in range(3):
        client.get("/sparql", query_string={"query": NAMES})
    client.get("/sparql", query_string={"query": "ASK {"})
    text = client.get("/metrics").text
    assert 'comgraph_http_requests_total{endpoint="sparql.endpoint",method="GET",status="200"} 3.0' in text
    assert 'comgraph_http_requests_total{endpoint="sparql.endpoint",method="GET",status="400"} 1.0' in text
    assert 'comgraph_http_request_duration_seconds_count{endpoint="sparql.endpoint"} 4.0' in text
    assert "comgraph_results_truncated_total 3.0" in text
    lines = [r for r in caplog.records if r.name == "comgraph.access"][:4]
    entries = [json.loads(r.getMessage()) for r in lines]
    assert [(e["status"], e["rows"]) for e in entries] == [(200, 2), (200, 2), (200, 2), (400, None)]
    assert entries[0]["query_hash"] == entries[1]["query_hash"] != entries[3]["query_hash"]
    assert list(entries[0]) == ["time", "method", "path", "endpoint", "status", "duration_ms",
                                "query_hash", "rows", "remote"]
    assert all(r.levelno == logging.INFO and r.pathname.endswith("ops.py") for r in lines)


@pytest.mark.parametrize("accept, fmt", [
    ("application/sparql-results+json", ox.QueryResultsFormat.JSON),
    ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
    ("text/tab-separated-values", ox.QueryResultsFormat.TSV),
])
def test_small_and_streamed_answers_carry_the_same_rows(store: Store, accept, fmt) -> None:
    """A small answer is converted bytes to bytes in one call; a big one (over 64 KB of TSV)
    through a second spool and streamed. Both give every row, in the asked format, with the
    exact count; literals with tabs, quotes, newlines and braces survive both."""
    odd = 'a\\tb \\"q\\" },{ \\n end'
    data = f'<{EX}odd> <{EX}v> "{odd}" .\n' + "".join(
        f'<{EX}s{i}> <{EX}v> "value number {i:05d} with some padding to make it long" .\n'
        for i in range(1500))
    store.load([Source("many.nt", data=data.encode())])
    client = create_app({"STORE": store, "TESTING": True}).test_client()
    for query, expected in ((f"SELECT ?o WHERE {{ <{EX}odd> <{EX}v> ?o }}", 1),
                            (f"SELECT ?s ?o WHERE {{ ?s <{EX}v> ?o }}", 1501)):
        response = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
        assert response.status_code == 200 and response.headers["X-Comgraph-Rows"] == str(expected)
        assert ("Content-Length" in response.headers) == (expected == 1)
        rows = list(ox.parse_query_results(response.data, fmt))
        assert len(rows) == expected
        values = {row["o"].value for row in rows}
        assert 'a\tb "q" },{ \n end' in values
