"""``comgraph link catalog``: each fixture catalogue (a CKAN feed of three Hydra pages served from
127.0.0.1, a DataHub export, an OpenMetadata export) against the demo gives exactly the mismatches
it was built with; each link says how it was made; links written to a store or a file are what the
``catalog-links`` view lists; bad input names where it is and writes nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from click.testing import CliRunner

from comgraph.catalog import read_catalogue
from comgraph.catalog.link import Governance, link_catalogue
from comgraph.cli import main
from comgraph.queries import Catalogue
from comgraph.store import open_store
from tests.catalog_support import CATALOG_FIXTURES, DEMO, demo_store
from tests.readiness import serving_handler

EX = "https://example.org/retail-it/"
AS_OF = "2026-06-30"
DATAHUB = str(CATALOG_FIXTURES / "datahub-export.json")
OPENMETADATA = str(CATALOG_FIXTURES / "openmetadata-tables.json")


class _FeedHandler(BaseHTTPRequestHandler):
    """Serves ckan-page-N.ttl at /catalog.ttl?page=N (page 1 also at /catalog.ttl), as CKAN does."""

    requested: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        type(self).requested.append(self.path)
        page = {"/catalog.ttl": 1, "/catalog.ttl?page=1": 1, "/catalog.ttl?page=2": 2,
                "/catalog.ttl?page=3": 3}.get(self.path)
        if page is None:
            self.send_error(404)
            return
        body = (CATALOG_FIXTURES / f"ckan-page-{page}.ttl").read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "text/turtle; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def feed() -> Iterator[str]:
    _FeedHandler.requested = []
    with serving_handler(_FeedHandler) as base:
        yield f"{base}/catalog.ttl"


def _report(source: str):
    import datetime as dt

    store = demo_store()
    try:
        return link_catalogue(read_catalogue(source), Governance.read(store, dt.date.fromisoformat(AS_OF)))
    finally:
        store.close()


def _rows(report) -> set[tuple[str, str, str]]:
    return {(m.kind, m.entry_name or m.resource_name, m.catalogue_says) for m in report.mismatches}


def test_the_ckan_feed_is_followed_over_its_three_hydra_pages_and_lists_exactly_its_mismatches(feed):
    report = _report(feed)
    assert _FeedHandler.requested == ["/catalog.ttl", "/catalog.ttl?page=2", "/catalog.ttl?page=3"]
    assert report.pages == [feed, feed + "?page=2", feed + "?page=3"]
    assert report.datasets == 5
    assert _rows(report) == {
        ("owner-disagrees", "Store sales and inventory", "Northwind E-commerce (publisher)"),
        ("not-in-catalogue", "Atlas Observe monitoring platform", "no entry"),
        ("owner-without-role", "Audit evidence register", "Kestrel Assurance LLP (publisher)"),
        ("owner-without-role", "Store footfall counts", "Harbour Analytics Ltd (publisher)"),
    }
    by_kind = {(m.kind, m.entry_name): m for m in report.mismatches}
    assert by_kind[("owner-disagrees", "Store sales and inventory")].governance_says == \
        "Northwind Store Operations (owner on 2026-06-30)"
    assert by_kind[("owner-without-role", "Audit evidence register")].governance_says == \
        "Kestrel Assurance LLP, known to the governance graph but with no role on 2026-06-30"
    assert by_kind[("owner-without-role", "Store footfall counts")].governance_says == \
        "a party the governance graph does not know"


def test_the_datahub_export_lists_exactly_its_mismatches():
    assert _rows(_report(DATAHUB)) == {
        ("owner-disagrees", "Atlas Observe Monitoring Platform", "Northwind E-commerce (DATAOWNER)"),
        ("not-in-catalogue", "Store operations automation toolkit", "no entry"),
        ("owner-without-role", "Loyalty programme members", "Jordan Doe (BUSINESS_OWNER)"),
    }


def test_the_openmetadata_export_lists_exactly_its_mismatches():
    assert _rows(_report(OPENMETADATA)) == {
        ("owner-disagrees", "Store operations automation toolkit", "Northwind Executive Committee (team)"),
        ("not-in-catalogue", "Atlas Observe monitoring platform", "no entry"),
        ("owner-without-role", "Campaign results", "Kestrel Assurance LLP (team)"),
    }


def test_each_link_says_how_it_was_made_identifier_first_then_exact_name(feed):
    links = {(link.kind, link.entry_name): link for link in _report(feed).links}
    sales = links[("dataset", "Store sales and inventory")]
    assert (sales.resource, sales.method) == (EX + "asset-store-sales-data", "identifier")
    assert sales.how == "identifier " + EX + "asset-store-sales-data"
    toolkit = links[("dataset", "Store Operations Automation Toolkit")]
    assert (toolkit.resource, toolkit.method) == (EX + "asset-store-automation", "exact-name")
    assert toolkit.how == "name 'store operations automation toolkit'"
    assert links[("owner", "Atlas IT Services Ltd")].resource == EX + "atlas-it"
    # Technical owners count as owners (a role is checked) but not as the accountable one.
    datahub = {(m.kind, m.entry_name) for m in _report(DATAHUB).mismatches}
    assert ("owner-disagrees", "Store sales and inventory dataset") not in datahub


def test_a_datahub_technical_owner_is_an_owner_but_not_the_accountable_one():
    entry = next(e for e in read_catalogue(DATAHUB).entries if e.name == "Store sales and inventory dataset")
    assert [(o.name, o.kind, o.accountable) for o in entry.owners] == [
        ("Northwind Store Operations", "DATAOWNER", True),
        ("CloudNine Hosting GmbH", "TECHNICAL_OWNER", False)]


def test_links_written_to_a_store_are_listed_by_the_catalog_links_view_and_a_rerun_writes_nothing(tmp_path):
    url = f"oxigraph://{tmp_path / 'db'}"
    runner = CliRunner()
    assert runner.invoke(main, ["load", str(DEMO), "--store", url, "-q"]).exit_code == 0
    first = runner.invoke(main, ["link", "catalog", OPENMETADATA, "--store", url])
    assert first.exit_code == 1, first.output  # mismatches found
    assert "comgraph link: " in first.output and " added, 0 removed" in first.output
    again = runner.invoke(main, ["link", "catalog", OPENMETADATA, "--store", url])
    assert ": 0 added, 0 removed" in again.output
    store = open_store(url)
    try:
        query = Catalogue().get("catalog-links")
        rows = store.select(query.sparql, bindings=query.bind({}, store))
    finally:
        store.close()
    # The demo carries links of its own (data/demo/catalog-links.ttl, from the DataHub fixture).
    assert {r["source"].value for r in rows} == {OPENMETADATA, "tests/data/catalog/datahub-export.json"}
    rows = [r for r in rows if r["source"].value == OPENMETADATA]
    got = {(r["resourceLabel"].value, r["identifier"].value, r["methodLabel"].value) for r in rows}
    assert got == {
        ("Store sales and inventory dataset", "northwind_dwh.retail.sales.store_sales_inventory",
         "Matched by exact name"),
        ("Store operations automation toolkit", "northwind_dwh.retail.ops.store_automation_runs",
         "Matched by exact name"),
        ("Northwind Store Operations", "team:store-operations", "Matched by exact name"),
        ("Northwind Executive Committee", "team:executive-committee", "Matched by exact name"),
        ("Kestrel Assurance LLP", "team:kestrel-assurance", "Matched by exact name"),
    }


def test_links_written_to_a_file_say_identifier_links_are_the_same_thing(feed, tmp_path):
    out = tmp_path / "links.ttl"
    result = CliRunner().invoke(main, ["link", "catalog", feed, "--demo", "-o", str(out), "--format", "json"])
    assert result.exit_code == 1
    report = json.loads(result.output[: result.output.rindex("}") + 1])
    assert report["as_of"] == AS_OF and len(report["mismatches"]) == 4
    text = out.read_text()
    assert f"<{EX}asset-store-sales-data> <http://www.w3.org/2002/07/owl#sameAs>" in text or \
        "owl:sameAs" in text
    store = demo_store()
    store.load([out])
    query = Catalogue().get("catalog-links")
    rows = store.select(query.sparql, bindings=query.bind(
        {"method": "https://w3id.org/comgraph/vocab/catalog-link/identifier"}, store))
    store.close()
    assert [(r["resource"].value, r["entry"].value) for r in rows] == [
        (EX + "asset-store-sales-data", feed.rsplit("/", 1)[0] + "/dataset/store-sales-inventory")]


def test_the_markdown_report_has_a_section_per_mismatch_kind():
    result = CliRunner().invoke(main, ["link", "catalog", DATAHUB, "--demo", "--format", "markdown", "-q"])
    assert result.exit_code == 1
    for heading in ("## Catalogue owner disagrees with the governance graph (1)",
                    "## Governance assets with no catalogue entry (1)",
                    "## Datasets owned by a party with no role in the relationship (1)"):
        assert heading in result.output


@pytest.mark.parametrize(("name", "content", "where"), [
    ("broken.json", '[\n  {"entityUrn": "urn:li:corpuser:x",\n   "aspectName": }\n]\n',
     "broken.json:3:18: not JSON"),
    ("bad-type.json", json.dumps([{"entityType": "dataset", "changeType": "UPSERT",
                                   "entityUrn": "urn:li:dataset:(urn:li:dataPlatform:hive,db.t,PROD)",
                                   "aspectName": "ownership",
                                   "aspect": {"json": {"owners": [{"owner": "urn:li:corpuser:a",
                                                                   "type": "OWNER"}]}}}]),
     "bad-type.json:$[0].aspect.json.owners[0].type: 'OWNER' is not a DataHub ownership type"),
    ("bad-urn.json", json.dumps([{"entityUrn": "urn:li:dataset:hive.db.t", "aspectName": "status",
                                  "aspect": {"json": {"removed": False}}}]),
     "bad-urn.json:$[0]: 'urn:li:dataset:hive.db.t' is not a dataset URN"),
    ("no-fqn.json", json.dumps({"data": [{"name": "t", "owners": []}]}),
     "no-fqn.json:$.data[0].fullyQualifiedName: expected the table's fully qualified name"),
    ("broken.ttl", "@prefix dcat: <http://www.w3.org/ns/dcat#> .\n<a> a dcat:Dataset ;\n  dcat:title \"x .\n",
     "broken.ttl:3:"),
])
def test_bad_input_names_where_it_is_and_writes_nothing(tmp_path, monkeypatch, name, content, where):
    monkeypatch.chdir(tmp_path)
    Path(name).write_text(content)
    url = f"oxigraph://{tmp_path / 'db'}"
    result = CliRunner().invoke(main, ["link", "catalog", name, "--store", url, "--data", str(DEMO)])
    assert result.exit_code == 2
    assert f"comgraph: {where}" in result.output
    assert "nothing was linked or written" in result.output
    assert not (tmp_path / "db").exists()  # the store was not even opened


def test_a_feed_page_that_fails_is_named(feed):
    missing = feed.replace("catalog.ttl", "missing.ttl")
    result = CliRunner().invoke(main, ["link", "catalog", missing, "--demo"])
    assert result.exit_code == 2
    assert "missing.ttl: answered HTTP 404, not 200" in result.output
