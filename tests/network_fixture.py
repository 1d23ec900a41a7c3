"""A generated relationship of N parties (50 by default) for the network picture's tests.

Shaped like a large outsourcing: a client with business units, a supplier management office and
an executive committee; funders funding the client; prime contractors owing the client and paid
by it; licensors; and subcontractors under the primes (owing their prime, paid by it, approved by
the client or the prime). Deterministic for a given seed, so a failure can be looked at again.
"""

from __future__ import annotations

import random

PREFIXES = """\
@prefix cg: <https://w3id.org/comgraph/ns#> .
@prefix cgsr: <https://w3id.org/comgraph/vocab/stakeholder-role/> .
@prefix gen: <https://example.org/generated/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""

FIRST = ["Aster", "Birch", "Cobalt", "Delta", "Ember", "Fjord", "Granite", "Harbour", "Iris", "Juniper",
         "Kestrel", "Linden", "Meridian", "Nimbus", "Orchid", "Pioneer", "Quartz", "Ridge", "Summit",
         "Tundra", "Umber", "Vertex", "Willow", "Xenon", "Yarrow", "Zephyr"]
TRADE = ["Network Services", "Data Centres", "Field Engineering", "Cloud Hosting", "Security Operations",
         "Software Engineering", "Logistics IT", "Service Desk", "Print Services", "Telecoms",
         "Analytics", "Payments Processing"]
FORM = ["Ltd", "GmbH", "BV", "SA", "plc", "AB"]


def relationship_turtle(parties: int = 50, seed: int = 13) -> str:
    """Turtle for one relationship with ``parties`` parties (the client among them)."""
    rng = random.Random(seed)
    lines = [PREFIXES,
             "gen:relationship a cg:Relationship ; rdfs:label \"Generated outsourcing\" ;",
             "    cg:client gen:client ; cg:asOfDate \"2026-06-30\"^^xsd:date .",
             "gen:client rdfs:label \"Client Group Holdings plc\" ."]
    counter = iter(range(1, 10_000))
    names: set[str] = set()

    def party(label: str, *roles: str) -> str:
        key = f"gen:p{next(counter)}"
        lines.append(f"{key} rdfs:label {_quote(label)} .")
        for role in roles:
            lines.append(f"[] a org:Membership ; org:member {key} ; org:organization gen:relationship ; "
                         f"org:role cgsr:{role} ; cg:startDate \"2025-01-01\"^^xsd:date .")
        return key

    def company(suffix: str = "") -> str:
        while True:
            name = f"{rng.choice(FIRST)} {rng.choice(TRADE)} {rng.choice(FORM)}{suffix}"
            if name not in names:
                names.add(name)
                return name

    def tie(kind: str, source: str, target: str, n: int = 1) -> None:
        for _ in range(n):
            record = f"gen:r{next(counter)}"
            if kind == "owes":
                lines.append(f"{record} a cg:Obligation ; cg:obligor {source} ; cg:obligee {target} .")
            elif kind == "pays":
                lines.append(f"{record} a cg:BillingArrangement ; cg:payer {source} ; cg:payee {target} .")
            elif kind == "funds":
                lines.append(f"{record} a cg:FundingArrangement ; cg:funder {source} ; "
                             f"cg:recipient {target} .")
            elif kind == "licenses":
                lines.append(f"{record} a cg:Licence ; cg:licensor {source} ; cg:licensee {target} .")
            elif kind == "approves":
                lines.append(f"{record} cg:approvedBy {source} ; cg:selectedProvider {target} .")

    client = "gen:client"
    units = [party(f"Client {name}", "businessUnit")
             for name in ("Stores", "E-commerce", "Logistics", "Finance")]
    office = party("Client Supplier Management Office", "supplierManagement")
    party("Client Executive Committee", "executiveManagement")
    funders = [party(name, "externalFundingProvider")
               for name in ("Regional Digital Transformation Fund", "National Innovation Agency")]
    primes = [party(company(), "primeContractor", "serviceProvider") for _ in range(4)]
    licensors = [party(company(), "serviceProvider") for _ in range(3)]
    for funder in funders:
        tie("funds", funder, client)
        tie("owes", office, funder, 2)
    for i, prime in enumerate(primes):
        tie("owes", prime, client, rng.randint(1, 6))
        tie("pays", client, prime)
        tie("approves", client, prime)
        tie("licenses", units[i % len(units)], prime)
    for licensor in licensors:
        tie("licenses", licensor, rng.choice([client] + primes))
        tie("pays", client, licensor)
    made = 1 + len(units) + 2 + len(funders) + len(primes) + len(licensors)
    for i in range(parties - made):
        prime = primes[i % len(primes)]
        sub = party(company(), "subcontractor", "serviceProvider")
        tie("owes", sub, prime, rng.randint(1, 3))
        tie("pays", prime, sub)
        tie("approves", client if i % 3 == 0 else prime, sub)
        if i % 5 == 0:
            tie("owes", sub, client)
    return "\n".join(lines) + "\n"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
