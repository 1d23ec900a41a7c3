"""The questions the ontology must let a user answer, asked of the demo through `comgraph query`.

Each test runs SPARQL through the CLI on an in-memory store loaded from data/demo and asserts
the rows that come back. Date-dependent questions use the as-of date the data records
(cg:asOfDate, 2026-06-30) unless they name a date.
"""

from __future__ import annotations

import csv
import io

from click.testing import CliRunner

from comgraph.cli import main
from tests.conftest import DEMO

PREFIXES = """
PREFIX cg: <https://w3id.org/comgraph/ns#>
PREFIX cgraci: <https://w3id.org/comgraph/vocab/raci/>
PREFIX cgst: <https://w3id.org/comgraph/vocab/status/>
PREFIX cgunit: <https://w3id.org/comgraph/vocab/unit/>
PREFIX cgac: <https://w3id.org/comgraph/vocab/audit-component/>
PREFIX dqv: <http://www.w3.org/ns/dqv#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""


def ask(sparql: str) -> list[dict[str, str]]:
    """Run a SELECT through the CLI on the demo and return its CSV rows."""
    result = CliRunner().invoke(
        main, ["query", "--store", "oxigraph:", "--data", str(DEMO), "--format", "csv", PREFIXES + sparql])
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


ACCOUNTABLE_ON = """
SELECT ?responsibility ?party WHERE {
  %s
  ?a a cg:ResponsibilityAssignment ; cg:responsibility ?r ; cg:party ?p ;
     cg:raci cgraci:accountable ; cg:startDate ?start .
  OPTIONAL { ?a cg:endDate ?end }
  FILTER (?start <= ?on && (!BOUND(?end) || ?end >= ?on))
  ?r rdfs:label ?responsibility . ?p rdfs:label ?party .
} ORDER BY ?responsibility
"""


def test_who_is_accountable_for_each_responsibility_as_of_the_recorded_date() -> None:
    rows = ask(ACCOUNTABLE_ON % "?rel a cg:Relationship ; cg:asOfDate ?on .")
    assert {(r["responsibility"], r["party"]) for r in rows} == {
        ("Annual strategy review", "Northwind Executive Committee"),
        ("Contract management", "Northwind Supplier Management Office"),
        ("Demand and risk forecast", "Northwind Store Operations"),
        ("Funding oversight and grant reporting", "Northwind Supplier Management Office"),
        ("Hosting platform operations", "Atlas IT Services Ltd"),
        ("IP and licence register", "Northwind Supplier Management Office"),
        ("In-store field support", "Atlas IT Services Ltd"),
        ("Invoicing and billing reconciliation", "Atlas IT Services Ltd"),
        ("Lessons learned review", "Northwind E-commerce"),
        ("Major incident management", "Atlas IT Services Ltd"),
        ("Monthly service review", "Atlas IT Services Ltd"),
        ("Quarterly relationship audit", "Northwind Supplier Management Office"),
        ("Stakeholder satisfaction survey", "Northwind Supplier Management Office"),
        ("Supplier selection and approval", "Northwind Supplier Management Office"),
    }
    assert len(rows) == 14  # exactly one accountable party per responsibility


def test_accountability_history_shows_the_service_review_before_its_handover() -> None:
    rows = ask(ACCOUNTABLE_ON % 'BIND("2025-10-01"^^xsd:date AS ?on)')
    review = [r["party"] for r in rows if r["responsibility"] == "Monthly service review"]
    assert review == ["Northwind Supplier Management Office"]


DUE_QUERY = """
SELECT ?obligation ?due ?status WHERE {
  ?rel a cg:Relationship ; cg:asOfDate ?asOf .
  ?o a cg:Obligation ; rdfs:label ?obligation ; cg:dueDate ?due .
  OPTIONAL { ?o cg:status ?st . ?st rdfs:label ?status }
  FILTER NOT EXISTS { ?o cg:status ?done . FILTER (?done IN (cgst:met, cgst:waived)) }
  FILTER (%s)
} ORDER BY ?due ?obligation
"""


def test_obligations_falling_due_in_the_next_six_months() -> None:
    # xsd:duration, not xsd:yearMonthDuration: pyoxigraph 0.5.13 leaves
    # stored-date + "P6M"^^xsd:yearMonthDuration unbound (subtraction works).
    rows = ask(DUE_QUERY % '?due >= ?asOf && ?due < ?asOf + "P6M"^^xsd:duration')
    assert [(r["obligation"], r["due"]) for r in rows] == [
        ("Monthly service report", "2026-07-10"),
        ("Pay the monthly service fee", "2026-07-30"),
        ("Grant progress report for January to June 2026", "2026-07-31"),
        ("Annual disaster recovery test of the hosting platform", "2026-09-15"),
        ("Core platform availability of at least 99.5% each quarter", "2026-09-30"),
        ("Resolve 95% of priority-1 incidents within 4 hours each quarter", "2026-09-30"),
        ("Release the second funding tranche", "2026-10-01"),
        ("Three-year transformation roadmap", "2026-11-30"),
    ]


def test_overdue_obligations_are_those_past_due_and_not_met() -> None:
    rows = ask(DUE_QUERY % "?due < ?asOf")
    assert [(r["obligation"], r["due"]) for r in rows] == [
        ("Remediate the high findings of the Q4 2025 security audit", "2026-04-30"),
        ("Point-of-sale hardware refresh plan", "2026-05-31"),
    ]


def test_who_owns_what_share_of_each_ip_asset_on_a_date() -> None:
    query = """
    SELECT ?asset ?owner ?share WHERE {
      %s
      ?asset_ a cg:IntellectualProperty ; rdfs:label ?asset .
      ?own cg:ownedAsset ?asset_ ; cg:owner ?o ; cg:share ?share ; cg:startDate ?start .
      OPTIONAL { ?own cg:endDate ?end }
      FILTER (?start <= ?on && (!BOUND(?end) || ?end >= ?on))
      ?o rdfs:label ?owner .
    } ORDER BY ?asset ?owner
    """
    now = ask(query % "?rel a cg:Relationship ; cg:asOfDate ?on .")
    assert [(r["asset"], r["owner"], float(r["share"])) for r in now] == [
        ("Atlas Observe monitoring platform", "Atlas IT Services Ltd", 1.0),
        ("Store operations automation toolkit", "Atlas IT Services Ltd", 0.5),
        ("Store operations automation toolkit", "Northwind Retail plc", 0.5),
    ]
    before = ask(query % 'BIND("2025-08-01"^^xsd:date AS ?on)')
    assert ("Store operations automation toolkit", "Atlas IT Services Ltd", 1.0) in [
        (r["asset"], r["owner"], float(r["share"])) for r in before]


def test_how_each_stakeholder_scored_on_each_audit_component_last_quarter() -> None:
    rows = ask("""
    SELECT ?stakeholder ?component ?score ?threshold WHERE {
      ?rel a cg:Relationship ; cg:asOfDate ?asOf .
      {
        SELECT ?s ?metric (MAX(?d) AS ?last) WHERE {
          ?rel2 a cg:Relationship ; cg:asOfDate ?asOf2 .
          ?m2 dqv:isMeasurementOf ?metric ; dqv:computedOn ?s ; cg:measurementDate ?d .
          FILTER (?d <= ?asOf2)
        } GROUP BY ?s ?metric
      }
      ?m dqv:isMeasurementOf ?metric ; dqv:computedOn ?s ; cg:measurementDate ?last ;
         dqv:value ?score ; cg:forTarget ?t .
      ?t cg:unit cgunit:score ; cg:threshold ?threshold .
      ?metric dqv:inDimension ?c .
      VALUES (?c ?component) {
        (cgac:priceAndService "price and service") (cgac:contractAndRelationships "contract")
        (cgac:stakeholderSatisfaction "satisfaction") (cgac:visionAndAlignment "vision") }
      FILTER (?last > ?asOf - "P3M"^^xsd:yearMonthDuration)
      ?s rdfs:label ?stakeholder .
    }""")
    scores = {(r["stakeholder"], r["component"]): float(r["score"]) for r in rows}
    assert len(rows) == 32  # 8 stakeholders x 4 components, one measurement each
    assert {s for s, _ in scores} == {
        "Atlas IT Services Ltd", "CloudNine Hosting GmbH", "FieldFix Engineering Ltd",
        "Northwind E-commerce", "Northwind Executive Committee", "Northwind Store Operations",
        "Northwind Supplier Management Office", "Regional Digital Transformation Fund"}
    assert {c: scores[("Atlas IT Services Ltd", c)] for c in
            ("price and service", "contract", "satisfaction", "vision")} == {
        "price and service": 81.0, "contract": 79.0, "satisfaction": 76.0, "vision": 83.0}
    assert scores[("FieldFix Engineering Ltd", "price and service")] == 75.0
    assert scores[("Regional Digital Transformation Fund", "vision")] == 85.0


HOLDERS_ON = """
SELECT ?role ?holder ?onBehalfOf WHERE {
  BIND("%s"^^xsd:date AS ?on)
  ?t a cg:RoleTenure ; cg:ofRole ?r ; cg:holder ?h ; cg:onBehalfOf ?b ; cg:startDate ?start .
  OPTIONAL { ?t cg:endDate ?end }
  FILTER (?start <= ?on && (!BOUND(?end) || ?end >= ?on))
  ?r rdfs:label ?role . ?h rdfs:label ?holder . ?b rdfs:label ?onBehalfOf .
} ORDER BY ?role
"""


def test_who_held_each_role_on_a_given_date() -> None:
    rows = ask(HOLDERS_ON % "2026-03-15")
    assert [(r["role"], r["holder"]) for r in rows] == [
        ("Business unit lead, E-commerce", "Priya Nair"),
        ("Business unit lead, Store Operations", "Marcus Lee"),
        ("Client relationship manager", "Sofia Alvarez"),
        ("Executive sponsor", "Olivia Grant"),
        ("Field services manager", "Aisha Rahman"),
        ("Funding programme officer", "George Whitfield"),
        ("Hosting service manager", "Tom Becker"),
        ("Provider account executive", "Ravi Patel"),
        ("Relationship audit lead", "Sofia Alvarez"),
        ("Service delivery manager", "Daniel Okafor"),
    ]


def test_the_service_delivery_manager_changed_hands_on_the_first_of_april() -> None:
    on_31_march = ask(HOLDERS_ON % "2026-03-31")
    on_1_april = ask(HOLDERS_ON % "2026-04-01")
    sdm = "Service delivery manager"
    assert [r["holder"] for r in on_31_march if r["role"] == sdm] == ["Daniel Okafor"]
    assert [(r["holder"], r["onBehalfOf"]) for r in on_1_april if r["role"] == sdm] == [
        ("Hannah Schmidt", "Atlas IT Services Ltd")]
