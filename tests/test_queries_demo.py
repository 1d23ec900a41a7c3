"""The named queries on the demo relationship: which rows come back, and which defects they find."""

from __future__ import annotations

import pytest

from comgraph.queries import Catalogue
from comgraph.store import Store, open_store
from tests.views_support import DEMO_DIR, EX, demo_store

CG = "https://w3id.org/comgraph/ns#"


def rows(store: Store, name: str, **values: str) -> list[dict[str, str]]:
    query = Catalogue().get(name)
    found = store.select(query.sparql, bindings=query.bind(values, store))
    return [{k: v.value for k, v in r.items()} for r in found]


def defects_store() -> Store:
    """data/demo-defects (the demo with the defects its README lists) in a fresh store."""
    store = open_store("oxigraph:")
    store.load(sorted((DEMO_DIR.parent / "demo-defects").glob("*.ttl")))
    return store


@pytest.fixture(scope="module")
def demo() -> Store:
    return demo_store()


def test_every_named_query_answers_on_the_demo(demo: Store) -> None:
    empty_on_a_sound_demo = {"responsibilities-without-one-accountable", "roles-vacant-or-double-held",
                             "team-missing-stakeholder-kinds"}
    for query in Catalogue():
        found = rows(demo, query.name)
        assert (not found) if query.name in empty_on_a_sound_demo else found, query.name


def test_the_overview_reads_the_relationship_and_its_as_of_date(demo: Store) -> None:
    [overview] = rows(demo, "relationship-overview")
    assert overview["relationship"] == EX + "relationship"
    assert overview["asOfDate"] == "2026-06-30"
    assert overview["clientLabel"] == "Northwind Retail plc"
    assert int(overview["stakeholders"]) == 8 and int(overview["agreements"]) == 4


def test_obligations_due_within_six_months_by_default_and_within_n_when_asked(demo: Store) -> None:
    due = rows(demo, "obligations-due")
    assert [r["dueDate"] for r in due] == sorted(r["dueDate"] for r in due)
    assert all("2026-06-30" <= r["dueDate"] <= "2026-12-30" for r in due)
    assert due[0]["obligationLabel"] == "Monthly service report"
    one_month = rows(demo, "obligations-due", months="1")
    # One month from 30 June runs to 30 July inclusive: the obligation due that day is in it.
    assert [r["dueDate"] for r in one_month] == ["2026-07-10", "2026-07-30"]
    owed_by_cloudnine = rows(demo, "obligations-due", owed_by=EX + "cloudnine")
    assert {r["obligor"] for r in owed_by_cloudnine} == {EX + "cloudnine"} and owed_by_cloudnine


def test_overdue_obligations_are_past_due_and_not_met(demo: Store) -> None:
    overdue = rows(demo, "obligations-overdue")
    assert [(r["obligorLabel"], r["dueDate"]) for r in overdue] == [
        ("Atlas IT Services Ltd", "2026-04-30"), ("FieldFix Engineering Ltd", "2026-05-31")]
    assert rows(demo, "obligations-overdue", as_of="2026-04-01") == []


def test_obligations_by_party_filters_by_obligor_obligee_and_text(demo: Store) -> None:
    owed_to_fund = rows(demo, "obligations-by-party", owed_to=EX + "regional-fund")
    assert {r["obligationLabel"] for r in owed_to_fund} == {
        "Grant progress report for July to December 2025", "Grant progress report for January to June 2026"}
    assert {r["obligationLabel"] for r in rows(demo, "obligations-by-party", search="grant PROGRESS")} == {
        r["obligationLabel"] for r in owed_to_fund}


def test_the_raci_matrix_holds_the_demo_letters(demo: Store) -> None:
    matrix = {(r["responsibilityLabel"], r["partyLabel"]): r["raci"] for r in rows(demo, "raci-matrix")}
    assert matrix[("Annual strategy review", "Northwind Executive Committee")] == "A"
    assert matrix[("Annual strategy review", "Northwind Supplier Management Office")] == "R"
    assert matrix[("Annual strategy review", "Atlas IT Services Ltd")] == "C"
    assert matrix[("Annual strategy review", "Regional Digital Transformation Fund")] == "I"


def test_a_second_accountable_party_is_found_over_the_period_and_none_before_it() -> None:
    store = demo_store("""
ex:ra-extra a cg:ResponsibilityAssignment ; cg:responsibility ex:resp-strategy-review ;
    cg:party ex:atlas-it ; cg:raci cgraci:accountable ; cg:startDate "2026-01-01"^^xsd:date .
""")
    [found] = rows(store, "responsibilities-without-one-accountable")
    assert found["responsibility"] == EX + "resp-strategy-review"
    assert (found["problem"], found["fromDate"], found["accountableCount"]) == ("2 accountable parties",
                                                                                "2026-01-01", "2")
    assert (found["periodStart"], found["periodEnd"]) == ("2025-07-01", "2026-06-30")
    assert set(found["accountableParties"].split("; ")) == {"Atlas IT Services Ltd",
                                                           "Northwind Executive Committee"}
    # A period that ends before the second party arrives has nothing to report ...
    assert rows(store, "responsibilities-without-one-accountable", to="2025-12-31") == []
    # ... and one that starts inside the overlap reports it from the period's first day.
    [clipped] = rows(store, "responsibilities-without-one-accountable", **{"from": "2026-03-01"})
    assert (clipped["fromDate"], clipped["periodStart"]) == ("2026-03-01", "2026-03-01")
    # A period before the assignments start has nobody accountable from its first day.
    before = rows(store, "responsibilities-without-one-accountable",
                  **{"from": "2025-06-01", "to": "2025-06-30"})
    assert before
    assert {(r["problem"], r["fromDate"]) for r in before} == {("no accountable party", "2025-06-01")}


def test_two_accountable_parties_before_the_as_of_date_are_found_by_default() -> None:
    """demo-defects: the SMO stays accountable for the service review until March 2026 while Atlas
    IT is from January. On 30 June only Atlas IT is, but the default period (the term up to the
    as-of date) sees the overlap, as the shape does."""
    store = defects_store()
    [found] = rows(store, "responsibilities-without-one-accountable")
    assert (found["responsibility"], found["fromDate"]) == (EX + "resp-service-review", "2026-01-01")
    assert rows(store, "responsibilities-without-one-accountable", **{"from": "2026-04-01"}) == []


def test_vacant_and_double_held_roles_are_found() -> None:
    store = demo_store("""
ex:tenure-extra a cg:RoleTenure ; cg:ofRole ex:role-executive-sponsor ; cg:holder ex:someone ;
    cg:startDate "2026-06-01"^^xsd:date .
ex:someone rdfs:label "Someone Else" .
ex:role-new a cg:Role ; rdfs:label "Data protection officer" ; cg:process cgp:integration .
""")
    found = {r["roleLabel"]: r for r in rows(store, "roles-vacant-or-double-held")}
    assert set(found) == {"Executive sponsor", "Data protection officer"}
    sponsor = found["Executive sponsor"]
    assert (sponsor["problem"], sponsor["fromDate"], sponsor["holderCount"]) == (
        "held by 2", "2026-06-01", "2")
    assert "Someone Else" in sponsor["holders"].split("; ")
    assert (found["Data protection officer"]["problem"], found["Data protection officer"]["fromDate"]) == (
        "vacant", "2025-07-01")
    # Before the second holder arrives only the never-held role is a defect.
    early = rows(store, "roles-vacant-or-double-held", to="2026-05-31")
    assert [r["roleLabel"] for r in early] == ["Data protection officer"]


def test_a_vacancy_before_the_as_of_date_and_one_after_it_are_told_apart_by_the_period() -> None:
    """demo-defects: the service delivery manager role is empty from 1 April to 31 May 2026 (before
    the as-of date); the audit lead's is empty for the last ten days of the term (after it)."""
    store = defects_store()
    default = rows(store, "roles-vacant-or-double-held")
    assert [(r["role"], r["problem"], r["fromDate"]) for r in default] == [
        (EX + "role-service-delivery-manager", "vacant", "2026-04-01")]
    whole_term = rows(store, "roles-vacant-or-double-held", to="2030-06-30")
    assert {(r["role"], r["fromDate"]) for r in whole_term} == {
        (EX + "role-service-delivery-manager", "2026-04-01"), (EX + "role-audit-lead", "2030-06-21")}
    assert rows(store, "roles-vacant-or-double-held", **{"from": "2026-06-01", "to": "2026-06-30"}) == []


def test_obligations_due_include_the_horizons_last_day() -> None:
    store = demo_store("""
ex:obl-on-the-horizon a cg:Obligation ; rdfs:label "Due on the horizon's last day" ;
    cg:dueDate "2026-07-30"^^xsd:date .
ex:obl-past-the-horizon a cg:Obligation ; rdfs:label "Due the day after" ;
    cg:dueDate "2026-07-31"^^xsd:date .
""")
    due = {r["obligationLabel"] for r in rows(store, "obligations-due", months="1")}
    assert "Due on the horizon's last day" in due and "Due the day after" not in due


def test_history_lists_each_tenure_in_date_order_for_a_stakeholder(demo: Store) -> None:
    history = rows(demo, "role-and-responsibility-history", stakeholder=EX + "atlas-it")
    assert history and {r["party"] for r in history} == {EX + "atlas-it"}
    sdm = [r for r in history if r["kind"] == "role" and r["item"] == EX + "role-service-delivery-manager"]
    first = sdm[0]
    assert (first["startDate"], first.get("endDate")) == ("2025-07-01", "2026-03-31")
    assert first["current"] == "false"
    assert sdm[-1]["current"] == "true"


def test_a_stakeholder_kind_without_a_team_member_is_missing() -> None:
    store = demo_store()
    store.update("DELETE WHERE { <https://example.org/retail-it/tm-george> ?p ?o }")
    [missing] = rows(store, "team-missing-stakeholder-kinds")
    assert missing["stakeholderKind"] == "https://w3id.org/comgraph/vocab/stakeholder-role/externalFundingProvider"
    assert missing["stakeholders"] == "Regional Digital Transformation Fund"


def test_performance_compares_the_latest_measurement_with_its_target(demo: Store) -> None:
    now = {(r["stakeholderLabel"], r["metricLabel"]): r for r in rows(demo, "performance-against-target")}
    fieldfix = now[("FieldFix Engineering Ltd", "Stakeholder satisfaction score")]
    assert (fieldfix["value"], fieldfix["measurementDate"]) == ("73", "2026-06-30")
    assert fieldfix["status"] == "missed"
    march = {(r["stakeholderLabel"], r["metricLabel"]): r for r in
             rows(demo, "performance-against-target", as_of="2026-03-31")}
    availability = march[("Atlas IT Services Ltd", "Core platform availability")]
    assert (availability["value"], availability["status"]) == ("99.2", "missed")
    early = rows(demo, "performance-against-target", as_of="2025-08-01")
    assert early and {r["status"] for r in early} == {"not measured"}


def test_the_scorecard_has_four_components_per_audited_stakeholder(demo: Store) -> None:
    card = rows(demo, "audit-scorecard", stakeholder=EX + "atlas-it")
    assert len({r["component"] for r in card}) == 4
    assert {r["stakeholder"] for r in card} == {EX + "atlas-it"}


def test_the_equity_register_and_ownership_show_money_shares_and_licences(demo: Store) -> None:
    register = rows(demo, "equity-register")
    assert {r["kind"] for r in register} == {"funding", "billing"}
    funding = [r for r in register if r["kind"] == "funding"]
    assert [(r["giverLabel"], r["amount"], r["currency"]) for r in funding] == [
        ("Regional Digital Transformation Fund", "2500000", "EUR")]
    owners = [r for r in rows(demo, "asset-ownership-and-licences")
              if r["relation"] == "owner" and r["current"] == "true"]
    shares: dict[str, float] = {}
    for r in owners:
        shares[r["asset"]] = shares.get(r["asset"], 0) + float(r["share"])
    assert set(shares.values()) == {1.0}
