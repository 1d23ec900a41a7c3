"""``/openapi.json`` against the app: schemathesis generates requests from the document (a fixed,
derandomized budget per operation) and checks that no answer is a 5xx and that every status,
media type, header and body is one the document declares.

The app is the real one, in process (WSGI), over the demo relationship with its defects (so the
validation and checklist answers carry findings) and comgraph's own shapes. The last tests break
the document or the app on purpose and check that the same checks then fail, so this file can
fail when the document and the app drift apart.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from comgraph.app import create_app
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from comgraph.queries import Catalogue
from comgraph.store import open_store

ROOT = Path(__file__).resolve().parents[1]
DEFECTS = ROOT / "data" / "demo-defects"

#: Requests per operation in the fuzzing phase; the examples and coverage phases add a fixed,
#: deterministic set on top (boundary values, missing and malformed parameters). CI uses the
#: default; ``COMGRAPH_OPENAPI_EXAMPLES=200`` digs deeper on a quiet machine.
MAX_EXAMPLES = int(os.environ.get("COMGRAPH_OPENAPI_EXAMPLES", 12))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]
CONFIG = schemathesis.Config.from_dict({
    "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
    "phases": {"stateful": {"enabled": False}},
})

# RDF syntaxes go on the wire as the text they are (schemathesis knows text/* already).
schemathesis.serializer.alias(["application/n-triples", "application/trig", "application/n-quads",
                               "application/rdf+xml"], "text/plain")


def _app(store_url: str = "oxigraph:"):
    store = open_store(store_url)
    if store_url == "oxigraph:":
        store.load(sorted(p for p in DEFECTS.iterdir() if p.suffix == ".ttl"))
    return create_app({"STORE": store, "TESTING": True})


# Built at collection: schemathesis makes one test per operation from the loaded document.
# (Its lazy loader, ``schemathesis.pytest.from_fixture``, fails under pytest 9: it renames the
# test node through an attribute pytest 9 no longer has.)
APP = _app()
schema = schemathesis.openapi.from_wsgi("/openapi.json", APP, config=CONFIG)


#: Requests sent per operation and the statuses they got, reported at the end of the module.
SENT: dict[str, Counter] = defaultdict(Counter)
ELAPSED: Counter = Counter()


@pytest.fixture(scope="module", autouse=True)
def _report_requests_sent(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None or not SENT:
        return
    total = sum(sum(c.values()) for c in SENT.values())
    reporter.write_line(f"\nschemathesis: {total} requests over {len(SENT)} operations")
    for label, statuses in sorted(SENT.items()):
        reporter.write_line(f"  {label}: {sum(statuses.values())} requests, {ELAPSED[label]:.1f} s, "
                            f"statuses {dict(sorted(statuses.items()))}")


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_every_answer_is_one_the_openapi_document_declares(case):
    started = time.perf_counter()
    response = case.call_and_validate(checks=CHECKS)
    SENT[case.operation.label][response.status_code] += 1
    ELAPSED[case.operation.label] += time.perf_counter() - started


# -- the checks can fail --------------------------------------------------------------------------


def _failures(app, path: str, method: str = "GET") -> list[Exception]:
    """Run the checks above on one operation of ``app``'s document; the failures they raise."""
    operation = schemathesis.openapi.from_wsgi("/openapi.json", app, config=CONFIG)[path][method]

    @given(case=operation.as_strategy())
    @settings(max_examples=5, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case):
        case.call_and_validate(checks=CHECKS)

    with pytest.raises(FailureGroup) as caught:
        run()
    return list(caught.value.exceptions)


def test_a_result_schema_that_misses_a_column_fails_the_schema_check():
    app = _app()
    with app.test_request_context():
        document = json.loads(app.view_functions["openapi.document"]().get_data())
    results = document["components"]["schemas"]["Results.obligations-due"]
    columns = results["properties"]["head"]["properties"]["vars"]["items"]["enum"]
    assert "dueDate" in columns
    columns.remove("dueDate")  # the document now says the view never answers this column
    app.extensions["comgraph.openapi"] = json.dumps(document)

    failures = _failures(app, "/views/obligations-due.json")

    assert {type(f).__name__ for f in failures} == {"JsonSchemaError"}
    assert "dueDate" in str(failures[0])


def test_an_answer_the_document_does_not_declare_fails_the_status_check():
    app = _app()
    with app.test_request_context():
        document = json.loads(app.view_functions["openapi.document"]().get_data())
    del document["paths"]["/healthz"]["get"]["responses"]["200"]
    document["paths"]["/healthz"]["get"]["responses"]["204"] = {"description": "no content"}
    app.extensions["comgraph.openapi"] = json.dumps(document)

    failures = _failures(app, "/healthz")

    assert {type(f).__name__ for f in failures} == {"UndefinedStatusCode"}


def test_a_server_error_fails_the_check():
    """Any 5xx fails the run; here a view answers one because the engine behind the store is
    not there."""
    app = _app("sparql+http://127.0.0.1:9/query")  # the discard port: nothing listens there
    app.testing = False  # as served: an exception becomes a 500 answer, not a test error

    failures = _failures(app, "/views/capability-coverage.json")

    assert "ServerError" in {type(f).__name__ for f in failures}


def test_the_view_paths_are_the_query_catalogue():
    with APP.test_request_context():
        document = json.loads(APP.view_functions["openapi.document"]().get_data())
    catalogue = Catalogue()
    views = {p.removeprefix("/views/").removesuffix(".json") for p in document["paths"]
             if p.startswith("/views/")}
    assert views == set(catalogue.names())
    due = document["paths"]["/views/obligations-due.json"]["get"]["parameters"]
    assert [(p["name"], p["schema"]["type"], p["required"]) for p in due] == [
        ("as_of", "string", False), ("months", "integer", False),
        ("owed_by", "string", False), ("owed_to", "string", False)]
    assert due[0]["schema"]["format"] == "date" and due[1]["schema"]["default"] == 6
    assert document["openapi"] == "3.1.0"


def test_a_query_added_to_the_catalogue_is_described_without_touching_the_document(tmp_path: Path):
    (tmp_path / "who-is-on-the-team.rq").write_text((ROOT / "queries" / "team-make-up.rq").read_text())
    app = create_app({"STORE": open_store("oxigraph:"), "QUERIES_DIR": str(tmp_path)})

    document = app.test_client().get("/openapi.json").get_json()

    assert [p for p in document["paths"] if p.startswith("/views/")] == ["/views/who-is-on-the-team.json"]
    operation = document["paths"]["/views/who-is-on-the-team.json"]["get"]
    assert [p["name"] for p in operation["parameters"]] == ["as_of"]
    columns = document["components"]["schemas"]["Results.who-is-on-the-team"]["properties"]["head"]
    assert set(columns["properties"]["vars"]["items"]["enum"]) == {
        c.name for c in Catalogue(tmp_path).get("who-is-on-the-team").columns}
