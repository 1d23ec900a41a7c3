"""``comgraph export dcat``: the demo as a DCAT-AP 3 catalogue that the DCAT-AP 3.0.1 shapes accept,
with who owns, keeps and answers for each entry, in Turtle, JSON-LD and RDF/XML."""

from __future__ import annotations

import datetime as dt

import pyoxigraph as ox
import pyshacl
import pytest
import rdflib
import rdflib.compare
from click.testing import CliRunner
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF

from comgraph.catalog.export_dcat import build_catalog
from comgraph.cli import main
from tests.catalog_support import SH, dangling_property_shapes, dcat_ap_shapes, demo_store

EX = rdflib.Namespace("https://example.org/retail-it/")
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
ISO = rdflib.Namespace("http://inspire.ec.europa.eu/metadata-codelist/ResponsiblePartyRole/")
CGRACI = rdflib.Namespace("https://w3id.org/comgraph/vocab/raci/")
CATALOG = rdflib.URIRef("https://example.org/retail-it/relationship/catalog")


@pytest.fixture(scope="module")
def catalogue() -> rdflib.Graph:
    store = demo_store()
    graph = rdflib.Graph().parse(data=build_catalog(store).serialize("turtle"), format="turtle")
    store.close()
    return graph


@pytest.fixture(scope="module")
def shapes() -> rdflib.Graph:
    return dcat_ap_shapes()


def _violations(data: rdflib.Graph, shapes: rdflib.Graph) -> list[dict]:
    conforms, report, _ = pyshacl.validate(data, shacl_graph=shapes)
    rows = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        rows.append({"focus": report.value(result, SH.focusNode), "path": report.value(result, SH.resultPath),
                     "shape": report.value(result, SH.sourceShape),
                     "constraint": report.value(result, SH.sourceConstraintComponent)})
    assert conforms == (not rows)
    return rows


def test_the_demo_catalogue_conforms_to_the_dcat_ap_3_0_1_shapes_with_zero_violations(catalogue, shapes):
    assert _violations(catalogue, shapes) == []


def test_a_catalogue_without_its_publisher_is_caught_by_the_catalogue_shape(catalogue, shapes):
    broken = rdflib.Graph()
    for triple in catalogue:
        broken.add(triple)
    broken.remove((CATALOG, DCTERMS.publisher, None))
    violations = _violations(broken, shapes)
    assert len(violations) == 1
    (violation,) = violations
    assert violation["focus"] == CATALOG
    assert violation["path"] == DCTERMS.publisher
    assert violation["constraint"] == SH.MinCountConstraintComponent
    # The shape is DCAT-AP's own property shape for Catalogue.publisher, under dcat:CatalogShape.
    assert str(violation["shape"]).startswith("https://semiceu.github.io/DCAT-AP/releases/3.0.1#dcat:CatalogShape/")
    assert (violation["shape"], SH.path, DCTERMS.publisher) in shapes
    assert (violation["shape"], SH.minCount, rdflib.Literal(1)) in shapes


def test_the_shapes_are_the_published_files_less_five_references_to_shapes_defined_nowhere():
    from tests.catalog_support import DCAT_AP

    whole = rdflib.Graph().parse(DCAT_AP / "dcat-ap-SHACL.ttl").parse(DCAT_AP / "ranges.ttl")
    dangling = dangling_property_shapes(whole)
    assert len(dangling) == 5
    assert {str(s).rsplit("#", 1)[1] for s, _ in dangling} == {
        "dcat:DatasetShape", "dcat:DistributionShape", "dcat:RelationshipShape"}
    assert dangling_property_shapes(dcat_ap_shapes()) == set()


def test_the_catalogue_has_a_title_publisher_licence_and_each_kind_of_governance_resource(catalogue):
    assert catalogue.value(CATALOG, DCTERMS.title) == rdflib.Literal(
        "Northwind Retail IT operations outsourcing: governance catalogue")
    assert catalogue.value(CATALOG, DCTERMS.publisher) == EX["northwind-retail"]
    assert catalogue.value(EX["northwind-retail"], FOAF.name) == rdflib.Literal("Northwind Retail plc")
    assert (catalogue.value(CATALOG, DCTERMS.license), RDF.type, DCTERMS.LicenseDocument) in catalogue
    assert catalogue.value(CATALOG, FOAF.homepage) is None  # only when served
    datasets = set(catalogue.objects(CATALOG, DCAT.dataset))
    resources = set(catalogue.objects(CATALOG, DCAT.resource))
    assert {EX.msa, EX["hosting-subcontract"], EX["field-subcontract"], EX["grant-agreement"],
            EX["asset-observe-platform"], EX["asset-store-automation"]} == resources
    assert EX["asset-store-sales-data"] in datasets
    assert (EX["series-monthly-service"], RDF.type, DCAT.DatasetSeries) in catalogue
    assert catalogue.value(EX["report-service-2025-07"], DCAT.inSeries) == EX["series-monthly-service"]
    issued = catalogue.value(EX["report-service-2025-07"], DCTERMS.issued)
    assert issued == rdflib.Literal(dt.date(2025, 8, 10))
    required = (DCTERMS.title, DCTERMS.description, DCTERMS.publisher, DCAT.contactPoint, DCTERMS.identifier)
    for entry in datasets | resources:
        for prop in required:
            assert catalogue.value(entry, prop) is not None, (entry, prop)


def _roles(catalogue: rdflib.Graph, entry: rdflib.URIRef) -> set[tuple[rdflib.URIRef, rdflib.URIRef]]:
    return {(catalogue.value(a, DCAT.hadRole), catalogue.value(a, PROV.agent))
            for a in catalogue.objects(entry, PROV.qualifiedAttribution)}


def test_attributions_use_iso_role_codes_where_one_fits_and_raci_concepts_where_none_does(catalogue):
    assert _roles(catalogue, EX.msa) == {
        (CGRACI.accountable, EX["nw-smo"]), (ISO.custodian, EX["nw-smo"]),
        (CGRACI.consulted, EX["atlas-it"]), (CGRACI.informed, EX["nw-exec"])}
    assert _roles(catalogue, EX["asset-store-sales-data"]) == {
        (ISO.owner, EX["nw-stores"]), (ISO.user, EX["atlas-it"])}
    assert (ISO.author, EX["atlas-it"]) in _roles(catalogue, EX["series-monthly-service"])
    assert (CGRACI.accountable, RDF.type, DCAT.Role) in catalogue


def test_owners_are_those_current_on_the_as_of_date():
    store = demo_store()
    before = rdflib.Graph().parse(data=build_catalog(store, as_of=dt.date(2025, 8, 1)).serialize(),
                                  format="turtle")
    after = rdflib.Graph().parse(data=build_catalog(store, as_of=dt.date(2026, 6, 30)).serialize(),
                                 format="turtle")
    store.close()
    assert _roles(before, EX["asset-store-automation"]) == {(ISO.owner, EX["atlas-it"])}
    assert _roles(after, EX["asset-store-automation"]) == {(ISO.owner, EX["atlas-it"]),
                                                          (ISO.owner, EX["northwind-retail"])}


@pytest.mark.parametrize(("fmt", "rdflib_format", "ox_format"), [
    ("turtle", "turtle", ox.RdfFormat.TURTLE),
    ("jsonld", "json-ld", ox.RdfFormat.JSON_LD),
    ("rdfxml", "xml", ox.RdfFormat.RDF_XML),
])
def test_the_export_loads_into_rdflib_and_pyoxigraph_in_each_format(catalogue, tmp_path, fmt, rdflib_format,
                                                                   ox_format):
    out = tmp_path / f"catalog.{fmt}"
    result = CliRunner().invoke(main, ["export", "dcat", "--demo", "--format", fmt, "-o", str(out)])
    assert result.exit_code == 0, result.output
    parsed = rdflib.Graph().parse(out, format=rdflib_format)
    assert rdflib.compare.isomorphic(parsed, catalogue)
    store = ox.Store()
    store.load(path=str(out), format=ox_format)
    assert len(store) == len(catalogue)


def test_a_bad_as_of_date_is_a_usage_error():
    result = CliRunner().invoke(main, ["export", "dcat", "--demo", "--as-of", "30/06/2026"])
    assert result.exit_code == 2
    assert "'30/06/2026': expected a date as YYYY-MM-DD" in result.output
